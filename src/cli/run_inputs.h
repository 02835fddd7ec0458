/*
 * run_inputs.h - a run over several inputs (`bgsub a.mp4 b.mp4 -o out/`
 * writes out/a/ and out/b/): the output folders' names, each input's
 * options, and the status of the whole.
 */
#ifndef BGSUB_RUN_INPUTS_H
#define BGSUB_RUN_INPUTS_H

#include "cli/run.h"

#include <limits.h>
#include <stddef.h>

/*
 * The sub-folder name for input: its last path component without trailing
 * slashes and without its extension ("clips/a.mp4" -> "a", "seq/" ->
 * "seq"). For a printf pattern ("seq/input/in%06d.png") the folder holding
 * the files is named instead, passing over a ChangeDetection.net "input"
 * folder ("seq"). "-" (stdin) is "stdin"; a network stream is named by its host,
 * port and path with '-' for '/' and ':', the last extension and the query
 * dropped ("rtsp://cam1:554/live/ch1.sdp" -> "cam1-554-live-ch1"). "." and
 * ".." are resolved to the folder's real name. 0, or -1 if no usable name
 * comes out (the caller reports it).
 */
int run_input_folder_name(const char *input, char *name, size_t size);

/*
 * Check that inputs give distinct folder names. 0, or -1 with a one-line
 * message in err naming the two inputs (duplicates are refused, not
 * renamed: out/a-2/ would not say which input it came from).
 */
int run_inputs_check_names(const char *const *inputs, int count,
                           const char *output_dir, char *err, size_t errlen);

/* The options of input i of several: its folder DIR/NAME, and the file
 * options (plain names, checked) inside that folder. */
typedef struct run_input_paths {
    char dir[PATH_MAX];
    char file[OUTPUT_KINDS_MAX][PATH_MAX];
} run_input_paths;

/* one = all for input i: 0, or EXIT_OUTPUT (printed) if a path
 * does not fit. */
int run_options_for_input(const run_options *all, int i, run_options *one,
                          run_input_paths *paths);

/* The status of a run over several inputs, from its counts. */
int run_inputs_status(int done, int failed, int first_failure, int interrupted);

#endif
