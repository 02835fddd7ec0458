/*
 * mask_png.h - a fast PNG encoder for 8-bit gray images made of long runs
 * (the masks bgsub writes for every frame).
 *
 * It does what libpng with zlib's Z_RLE strategy does (filter NONE, deflate
 * with distance-1 matches only), but per run of equal bytes instead of per
 * byte: run boundaries are found 8 bytes at a time, a run costs one literal
 * and a few length-258 matches, and the Adler-32 of a run is computed in
 * closed form. Deflate blocks of up to 16K runs, each with Huffman codes
 * fitted to it (or the fixed codes when they come out smaller): files as
 * small as zlib's. Any byte values work; only the speed and the size depend
 * on the image having runs.
 *
 * Part of the bgsub program's I/O layer (image_save_png uses it), not of
 * libbgsub.
 */
#ifndef BGSUB_MASK_PNG_H
#define BGSUB_MASK_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Encode the width x height gray image at data (rows stride bytes apart) as
 * a complete PNG file in memory: *png (malloc'd, the caller frees it) and
 * *png_size. Returns 0, or -1 with errno EINVAL (bad size or stride) or
 * ENOMEM (*png is then NULL). */
int mask_png_encode(const uint8_t *data, int width, int height,
                    ptrdiff_t stride, uint8_t **png, size_t *png_size);

#endif
