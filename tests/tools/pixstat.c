/*
 * pixstat.c - test helper: compares two images of the same size over the
 * pixels that a ground-truth image gives one label, e.g. a frame against
 * the background over the shadow pixels (label 50). Images are compared
 * as gray levels (image_load's luma). Prints one line:
 *   "n=N ratio_min=R ratio_p10=R ratio_median=R ratio_p90=R sd_diff=S
 *    changed=F extreme=E"
 * ratio_* are the minimum and quantiles of A/B over the selected pixels where B >= 40 (a
 * darker B makes the ratio mostly rounding); sd_diff is the standard
 * deviation of A - B; changed is the share of selected pixels where
 * |A - B| > 25; extreme the share where A is 0 or 255 and B is not.
 * Usage: pixstat A B GT LABEL [X0 Y0 X1 Y1]
 * LABEL is 0..255 or "any"; the box (X1, Y1 excluded) narrows the pixels.
 * Exit status 1 if a file cannot be read or the sizes differ, 2 bad usage.
 */
#include "io/image_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q)
{
    return n == 0 ? NAN : sorted[(size_t)(q * (double)(n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
    char err[512];
    image img[3];
    int label = -1, box[4] = { 0, 0, 1 << 30, 1 << 30 };
    if ((argc != 5 && argc != 9) ||
        (strcmp(argv[4], "any") != 0 && sscanf(argv[4], "%d", &label) != 1)) {
        fprintf(stderr, "usage: pixstat A B GT LABEL|any [X0 Y0 X1 Y1]\n");
        return 2;
    }
    for (int i = 0; argc == 9 && i < 4; i++)
        box[i] = atoi(argv[5 + i]);
    for (int i = 0; i < 3; i++)
        if (image_load(argv[1 + i], 1, &img[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    int w = img[0].width, h = img[0].height;
    for (int i = 1; i < 3; i++)
        if (img[i].width != w || img[i].height != h) {
            fprintf(stderr, "pixstat: %s: size differs from %s\n", argv[1 + i], argv[1]);
            return 1;
        }
    double *ratios = malloc((size_t)w * h * sizeof *ratios);
    if (ratios == NULL)
        return 1;
    size_t n = 0, nr = 0, changed = 0, extreme = 0;
    double sum = 0.0, sum2 = 0.0;
    for (int y = box[1]; y < h && y < box[3]; y++)
        for (int x = box[0]; x < w && x < box[2]; x++) {
            if (label >= 0 && img[2].data[y * img[2].stride + x] != label)
                continue;
            int a = img[0].data[y * img[0].stride + x], b = img[1].data[y * img[1].stride + x];
            n++;
            sum += a - b;
            sum2 += (double)(a - b) * (a - b);
            changed += abs(a - b) > 25;
            extreme += (a == 0 || a == 255) && b != 0 && b != 255;
            if (b >= 40)
                ratios[nr++] = (double)a / b;
        }
    qsort(ratios, nr, sizeof *ratios, cmp_double);
    double mean = n ? sum / n : 0.0, sd = n ? sqrt(fmax(0.0, sum2 / n - mean * mean)) : 0.0;
    printf("n=%zu ratio_min=%.4f ratio_p10=%.4f ratio_median=%.4f ratio_p90=%.4f "
           "sd_diff=%.3f changed=%.4f extreme=%.5f\n",
           n, quantile(ratios, nr, 0.0), quantile(ratios, nr, 0.1), quantile(ratios, nr, 0.5),
           quantile(ratios, nr, 0.9),
           sd, n ? (double)changed / n : 0.0, n ? (double)extreme / n : 0.0);
    free(ratios);
    for (int i = 0; i < 3; i++)
        image_free(&img[i]);
    return 0;
}
