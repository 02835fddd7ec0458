/*
 * overlay.h - the input with its foreground tinted, as in the preview's
 * overlay pane and the overlay video (--overlay-video), and boxes drawn on
 * RGB24 pictures.
 */
#ifndef BGSUB_OVERLAY_H
#define BGSUB_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

/* dst = input (RGB24, width·3 bytes a row, packed) with every foreground
 * pixel of mask (BGS_MASK_FOREGROUND) tinted red: half the input, half pure
 * red. dst and input may be the same buffer. */
void overlay_tint(uint8_t *dst, const uint8_t *input, const uint8_t *mask,
                  ptrdiff_t mask_stride, int width, int height);

/* A one-pixel rectangle outline, clipped to the picture (RGB24, packed):
 * columns x .. x + w - 1, rows y .. y + h - 1. */
void overlay_box(uint8_t *rgb, int width, int height, int x, int y, int w,
                 int h, const uint8_t colour[3]);

#endif
