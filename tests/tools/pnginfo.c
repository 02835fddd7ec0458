/*
 * pnginfo.c - test helper: prints what the tests need to know of an image,
 *   "WIDTHxHEIGHT channels=C values=V1,V2,... ones=N"
 * values lists the distinct byte values (up to 8, then "..."), ones counts
 * bytes equal to 255. Several files give a line each, in order (one process
 * for a folder of masks). Exit status 1, with a message for each, if a file
 * cannot be read.
 */
#include "io/image_io.h"

#include <stdio.h>

/* One file's line; 0, or 1 (its message printed) if it cannot be read. */
static int info(const char *path)
{
    char err[512];
    image img;
    if (image_load(path, 0, &img, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int seen[256] = {0};
    long ones = 0;
    for (int y = 0; y < img.height; y++) {
        const uint8_t *row = img.data + y * img.stride;
        for (int x = 0; x < img.width * img.channels; x++) {
            seen[row[x]] = 1;
            ones += row[x] == 255;
        }
    }
    printf("%dx%d channels=%d values=", img.width, img.height, img.channels);
    int listed = 0;
    for (int v = 0; v < 256; v++) {
        if (!seen[v])
            continue;
        if (listed == 8) {
            printf(",...");
            break;
        }
        printf(listed ? ",%d" : "%d", v);
        listed++;
    }
    printf(" ones=%ld\n", ones);
    image_free(&img);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pnginfo FILE...\n");
        return 2;
    }
    int failed = 0;
    for (int i = 1; i < argc; i++)
        failed |= info(argv[i]);
    return failed;
}
