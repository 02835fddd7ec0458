/*
 * fuzz_model.c - libFuzzer target: model checkpoints (bgs_model_restore).
 *
 * Each input is restored twice: as it is (nearly always a checksum
 * mismatch, which is one of the paths to test) and with its last 8 bytes
 * replaced by the right FNV-1a checksum, so mutations reach the header and
 * state checks behind it. A model that comes back must work: one frame is
 * applied and the background read with every kernel this CPU runs, then a
 * second frame, and the vector kernels must give the scalar kernel's masks
 * and backgrounds bit for bit (not the checkpoint: vector kernels also
 * update the padding lanes past the width, which nothing reads). A broken
 * promise aborts.
 */
#include "bgsub.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Layout of the checkpoint header (bgsub.h, src/lib/checkpoint.c). */
#define HEADER_BYTES (8 + 4 * 6 + 4 * 7 + 8 + 8)
#define CHECKSUM_BYTES 8

static void require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "broken promise: %s (last error: %s)\n", what,
                bgs_last_error());
        abort();
    }
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Apply two frames made of the input's bytes (the second the negative of
 * the first); masks (2 x pixels bytes) and the final background out. */
static void run_kernel(bgs_model *m, bgs_kernel kernel, uint8_t *frame,
                       uint8_t *mask, uint8_t *background)
{
    int w = bgs_model_width(m), h = bgs_model_height(m);
    int c = bgs_model_channels(m);
    size_t pixels = (size_t)w * h, frame_bytes = pixels * c;
    require(bgs_model_set_kernel(m, kernel) == BGS_OK, "set kernel");
    for (int pass = 0; pass < 2; pass++) {
        uint8_t *out = mask + pass * pixels;
        require(bgs_model_apply(m, frame, (ptrdiff_t)w * c, out, w) == BGS_OK,
                "apply on a restored model");
        for (size_t i = 0; i < pixels; i++)
            require(out[i] == BGS_MASK_BACKGROUND ||
                    out[i] == BGS_MASK_FOREGROUND, "mask value");
        for (size_t i = 0; i < frame_bytes; i++)
            frame[i] = (uint8_t)~frame[i];
    }
    require(bgs_model_background(m, background, (ptrdiff_t)w * c) == BGS_OK,
            "background of a restored model");
}

static int cpu_runs(bgs_kernel kernel)
{
    bgs_params p;
    bgs_params_default(&p);
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    int ok = m && bgs_model_set_kernel(m, kernel) == BGS_OK;
    bgs_model_free(m);
    return ok;
}

static void try_restore(const uint8_t *buf, size_t size)
{
    bgs_model *m = bgs_model_restore(buf, size);
    if (!m) {
        const char *e = bgs_last_error();
        require(e[0] != '\0' && strchr(e, '\n') == NULL,
                "refusal without a one-line reason");
        return;
    }
    int w = bgs_model_width(m), h = bgs_model_height(m);
    int c = bgs_model_channels(m);
    size_t pixels = (size_t)w * h, frame_bytes = pixels * c;
    require(bgs_model_checkpoint_size(m) == size,
            "checkpoint size differs from the restored one");
    uint8_t *frame = malloc(frame_bytes);
    uint8_t *mask[2] = {malloc(2 * pixels), malloc(2 * pixels)};
    uint8_t *bg[2] = {malloc(frame_bytes), malloc(frame_bytes)};
    require(frame && mask[0] && mask[1] && bg[0] && bg[1],
            "out of memory in the fuzz target");
    for (size_t i = 0; i < frame_bytes; i++)
        frame[i] = buf[(i * 7 + 3) % size];
    run_kernel(m, BGS_KERNEL_SCALAR, frame, mask[0], bg[0]);
    bgs_model_free(m);

    static const bgs_kernel vector[2] = {BGS_KERNEL_AVX2, BGS_KERNEL_AVX512};
    static int runs[2] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        if (runs[k] < 0)
            runs[k] = cpu_runs(vector[k]);
        if (!runs[k])
            continue;
        m = bgs_model_restore(buf, size);
        require(m != NULL, "second restore of the same bytes failed");
        /* Two negations: the frame is back as it was. */
        run_kernel(m, vector[k], frame, mask[1], bg[1]);
        bgs_model_free(m);
        require(memcmp(mask[0], mask[1], 2 * pixels) == 0,
                "vector kernel masks differ from scalar");
        require(memcmp(bg[0], bg[1], frame_bytes) == 0,
                "vector kernel background differs from scalar");
    }
    free(frame);
    for (int i = 0; i < 2; i++) {
        free(mask[i]);
        free(bg[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    try_restore(data, size);
    if (size < HEADER_BYTES + CHECKSUM_BYTES)
        return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    uint64_t sum = fnv1a(fixed, size - CHECKSUM_BYTES);
    for (int i = 0; i < 8; i++)
        fixed[size - CHECKSUM_BYTES + i] = (uint8_t)(sum >> (8 * i));
    if (memcmp(fixed, data, size) != 0)
        try_restore(fixed, size);
    free(fixed);
    return 0;
}
