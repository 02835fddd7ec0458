/*
 * fuzz_jpeg.c - libFuzzer target: JPEG decoding (image_load_memory).
 * Inputs that do not start with SOI and a marker (FF D8 FF) are passed over.
 * The input's length picks the channels asked for; asking for gray takes
 * the luma-only path for YCbCr files.
 */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || data[0] != 0xff || data[1] != 0xd8 || data[2] != 0xff)
        return 0;
    fuzz_image_load(data, size);
    return 0;
}
