/*
 * cmd_segment.c - `bgsub segment INPUT -o OUTPUT`: segment gray images by a
 * Gaussian mixture fitted to their histogram (or by Otsu's threshold).
 *
 * INPUT is one image (PNG, JPEG or BMP, recognised by content), written as
 * one mask/label PNG; or anything the main command reads (video, folder,
 * printf pattern), written as one mask per frame in a folder. The numerics
 * live in libbgsub (src/lib/histfit.c), the --plot picture is drawn by
 * src/draw/hist_plot.c; this file parses options, moves pixels between
 * files and the library and prints the JSON report.
 */
#include "cli/cli.h"
#include "bgsub.h"
#include "draw/canvas.h"
#include "draw/hist_plot.h"
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
#define PLOT_COMPRESSION 6
#define DEFAULT_KMAX 4

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum seg_method { METHOD_GMM, METHOD_OTSU } seg_method;

typedef enum seg_sharing {
    SHARE_NONE,  /* one fit per frame                       */
    SHARE_FIRST, /* fit on the first frame, apply to all    */
    SHARE_SUM,   /* fit on the sum of all frames' histograms */
} seg_sharing;

typedef struct seg_options {
    const char *input;
    const char *output;
    const char *plot;
    seg_method method;
    int k_auto;
    int kmax;
    int json;
    int raw_labels;
    int force;
    seg_sharing sharing;
    bgs_hist_fit_params fit;
} seg_options;

enum {
    OPT_K = 1000, OPT_KMAX, OPT_METHOD, OPT_JSON, OPT_PLOT, OPT_RAW, OPT_RESTARTS,
    OPT_MAX_ITER, OPT_TOL, OPT_VAR_FLOOR, OPT_SEED, OPT_PER_FRAME, OPT_SHARED,
};

static void print_usage(FILE *out)
{
    bgs_hist_fit_params d;
    bgs_hist_fit_params_default(&d);
    fprintf(out,
"Usage: bgsub segment [options] INPUT -o OUTPUT\n"
"\n"
"Segment by gray level: fit a mixture of K Gaussians to the 256-bin histogram\n"
"with EM and give each gray level to its most probable component (the cuts\n"
"are where the weighted densities cross, computed exactly).\n"
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
"                         left out with --json or --plot)\n"
"      --k N|auto         components, 1..%d (default 2); auto: the K in\n"
"                         1..KMAX with the lowest BIC\n"
"      --kmax N           largest K tried by --k auto (default %d)\n"
"      --method gmm|otsu  mixture fit (default) or Otsu's threshold (K = 2)\n"
"      --json             print the fit as JSON on stdout\n"
"      --plot FILE.png    draw the histogram (gray bars), each component\n"
"                         (coloured), the mixture (red), the thresholds\n"
"                         (black dashes) and Otsu's (magenta dots); for a\n"
"                         sequence, the fit of the first frame (or the shared\n"
"                         fit)\n"
"      --raw-labels       write labels 0..K-1, not scaled to 0..255\n"
"  -f, --force            overwrite existing output files\n"
"  -h, --help             this help\n"
"\n"
"Fit (defaults, bounds):\n"
"      --restarts N       k-means++ starts, best log-likelihood kept (%d, 1..100)\n"
"      --max-iter N       EM iterations per start (%d, 1..%d)\n"
"      --tol X            stop when the log-likelihood per pixel gains <= X\n"
"                         (%g, 0..1)\n"
"      --var-floor X      smallest variance, gray levels^2 (%g, 0.01..10000)\n"
"      --seed N           seed of the starts (%llu)\n"
"\n"
"Sequences:\n"
"      --per-frame        one fit per frame (the default)\n"
"      --shared-fit[=first|sum]  one fit for all frames: on the first frame\n"
"                         (default), or on the sum of all histograms (reads\n"
"                         the input twice)\n"
"\n"
"Exit status: 0 success, 2 bad option or parameter, 3 input missing or\n"
"unreadable, 4 output cannot be written (or exists, without --force),\n"
"1 other failure, 130 interrupted.\n",
            BGS_HIST_MAX_K, DEFAULT_KMAX, d.restarts, d.max_iter,
            BGS_HIST_MAX_ITER, d.tol, d.var_floor, (unsigned long long)d.seed);
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

/* Check what depends on several options; an exit status or -1 to go on. */
static int check_options(seg_options *o)
{
    if (o->method == METHOD_OTSU && (o->k_auto || o->fit.k != 2)) {
        cli_error("--method otsu splits into two classes: it cannot be combined "
                  "with --k %s", o->k_auto ? "auto" : "other than 2");
        return EXIT_USAGE;
    }
    if (!o->output && !o->json && !o->plot) {
        cli_error("no output: give -o OUTPUT (or --json / --plot)");
        return EXIT_USAGE;
    }
    if (o->output && o->plot && output_path_same(o->output, o->plot)) {
        cli_error("--plot %s: the same file as the output", o->plot);
        return EXIT_USAGE;
    }
    if (o->output && o->plot && output_path_in_family(o->plot, o->output, MASK_PATTERN, NULL)) {
        cli_error("--plot %s: one of the masks in %s; give the plot another name", o->plot,
                  o->output);
        return EXIT_USAGE;
    }
    if (bgs_hist_fit_params_check(&o->fit) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
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
        {"method", required_argument, NULL, OPT_METHOD},
        {"json", no_argument, NULL, OPT_JSON},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"raw-labels", no_argument, NULL, OPT_RAW},
        {"restarts", required_argument, NULL, OPT_RESTARTS},
        {"max-iter", required_argument, NULL, OPT_MAX_ITER},
        {"tol", required_argument, NULL, OPT_TOL},
        {"var-floor", required_argument, NULL, OPT_VAR_FLOOR},
        {"seed", required_argument, NULL, OPT_SEED},
        {"per-frame", no_argument, NULL, OPT_PER_FRAME},
        {"shared-fit", optional_argument, NULL, OPT_SHARED},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->method = METHOD_GMM;
    o->kmax = DEFAULT_KMAX;
    o->sharing = SHARE_NONE;
    bgs_hist_fit_params_default(&o->fit);

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
        case OPT_PLOT: o->plot = optarg; break;
        case OPT_RAW: o->raw_labels = 1; break;
        case OPT_RESTARTS:
            if (cli_parse_int_in("--restarts", optarg, 1, 100, &o->fit.restarts)) return EXIT_USAGE;
            break;
        case OPT_MAX_ITER:
            if (cli_parse_int_in("--max-iter", optarg, 1, BGS_HIST_MAX_ITER, &o->fit.max_iter))
                return EXIT_USAGE;
            break;
        case OPT_TOL:
            if (parse_double_in("--tol", optarg, 0.0, 1.0, &o->fit.tol)) return EXIT_USAGE;
            break;
        case OPT_VAR_FLOOR:
            if (parse_double_in("--var-floor", optarg, 0.01, 10000.0, &o->fit.var_floor))
                return EXIT_USAGE;
            break;
        case OPT_SEED:
            if (parse_seed(optarg, &o->fit.seed)) return EXIT_USAGE;
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
                               "--plot", "a file name", o->plot, (const char *)NULL))
        return EXIT_USAGE;
    return check_options(o);
}

/* ------------------------------------------------------------------------ */
/* One segmentation: the fit (or Otsu) and its label table                  */
/* ------------------------------------------------------------------------ */

typedef struct seg_fit {
    seg_method method;
    bgs_hist hist;
    bgs_hist_fit_result gmm;          /* METHOD_GMM                  */
    double loglik[BGS_HIST_MAX_ITER + 1]; /* its trace               */
    double bic_per_k[BGS_HIST_MAX_K]; /* with --k auto               */
    int otsu;                         /* Otsu's threshold, always    */
    uint8_t lut[BGS_HIST_BINS];       /* gray level -> output value  */
} seg_fit;

/* Fit hist (already in f->hist) and fill the lookup table. Returns an exit
 * status. */
static int seg_fit_run(const seg_options *o, seg_fit *f, const char *name)
{
    f->method = o->method;
    if (bgs_hist_otsu(&f->hist, &f->otsu) != BGS_OK) {
        cli_error("%s: %s", name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    int labels = 2;
    if (o->method == METHOD_OTSU) {
        for (int v = 0; v < BGS_HIST_BINS; v++)
            f->lut[v] = v > f->otsu;
    } else {
        bgs_status st = o->k_auto
            ? bgs_hist_fit_auto_ex(&f->hist, &o->fit, o->kmax, &f->gmm, sizeof f->gmm,
                                   f->bic_per_k, f->loglik, BGS_HIST_MAX_ITER + 1)
            : bgs_hist_fit_ex(&f->hist, &o->fit, &f->gmm, sizeof f->gmm, f->loglik,
                              BGS_HIST_MAX_ITER + 1);
        if (st == BGS_OK)
            st = bgs_hist_lut(&f->gmm, f->lut);
        if (st != BGS_OK) {
            cli_error("%s: %s", name, bgs_last_error());
            return EXIT_FAILURE_STATUS; /* the histogram is never empty here */
        }
        labels = f->gmm.k;
    }
    if (!o->raw_labels)
        for (int v = 0; v < BGS_HIST_BINS; v++)
            f->lut[v] = labels > 1 ? (uint8_t)((f->lut[v] * 255 + (labels - 1) / 2) /
                                               (labels - 1))
                                   : 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

static void json_number(FILE *out, const char *fmt, double v)
{
    if (isfinite(v))
        fprintf(out, fmt, v);
    else
        fputs("null", out);
}

static void json_array(FILE *out, const char *key, const double *v, int n,
                       const char *fmt, const char *indent)
{
    fprintf(out, "%s\"%s\": [", indent, key);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", out);
        json_number(out, fmt, v[i]);
    }
    fputs("]", out);
}

/* The fields of one fit, one per line, at the given indent, without the
 * enclosing braces. */
static void json_fit_fields(FILE *out, const seg_options *o, const seg_fit *f,
                            const char *in)
{
    fprintf(out, "%s\"pixels\": %llu,\n", in,
            (unsigned long long)bgs_hist_total(&f->hist));
    if (f->method == METHOD_OTSU) {
        double cut = f->otsu + 0.5;
        fprintf(out, "%s\"method\": \"otsu\",\n", in);
        fprintf(out, "%s\"threshold\": %d,\n", in, f->otsu);
        json_array(out, "thresholds", &cut, 1, "%.1f", in);
        fputs("\n", out);
        return;
    }
    const bgs_hist_fit_result *r = &f->gmm;
    double regions[BGS_HIST_MAX_THRESHOLDS + 1];
    for (int i = 0; i <= r->n_thresholds; i++)
        regions[i] = r->region_labels[i];
    fprintf(out, "%s\"method\": \"gmm\",\n", in);
    fprintf(out, "%s\"k\": %d,\n", in, r->k);
    fprintf(out, "%s\"k_auto\": %s,\n", in, o->k_auto ? "true" : "false");
    json_array(out, "weights", r->weights, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "means", r->means, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "sigmas", r->sigmas, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "thresholds", r->thresholds, r->n_thresholds, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "region_labels", regions, r->n_thresholds + 1, "%.0f", in);
    fputs(",\n", out);
    fprintf(out, "%s\"otsu_threshold\": %d,\n", in, f->otsu);
    fprintf(out, "%s\"log_likelihood\": ", in);
    json_number(out, "%.17g", r->log_likelihood);
    fprintf(out, ",\n%s\"bic\": ", in);
    json_number(out, "%.17g", r->bic);
    fprintf(out, ",\n%s\"iterations\": %d,\n", in, r->iterations);
    fprintf(out, "%s\"converged\": %s,\n", in, r->converged ? "true" : "false");
    fprintf(out, "%s\"stop\": \"%s\",\n", in, r->converged ? "tolerance" : "max_iter");
    fprintf(out, "%s\"restart\": %d,\n", in, r->restart);
    json_array(out, "loglik", f->loglik, r->n_loglik, "%.17g", in);
    if (o->k_auto) {
        fputs(",\n", out);
        fprintf(out, "%s\"bic_per_k\": [", in);
        for (int k = 1; k <= o->kmax; k++) {
            fprintf(out, "%s{\"k\": %d, \"bic\": ", k > 1 ? ", " : "", k);
            json_number(out, "%.17g", f->bic_per_k[k - 1]);
            fputs("}", out);
        }
        fputs("]", out);
    }
    fputs("\n", out);
}

static void json_params(FILE *out, const seg_options *o, const char *in)
{
    fprintf(out,
            "%s\"params\": {\"restarts\": %d, \"max_iter\": %d, \"tol\": %.10g, "
            "\"var_floor\": %.10g, \"seed\": %llu, \"kmax\": %d},\n",
            in, o->fit.restarts, o->fit.max_iter, o->fit.tol, o->fit.var_floor,
            (unsigned long long)o->fit.seed, o->kmax);
}

static int write_plot(const seg_options *o, const seg_fit *f)
{
    char err[512];
    canvas cv;
    if (hist_plot_draw(&cv, &f->hist, f->method == METHOD_GMM ? &f->gmm : NULL,
                       f->otsu) != 0) {
        cli_error("out of memory for the plot");
        return EXIT_FAILURE_STATUS;
    }
    int rc = image_save_png(o->plot, cv.px, cv.width, cv.height, 3, (ptrdiff_t)cv.width * 3,
                            PLOT_COMPRESSION, o->force ? OUTPUT_FILE_FORCE : 0, err,
                            sizeof err);
    canvas_free(&cv);
    if (rc != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
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

static int write_labels(const seg_options *o, const char *path, const seg_fit *f,
                        const uint8_t *gray, ptrdiff_t stride, int w, int h,
                        uint8_t *buf)
{
    char err[512];
    if (bgs_hist_label(f->lut, w, h, gray, stride, buf, w) != BGS_OK) {
        cli_error("%s: %s", path, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    /* A mask of a sequence is one file of many: not synced (output_file.h). */
    if (image_save_png(path, buf, w, h, 1, w, MASK_COMPRESSION,
                       OUTPUT_FILE_NO_SYNC | (o->force ? OUTPUT_FILE_FORCE : 0), err,
                       sizeof err)) {
        cli_error("%s", err);
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
    if (o->plot && (rc = check_writable(o, o->plot)) != 0)
        return rc;
    if (image_load(o->input, 1, &img, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    uint8_t *labels = NULL;
    rc = 0;
    if (bgs_hist_build(&f->hist, img.width, img.height, img.data, img.stride) != BGS_OK) {
        cli_error("%s: %s", o->input, bgs_last_error());
        rc = EXIT_FAILURE_STATUS;
    }
    if (!rc)
        rc = seg_fit_run(o, f, o->input);
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
    if (!rc && o->plot)
        rc = write_plot(o, f);
    if (!rc && o->json) {
        printf("{\n  \"input\": ");
        cli_json_string(stdout, o->input);
        printf(",\n  \"width\": %d,\n  \"height\": %d,\n", img.width, img.height);
        json_params(stdout, o, "  ");
        json_fit_fields(stdout, o, f, "  ");
        printf("}\n");
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("standard output: %s", strerror(errno));
            rc = EXIT_OUTPUT;
        }
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
    json_fit_fields(stdout, s->opt, f, "      ");
    printf("    }");
    s->json_items++;
}

/* Fit the shared histogram: the first frame's, or the sum over all frames
 * (a first pass over the input). */
static int seq_shared_fit(seq_state *s, seg_fit *f)
{
    const uint8_t *data;
    ptrdiff_t stride;
    int got;
    memset(&f->hist, 0, sizeof f->hist);
    while ((got = seq_next(s, &data, &stride)) > 0) {
        bgs_hist_add(&f->hist, s->width, s->height, data, stride);
        s->frames++;
        if (s->opt->sharing == SHARE_FIRST)
            break;
    }
    if (got < 0)
        return -got;
    if (s->frames == 0) {
        cli_error("%s: no frames to segment", s->opt->input);
        return EXIT_INPUT;
    }
    int rc = seg_fit_run(s->opt, f, s->opt->input);
    if (rc)
        return rc;
    /* Label from the first frame again: reopen the input. */
    seq_close(s);
    return seq_open(s, s->opt);
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
            const char *name = frame_source_current_name(s->src);
            if (bgs_hist_build(&frame_fit->hist, s->width, s->height, data,
                               stride) != BGS_OK) {
                cli_error("%s: %s", name, bgs_last_error());
                return EXIT_INPUT;
            }
            if ((rc = seg_fit_run(o, frame_fit, name)))
                return rc;
            use = frame_fit;
            seq_json_fit(s, frame_fit, number);
            if (count == 1 && o->plot && (rc = write_plot(o, frame_fit)))
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
    if (o->plot && (rc = check_writable(o, o->plot)) != 0)
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
    frame_fit = malloc(sizeof *frame_fit);
    if (!s.labels || !frame_fit) {
        cli_error("out of memory for %dx%d frames", s.width, s.height);
        rc = EXIT_FAILURE_STATUS;
        goto done;
    }
    if (o->json) {
        printf("{\n  \"input\": ");
        cli_json_string(stdout, o->input);
        printf(",\n  \"width\": %d,\n  \"height\": %d,\n  \"mode\": \"%s\",\n",
               s.width, s.height, sharing_name(o->sharing));
        json_params(stdout, o, "  ");
    }
    if (o->sharing != SHARE_NONE) {
        if ((rc = seq_shared_fit(&s, f)) != 0)
            goto done;
        if (o->plot && (rc = write_plot(o, f)) != 0)
            goto done;
        if (o->json) {
            printf("  \"fit_frames\": %ld,\n  \"fit\": {\n", s.frames);
            json_fit_fields(stdout, o, f, "    ");
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
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error("standard output: %s", strerror(errno));
            if (!rc)
                rc = EXIT_OUTPUT;
        }
    }
done:
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
    } else {
        cli_catch_stop_signals();
        rc = segment_sequence(&o, f);
    }
    free(f);
    return rc;
}
