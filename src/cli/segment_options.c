/*
 * segment_options.c - the options of `bgsub segment`: its usage, the parsing
 * of each option and the checks of what depends on several of them.
 */
#include "cli/cli.h"
#include "cli/segment.h"
#include "bgsub.h"
#include "io/output_file.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KMAX 4

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

enum {
    OPT_K = 1000, OPT_KMAX, OPT_CRITERION, OPT_METHOD, OPT_JSON, OPT_TRACE, OPT_PLOT,
    OPT_PLOT_OTSU, OPT_RAW, OPT_RESTARTS, OPT_MAX_ITER, OPT_TOL, OPT_VAR_FLOOR, OPT_SEED,
    OPT_PER_FRAME, OPT_SHARED, OPT_LOCAL, OPT_TILES, OPT_TILE_SIZE, OPT_OVERLAP,
    OPT_MIN_SEPARATION, OPT_MIN_WEIGHT, OPT_MIN_CONTRAST, OPT_HOLD, OPT_THRESHOLD_MAP,
};

/* Bounds of the local fit's parameters (bgsub.h, bgs_hist_local_params). */
#define TILES_MAX 1024
#define TILE_SIZE_MIN 8
#define TILE_SIZE_MAX 65536

static void print_usage(FILE *out)
{
    bgs_hist_fit_params d;
    bgs_hist_local_params l;
    bgs_hist_fit_params_default(&d);
    bgs_hist_local_params_default(&l);
    fprintf(out,
"Usage: bgsub segment [options] INPUT -o OUTPUT\n"
"\n"
"Segment by gray level: fit a mixture of K Gaussians to the 256-bin histogram\n"
"with EM and give each gray level to its most probable component (the cuts\n"
"are where the weighted densities cross, computed exactly). With --local,\n"
"every pixel gets its own threshold instead: each tile of a grid gets a\n"
"two-component fit of its own, and the tiles' thresholds are interpolated\n"
"between the tile centres (for light that varies across the image).\n"
"\n"
"INPUT is an image (PNG, JPEG or BMP; colour is converted to gray with the\n"
"BT.601 weights 0.299 R + 0.587 G + 0.114 B, 16-bit PNGs are scaled to 8\n"
"bits) or anything `bgsub` reads: a video, a folder of images, a printf\n"
"pattern. An image gives one PNG; a sequence gives one PNG per frame in the\n"
"folder OUTPUT, named bin%%06d.png after the input's numbers, as in bgsub.\n"
"With K = 2 the mask is 0 (dark class) / 255 (bright class); with K > 2 it\n"
"is the label 0..K-1 (darkest first) scaled to 0..255, or raw with\n"
"--raw-labels.\n"
"\n"
"Options:\n"
"  -o, --output PATH      mask PNG for an image, folder for a sequence (may be\n"
"                         left out with --json, --plot or --threshold-map)\n"
"      --k N|auto         components, 1..%d (default 2); auto: the K in\n"
"                         1..KMAX with the lowest --criterion\n"
"      --kmax N           largest K tried by --k auto (default %d)\n"
"      --criterion icl|bic  how --k auto chooses (default icl): ICL is BIC\n"
"                         plus twice the classification entropy, and does not\n"
"                         split a hump that is merely not Gaussian; BIC is\n"
"                         -2 log L + (3K - 1) ln(pixels)\n"
"      --method gmm|otsu  mixture fit (default) or Otsu's threshold (K = 2)\n"
"      --json             print the fit as JSON on stdout (with --k auto the\n"
"                         log-likelihood, BIC, ICL and entropy of every K)\n"
"      --trace            add the log-likelihood after every EM iteration to\n"
"                         the JSON\n"
"      --plot FILE.png    draw the fit as a figure: the histogram (gray bars),\n"
"                         each component, the mixture, the thresholds, a\n"
"                         legend and, with --local, the threshold map; for a\n"
"                         sequence, of the first frame (or the shared fit)\n"
"      --plot-otsu        add Otsu's threshold to the figure, for comparison\n"
"      --raw-labels       write labels 0..K-1, not scaled to 0..255\n"
"  -f, --force            overwrite existing output files\n"
"  -h, --help             this help\n"
"\n"
"Local thresholds (two classes; not with --k other than 2 or --method otsu):\n"
"      --local            a threshold per pixel, from a grid of %dx%d tiles\n"
"      --tiles CxR        --local with C tiles across and R down (1..%d each;\n"
"                         N alone is NxN)\n"
"      --tile-size N      --local with tiles of about N x N pixels (%d..%d)\n"
"      --overlap F        a tile's histogram counts the tile grown by F of its\n"
"                         size on every side (%g, 0..2)\n"
"      --min-separation D  a tile shows two classes when its components are\n"
"                         at least D apart by Ashman's D (%g, 0..100),\n"
"      --min-weight W     the smaller weighs at least W (%g, 0..0.5),\n"
"      --min-contrast C   and their means differ by at least C times the\n"
"                         whole image's (%g, 0..10); other tiles borrow their\n"
"                         neighbours' classes, moved with the light\n"
"      --hold             hold the threshold beyond the outer tile centres\n"
"                         (default: extrapolate it linearly)\n"
"      --threshold-map FILE.png  write the threshold of every pixel t as the\n"
"                         8-bit level floor(t), so that a pixel is bright\n"
"                         exactly where it is above the map; for a sequence,\n"
"                         of the first frame (or the shared fit)\n"
"\n"
"Fit (defaults, bounds):\n"
"      --restarts N       k-means++ starts, best log-likelihood kept (%d, 1..100)\n"
"      --max-iter N       EM iterations per start (%d, 1..%d)\n"
"      --tol X            stop when the log-likelihood per pixel gains <= X\n"
"                         (%g, 0..1)\n"
"      --var-floor X      smallest variance, gray levels^2 (%g, 0.01..10000)\n"
"      --seed N           seed of the starts (%llu)\n"
"  With --local these apply to the tiles' fits when given; left out, the\n"
"  tiles take %d restart, %d iterations and a tolerance of %g.\n"
"\n"
"Sequences:\n"
"      --per-frame        one fit per frame (the default)\n"
"      --shared-fit[=first|sum]  one fit for all frames: on the first frame\n"
"                         (default), or on the sum of all histograms (reads\n"
"                         the input twice; not with --local)\n"
"\n"
"Exit status: 0 success, 2 bad option or parameter, 3 input missing or\n"
"unreadable, 4 output cannot be written (or exists, without --force),\n"
"1 other failure, 130 interrupted.\n",
            BGS_HIST_MAX_K, DEFAULT_KMAX, l.cols, l.rows, TILES_MAX, TILE_SIZE_MIN,
            TILE_SIZE_MAX, l.overlap, l.min_separation, l.min_weight, l.min_contrast,
            d.restarts, d.max_iter, BGS_HIST_MAX_ITER, d.tol, d.var_floor,
            (unsigned long long)d.seed, l.fit.restarts, l.fit.max_iter, l.fit.tol);
}

static int parse_double_in(const char *opt, const char *text, double min,
                           double max, double *out)
{
    double v;
    if (cli_parse_double(text, &v) != 0 || !(v >= min && v <= max)) {
        cli_error("%s needs a number in %g..%g, not '%s'", opt, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || text[0] == '-') {
        cli_error("--seed needs a whole number >= 0, not '%s'", text);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* --tiles CxR (or N for NxN). */
static int parse_grid(const char *text, int *cols, int *rows)
{
    char a[24], b[24];
    const char *x = strpbrk(text, "xX");
    long c, r;
    if (x && x > text && (size_t)(x - text) < sizeof a && strlen(x + 1) < sizeof b) {
        memcpy(a, text, (size_t)(x - text));
        a[x - text] = '\0';
        strcpy(b, x + 1);
    } else if (!x && strlen(text) < sizeof a) {
        strcpy(a, text);
        strcpy(b, text);
    } else {
        a[0] = '\0';
    }
    if (!a[0] || !b[0] || cli_parse_long(a, &c) != 0 || cli_parse_long(b, &r) != 0 ||
        c < 1 || r < 1 || c > TILES_MAX || r > TILES_MAX || strchr(a, '+') ||
        strchr(b, '+') || strchr(a, ' ') || strchr(b, ' ')) {
        cli_error("--tiles needs COLSxROWS, each a whole number in 1..%d (e.g. 8x8), "
                  "not '%s'", TILES_MAX, text);
        return -1;
    }
    *cols = (int)c;
    *rows = (int)r;
    return 0;
}

/* The options given that only the local fit uses (for the error when
 * --local is not): the first one's name, or NULL. */
typedef struct given {
    const char *local_tuning; /* --overlap, --min-*, --hold */
    int tiles, tile_size;
} given;

/* Check what depends on several options; an exit status or -1 to go on. */
static int check_options(seg_options *o, const given *g)
{
    const char *local_hint = "add --local (or --tiles / --tile-size)";
    if (g->tiles && g->tile_size) {
        cli_error("--tiles and --tile-size both set the grid: give one");
        return EXIT_USAGE;
    }
    if (!o->local && g->local_tuning) {
        cli_error("%s tunes the local thresholds: %s", g->local_tuning, local_hint);
        return EXIT_USAGE;
    }
    if (!o->local && o->threshold_map) {
        cli_error("--threshold-map needs local thresholds: %s", local_hint);
        return EXIT_USAGE;
    }
    if (o->local && o->method == METHOD_OTSU) {
        cli_error("--local fits a mixture per tile: it cannot be combined with --method otsu");
        return EXIT_USAGE;
    }
    if (o->local && (o->k_auto || o->fit.k != 2)) {
        cli_error("--local splits into two classes: it cannot be combined with --k %s",
                  o->k_auto ? "auto" : "other than 2");
        return EXIT_USAGE;
    }
    if (o->local && o->sharing == SHARE_SUM) {
        cli_error("--shared-fit=sum adds the frames' histograms, which local thresholds "
                  "cannot use: give --shared-fit=first or --per-frame");
        return EXIT_USAGE;
    }
    if (o->method == METHOD_OTSU && (o->k_auto || o->fit.k != 2)) {
        cli_error("--method otsu splits into two classes: it cannot be combined "
                  "with --k %s", o->k_auto ? "auto" : "other than 2");
        return EXIT_USAGE;
    }
    if (o->criterion_given && !o->k_auto) {
        cli_error("--criterion chooses K: it needs --k auto");
        return EXIT_USAGE;
    }
    if (o->trace && !o->json) {
        cli_error("--trace adds to the JSON: it needs --json");
        return EXIT_USAGE;
    }
    if (o->plot_otsu && !o->plot) {
        cli_error("--plot-otsu adds to the figure: it needs --plot");
        return EXIT_USAGE;
    }
    if (!o->output && !o->json && !o->plot && !o->threshold_map) {
        cli_error("no output: give -o OUTPUT (or --json / --plot / --threshold-map)");
        return EXIT_USAGE;
    }
    /* No two outputs may be one file (nor a file one of the masks). */
    const char *names[3] = {o->output, o->plot, o->threshold_map};
    const char *opts[3] = {"-o", "--plot", "--threshold-map"};
    for (int i = 1; i < 3; i++) {
        if (!names[i])
            continue;
        for (int j = 0; j < i; j++)
            if (names[j] && output_path_same(names[j], names[i])) {
                cli_error("%s %s: the same file as %s", opts[i], names[i],
                          j == 0 ? "the output" : opts[j]);
                return EXIT_USAGE;
            }
        if (o->output && output_path_in_family(names[i], o->output, SEG_MASK_PATTERN, NULL)) {
            cli_error("%s %s: one of the masks in %s; give it another name", opts[i],
                      names[i], o->output);
            return EXIT_USAGE;
        }
    }
    if (bgs_hist_fit_params_check(&o->fit) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
    }
    if (o->local) {
        /* The tiles' fits keep their own defaults but for what was given. */
        bgs_hist_fit_params *t = &o->local_params.fit;
        if (o->fit_set & FIT_SET_RESTARTS) t->restarts = o->fit.restarts;
        if (o->fit_set & FIT_SET_MAX_ITER) t->max_iter = o->fit.max_iter;
        if (o->fit_set & FIT_SET_TOL) t->tol = o->fit.tol;
        if (o->fit_set & FIT_SET_VAR_FLOOR) t->var_floor = o->fit.var_floor;
        if (o->fit_set & FIT_SET_SEED) t->seed = o->fit.seed;
        if (bgs_hist_local_params_check(&o->local_params) != BGS_OK) {
            cli_error("%s", bgs_last_error());
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* Returns -1 to go on, or an exit status (help or bad usage). */
int seg_parse_options(int argc, char **argv, seg_options *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {"k", required_argument, NULL, OPT_K},
        {"kmax", required_argument, NULL, OPT_KMAX},
        {"criterion", required_argument, NULL, OPT_CRITERION},
        {"method", required_argument, NULL, OPT_METHOD},
        {"json", no_argument, NULL, OPT_JSON},
        {"trace", no_argument, NULL, OPT_TRACE},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"plot-otsu", no_argument, NULL, OPT_PLOT_OTSU},
        {"raw-labels", no_argument, NULL, OPT_RAW},
        {"restarts", required_argument, NULL, OPT_RESTARTS},
        {"max-iter", required_argument, NULL, OPT_MAX_ITER},
        {"tol", required_argument, NULL, OPT_TOL},
        {"var-floor", required_argument, NULL, OPT_VAR_FLOOR},
        {"seed", required_argument, NULL, OPT_SEED},
        {"per-frame", no_argument, NULL, OPT_PER_FRAME},
        {"shared-fit", optional_argument, NULL, OPT_SHARED},
        {"local", no_argument, NULL, OPT_LOCAL},
        {"tiles", required_argument, NULL, OPT_TILES},
        {"tile-size", required_argument, NULL, OPT_TILE_SIZE},
        {"overlap", required_argument, NULL, OPT_OVERLAP},
        {"min-separation", required_argument, NULL, OPT_MIN_SEPARATION},
        {"min-weight", required_argument, NULL, OPT_MIN_WEIGHT},
        {"min-contrast", required_argument, NULL, OPT_MIN_CONTRAST},
        {"hold", no_argument, NULL, OPT_HOLD},
        {"threshold-map", required_argument, NULL, OPT_THRESHOLD_MAP},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->method = METHOD_GMM;
    o->kmax = DEFAULT_KMAX;
    o->sharing = SHARE_NONE;
    bgs_hist_fit_params_default(&o->fit);
    bgs_hist_local_params_default(&o->local_params);
    bgs_hist_local_params *lp = &o->local_params;
    given g = {0};

    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:fh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'f': o->force = 1; break;
        case 'h': print_usage(stdout); return EXIT_OK_STATUS;
        case OPT_K:
            if (strcmp(optarg, "auto") == 0) {
                o->k_auto = 1;
            } else {
                long v;
                if (cli_parse_long(optarg, &v) != 0 || v < 1 || v > BGS_HIST_MAX_K) {
                    cli_error("--k needs a whole number in 1..%d or 'auto', not '%s'",
                              BGS_HIST_MAX_K, optarg);
                    return EXIT_USAGE;
                }
                o->k_auto = 0;
                o->fit.k = (int)v;
            }
            break;
        case OPT_KMAX:
            if (cli_parse_int_in("--kmax", optarg, 1, BGS_HIST_MAX_K, &o->kmax)) return EXIT_USAGE;
            break;
        case OPT_CRITERION:
            if (strcmp(optarg, "icl") == 0) {
                o->fit.criterion = BGS_HIST_ICL;
            } else if (strcmp(optarg, "bic") == 0) {
                o->fit.criterion = BGS_HIST_BIC;
            } else {
                cli_error("--criterion needs 'icl' or 'bic', not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->criterion_given = 1;
            break;
        case OPT_METHOD:
            if (strcmp(optarg, "gmm") == 0) {
                o->method = METHOD_GMM;
            } else if (strcmp(optarg, "otsu") == 0) {
                o->method = METHOD_OTSU;
            } else {
                cli_error("--method needs 'gmm' or 'otsu', not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_JSON: o->json = 1; break;
        case OPT_TRACE: o->trace = 1; break;
        case OPT_PLOT: o->plot = optarg; break;
        case OPT_PLOT_OTSU: o->plot_otsu = 1; break;
        case OPT_RAW: o->raw_labels = 1; break;
        case OPT_RESTARTS:
            if (cli_parse_int_in("--restarts", optarg, 1, 100, &o->fit.restarts)) return EXIT_USAGE;
            o->fit_set |= FIT_SET_RESTARTS;
            break;
        case OPT_MAX_ITER:
            if (cli_parse_int_in("--max-iter", optarg, 1, BGS_HIST_MAX_ITER, &o->fit.max_iter))
                return EXIT_USAGE;
            o->fit_set |= FIT_SET_MAX_ITER;
            break;
        case OPT_TOL:
            if (parse_double_in("--tol", optarg, 0.0, 1.0, &o->fit.tol)) return EXIT_USAGE;
            o->fit_set |= FIT_SET_TOL;
            break;
        case OPT_VAR_FLOOR:
            if (parse_double_in("--var-floor", optarg, 0.01, 10000.0, &o->fit.var_floor))
                return EXIT_USAGE;
            o->fit_set |= FIT_SET_VAR_FLOOR;
            break;
        case OPT_SEED:
            if (parse_seed(optarg, &o->fit.seed)) return EXIT_USAGE;
            o->fit_set |= FIT_SET_SEED;
            break;
        case OPT_PER_FRAME: o->sharing = SHARE_NONE; break;
        case OPT_SHARED:
            if (!optarg || strcmp(optarg, "first") == 0) {
                o->sharing = SHARE_FIRST;
            } else if (strcmp(optarg, "sum") == 0) {
                o->sharing = SHARE_SUM;
            } else {
                cli_error("--shared-fit needs 'first' or 'sum', not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_LOCAL: o->local = 1; break;
        case OPT_TILES:
            if (parse_grid(optarg, &lp->cols, &lp->rows)) return EXIT_USAGE;
            lp->tile_size = 0;
            o->local = g.tiles = 1;
            break;
        case OPT_TILE_SIZE:
            if (cli_parse_int_in("--tile-size", optarg, TILE_SIZE_MIN, TILE_SIZE_MAX,
                                 &lp->tile_size))
                return EXIT_USAGE;
            lp->cols = lp->rows = 0;
            o->local = g.tile_size = 1;
            break;
        case OPT_OVERLAP:
            if (parse_double_in("--overlap", optarg, 0.0, 2.0, &lp->overlap)) return EXIT_USAGE;
            g.local_tuning = "--overlap";
            break;
        case OPT_MIN_SEPARATION:
            if (parse_double_in("--min-separation", optarg, 0.0, 100.0, &lp->min_separation))
                return EXIT_USAGE;
            g.local_tuning = "--min-separation";
            break;
        case OPT_MIN_WEIGHT:
            if (parse_double_in("--min-weight", optarg, 0.0, 0.5, &lp->min_weight))
                return EXIT_USAGE;
            g.local_tuning = "--min-weight";
            break;
        case OPT_MIN_CONTRAST:
            if (parse_double_in("--min-contrast", optarg, 0.0, 10.0, &lp->min_contrast))
                return EXIT_USAGE;
            g.local_tuning = "--min-contrast";
            break;
        case OPT_HOLD:
            lp->extrapolate = 0;
            g.local_tuning = "--hold";
            break;
        case OPT_THRESHOLD_MAP: o->threshold_map = optarg; break;
        case ':':
        case '?':
            return cli_bad_option(c, argv, "bgsub segment");
        default:
            cli_error("unhandled option (internal error)");
            return EXIT_FAILURE_STATUS;
        }
    }
    if (optind >= argc) {
        cli_error("no input given (usage: bgsub segment [options] INPUT -o OUTPUT)");
        return EXIT_USAGE;
    }
    if (argc - optind > 1) {
        cli_error("one input at a time: '%s' is extra", argv[optind + 1]);
        return EXIT_USAGE;
    }
    o->input = argv[optind];
    if (cli_refuse_empty_names("IMAGE", "a file, folder or pattern", o->input,
                               "-o", "a file or folder name", o->output,
                               "--plot", "a file name", o->plot,
                               "--threshold-map", "a file name", o->threshold_map,
                               (const char *)NULL))
        return EXIT_USAGE;
    return check_options(o, &g);
}
