/*
 * segment.h - what the files of `bgsub segment` share: its options, one
 * segmentation (a fit of the histogram, or a local fit) and the reports
 * made of it. segment_options.c parses the options, cmd_segment.c moves
 * pixels between files and the library, segment_report.c writes the JSON
 * and the figure.
 */
#ifndef BGSUB_SEGMENT_H
#define BGSUB_SEGMENT_H

#include "bgsub.h"

#include <stdio.h>

typedef enum seg_method { METHOD_GMM, METHOD_OTSU } seg_method;

typedef enum seg_sharing {
    SHARE_NONE,  /* one fit per frame                       */
    SHARE_FIRST, /* fit on the first frame, apply to all    */
    SHARE_SUM,   /* fit on the sum of all frames' histograms */
} seg_sharing;

/* Fit options given on the command line (local mode passes these, and
 * only these, on to the tiles' fits). */
enum {
    FIT_SET_RESTARTS = 1, FIT_SET_MAX_ITER = 2, FIT_SET_TOL = 4,
    FIT_SET_VAR_FLOOR = 8, FIT_SET_SEED = 16,
};

typedef struct seg_options {
    const char *input;
    const char *output;
    const char *plot;
    const char *threshold_map; /* local mode */
    seg_method method;
    int k_auto;
    int kmax;
    int criterion_given;
    int json;
    int trace;     /* --json with the log-likelihood trace */
    int plot_otsu; /* Otsu's threshold in the figure */
    int raw_labels;
    int force;
    seg_sharing sharing;
    bgs_hist_fit_params fit;
    unsigned fit_set; /* FIT_SET_* */
    int local;        /* thresholds per pixel (bgs_hist_local_*) */
    bgs_hist_local_params local_params;
} seg_options;

/* One segmentation: of an image, a frame, or shared by a sequence's frames. */
typedef struct seg_fit {
    seg_method method;
    bgs_hist hist;
    int otsu;                 /* Otsu's threshold of hist, always            */
    /* The mixture: the segmentation itself (global mode), or the whole
     * image's two-component fit shown beside the local one (local mode,
     * for --json and --plot only: have_gmm). */
    int have_gmm;
    bgs_hist_fit_result gmm;
    double loglik[BGS_HIST_MAX_ITER + 1]; /* its trace               */
    /* --k auto with --json: every K's fit, for its likelihood, BIC, ICL
     * and entropy (n_per_k = kmax, or 0). */
    int n_per_k;
    bgs_hist_fit_result per_k[BGS_HIST_MAX_K];
    uint8_t lut[BGS_HIST_BINS]; /* global: gray level -> output value   */
    /* Local mode: the handle holding the last local fit (not owned). */
    bgs_hist_local *local;
} seg_fit;

/* Parse the command line into o: -1 to go on, or an exit status (--help,
 * bad usage; the message printed). */
int seg_parse_options(int argc, char **argv, seg_options *o);

/* The masks of a sequence in the output folder. */
#define SEG_MASK_PATTERN "bin%06d.png"

/* The fields of one fit as JSON lines at indent `in`, without braces. */
void seg_json_fit(FILE *out, const seg_options *o, const seg_fit *f, const char *in);
/* "params" (and "local" in local mode) of the options, each line ending
 * with a comma. */
void seg_json_params(FILE *out, const seg_options *o, const char *in);

/* Draw the figure of f (name: the image or frame it is of; map: local
 * mode's 8-bit threshold map, width x height) and write it to o->plot.
 * 0 or an exit status (the error printed). */
int seg_write_plot(const seg_options *o, const seg_fit *f, const char *name,
                   const uint8_t *map, int width, int height);

#endif
