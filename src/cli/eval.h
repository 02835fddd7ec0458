/*
 * eval.h - what the two halves of `bgsub eval` share: cmd_eval.c (options,
 * one sequence) and eval_tree.c (a dataset tree of category/sequence
 * folders, and --run).
 */
#ifndef BGSUB_CLI_EVAL_H
#define BGSUB_CLI_EVAL_H

#include "bgsub.h"

#include <stdio.h>

typedef struct eval_options {
    const char *dataset;      /* SEQ_DIR, or a dataset root            */
    const char *results;      /* MASK_DIR, or a results root           */
    const char *mask_pattern; /* mask names, default bin%06d.png        */
    const char *roi_path;     /* --roi: instead of each ROI.bmp, or NULL */
    const char *json_path;    /* NULL: table only; "-": JSON on stdout
                                 instead of the table; else a file       */
    int run;                  /* --run: run bgsub on every sequence first */
    char **run_args;          /* bgsub options after "--" (for --run)   */
    int run_argc;
} eval_options;

typedef struct eval_result {
    long first, last;   /* scored frame range, inclusive */
    long frames;        /* frames scored */
    bgs_counts counts;
} eval_result;

/* Scores the masks in mask_dir against the sequence folder seq_dir, with
 * the region of interest roi_path (NULL: seq_dir/ROI.bmp when present). 0,
 * or an exit status with a one-line message naming the file in err. */
int eval_score_sequence(const char *seq_dir, const char *mask_dir,
                        const char *mask_pattern, const char *roi_path,
                        eval_result *r, char *err, size_t errlen);

/* The JSON members of one scored sequence, from "first_frame" to "fn"
 * (no braces), as `bgsub eval --json` prints them; sep goes between the
 * frames, the metrics and the counts (", " keeps them on one line). */
void eval_write_result_json(FILE *out, const eval_result *r, const char *sep);

/* Writes the JSON that fill makes where --json asks: stdout for "-", else
 * the file (output_file_report). 0 or EXIT_OUTPUT after printing the error. */
int eval_write_json(const char *json_path, void (*fill)(FILE *, const void *),
                    const void *ctx);

/* `bgsub eval` over a dataset root: see print_eval_usage in cmd_eval.c. */
int eval_tree(const eval_options *o);

#endif
