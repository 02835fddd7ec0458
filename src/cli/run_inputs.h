/*
 * run_inputs.h - naming the output folders of a run over several inputs
 * (`bgsub a.mp4 b.mp4 -o out/` writes out/a/ and out/b/).
 */
#ifndef BGSUB_RUN_INPUTS_H
#define BGSUB_RUN_INPUTS_H

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

#endif
