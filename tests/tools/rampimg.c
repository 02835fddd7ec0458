/*
 * rampimg.c - test helper: a gray "page under uneven light" with its ground
 * truth, for the local segmentation tests. The background's level rises
 * linearly from LO at the left edge to HI at the right one; bright squares
 * (objects) of 10 x 10 pixels, one every 32 pixels across and down
 * (top-left corners at 11 + 32 i, 3 + 32 j), are CONTRAST levels above the
 * background where they are. Every pixel gets a fixed pseudo-random offset
 * in -2..2 (a hash of its position), so the output is the same on every
 * machine. The truth is 255 on the squares, 0 elsewhere.
 * Usage: rampimg OUT.png TRUTH.png WIDTH HEIGHT LO HI CONTRAST
 * Exit status 1 if a file cannot be written, 2 bad usage.
 */
#include "io/image_io.h"
#include "io/output_file.h"

#include <stdio.h>
#include <stdlib.h>

static int noise(int x, int y)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (int)((h ^ (h >> 16)) % 5u) - 2;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc != 8) {
        fprintf(stderr, "usage: rampimg OUT.png TRUTH.png WIDTH HEIGHT LO HI CONTRAST\n");
        return 2;
    }
    int w = atoi(argv[3]), h = atoi(argv[4]);
    double lo = atof(argv[5]), hi = atof(argv[6]), contrast = atof(argv[7]);
    if (w < 2 || h < 1 || w > 8192 || h > 8192)
        return 2;
    uint8_t *img = malloc((size_t)w * h), *truth = malloc((size_t)w * h);
    if (!img || !truth)
        return 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int object = (x - 11) % 32 >= 0 && (x - 11) % 32 < 10 && x >= 11 &&
                         (y - 3) % 32 >= 0 && (y - 3) % 32 < 10 && y >= 3;
            double v = lo + (hi - lo) * x / (w - 1) + (object ? contrast : 0.0) + noise(x, y);
            v = v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v;
            img[(size_t)y * w + x] = (uint8_t)(v + 0.5);
            truth[(size_t)y * w + x] = object ? 255 : 0;
        }
    int rc = 0;
    if (image_save_png(argv[1], img, w, h, 1, w, 6, OUTPUT_FILE_FORCE, err, sizeof err) ||
        image_save_png(argv[2], truth, w, h, 1, w, 6, OUTPUT_FILE_FORCE, err, sizeof err)) {
        fprintf(stderr, "rampimg: %s\n", err);
        rc = 1;
    }
    free(img);
    free(truth);
    return rc;
}
