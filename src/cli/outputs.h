/*
 * outputs.h - the outputs of `bgsub`, one interface for all: mask PNGs, raw
 * masks on stdout, the mask and overlay videos, blob lists, background
 * images, the saved model and the statistics. Each kind is one file
 * (out_*.c) that fills an output_kind: how it is asked for, where its
 * frames are handed to it, and open / frame / finish / describe. The table
 * in outputs.c lists them; a new kind is one new file and one row there
 * (and a line of --help). Everything else asks the table: the option
 * parser (the FILE options, stdout taken twice, two outputs on one file,
 * names with several inputs), the pipeline's writers, the -v lines and the
 * summary.
 *
 * Each output gets every mask in one of three places (its stage):
 *  - OUTPUT_ANY_ORDER: the pipeline's writer threads, frames in any order
 *    (a file per frame: mask PNGs);
 *  - OUTPUT_IN_ORDER: the pipeline's stream thread, frame after frame
 *    (one stream over the run: stdout, videos, blob lists);
 *  - OUTPUT_WITH_MODEL: the main thread, with the model as it is after the
 *    frame (background images, statistics, the model), finished at the end
 *    of the run with its totals.
 */
#ifndef BGSUB_OUTPUTS_H
#define BGSUB_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bgsub.h"
#include "cli/run.h"

typedef enum output_stage {
    OUTPUT_ANY_ORDER,
    OUTPUT_IN_ORDER,
    OUTPUT_WITH_MODEL,
} output_stage;

enum {
    OUTPUT_STDOUT = 1,      /* "-" is standard output (which one output has) */
    OUTPUT_NEEDS_FRAME = 2, /* its frames come with the input frame */
    OUTPUT_NEEDS_BLOBS = 4, /* ... and with the mask's blobs */
};

/* What every output of a run knows once the input is open. */
typedef struct output_setup {
    const run_options *opt;
    int width, height, channels;  /* of the input frames (1 or 3) */
    double fps;                   /* the input's rate, else --fps, else 0 */
    double video_fps;             /* rate written into videos (> 0) */
} output_setup;

/* One mask, with what its output's flags and stage ask for. */
typedef struct output_frame {
    long number;                  /* the input's own number for the frame */
    long position;                /* its 0-based place in the input (the
                                     in-order and with-model stages) */
    const uint8_t *mask;          /* width bytes a row, packed */
    const uint8_t *frame;         /* the input, packed (OUTPUT_NEEDS_FRAME) */
    const bgs_blob *blobs;        /* OUTPUT_NEEDS_BLOBS */
    size_t blob_count;
    bgs_model *model;             /* OUTPUT_WITH_MODEL: after this frame */
    double foreground;            /* OUTPUT_WITH_MODEL: fraction of the mask */
} output_frame;

/* The end of a run, for finish. */
typedef struct output_end {
    const bgs_model *model;       /* NULL for stages before the model's */
    const run_totals *totals;
} output_end;

typedef struct output {
    const struct output_kind *kind;
    const output_setup *setup;
    const char *path;             /* what it writes ("-": stdout) */
    void *state;                  /* kind->state_size bytes, zeroed */
} output;

/* A file an output writes: file alone (a path), or dir/file, where file is
 * a pattern with one integer conversion when numbered (bin%06d.png: the
 * whole family). */
typedef struct output_claim {
    const char *dir;
    const char *file;
    int numbered;
} output_claim;

/* PNG level of masks and background images: zlib level 1 is several times
 * faster than the default, and masks (long runs of 0 and 255) compress
 * almost as well. */
#define OUTPUT_PNG_LEVEL 1

typedef struct output_kind {
    const char *name;             /* the option as messages name it */
    const char *option;           /* long option taking FILE, or NULL: the
                                     kind's path() says when it is wanted */
    output_stage stage;
    unsigned flags;               /* OUTPUT_* above */
    size_t state_size;
    /* The file or folder this run asks the kind to write, NULL for none:
     * NULL here means opt->output_path[its row]. */
    const char *(*path)(const run_options *opt);
    /* Usage check of the name before any work (a video's extension): 0, or
     * an exit status with the one-line message printed. May be NULL. */
    int (*check)(const char *path);
    /* The files it writes, into claims[0..1]: how many. NULL: its path
     * (none for "-"). */
    int (*claims)(const run_options *opt, const char *path, output_claim claims[2]);
    /* Each returns 0, or an exit status with a one-line message in err. */
    int (*open)(output *out, char *err, size_t errlen);
    int (*frame)(output *out, const output_frame *f, char *err, size_t errlen);
    /* keep: finish the file (trailer, rename into place); else remove what
     * was written. Frees the state's resources either way. May be NULL. */
    int (*finish)(output *out, int keep, const output_end *end, char *err,
                  size_t errlen);
    /* -v: "bgsub: output: ..." lines on to. May be NULL. */
    void (*describe)(const output *out, FILE *to);
    /* The summary's words for it ("mask video m.mkv"), or none. May be NULL. */
    void (*summary)(const output *out, char *buf, size_t size);
} output_kind;

/* The table. */
extern const output_kind *const output_kinds[];
extern const int output_kind_count;

/* The path kind k writes in this run, NULL if it is not asked for. */
const char *output_wanted(const run_options *o, int k);

/* Usage checks on the outputs asked for, before any work (each failure
 * printed, its exit status returned, else 0): no output at all, stdout
 * taken twice, a kind's own check, two outputs that would write one file. */
int outputs_check(const run_options *o);

/* The outputs of one run. */
typedef struct outputs outputs;

/* Opens every output o asks for, in table order. 0 with *out set, or an exit
 * status with a one-line message in err (nothing left behind). */
int outputs_open(const output_setup *setup, outputs **out, char *err,
                 size_t errlen);
/* Whether any output takes frames at stage; whether the in-order ones want
 * the input frames too. */
int outputs_at(const outputs *s, output_stage stage);
int outputs_need_frames(const outputs *s);

/* The pipeline's mask_writer (OUTPUT_ANY_ORDER) and stream_writer
 * (OUTPUT_IN_ORDER); ctx is the outputs. An output that fails is removed
 * (its file too) and the failure returned. */
int outputs_write_any_order(void *ctx, const uint8_t *mask, long number,
                            char *err, size_t errlen);
int outputs_write_in_order(void *ctx, const uint8_t *mask,
                           const uint8_t *frame, long number, long position,
                           char *err, size_t errlen);
/* The OUTPUT_WITH_MODEL ones, on the main thread. */
int outputs_write_with_model(outputs *s, const output_frame *f, char *err,
                             size_t errlen);

/* Finishes the outputs of the pipeline's stages (keep: their frames so far
 * are kept, also after a failure elsewhere), then, with end, the others (in
 * table order; after one fails, the rest write nothing). Returns 0 or the
 * first failure's exit status, its message in err. */
int outputs_finish_streams(outputs *s, int keep, char *err, size_t errlen);
int outputs_finish_with_model(outputs *s, int keep, const output_end *end,
                              char *err, size_t errlen);

/* -v lines; "bgsub: output: no masks written" when no output takes masks. */
void outputs_describe(const outputs *s, FILE *to);
/* "masks in out, mask video m.mkv", or "no masks written". */
void outputs_summary(const outputs *s, char *buf, size_t size);

/* Removes whatever is not finished, frees s. NULL is fine. */
void outputs_close(outputs *s);

#endif
