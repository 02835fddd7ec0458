/*
 * fuzz_bmp.c - libFuzzer target: the BMP reader (image_load_memory), our
 * own code from header to pixels. Inputs not starting with "BM" are passed
 * over.
 */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || data[0] != 'B' || data[1] != 'M')
        return 0;
    fuzz_image_load(data, size);
    return 0;
}
