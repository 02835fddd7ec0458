/*
 * bench.c - model throughput on frames already in memory.
 *
 *   build/tools/bench [--gray] [--frames N] [--repeat R] [--threads T] [INPUT]
 *
 * Decodes up to N frames of INPUT (default samples/sample.mp4) into memory,
 * then times bgs_model_apply over them R times with default parameters on
 * T threads (default 1), so that decoding and PNG writing are not counted.
 * Prints frames/s, the frame size, the kernel and the model's bytes per
 * pixel. BGSUB_KERNEL=scalar|avx2|avx512 chooses the kernel.
 */
#include "bgsub.h"
#include "io/frame_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct frame_set {
    uint8_t *pixels; /* count frames of frame_bytes each */
    int count, width, height, channels;
    size_t frame_bytes;
} frame_set;

static int load_frames(const char *input, int channels, int max_frames,
                       frame_set *set)
{
    char err[512];
    frame_source *src = frame_source_open(input, channels, err, sizeof err);
    if (!src) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    set->width = frame_source_width(src);
    set->height = frame_source_height(src);
    set->channels = channels;
    set->frame_bytes = (size_t)set->width * set->height * channels;
    set->pixels = malloc(set->frame_bytes * max_frames);
    set->count = 0;
    const uint8_t *data;
    ptrdiff_t stride;
    while (set->pixels && set->count < max_frames &&
           frame_source_read(src, &data, &stride, err, sizeof err) == 1) {
        uint8_t *dst = set->pixels + set->frame_bytes * set->count++;
        size_t row = (size_t)set->width * channels;
        for (int y = 0; y < set->height; y++)
            memcpy(dst + row * y, data + stride * y, row);
    }
    frame_source_close(src);
    if (set->count == 0) {
        fprintf(stderr, "bench: %s: no frames\n", input);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *input = "samples/sample.mp4";
    int channels = 3, max_frames = 300, repeat = 3, threads = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--gray") == 0)
            channels = 1;
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            max_frames = atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (argv[i][0] != '-')
            input = argv[i];
        else {
            fprintf(stderr, "usage: bench [--gray] [--frames N] [--repeat R] "
                            "[--threads T] [INPUT]\n");
            return 2;
        }
    }
    if (max_frames < 1 || repeat < 1 || threads < 1) {
        fprintf(stderr, "bench: --frames, --repeat and --threads must be at least 1\n");
        return 2;
    }
    frame_set set;
    if (load_frames(input, channels, max_frames, &set) != 0)
        return 1;

    bgs_params params;
    bgs_params_default(&params);
    bgs_model *model = bgs_model_create(set.width, set.height, channels, &params);
    uint8_t *mask = malloc((size_t)set.width * set.height);
    if (!model || !mask || bgs_model_set_threads(model, threads) != BGS_OK) {
        fprintf(stderr, "bench: %s\n", model && !mask ? "out of memory" : bgs_last_error());
        return 1;
    }
    double t0 = now_seconds();
    long frames = 0;
    for (int r = 0; r < repeat; r++)
        for (int f = 0; f < set.count; f++, frames++)
            bgs_model_apply(model, set.pixels + set.frame_bytes * f,
                            (ptrdiff_t)set.width * channels, mask, set.width);
    double seconds = now_seconds() - t0;
    printf("model %dx%d %s, K=%d, %zu bytes/pixel, kernel %s, %d thread%s: "
           "%ld frames in %.3f s = %.1f frames/s\n",
           set.width, set.height, channels == 3 ? "colour" : "gray",
           params.components, bgs_model_bytes_per_pixel(model),
           bgs_model_kernel_name(model), bgs_model_threads(model),
           bgs_model_threads(model) == 1 ? "" : "s", frames, seconds, frames / seconds);
    bgs_model_free(model);
    free(mask);
    free(set.pixels);
    return 0;
}
