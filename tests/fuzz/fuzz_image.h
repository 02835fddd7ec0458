/*
 * fuzz_image.h - what the image fuzz targets (fuzz_png.c, fuzz_jpeg.c,
 * fuzz_bmp.c) share: decode the input with image_load_memory and check what
 * image_io.h promises, whatever the bytes.
 *
 *  - success: an image of 1 or 3 channels, the size asked for, every byte
 *    of every row readable (AddressSanitizer checks the reads);
 *  - failure: out is left empty and err holds one line naming the file.
 *
 * A broken promise aborts, which libFuzzer reports like a crash.
 */
#ifndef BGSUB_FUZZ_IMAGE_H
#define BGSUB_FUZZ_IMAGE_H

#include "io/image_io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz-input"

static void fuzz_require(int ok, const char *what, const char *err)
{
    if (!ok) {
        fprintf(stderr, "broken promise: %s (err: %s)\n", what, err);
        abort();
    }
}

/* Decode with one channel request; the input's length picks it, so every
 * seed is decoded one way and its mutations all three ways. */
static int fuzz_image_load(const uint8_t *data, size_t size)
{
    static const int wants[3] = {0, 1, 3};
    int want = wants[size % 3];
    char err[512] = "";
    image img;
    if (image_load_memory(data, size, FUZZ_NAME, want, &img, err,
                          sizeof(err)) < 0) {
        fuzz_require(img.data == NULL, "data left after a failure", err);
        fuzz_require(strncmp(err, FUZZ_NAME ": ", strlen(FUZZ_NAME) + 2) == 0,
                     "message does not start with the name", err);
        fuzz_require(strchr(err, '\n') == NULL, "message of two lines", err);
        return 0;
    }
    fuzz_require(img.data != NULL && img.width > 0 && img.height > 0,
                 "empty image", "");
    fuzz_require(img.channels == 1 || img.channels == 3, "channels", "");
    fuzz_require(want == 0 || img.channels == want, "channels not as asked",
                 "");
    fuzz_require(img.stride >= (ptrdiff_t)img.width * img.channels,
                 "stride shorter than a row", "");
    fuzz_require((long long)img.width * img.height <= IMAGE_MAX_PIXELS,
                 "image above the limit", "");
    /* Read every byte, so a short buffer or uninitialised rows show. */
    unsigned sum = 0;
    for (int y = 0; y < img.height; y++) {
        const uint8_t *row = img.data + y * img.stride;
        for (int x = 0; x < img.width * img.channels; x++)
            sum += row[x];
    }
    image_free(&img);
    return (int)(sum & 1);
}

#endif
