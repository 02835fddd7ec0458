/*
 * image_io.h - still images in and out of memory (PNG, JPEG, BMP in; PNG out).
 *
 * Part of the bgsub program, not of libbgsub: the library never sees a file.
 * Every function that can fail returns -1 and writes a one-line reason that
 * names the file into err (errlen bytes, always NUL-terminated); 0 on success.
 */
#ifndef BGSUB_IMAGE_IO_H
#define BGSUB_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Largest image accepted, in pixels; checked against the header before any
 * pixel buffer is allocated (a 16k x 16k frame). The fuzz build lowers it
 * (make fuzz), so that no input takes long to decode. */
#ifndef IMAGE_MAX_PIXELS
#define IMAGE_MAX_PIXELS (16384L * 16384L)
#endif

/* An 8-bit image with interleaved channels; data is owned (image_free). */
typedef struct image {
    uint8_t *data;
    int width, height;
    int channels;     /* 1 (gray) or 3 (RGB) */
    ptrdiff_t stride; /* bytes between rows */
} image;

/* Allocate a zeroed image; -1 on bad size or no memory. */
int image_alloc(image *img, int width, int height, int channels, char *err,
                size_t errlen);
void image_free(image *img);

/* Load a PNG, JPEG or BMP file (chosen by content, not by name).
 * want_channels: 1 converts to gray (ITU-R BT.601 luma weights
 * 0.299 R + 0.587 G + 0.114 B, rounded), 3 to RGB, 0 keeps gray as gray and
 * anything else as RGB. Palette, 16-bit (reduced to 8 bits) and alpha
 * (dropped) inputs are accepted. */
int image_load(const char *path, int want_channels, image *out, char *err,
               size_t errlen);

/* image_load for a file already in memory: the size bytes at data (not
 * changed, not kept) are decoded by the same rules. name stands for the
 * file in messages (NULL: "(memory)"). image_load reads the file whole and
 * calls this; the fuzz targets (tests/fuzz/) call it directly. */
int image_load_memory(const uint8_t *data, size_t size, const char *name,
                      int want_channels, image *out, char *err,
                      size_t errlen);

/* Write an 8-bit PNG (gray if channels == 1, RGB if 3) by the file policy
 * (io/output_file.h; flags as output_file_open's): to a temporary file in
 * the same folder that is renamed into place, so a reader never sees a
 * partial file and an existing file is only replaced whole, and only with
 * OUTPUT_FILE_FORCE. compression: zlib level 0..9
 * (1 is fast and good for masks). Gray images at level 0 or 1 are
 * run-length coded by mask_png_encode (io/mask_png.h), the others by
 * libpng. */
int image_save_png(const char *path, const uint8_t *data, int width,
                   int height, int channels, ptrdiff_t stride,
                   int compression, unsigned flags, char *err, size_t errlen);

#endif
