/*
 * eval.h - `bgsub eval` over a dataset tree (eval_tree.c), for cmd_eval.c,
 * which parses the options and scores a single sequence itself; both score
 * with eval_score.c.
 */
#ifndef BGSUB_CLI_EVAL_H
#define BGSUB_CLI_EVAL_H

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

/* `bgsub eval` over a dataset root: see print_eval_usage in cmd_eval.c. */
int eval_tree(const eval_options *o);

#endif
