/*
 * abovemap.c - test helper: whether a mask is exactly "gray above a
 * threshold map": for three images of one size (loaded as gray), counts
 * the pixels where (GRAY > MAP ? 255 : 0) differs from MASK, and prints
 *   "pixels=N differ=D map_min=A map_max=B"
 * Usage: abovemap GRAY MAP MASK
 * Exit status 1 if a file cannot be read or the sizes differ, 2 bad usage.
 */
#include "io/image_io.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    char err[512];
    image im[3];
    if (argc != 4) {
        fprintf(stderr, "usage: abovemap GRAY MAP MASK\n");
        return 2;
    }
    for (int i = 0; i < 3; i++)
        if (image_load(argv[i + 1], 1, &im[i], err, sizeof err) != 0) {
            fprintf(stderr, "abovemap: %s\n", err);
            return 1;
        }
    for (int i = 1; i < 3; i++)
        if (im[i].width != im[0].width || im[i].height != im[0].height) {
            fprintf(stderr, "abovemap: %s and %s differ in size\n", argv[1], argv[i + 1]);
            return 1;
        }
    long differ = 0;
    int lo = 255, hi = 0;
    for (int y = 0; y < im[0].height; y++) {
        const uint8_t *g = im[0].data + y * im[0].stride, *t = im[1].data + y * im[1].stride;
        const uint8_t *m = im[2].data + y * im[2].stride;
        for (int x = 0; x < im[0].width; x++) {
            differ += (g[x] > t[x] ? 255 : 0) != m[x];
            lo = t[x] < lo ? t[x] : lo;
            hi = t[x] > hi ? t[x] : hi;
        }
    }
    printf("pixels=%ld differ=%ld map_min=%d map_max=%d\n",
           (long)im[0].width * im[0].height, differ, lo, hi);
    for (int i = 0; i < 3; i++)
        image_free(&im[i]);
    return 0;
}
