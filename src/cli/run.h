/*
 * run.h - what the main command's rooms share about one run (`bgsub
 * [options] INPUT... -o DIR`): the options as parsed (run_options.c), and
 * the run's totals (run_input.c counts them; the report and the statistics
 * output read them), and what one input of a concurrent run is given and
 * tells back. Data only.
 */
#ifndef BGSUB_RUN_H
#define BGSUB_RUN_H

#include "bgsub.h"
#include "io/frame_source.h"

#include <stdatomic.h>
#include <string.h>

/* At most this many output kinds (outputs.c's table). */
#define OUTPUT_KINDS_MAX 16
/* At most this many --input-option. */
#define RUN_INPUT_OPTIONS_MAX 64

typedef struct run_options {
    const char *input;
    const char *const *inputs; /* every INPUT given; input is the current one */
    int input_count;
    /* The file (or folder) each output kind writes, by its row in the
     * output table (outputs.h); NULL where it is not asked for. */
    const char *output_path[OUTPUT_KINDS_MAX];
    const char *output_dir; /* -o DIR (not -o -): the masks' folder */
    int masks_to_stdout;    /* -o -: raw masks on stdout */
    const char *raw_spec;   /* --raw WxH:gray|rgb24 */
    frame_source_raw_format raw;
    double fps;             /* --fps: rate of inputs that have none, 0 = none */
    long min_blob_area;     /* --min-blob-area N */
    int on_error_given;     /* --on-error given: with several inputs, stop
                               means stop the whole run */
    const char *mask_pattern;
    int channels;           /* 1 gray, 3 colour */
    long start_frame;       /* 1-based number of the first frame processed */
    long max_frames;        /* 0 = all */
    long background_every;  /* write bg%06d.png every M frames, 0 = never */
    int background_final;   /* write background.png at the end */
    int force;              /* overwrite existing files */
    int quiet;
    int show;               /* --show: live preview window */
    int realtime;           /* pace at the source's rate; -1 = default */
    long snapshot_at;       /* --snapshot-at N FILE: frame N, 0 = none */
    const char *snapshot_path;
    int threads;            /* model threads, 0 = one per core */
    int writers;            /* mask-writing threads */
    int skip_bad;           /* --on-error skip */
    int renumber;           /* --renumber: masks 1, 2, ... by position */
    const char *load_model; /* --load-model FILE */
    int verbose;            /* -v: describe the set-up at the start */
    const char *roi_path;   /* --roi MASK: region of interest image */
    unsigned params_given;  /* bit per bgs_param set on the command line */
    bgs_params params;
    /* --input-format, --input-option (its options point at
     * input_options), --timeout, --reconnect. */
    frame_source_options source;
    const char *input_options[RUN_INPUT_OPTIONS_MAX];
    int concurrent;         /* several inputs at once: 1 --concurrent, 0
                               --sequential, -1 not said (at once when
                               one is live) */
} run_options;

/* The figures of a run so far. */
typedef struct run_totals {
    long frames;            /* frames given to the model */
    long learning_frames;   /* of which inside the learning phase */
    double foreground_sum;  /* sum of per-frame foreground fractions */
    double model_seconds;   /* time spent in bgs_model_apply */
    double total_seconds;   /* the whole run (set at its end) */
    long bad_frames;        /* frames passed over with --on-error skip */
    int interrupted;        /* SIGINT/SIGTERM came */
    long reconnects;        /* a network stream opened again (--reconnect) */
    double gap_seconds;     /* ... and the time it sent no frame */
    const char *end_problem; /* how a network stream ended early, or NULL */
} run_totals;

/* One input of a concurrent run: what its run is given and tells back. */
typedef struct run_slot {
    bgs_pool *pool;        /* the models' shared pool */
    atomic_long frames;    /* frames done so far */
    atomic_long total;     /* frames expected, -1 if unknown */
    atomic_int finished;
    int status;            /* its exit status, once finished */
} run_slot;

/* The input as messages name it: "stdin" for "-". */
static inline const char *run_input_name(const run_options *o)
{
    return strcmp(o->input, FRAME_SOURCE_STDIN) == 0 ? FRAME_SOURCE_STDIN_NAME : o->input;
}

#endif
