/*
 * cmd_segment.c - `bgsub segment INPUT -o OUTPUT`: segment gray images by a
 * Gaussian mixture fitted to their histogram (or by Otsu's threshold), with
 * one set of thresholds for the whole image or, with --local, a threshold
 * per pixel from a grid of tile fits.
 *
 * INPUT is one image (PNG, JPEG or BMP, recognised by content), written as
 * one mask/label PNG; or anything the main command reads (video, folder,
 * printf pattern), written as one mask per frame in a folder. The numerics
 * live in libbgsub (src/lib/histfit.c, histlocal.c); the JSON and the
 * --plot figure are made by segment_report.c. This file parses options and
 * moves pixels between files and the library.
 */
#include "cli/cli.h"
#include "cli/segment.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASK_PATTERN "bin%06d.png"
#define MASK_COMPRESSION 1
#define MAP_COMPRESSION 6
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
        if (o->output && output_path_in_family(names[i], o->output, MASK_PATTERN, NULL)) {
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
static int parse_options(int argc, char **argv, seg_options *o)
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

/* ------------------------------------------------------------------------ */
/* One segmentation                                                         */
/* ------------------------------------------------------------------------ */

/* Whether a fit's report (JSON, figure) is wanted: the mixture beside a
 * local fit and every K's numbers are computed only then. */
static int wants_report(const seg_options *o, int plotted)
{
    return o->json || plotted;
}

/* The whole-histogram part: Otsu's threshold always; the mixture when it
 * segments (global mode) or when a report shows it (local mode). f->hist
 * is already built. Returns an exit status. */
static int seg_fit_hist(const seg_options *o, seg_fit *f, const char *name, int report)
{
    f->method = o->method;
    f->have_gmm = 0;
    f->n_per_k = 0;
    if (bgs_hist_otsu(&f->hist, &f->otsu) != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    if (o->method == METHOD_OTSU) {
        for (int v = 0; v < BGS_HIST_BINS; v++)
            f->lut[v] = o->raw_labels ? v > f->otsu : (v > f->otsu) * 255;
        return 0;
    }
    if (o->local && !report)
        return 0;
    bgs_hist_fit_params p = o->fit;
    if (o->local)
        p.k = 2;
    bgs_status st = o->k_auto
        ? bgs_hist_fit_auto_ex(&f->hist, &p, o->kmax, &f->gmm, sizeof f->gmm, NULL,
                               f->loglik, BGS_HIST_MAX_ITER + 1)
        : bgs_hist_fit_ex(&f->hist, &p, &f->gmm, sizeof f->gmm, f->loglik,
                          BGS_HIST_MAX_ITER + 1);
    /* Every K's numbers (for the report): each K fitted exactly as
     * bgs_hist_fit_auto fits it. */
    for (int k = 1; st == BGS_OK && o->k_auto && report && k <= o->kmax; k++) {
        p.k = k;
        st = bgs_hist_fit(&f->hist, &p, &f->per_k[k - 1]);
        f->n_per_k = k;
    }
    if (st == BGS_OK)
        st = bgs_hist_lut(&f->gmm, f->lut);
    if (st != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS; /* the histogram is never empty here */
    }
    f->have_gmm = 1;
    int labels = f->gmm.k;
    if (!o->raw_labels)
        for (int v = 0; v < BGS_HIST_BINS; v++)
            f->lut[v] = labels > 1 ? (uint8_t)((f->lut[v] * 255 + (labels - 1) / 2) /
                                               (labels - 1))
                                   : 0;
    return 0;
}

/* Fit one gray image (width x height, rows stride apart): its histogram,
 * and the local fit in local mode (f->local, a handle of that size). */
static int seg_fit_image(const seg_options *o, seg_fit *f, const uint8_t *gray,
                         ptrdiff_t stride, int w, int h, const char *name, int report)
{
    if (bgs_hist_build(&f->hist, w, h, gray, stride) != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_INPUT;
    }
    if (o->local && bgs_hist_local_fit(f->local, gray, stride) != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    return seg_fit_hist(o, f, name, report);
}

/* The output of a gray image under fit f into out (rows w bytes apart). */
static int seg_label(const seg_options *o, const seg_fit *f, const uint8_t *gray,
                     ptrdiff_t stride, int w, int h, uint8_t *out, const char *name)
{
    bgs_status st;
    if (o->local) {
        st = bgs_hist_local_mask(f->local, gray, stride, out, w);
        if (st == BGS_OK && o->raw_labels)
            for (size_t i = 0; i < (size_t)w * h; i++)
                out[i] = out[i] != 0;
    } else {
        st = bgs_hist_label(f->lut, w, h, gray, stride, out, w);
    }
    if (st != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* A local handle for w x h images (f->local); an exit status on failure. */
static int seg_local_open(const seg_options *o, seg_fit *f, int w, int h, const char *name)
{
    if (!o->local)
        return 0;
    f->local = bgs_hist_local_create(w, h, &o->local_params);
    if (!f->local) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/* 0 if path may be written, else an exit status (the error printed). */
static int check_writable(const seg_options *o, const char *path)
{
    char err[512];
    if (output_file_check(path, o->force, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int check_single_outputs(const seg_options *o)
{
    int rc;
    if (o->plot && (rc = check_writable(o, o->plot)) != 0)
        return rc;
    if (o->threshold_map && (rc = check_writable(o, o->threshold_map)) != 0)
        return rc;
    return 0;
}

/* Label a gray image and write it to path. */
static int write_labels(const seg_options *o, const char *path, const seg_fit *f,
                        const uint8_t *gray, ptrdiff_t stride, int w, int h,
                        uint8_t *buf)
{
    char err[512];
    int rc = seg_label(o, f, gray, stride, w, h, buf, path);
    if (rc)
        return rc;
    /* A mask of a sequence is one file of many: not synced (output_file.h). */
    if (image_save_png(path, buf, w, h, 1, w, MASK_COMPRESSION,
                       OUTPUT_FILE_NO_SYNC | (o->force ? OUTPUT_FILE_FORCE : 0), err,
                       sizeof err)) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

/* The outputs made once: the threshold map and the figure of fit f (of
 * the image, the first frame or the shared fit, named name). */
static int write_once(const seg_options *o, const seg_fit *f, const char *name, int w, int h)
{
    char err[512];
    int rc = 0;
    uint8_t *map = NULL;
    if (o->local && (o->threshold_map || o->plot)) {
        map = malloc((size_t)w * h);
        if (!map) {
            cli_error("out of memory for a %dx%d threshold map", w, h);
            return EXIT_FAILURE_STATUS;
        }
        if (bgs_hist_local_threshold_map8(f->local, map, w) != BGS_OK) {
            cli_error("%s: %s", name, bgs_last_error());
            rc = EXIT_FAILURE_STATUS;
        }
    }
    if (!rc && o->threshold_map &&
        image_save_png(o->threshold_map, map, w, h, 1, w, MAP_COMPRESSION,
                       o->force ? OUTPUT_FILE_FORCE : 0, err, sizeof err)) {
        cli_error("%s", err);
        rc = EXIT_OUTPUT;
    }
    if (!rc && o->plot)
        rc = seg_write_plot(o, f, name, map, w, h);
    free(map);
    return rc;
}

static int flush_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("standard output: %s", strerror(errno));
        return EXIT_OUTPUT;
    }
    return 0;
}

/* 1 if path is a PNG, JPEG or BMP file (by its first bytes), 0 if it is
 * something else (a video, a folder, a pattern), -1 if it does not exist. */
static int input_is_image(const char *path)
{
    struct stat st;
    if (strchr(path, '%'))
        return 0; /* a printf pattern */
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISREG(st.st_mode))
        return 0;
    unsigned char b[8] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 1; /* let image_load report why it cannot be read */
    size_t n = fread(b, 1, sizeof b, fp);
    fclose(fp);
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return 1;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return 1;
    if (n >= 2 && b[0] == 'B' && b[1] == 'M')
        return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* One image                                                                */
/* ------------------------------------------------------------------------ */

static int segment_image(const seg_options *o, seg_fit *f)
{
    char err[512];
    image img = {0};
    int rc;
    if (o->output && (rc = check_writable(o, o->output)) != 0)
        return rc;
    if ((rc = check_single_outputs(o)) != 0)
        return rc;
    if (image_load(o->input, 1, &img, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    uint8_t *labels = NULL;
    rc = seg_local_open(o, f, img.width, img.height, o->input);
    if (!rc)
        rc = seg_fit_image(o, f, img.data, img.stride, img.width, img.height, o->input,
                           wants_report(o, o->plot != NULL));
    if (!rc && o->output) {
        labels = malloc((size_t)img.width * img.height);
        if (!labels) {
            cli_error("out of memory for %dx%d labels", img.width, img.height);
            rc = EXIT_FAILURE_STATUS;
        } else {
            rc = write_labels(o, o->output, f, img.data, img.stride, img.width,
                              img.height, labels);
        }
    }
    if (!rc)
        rc = write_once(o, f, o->input, img.width, img.height);
    if (!rc && o->json) {
        printf("{\n  \"input\": ");
        cli_json_string(stdout, o->input);
        printf(",\n  \"width\": %d,\n  \"height\": %d,\n", img.width, img.height);
        seg_json_params(stdout, o, "  ");
        seg_json_fit(stdout, o, f, "  ");
        printf("}\n");
        rc = flush_stdout();
    }
    free(labels);
    image_free(&img);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* A sequence                                                               */
/* ------------------------------------------------------------------------ */

typedef struct seq_state {
    const seg_options *opt;
    frame_source *src;
    uint8_t *labels;
    int width, height;
    long frames;
    int json_items; /* fits printed so far (per-frame JSON) */
} seq_state;

static int seq_open(seq_state *s, const seg_options *o)
{
    char err[512];
    s->src = frame_source_open(o->input, 1, err, sizeof err);
    if (!s->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    s->width = frame_source_width(s->src);
    s->height = frame_source_height(s->src);
    return 0;
}

static void seq_close(seq_state *s)
{
    if (s->src)
        frame_source_close(s->src);
    s->src = NULL;
}

/* Read the next frame: 1 got one, 0 at the end, or -(exit status). */
static int seq_next(seq_state *s, const uint8_t **data, ptrdiff_t *stride)
{
    char err[512];
    if (cli_stop) {
        cli_error("%s: interrupted after %ld frames", s->opt->input, s->frames);
        return -EXIT_INTERRUPTED;
    }
    int got = frame_source_read(s->src, data, stride, err, sizeof err);
    if (got < 0) {
        cli_error("%s", err);
        return -EXIT_INPUT;
    }
    return got;
}

static int seq_write_mask(seq_state *s, const seg_fit *f, const uint8_t *data,
                          ptrdiff_t stride, long number)
{
    char path[PATH_MAX];
    if (!s->opt->output)
        return 0;
    int n = snprintf(path, sizeof path, "%s/" MASK_PATTERN, s->opt->output,
                     (int)number);
    if (n < 0 || (size_t)n >= sizeof path) {
        cli_error("%s: output path too long", s->opt->output);
        return EXIT_OUTPUT;
    }
    return write_labels(s->opt, path, f, data, stride, s->width, s->height,
                        s->labels);
}

static void seq_json_fit(seq_state *s, const seg_fit *f, long frame)
{
    if (!s->opt->json)
        return;
    printf("%s    {\n      \"frame\": %ld,\n      \"source\": ", s->json_items ? ",\n" : "",
           frame);
    cli_json_string(stdout, frame_source_current_name(s->src));
    printf(",\n");
    seg_json_fit(stdout, s->opt, f, "      ");
    printf("    }");
    s->json_items++;
}

/* A frame's name in the figure: the file it came from, and for a video
 * (whose frames have no file of their own) its number. */
static void frame_name(seq_state *s, long number, char *buf, size_t size)
{
    const char *name = frame_source_current_name(s->src);
    if (strcmp(name, s->opt->input) == 0)
        snprintf(buf, size, "%s, frame %ld", name, number);
    else
        snprintf(buf, size, "%s", name);
}

/* Fit the shared histogram: the first frame's (and the local fit of the
 * first frame), or the sum over all frames (a first pass over the input). */
static int seq_shared_fit(seq_state *s, seg_fit *f)
{
    const seg_options *o = s->opt;
    const uint8_t *data;
    ptrdiff_t stride;
    int got, rc = 0;
    char name[PATH_MAX + 32];
    memset(&f->hist, 0, sizeof f->hist);
    while ((got = seq_next(s, &data, &stride)) > 0) {
        s->frames++;
        if (o->sharing == SHARE_FIRST) {
            frame_name(s, frame_source_number(s->src), name, sizeof name);
            rc = seg_fit_image(o, f, data, stride, s->width, s->height, name,
                               wants_report(o, o->plot != NULL));
            break;
        }
        bgs_hist_add(&f->hist, s->width, s->height, data, stride);
    }
    if (got < 0)
        return -got;
    if (rc)
        return rc;
    if (s->frames == 0) {
        cli_error("%s: no frames to segment", o->input);
        return EXIT_INPUT;
    }
    if (o->sharing == SHARE_SUM) {
        snprintf(name, sizeof name, "%s, sum of %ld frames", o->input, s->frames);
        rc = seg_fit_hist(o, f, o->input, 1);
    }
    if (!rc)
        rc = write_once(o, f, name, s->width, s->height);
    if (rc)
        return rc;
    /* Label from the first frame again: reopen the input. */
    seq_close(s);
    return seq_open(s, o);
}

static int seq_loop(seq_state *s, seg_fit *f, seg_fit *frame_fit)
{
    const seg_options *o = s->opt;
    const uint8_t *data;
    ptrdiff_t stride;
    int got, rc;
    s->frames = 0; /* frames segmented so far */
    while ((got = seq_next(s, &data, &stride)) > 0) {
        long count = s->frames + 1;
        /* Masks (and the JSON's frames) go by the input's own numbers, as
         * in the main command. */
        long number = frame_source_number(s->src);
        const seg_fit *use = f;
        if (o->sharing == SHARE_NONE) {
            char name[PATH_MAX + 32];
            frame_name(s, number, name, sizeof name);
            int plotted = count == 1 && o->plot;
            if ((rc = seg_fit_image(o, frame_fit, data, stride, s->width, s->height, name,
                                    wants_report(o, plotted))))
                return rc;
            use = frame_fit;
            seq_json_fit(s, frame_fit, number);
            if (count == 1 && (rc = write_once(o, frame_fit, name, s->width, s->height)))
                return rc;
        }
        if ((rc = seq_write_mask(s, use, data, stride, number)))
            return rc;
        s->frames = count;
    }
    if (got < 0)
        return -got;
    if (s->frames == 0) {
        cli_error("%s: no frames to segment", o->input);
        return EXIT_INPUT;
    }
    return 0;
}

static const char *sharing_name(seg_sharing s)
{
    return s == SHARE_FIRST ? "shared-first" : s == SHARE_SUM ? "shared-sum"
                                                              : "per-frame";
}

static int segment_sequence(const seg_options *o, seg_fit *f)
{
    seq_state s = {0};
    s.opt = o;
    seg_fit *frame_fit = NULL;
    int rc;
    if ((rc = check_single_outputs(o)) != 0)
        return rc;
    if ((rc = seq_open(&s, o)) != 0)
        return rc;
    if (o->output && output_file_make_dir(o->output) != 0) {
        cli_error("%s: cannot create output folder: %s", o->output, strerror(errno));
        seq_close(&s);
        return EXIT_OUTPUT;
    }
    char first[PATH_MAX];
    if (o->output &&
        snprintf(first, sizeof first, "%s/" MASK_PATTERN, o->output, 1) < (int)sizeof first &&
        (rc = check_writable(o, first)) != 0) {
        seq_close(&s);
        return rc;
    }
    s.labels = malloc((size_t)s.width * s.height);
    frame_fit = calloc(1, sizeof *frame_fit);
    if (!s.labels || !frame_fit) {
        cli_error("out of memory for %dx%d frames", s.width, s.height);
        rc = EXIT_FAILURE_STATUS;
        goto done;
    }
    /* One local handle for the frames (all of one size), reused. */
    if ((rc = seg_local_open(o, f, s.width, s.height, o->input)) != 0)
        goto done;
    frame_fit->local = f->local;
    if (o->json) {
        printf("{\n  \"input\": ");
        cli_json_string(stdout, o->input);
        printf(",\n  \"width\": %d,\n  \"height\": %d,\n  \"mode\": \"%s\",\n",
               s.width, s.height, sharing_name(o->sharing));
        seg_json_params(stdout, o, "  ");
    }
    if (o->sharing != SHARE_NONE) {
        if ((rc = seq_shared_fit(&s, f)) != 0)
            goto done;
        if (o->json) {
            printf("  \"fit_frames\": %ld,\n  \"fit\": {\n", s.frames);
            seg_json_fit(stdout, o, f, "    ");
            printf("  },\n");
        }
    }
    if (o->json && o->sharing == SHARE_NONE)
        printf("  \"fits\": [\n");
    rc = seq_loop(&s, f, frame_fit);
    if (o->json) {
        if (o->sharing == SHARE_NONE)
            printf("%s  ],\n", s.json_items ? "\n" : "");
        printf("  \"frames\": %ld\n}\n", s.frames);
        int frc = flush_stdout();
        if (!rc)
            rc = frc;
    }
done:
    bgs_hist_local_free(f->local);
    f->local = NULL;
    free(frame_fit);
    free(s.labels);
    seq_close(&s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

int cmd_segment(int argc, char **argv)
{
    seg_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    seg_fit *f = calloc(1, sizeof *f);
    if (!f) {
        cli_error("out of memory");
        return EXIT_FAILURE_STATUS;
    }
    int kind = input_is_image(o.input);
    if (kind < 0) {
        cli_error("%s: cannot open: %s", o.input, strerror(errno));
        free(f);
        return EXIT_INPUT;
    }
    if (kind == 1) {
        rc = segment_image(&o, f);
        bgs_hist_local_free(f->local);
    } else {
        cli_catch_stop_signals();
        rc = segment_sequence(&o, f);
    }
    free(f);
    return rc;
}
