/*
 * pixfmt.h - frames in the pixel formats of cameras and decoders
 * (bgs_frame), converted row by row to the model's own layout: RGB24 for a
 * colour model, gray for a gray one. The formulas are in bgsub.h (at
 * bgs_pixel_format) and docs/c-api.md.
 */
#ifndef BGSUB_PIXFMT_H
#define BGSUB_PIXFMT_H

#include "lib/internal.h"

/* BGS_OK when frame can feed a width x height model of channels channels:
 * a known struct_size and format, the model's size, the planes the format
 * needs, row strides (of either sign) that hold a row. Else the reason. */
bgs_status pixfmt_check(const bgs_frame *frame, int width, int height,
                        int channels);

/* 1 when the format is the model's own layout (RGB24 for 3 channels, GRAY
 * for 1): its rows are used where they are, with no conversion. */
int pixfmt_is_native(bgs_pixel_format format, int channels);

/* Row y of a checked frame in the model's layout: converted into out
 * (width * channels bytes), or, for a native format, the row itself. */
const uint8_t *pixfmt_row(const bgs_frame *frame, int y, int channels,
                          uint8_t *out);

/* The BT.601 limited-range YCbCr -> RGB conversion of one pixel (the
 * exact definition the row converters follow; tests compare with it). */
void pixfmt_yuv_to_rgb(int y, int u, int v, uint8_t rgb[3]);
/* Limited-range Y to full-range gray. */
uint8_t pixfmt_y_to_gray(int y);
/* BT.601 luma of an RGB pixel, as image_load's gray. */
uint8_t pixfmt_luma(int r, int g, int b);

#endif
