/*
 * run_input.h - one input of `bgsub` from start to end (run_input.c).
 */
#ifndef BGSUB_RUN_INPUT_H
#define BGSUB_RUN_INPUT_H

#include "cli/preview.h"
#include "cli/run.h"

/* Runs one input: its own source, model and outputs; pv, the preview
 * window (--show), or NULL. With a slot (a concurrent run), its model on
 * slot->pool, no progress line of its own (slot->frames says how far it
 * is) and a summary that names it. Returns its exit status. */
int run_input(const run_options *one, preview *pv, run_slot *slot);

#endif
