/*
 * frame_shrink.h - a frame made n times smaller each way by averaging
 * n x n blocks of pixels (bgsub events --scale N: the model runs on the
 * smaller picture, n^2 times fewer pixels).
 *
 * Part of the bgsub program, not of libbgsub. No I/O, no allocation.
 */
#ifndef BGSUB_FRAME_SHRINK_H
#define BGSUB_FRAME_SHRINK_H

#include <stddef.h>
#include <stdint.h>

/* The smaller size of a side: side / n, at least 1. */
int frame_shrink_size(int side, int n);

/* src: width x height pixels of channels bytes, rows src_stride apart;
 * dst: frame_shrink_size(width, n) x frame_shrink_size(height, n) pixels,
 * rows dst_stride apart. Each pixel of dst is the rounded mean of its
 * n x n block (the last columns and rows that do not fill a block are
 * left out, except when the side is shorter than n: one block of it). */
void frame_shrink(const uint8_t *src, int width, int height, int channels,
                  ptrdiff_t src_stride, int n, uint8_t *dst, ptrdiff_t dst_stride);

#endif
