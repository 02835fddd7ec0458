/*
 * rawcheck.c - test helper for raw frames (tests/cli/test_io.sh):
 *
 *   rawcheck masks DIR N          the masks DIR/bin000001.png .. binN.png,
 *                                 back to back, raw on stdout (what -o -
 *                                 should give)
 *   rawcheck count W H FILE       one line per W x H gray frame of FILE:
 *                                 "FRAME ONES" (bytes equal to 255), FRAME
 *                                 counted from 1
 *   rawcheck overlay W H INPUT MASKS BLOBS OVERLAY
 *                                 INPUT: raw RGB24 frames; MASKS: raw gray
 *                                 masks; BLOBS: the --blobs CSV; OVERLAY: the
 *                                 overlay video decoded to raw RGB24. Draws
 *                                 the overlay the way the documentation says
 *                                 (foreground: half input, half pure red; a
 *                                 green one-pixel box per blob) and prints
 *                                 "PIXELS EXPECTED_PSNR INPUT_PSNR": over the
 *                                 pixels whose luma the drawing changes by 16
 *                                 or more, how close the video's luma is to
 *                                 the drawing's and to the plain input's, in
 *                                 dB. Luma, because the video's 4:2:0 chroma
 *                                 has half the resolution: a one-pixel box
 *                                 line bleeds into its neighbours' colour,
 *                                 not into their luma.
 *
 * Exit status 1 with a message on stderr when a file cannot be read.
 */
#include "io/image_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(const char *what, const char *name)
{
    fprintf(stderr, "rawcheck: %s: %s\n", name, what);
    return 1;
}

static int masks(const char *dir, long n)
{
    for (long i = 1; i <= n; i++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/bin%06ld.png", dir, i);
        image img;
        if (image_load(path, 1, &img, err, sizeof err) != 0)
            return die(err, path);
        for (int y = 0; y < img.height; y++)
            fwrite(img.data + y * img.stride, 1, (size_t)img.width, stdout);
        image_free(&img);
    }
    return 0;
}

static int count(int w, int h, const char *name)
{
    FILE *f = fopen(name, "rb");
    if (!f)
        return die("cannot open", name);
    size_t size = (size_t)w * h;
    unsigned char *frame = malloc(size);
    long number = 0;
    while (frame && fread(frame, 1, size, f) == size) {
        long ones = 0;
        for (size_t i = 0; i < size; i++)
            ones += frame[i] == 255;
        printf("%ld %ld\n", ++number, ones);
    }
    free(frame);
    fclose(f);
    return 0;
}

static void put(unsigned char *rgb, int w, int h, int x, int y, const unsigned char c[3])
{
    if (x >= 0 && y >= 0 && x < w && y < h)
        memcpy(rgb + 3 * ((size_t)y * w + x), c, 3);
}

/* Boxes of frame `number` from the CSV, drawn into rgb. */
static void draw_boxes(FILE *csv, long number, unsigned char *rgb, int w, int h)
{
    static const unsigned char green[3] = {0, 255, 0};
    char line[512];
    rewind(csv);
    while (fgets(line, sizeof line, csv)) {
        long frame, id, area;
        int x, y, bw, bh;
        /* frame,time,id,x,y,width,height,area,cx,cy; time may be empty */
        char *rest = strchr(line, ',');
        if (sscanf(line, "%ld", &frame) != 1 || frame != number || !rest)
            continue;
        rest = strchr(rest + 1, ',');
        if (!rest || sscanf(rest + 1, "%ld,%d,%d,%d,%d,%ld", &id, &x, &y, &bw, &bh,
                            &area) != 6)
            continue;
        for (int i = x; i < x + bw; i++) {
            put(rgb, w, h, i, y, green);
            put(rgb, w, h, i, y + bh - 1, green);
        }
        for (int j = y; j < y + bh; j++) {
            put(rgb, w, h, x, j, green);
            put(rgb, w, h, x + bw - 1, j, green);
        }
    }
}

/* BT.601 luma of an RGB pixel (the weights of the encoder's matrix). */
static double luma(const unsigned char *p)
{
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

static int overlay(int w, int h, char **names)
{
    FILE *in = fopen(names[0], "rb"), *mk = fopen(names[1], "rb");
    FILE *csv = fopen(names[2], "r"), *ov = fopen(names[3], "rb");
    if (!in || !mk || !csv || !ov)
        return die("cannot open one of the files", names[0]);
    size_t pixels = (size_t)w * h;
    unsigned char *input = malloc(3 * pixels), *mask = malloc(pixels);
    unsigned char *want = malloc(3 * pixels), *got = malloc(3 * pixels);
    double err_want = 0, err_input = 0, samples = 0;
    long number = 0;
    while (input && mask && want && got && fread(input, 1, 3 * pixels, in) == 3 * pixels &&
           fread(mask, 1, pixels, mk) == pixels && fread(got, 1, 3 * pixels, ov) == 3 * pixels) {
        number++;
        for (size_t i = 0; i < pixels; i++) {
            const unsigned char *s = input + 3 * i;
            unsigned char *d = want + 3 * i;
            if (mask[i] == 255) {
                d[0] = (unsigned char)((s[0] + 255) / 2);
                d[1] = (unsigned char)(s[1] / 2);
                d[2] = (unsigned char)(s[2] / 2);
            } else {
                memcpy(d, s, 3);
            }
        }
        draw_boxes(csv, number, want, w, h);
        for (size_t i = 0; i < pixels; i++) {
            double y_want = luma(want + 3 * i), y_input = luma(input + 3 * i);
            double y_got = luma(got + 3 * i);
            if (fabs(y_want - y_input) < 16)
                continue;
            err_want += (y_got - y_want) * (y_got - y_want);
            err_input += (y_got - y_input) * (y_got - y_input);
            samples++;
        }
    }
    if (number == 0)
        return die("no frames", names[3]);
    if (samples == 0)
        samples = 1;
    printf("%.0f %.2f %.2f\n", samples,
           10 * log10(255.0 * 255.0 / (err_want / samples + 1e-9)),
           10 * log10(255.0 * 255.0 / (err_input / samples + 1e-9)));
    free(input);
    free(mask);
    free(want);
    free(got);
    fclose(in);
    fclose(mk);
    fclose(csv);
    fclose(ov);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "masks") == 0)
        return masks(argv[2], atol(argv[3]));
    if (argc == 5 && strcmp(argv[1], "count") == 0)
        return count(atoi(argv[2]), atoi(argv[3]), argv[4]);
    if (argc == 8 && strcmp(argv[1], "overlay") == 0)
        return overlay(atoi(argv[2]), atoi(argv[3]), argv + 4);
    fprintf(stderr, "usage: rawcheck masks DIR N | count W H FILE | "
                    "overlay W H INPUT MASKS BLOBS OVERLAY\n");
    return 2;
}
