/*
 * run_report.h - what the main command says on stderr about a run: the
 * set-up with -v, the progress line while it runs (a terminal, without
 * --quiet), the summary at the end, and the closing line of a run over
 * several inputs.
 */
#ifndef BGSUB_RUN_REPORT_H
#define BGSUB_RUN_REPORT_H

#include "cli/outputs.h"
#include "cli/run.h"
#include "io/frame_source.h"

/* The progress line: frames done, frames/s and the time left. */
typedef struct run_progress {
    int enabled;
    long total;             /* frames expected, -1 if unknown */
    double start, last_draw;
} run_progress;

/* Before the first frame (the source is not yet the reader thread's): sets
 * up progress for the frames to expect, and with -v describes the input,
 * the model and the outputs. fps: the input's rate, else --fps, else 0. */
void run_report_start(run_progress *p, const run_options *o, const frame_source *src,
                      const bgs_model *model, double fps, const outputs *outs);

/* Redraws the progress line, at most ten times a second: "bgsub: 120/300
 * frames (40%), 850.2 frames/s, ETA 0:01" (and that the masks are blank
 * while the model learns). */
void run_report_progress(run_progress *p, const run_totals *t, const bgs_model *model);

/* "bgsub: 300 frames (100 learning) 320x240 in 1.20 s: ...", after
 * "NAME: " when name is not NULL (inputs run at the same time). */
void run_report_summary(const run_totals *t, const bgs_model *model, const outputs *outs,
                        const char *name);

/* "bgsub: 3 inputs: 2 done, 1 failed (b.mp4), 1 not run". */
void run_report_inputs(int count, int done, int failed, const char *failed_names,
                       int not_run, int interrupted);

#endif
