/*
 * crosscount.c - test helper: how often each mask value meets each
 * ground-truth label, summed over pairs of images of the same size:
 * one line "gt=L mask=V n=N" for every pair that occurs, in order.
 * Usage: crosscount MASK1 GT1 [MASK2 GT2]...
 * Exit status 1 if a file cannot be read or two sizes differ, 2 bad usage.
 */
#include "io/image_io.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc % 2 != 1) {
        fprintf(stderr, "usage: crosscount MASK GT [MASK GT]...\n");
        return 2;
    }
    static unsigned long long n[256][256];
    char err[512];
    for (int a = 1; a < argc; a += 2) {
        image mask, gt;
        if (image_load(argv[a], 1, &mask, err, sizeof err) != 0 ||
            image_load(argv[a + 1], 1, &gt, err, sizeof err) != 0) {
            fprintf(stderr, "crosscount: %s\n", err);
            return 1;
        }
        if (mask.width != gt.width || mask.height != gt.height) {
            fprintf(stderr, "crosscount: %s and %s differ in size\n", argv[a], argv[a + 1]);
            return 1;
        }
        for (int y = 0; y < gt.height; y++)
            for (int x = 0; x < gt.width; x++)
                n[gt.data[y * gt.stride + x]][mask.data[y * mask.stride + x]]++;
        image_free(&mask);
        image_free(&gt);
    }
    for (int l = 0; l < 256; l++)
        for (int v = 0; v < 256; v++)
            if (n[l][v])
                printf("gt=%d mask=%d n=%llu\n", l, v, n[l][v]);
    return 0;
}
