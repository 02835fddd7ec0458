/*
 * run_concurrent.h - several inputs of `bgsub` at the same time
 * (--concurrent; the default when an input is live): each input is run
 * by run_input.c as it runs one alone, on a thread of its own, with its own
 * reader, writers, model and outputs (in DIR/NAME), its model on one pool
 * of threads shared by all; the main thread draws one progress line for
 * all of them (run_concurrent.c).
 */
#ifndef BGSUB_RUN_CONCURRENT_H
#define BGSUB_RUN_CONCURRENT_H

#include "bgsub.h"
#include "cli/run.h"

/* Every input of opt at the same time: the exit status of the whole (0;
 * 7 when some failed and some were done; the first failure's when none
 * was done; 130 when interrupted). */
int run_concurrent(const run_options *opt);

#endif
