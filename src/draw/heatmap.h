/*
 * heatmap.h - a motion heat map: how often each pixel was foreground over
 * a run, coloured over the scene's background image, with a colour scale
 * under it (bgsub --heatmap, bgsub events --heatmap).
 *
 * No I/O: the counts are kept here and the picture drawn on a canvas;
 * image_save_png writes it.
 */
#ifndef BGSUB_HEATMAP_H
#define BGSUB_HEATMAP_H

#include <stddef.h>
#include <stdint.h>

#include "draw/canvas.h"

typedef struct heatmap {
    int width, height;
    uint32_t *counts;   /* per pixel: frames it was foreground in */
    long frames;        /* frames counted */
} heatmap;

/* 0, or -1 when out of memory. */
int heatmap_init(heatmap *h, int width, int height);
void heatmap_free(heatmap *h);

/* One more frame: every pixel of mask (width bytes a row, rows stride
 * apart) that is 255 counts. */
void heatmap_add(heatmap *h, const uint8_t *mask, ptrdiff_t stride);

/* The share of frames pixel (x, y) was foreground in, 0..1. */
double heatmap_share(const heatmap *h, int x, int y);

/* The top of the colour scale: the 99.5th percentile of the shares above
 * 0 (so a few pixels that always move do not wash out the rest), rounded
 * up to 1, 2 or 5 times a power of ten; 0 when nothing moved. */
double heatmap_scale_top(const heatmap *h);

/*
 * The picture into cv (allocated here, freed with canvas_free): the
 * background (width x height, channels 1 or 3, rows stride apart) in dimmed
 * gray, every pixel that moved tinted by its share on a blue - green -
 * yellow - red scale (Turbo), more opaque the more often; the picture is
 * enlarged to at least 640 pixels across (up to 4 times, smoothly); under
 * it the colour scale with its ticks in percent of frames and the title
 * line (title, then the number of frames). 0, or -1 when out of memory.
 */
int heatmap_render(const heatmap *h, const uint8_t *background, ptrdiff_t stride,
                   int channels, const char *title, canvas *cv);

/* The Turbo colour of t in 0..1 (Google's polynomial approximation). */
canvas_rgb heatmap_colour(double t);

#endif
