/*
 * fuzz_png.c - libFuzzer target: PNG decoding (image_load_memory).
 * Inputs that do not start with the PNG signature are passed over, so the
 * fuzzer stays on libpng and our handling of it. Built with
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, image_io.c ignores chunk CRCs
 * and zlib checksums, so mutations reach the pixel decoder.
 */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                     '\n'};
    if (size < sizeof(magic) || memcmp(data, magic, sizeof(magic)) != 0)
        return 0;
    fuzz_image_load(data, size);
    return 0;
}
