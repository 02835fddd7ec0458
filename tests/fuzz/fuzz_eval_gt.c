/*
 * fuzz_eval_gt.c - libFuzzer target: eval's reading of one frame's ground
 * truth, mask and region of interest (eval_score_frame_memory), the counts
 * checked against a brute-force recount of the benchmark's rules.
 *
 * Input: [2 bytes little-endian N][N bytes: ground truth image]
 *        [2 bytes little-endian M][M bytes: mask image][rest: ROI image,
 *        none when empty]. The images are PNG, JPEG or BMP.
 */
#include "cli/cli.h"
#include "cli/eval_score.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok, const char *what, const char *err)
{
    if (!ok) {
        fprintf(stderr, "broken promise: %s (err: %s)\n", what, err);
        abort();
    }
}

/* Takes a 2-byte length and that many bytes from *data; 0 when short. */
static int take(const uint8_t **data, size_t *size, const uint8_t **part, size_t *len)
{
    if (*size < 2)
        return 0;
    *len = (size_t)(*data)[0] | (size_t)(*data)[1] << 8;
    if (*size - 2 < *len)
        return 0;
    *part = *data + 2;
    *data += 2 + *len;
    *size -= 2 + *len;
    return 1;
}

/* The benchmark's rules, pixel by pixel (independent of metrics.c). */
static void recount(const image *gt, const image *mask, const image *roi, bgs_counts *c)
{
    for (int y = 0; y < gt->height; y++)
        for (int x = 0; x < gt->width; x++) {
            if (roi->data && roi->data[y * roi->stride + x] == 0)
                continue;
            int g = gt->data[y * gt->stride + x];
            int fg = mask->data[y * mask->stride + x] == 255;
            if (g == 255)
                *(fg ? &c->tp : &c->fn) += 1;
            else if (g == 0 || g == 50)
                *(fg ? &c->fp : &c->tn) += 1;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *gt_data, *mask_data;
    size_t gt_size, mask_size;
    if (!take(&data, &size, &gt_data, &gt_size) || !take(&data, &size, &mask_data, &mask_size))
        return 0;
    char err[512] = "";
    image gt = {0}, mask = {0}, roi = {0};
    int gt_ok = image_load_memory(gt_data, gt_size, "g", 1, &gt, err, sizeof err) == 0;
    int mask_ok = image_load_memory(mask_data, mask_size, "m", 1, &mask, err, sizeof err) == 0;
    if (size > 0 && image_load_memory(data, size, "r", 1, &roi, err, sizeof err) != 0)
        memset(&roi, 0, sizeof roi);
    /* A ROI larger than the ground truth is cut with a warning on stderr:
     * left out, as the warning would flood the fuzzer's output. */
    if (roi.data && gt_ok && roi.width >= gt.width && roi.height >= gt.height &&
        (roi.width > gt.width || roi.height > gt.height))
        image_free(&roi);

    bgs_counts counts = {0}, want = {0};
    err[0] = '\0';
    int status = eval_score_frame_memory(gt_data, gt_size, mask_data, mask_size, &roi,
                                         &counts, err, sizeof err);
    int sizes_ok = gt_ok && mask_ok && mask.width == gt.width && mask.height == gt.height &&
                   (!roi.data || (roi.width == gt.width && roi.height == gt.height));
    if (sizes_ok) {
        recount(&gt, &mask, &roi, &want);
        require(status == 0, "good images refused", err);
        require(counts.tp == want.tp && counts.fp == want.fp && counts.tn == want.tn &&
                counts.fn == want.fn, "counts differ from the recount", err);
    } else {
        require(status == EXIT_INPUT, "bad images not refused with EXIT_INPUT", err);
        require(counts.tp == 0 && counts.fp == 0 && counts.tn == 0 && counts.fn == 0,
                "counts changed on failure", err);
        require(err[0] && !strchr(err, '\n'), "no one-line message", err);
    }
    image_free(&roi);
    image_free(&mask);
    image_free(&gt);
    return 0;
}
