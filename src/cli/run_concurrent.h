/*
 * run_concurrent.h - several inputs of `bgsub` at the same time
 * (--concurrent; the default when an input is live): each input is run
 * by cmd_run.c as it runs one alone, on a thread of its own, with its own
 * reader, writers, model and outputs (in DIR/NAME), its model on one pool
 * of threads shared by all; the main thread draws one progress line for
 * all of them (run_concurrent.c).
 */
#ifndef BGSUB_RUN_CONCURRENT_H
#define BGSUB_RUN_CONCURRENT_H

#include "bgsub.h"
#include "cli/run.h"

#include <limits.h>
#include <stdatomic.h>

/* One input of a concurrent run: what its run is given and tells back. */
typedef struct run_slot {
    bgs_pool *pool;        /* the models' shared pool */
    atomic_long frames;    /* frames done so far */
    atomic_long total;     /* frames expected, -1 if unknown */
    atomic_int finished;
    int status;            /* its exit status, once finished */
} run_slot;

/* The options of input i of several: its folder DIR/NAME, and the file
 * options (plain names, checked) inside that folder. */
typedef struct run_input_paths {
    char dir[PATH_MAX];
    char file[OUTPUT_KINDS_MAX][PATH_MAX];
} run_input_paths;

/* one = all for input i (cmd_run.c): 0, or EXIT_OUTPUT (printed) if a path
 * does not fit. */
int run_options_for_input(const run_options *all, int i, run_options *one,
                          run_input_paths *paths);

/* Runs one input (cmd_run.c): with a slot, its model on slot->pool, no
 * progress line of its own (slot->frames says how far it is) and a summary
 * that names it. Returns its exit status. */
int run_input(const run_options *one, run_slot *slot);

/* Every input of opt at the same time: the exit status of the whole (0;
 * 7 when some failed and some were done; the first failure's when none
 * was done; 130 when interrupted). */
int run_concurrent(const run_options *opt);

/* The status of a run over several inputs, from its counts. */
int run_inputs_status(int done, int failed, int first_failure, int interrupted);

#endif
