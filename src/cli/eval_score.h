/*
 * eval_score.h - scoring one ChangeDetection.net sequence folder
 * (groundtruth/gt%06d.png, ROI.bmp, temporalROI.txt) against a folder of
 * masks with the benchmark's rules (bgs_counts_add_frame), and the JSON
 * that `bgsub eval` writes: the scoring unit of cmd_eval.c (one sequence)
 * and eval_tree.c (a dataset).
 */
#ifndef BGSUB_EVAL_SCORE_H
#define BGSUB_EVAL_SCORE_H

#include "bgsub.h"
#include "io/image_io.h"

#include <stddef.h>
#include <stdio.h>

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

/* Parses the text of temporalROI.txt (size bytes, not NUL-terminated;
 * name for the messages): "FIRST LAST", whole numbers with
 * 1 <= FIRST <= LAST <= INT_MAX, after blanks; what follows them is not
 * read. 0, or EXIT_INPUT with a one-line message naming the file. */
int eval_parse_frame_range(const char *text, size_t size, const char *name,
                           long *first, long *last, char *err, size_t errlen);

/* One frame scored from memory: a ground truth and a mask as encoded
 * images (PNG, JPEG, BMP), of one size, added to counts inside roi (an
 * image with data NULL: every pixel; a larger one is cut to the ground
 * truth's size with a warning, as for files). 0, or an exit status with
 * a one-line message. For the fuzz target of eval's ground-truth reading. */
int eval_score_frame_memory(const uint8_t *gt_data, size_t gt_size,
                            const uint8_t *mask_data, size_t mask_size, image *roi,
                            bgs_counts *counts, char *err, size_t errlen);

/* The JSON members of one scored sequence, from "first_frame" to "fn"
 * (no braces), as `bgsub eval --json` prints them; sep goes between the
 * frames, the metrics and the counts (", " keeps them on one line). */
void eval_write_result_json(FILE *out, const eval_result *r, const char *sep);

/* --json=FILE must not be one of the masks in mask_dir (it would overwrite
 * it): 0, or EXIT_USAGE after printing the refusal. */
int eval_check_json_name(const char *json_path, const char *mask_dir,
                         const char *mask_pattern);

/* Writes the JSON that fill makes where --json asks: stdout for "-", else
 * the file (output_file_report). 0 or EXIT_OUTPUT after printing the error. */
int eval_write_json(const char *json_path, void (*fill)(FILE *, const void *),
                    const void *ctx);

#endif
