/*
 * run_options.h - the main command's options: parsing and the usage checks
 * (run_options.c). The options themselves are in run.h.
 */
#ifndef BGSUB_RUN_OPTIONS_H
#define BGSUB_RUN_OPTIONS_H

#include "cli/run.h"

/* Parses argv into o and checks it: -1 to go on, or the exit status to end
 * with (--help, --version, a bad option: its message printed). */
int run_options_parse(int argc, char **argv, run_options *o);

#endif
