/*
 * pixcount.c - test helper: how many pixels of given colours an RGB image
 * holds inside a box, e.g. the legend entries of a `segment --plot` figure.
 * Usage: pixcount IMAGE X0 Y0 X1 Y1 R,G,B [R,G,B]...
 * The box is X0 <= x < X1, Y0 <= y < Y1 (clipped to the image). Prints the
 * image's size and one count per colour, in order:
 *   "WIDTHxHEIGHT R,G,B=N R,G,B=N ..."
 * Exit status 1 if the file cannot be read, 2 bad usage.
 */
#include "io/image_io.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_COLOURS 32

int main(int argc, char **argv)
{
    char err[512];
    int box[4], rgb[MAX_COLOURS][3], n = argc - 6;
    if (argc < 7 || n > MAX_COLOURS)
        goto bad;
    for (int i = 0; i < 4; i++)
        box[i] = atoi(argv[2 + i]);
    for (int i = 0; i < n; i++)
        if (sscanf(argv[6 + i], "%d,%d,%d", &rgb[i][0], &rgb[i][1], &rgb[i][2]) != 3)
            goto bad;
    image img;
    if (image_load(argv[1], 3, &img, err, sizeof err) != 0) {
        fprintf(stderr, "pixcount: %s\n", err);
        return 1;
    }
    long count[MAX_COLOURS] = {0};
    for (int y = box[1] < 0 ? 0 : box[1]; y < box[3] && y < img.height; y++)
        for (int x = box[0] < 0 ? 0 : box[0]; x < box[2] && x < img.width; x++) {
            const uint8_t *p = img.data + y * img.stride + 3 * x;
            for (int i = 0; i < n; i++)
                count[i] += p[0] == rgb[i][0] && p[1] == rgb[i][1] && p[2] == rgb[i][2];
        }
    printf("%dx%d", img.width, img.height);
    for (int i = 0; i < n; i++)
        printf(" %d,%d,%d=%ld", rgb[i][0], rgb[i][1], rgb[i][2], count[i]);
    printf("\n");
    image_free(&img);
    return 0;
bad:
    fprintf(stderr, "usage: pixcount IMAGE X0 Y0 X1 Y1 R,G,B [R,G,B]...\n");
    return 2;
}
