/*
 * makeimg.c - test helper: writes an 8-bit gray PNG made of rectangles, on
 * a plain ground or on top of an existing image (loaded as gray).
 * Usage: makeimg OUT.png WIDTH HEIGHT FILL [X0 Y0 X1 Y1 VALUE]...
 *        makeimg OUT.png --from IN [X0 Y0 X1 Y1 VALUE]...
 * Each rectangle covers X0 <= x < X1, Y0 <= y < Y1 (clipped to the image)
 * and is painted VALUE, in the order given. Exit status 1 if a file cannot
 * be read or written, 2 bad usage.
 */
#include "io/image_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *text, long *out)
{
    char *end;
    *out = strtol(text, &end, 10);
    return *text && !*end;
}

int main(int argc, char **argv)
{
    char err[512];
    image img = {0};
    int first;
    if (argc >= 4 && strcmp(argv[2], "--from") == 0) {
        if (image_load(argv[3], 1, &img, err, sizeof err) != 0) {
            fprintf(stderr, "makeimg: %s\n", err);
            return 1;
        }
        first = 4;
    } else {
        long w, h, fill;
        if (argc < 5 || !number(argv[2], &w) || !number(argv[3], &h) ||
            !number(argv[4], &fill) || image_alloc(&img, (int)w, (int)h, 1, err, sizeof err)) {
            fprintf(stderr, "usage: makeimg OUT.png W H FILL [X0 Y0 X1 Y1 V]... | OUT.png --from IN [...]\n");
            return 2;
        }
        for (int y = 0; y < img.height; y++)
            memset(img.data + y * img.stride, (int)fill, (size_t)img.width);
        first = 5;
    }
    if ((argc - first) % 5 != 0) {
        fprintf(stderr, "makeimg: rectangles need X0 Y0 X1 Y1 VALUE\n");
        return 2;
    }
    for (int a = first; a < argc; a += 5) {
        long r[5];
        for (int i = 0; i < 5; i++)
            if (!number(argv[a + i], &r[i])) {
                fprintf(stderr, "makeimg: '%s' is not a number\n", argv[a + i]);
                return 2;
            }
        for (long y = r[1] < 0 ? 0 : r[1]; y < r[3] && y < img.height; y++)
            for (long x = r[0] < 0 ? 0 : r[0]; x < r[2] && x < img.width; x++)
                img.data[y * img.stride + x] = (uint8_t)r[4];
    }
    int rc = image_save_png(argv[1], img.data, img.width, img.height, 1, img.stride, 6,
                            1,
                            err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "makeimg: %s\n", err);
    image_free(&img);
    return rc != 0;
}
