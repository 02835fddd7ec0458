/*
 * cmd_segment.c - `bgsub segment INPUT -o OUTPUT`: segment gray images by a
 * Gaussian mixture fitted to their histogram (or by Otsu's threshold), with
 * one set of thresholds for the whole image or, with --local, a threshold
 * per pixel from a grid of tile fits.
 *
 * INPUT is one image (PNG, JPEG or BMP, recognised by content), written as
 * one mask/label PNG; or anything the main command reads (video, folder,
 * printf pattern), written as one mask per frame in a folder. The numerics
 * live in libbgsub (src/lib/histfit.c, histlocal.c); the options are
 * segment_options.c's, the JSON and the --plot figure segment_report.c's.
 * This file moves pixels between files and the library.
 */
#include "cli/cli.h"
#include "cli/segment.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASK_COMPRESSION 1
#define MAP_COMPRESSION 6

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
    int n = snprintf(path, sizeof path, "%s/" SEG_MASK_PATTERN, s->opt->output,
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
        snprintf(first, sizeof first, "%s/" SEG_MASK_PATTERN, o->output, 1) < (int)sizeof first &&
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
    int rc = seg_parse_options(argc, argv, &o);
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
