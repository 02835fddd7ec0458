/*
 * eval_score.c - one sequence scored against its ground truth, and eval's
 * JSON (see eval_score.h).
 */
#include "cli/eval_score.h"

#include "cli/cli.h"
#include "io/image_io.h"
#include "io/output_file.h"
#include "io/io_util.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest frame number: ground-truth names are gt%06d.png, an int. */
#define EVAL_MAX_FRAME INT_MAX
/* What is read of temporalROI.txt (two numbers need a few bytes). */
#define FRAME_RANGE_MAX_BYTES 4096

int eval_parse_frame_range(const char *text, size_t size, const char *name,
                           long *first, long *last, char *err, size_t errlen)
{
    long v[2];
    size_t i = 0;
    for (int k = 0; k < 2; k++) {
        while (i < size && isspace((unsigned char)text[i]))
            i++;
        if (i == size || !isdigit((unsigned char)text[i]))
            return io_fail(err, errlen, name, "expected two frame numbers \"FIRST LAST\""),
                   EXIT_INPUT;
        long n = 0;
        for (; i < size && isdigit((unsigned char)text[i]); i++) {
            int d = text[i] - '0';
            if (n > (EVAL_MAX_FRAME - d) / 10)
                return io_fail(err, errlen, name, "frame number too large (at most %d)",
                               EVAL_MAX_FRAME), EXIT_INPUT;
            n = n * 10 + d;
        }
        v[k] = n;
    }
    /* What follows the two numbers is not read (a comment, a line end). */
    if (v[0] < 1 || v[1] < v[0])
        return io_fail(err, errlen, name, "expected two frame numbers \"FIRST LAST\" "
                       "with 1 <= FIRST <= LAST, not %ld %ld", v[0], v[1]), EXIT_INPUT;
    *first = v[0];
    *last = v[1];
    return 0;
}

/* Reads "FIRST LAST" from temporalROI.txt; without the file, scores from
 * frame 1 up to the last ground-truth file. Returns an exit status. */
static int read_frame_range(const char *seq_dir, long *first, long *last,
                            char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/temporalROI.txt", seq_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char text[FRAME_RANGE_MAX_BYTES];
        size_t size = fread(text, 1, sizeof text, f);
        int failed = ferror(f);
        fclose(f);
        if (failed)
            return io_fail(err, errlen, path, "cannot read"), EXIT_INPUT;
        return eval_parse_frame_range(text, size, path, first, last, err, errlen);
    }
    *first = 1;
    for (*last = 0;; (*last)++) {
        snprintf(path, sizeof path, "%s/groundtruth/gt%06ld.png", seq_dir, *last + 1);
        if (access(path, F_OK) != 0)
            break;
    }
    if (*last == 0) {
        snprintf(err, errlen, "%s/groundtruth: no ground truth (gt000001.png ...) found",
                 seq_dir);
        return EXIT_INPUT;
    }
    return 0;
}

/* The region of interest: roi_path if given, else SEQ_DIR/ROI.bmp, which is
 * optional (a missing file means every pixel counts). Its name goes to
 * roi_name for the messages of fit_roi. */
static int load_roi(const char *seq_dir, const char *roi_path, image *roi,
                    char *roi_name, size_t name_size, char *err, size_t errlen)
{
    memset(roi, 0, sizeof *roi);
    if (roi_path)
        snprintf(roi_name, name_size, "%s", roi_path);
    else
        snprintf(roi_name, name_size, "%s/ROI.bmp", seq_dir);
    if (!roi_path && access(roi_name, F_OK) != 0)
        return 0;
    return image_load(roi_name, 1, roi, err, errlen) != 0 ? EXIT_INPUT : 0;
}

/* Makes the region of interest the ground truth's size. One larger in both
 * directions is cut to its top-left part (the image keeps its stride), with
 * a warning: the benchmark publishes such a file (traffic/ROI.bmp, 352x240
 * for 320x240 frames), and its top-left part is the one that lines up with
 * the frames. A smaller one cannot cover the frames: an error. */
static int fit_roi(image *roi, const char *roi_name, int width, int height,
                   char *err, size_t errlen)
{
    if (!roi->data || (roi->width == width && roi->height == height))
        return 0;
    if (roi->width < width || roi->height < height) {
        io_fail(err, errlen, roi_name, "size %dx%d is smaller than the ground truth's %dx%d",
                roi->width, roi->height, width, height);
        return EXIT_INPUT;
    }
    cli_error("warning: %s: size %dx%d, the ground truth's is %dx%d: "
              "using its top-left %dx%d", roi_name, roi->width, roi->height,
              width, height, width, height);
    roi->width = width;
    roi->height = height;
    return 0;
}

/* Adds a loaded ground truth and mask (mask_name for the messages) to
 * counts, inside roi (fitted to the ground truth's size first). */
static int score_images(const image *gt, const image *mask, const char *mask_name,
                        image *roi, const char *roi_name, bgs_counts *counts,
                        char *err, size_t errlen)
{
    if (mask->width != gt->width || mask->height != gt->height)
        return io_fail(err, errlen, mask_name, "size %dx%d differs from the ground "
                       "truth's %dx%d", mask->width, mask->height, gt->width,
                       gt->height), EXIT_INPUT;
    int status = fit_roi(roi, roi_name, gt->width, gt->height, err, errlen);
    if (status == 0)
        bgs_counts_add_frame(counts, gt->width, gt->height, mask->data, mask->stride,
                             gt->data, gt->stride, roi->data, roi->stride);
    return status;
}

int eval_score_frame_memory(const uint8_t *gt_data, size_t gt_size,
                            const uint8_t *mask_data, size_t mask_size, image *roi,
                            bgs_counts *counts, char *err, size_t errlen)
{
    image gt = {0}, mask = {0};
    int status = 0;
    if (image_load_memory(gt_data, gt_size, "ground truth", 1, &gt, err, errlen) != 0 ||
        image_load_memory(mask_data, mask_size, "mask", 1, &mask, err, errlen) != 0)
        status = EXIT_INPUT;
    else
        status = score_images(&gt, &mask, "mask", roi, "ROI", counts, err, errlen);
    image_free(&mask);
    image_free(&gt);
    return status;
}

static int score_frame(const char *seq_dir, const char *mask_dir,
                       const char *mask_pattern, long number, image *roi,
                       const char *roi_name, bgs_counts *counts, char *err,
                       size_t errlen)
{
    char gt_dir[PATH_MAX], gt_path[PATH_MAX], mask_path[PATH_MAX];
    snprintf(gt_dir, sizeof gt_dir, "%s/groundtruth", seq_dir);
    if (cli_frame_path(gt_path, sizeof gt_path, gt_dir, "gt%06d.png", number) ||
        cli_frame_path(mask_path, sizeof mask_path, mask_dir, mask_pattern, number)) {
        io_fail(err, errlen, mask_dir, "path too long");
        return EXIT_USAGE;
    }

    image gt = {0}, mask = {0}; /* image_free is safe on a zeroed image */
    int status = EXIT_INPUT;
    if (image_load(gt_path, 1, &gt, err, errlen) == 0 &&
        image_load(mask_path, 1, &mask, err, errlen) == 0)
        status = score_images(&gt, &mask, mask_path, roi, roi_name, counts, err, errlen);
    image_free(&mask);
    image_free(&gt);
    return status;
}

int eval_score_sequence(const char *seq_dir, const char *mask_dir,
                        const char *mask_pattern, const char *roi_path,
                        eval_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int status = read_frame_range(seq_dir, &r->first, &r->last, err, errlen);
    if (status)
        return status;
    image roi;
    char roi_name[PATH_MAX];
    status = load_roi(seq_dir, roi_path, &roi, roi_name, sizeof roi_name, err, errlen);
    if (status)
        return status;
    for (long n = r->first; n <= r->last && status == 0; n++) {
        status = score_frame(seq_dir, mask_dir, mask_pattern, n, &roi, roi_name,
                             &r->counts, err, errlen);
        r->frames += status == 0;
    }
    image_free(&roi);
    return status;
}

void eval_write_result_json(FILE *out, const eval_result *r, const char *sep)
{
    bgs_metrics m = bgs_metrics_from_counts(&r->counts);
    fprintf(out, "\"first_frame\": %ld, \"last_frame\": %ld, \"frames\": %ld%s",
            r->first, r->last, r->frames, sep);
    fprintf(out, "\"recall\": %.6f, \"specificity\": %.6f, \"fpr\": %.6f, "
            "\"fnr\": %.6f, \"pwc\": %.6f, \"precision\": %.6f, \"f_measure\": %.6f%s",
            m.recall, m.specificity, m.fpr, m.fnr, m.pwc, m.precision, m.f_measure, sep);
    fprintf(out, "\"tp\": %llu, \"fp\": %llu, \"tn\": %llu, \"fn\": %llu",
            (unsigned long long)r->counts.tp, (unsigned long long)r->counts.fp,
            (unsigned long long)r->counts.tn, (unsigned long long)r->counts.fn);
}

int eval_write_json(const char *json_path, void (*fill)(FILE *, const void *),
                    const void *ctx)
{
    char err[PATH_MAX + 128];
    if (output_file_report(json_path, 1, fill, ctx, "the JSON", err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

int eval_check_json_name(const char *json_path, const char *mask_dir,
                         const char *mask_pattern)
{
    long number;
    if (!json_path || strcmp(json_path, "-") == 0 ||
        !output_path_in_family(json_path, mask_dir, mask_pattern, &number))
        return 0;
    cli_error("--json=%s is mask %ld of %s: it would overwrite it; give the JSON "
              "another name", json_path, number, mask_dir);
    return EXIT_USAGE;
}
