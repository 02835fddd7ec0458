/*
 * ab_compare.c - the model of two builds of libbgsub side by side in one
 * process (tools/ab_compare.sh builds it; see there).
 *
 *   ab_compare VIDEO [FRAMES [REPEAT]]
 *
 * On this kind of machine (a virtual machine whose memory bandwidth is
 * shared with its host's other tenants) the frame rate of the same code
 * moves by a third from one minute to the next, more than most changes one
 * wants to measure. Two runs in two processes therefore compare two
 * moments as much as two versions. Here both versions are linked into one
 * program (their symbols renamed old_... and new_...), read the same frames
 * from memory and take turns run by run, so that each ratio compares
 * neighbours in time; the medians of those ratios are reported.
 */
#include "bgsub.h"
#include "io/frame_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DECLARE_VERSION(P)                                                     \
    bgs_status P##bgs_params_init(bgs_params *params, size_t size);            \
    bgs_model *P##bgs_model_create(int width, int height, int channels,        \
                                   const bgs_params *params);                  \
    bgs_status P##bgs_model_set_threads(bgs_model *model, int threads);        \
    bgs_status P##bgs_model_apply(bgs_model *model, const uint8_t *frame,      \
                                  ptrdiff_t frame_stride, uint8_t *mask,       \
                                  ptrdiff_t mask_stride);                      \
    void P##bgs_model_free(bgs_model *model);
DECLARE_VERSION(old_)
DECLARE_VERSION(new_)

typedef struct frames {
    uint8_t *pixels;
    int count, width, height;
    size_t bytes; /* one frame */
} frames;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Frames/s of one version over the frames forward and back (as
 * bench_compare plays them), a fresh model with default parameters; the
 * first frame, which touches the model's memory first, is not timed. */
#define TIME_VERSION(P)                                                        \
    static double time_##P(const frames *f, int threads)                       \
    {                                                                          \
        bgs_params params;                                                     \
        P##bgs_params_init(&params, sizeof params);                            \
        bgs_model *m = P##bgs_model_create(f->width, f->height, 3, &params);   \
        uint8_t *mask = malloc((size_t)f->width * f->height);                  \
        if (!m || !mask || P##bgs_model_set_threads(m, threads) != BGS_OK) {   \
            fprintf(stderr, "ab_compare: cannot make a model\n");              \
            exit(1);                                                           \
        }                                                                      \
        ptrdiff_t stride = (ptrdiff_t)f->width * 3;                            \
        int period = 2 * f->count - 2, length = period + 1;                    \
        P##bgs_model_apply(m, f->pixels, stride, mask, f->width);              \
        double t0 = now_seconds();                                             \
        for (int i = 1; i < length; i++) {                                     \
            int j = i % period;                                                \
            j = j < f->count ? j : period - j;                                 \
            P##bgs_model_apply(m, f->pixels + f->bytes * j, stride, mask,      \
                               f->width);                                      \
        }                                                                      \
        double rate = (length - 1) / (now_seconds() - t0);                     \
        P##bgs_model_free(m);                                                  \
        free(mask);                                                            \
        return rate;                                                           \
    }
TIME_VERSION(old_)
TIME_VERSION(new_)

static int load(const char *input, int max_frames, frames *f)
{
    char err[512];
    frame_source *src = frame_source_open(input, 3, err, sizeof err);
    if (!src) {
        fprintf(stderr, "ab_compare: %s\n", err);
        return -1;
    }
    f->width = frame_source_width(src);
    f->height = frame_source_height(src);
    f->bytes = (size_t)f->width * f->height * 3;
    f->pixels = malloc(f->bytes * max_frames);
    f->count = 0;
    const uint8_t *data;
    ptrdiff_t stride;
    while (f->pixels && f->count < max_frames &&
           frame_source_read(src, &data, &stride, err, sizeof err) == 1) {
        uint8_t *dst = f->pixels + f->bytes * f->count++;
        for (int y = 0; y < f->height; y++)
            memcpy(dst + (size_t)f->width * 3 * y, data + stride * y, (size_t)f->width * 3);
    }
    frame_source_close(src);
    if (f->count < 2) {
        fprintf(stderr, "ab_compare: %s: fewer than 2 frames\n", input);
        return -1;
    }
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_REPEAT 99

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: ab_compare VIDEO [FRAMES [REPEAT]]\n");
        return 2;
    }
    int max_frames = argc > 2 ? atoi(argv[2]) : 120;
    int repeat = argc > 3 ? atoi(argv[3]) : 7;
    if (max_frames < 2 || repeat < 1 || repeat > MAX_REPEAT) {
        fprintf(stderr, "ab_compare: FRAMES must be at least 2, REPEAT 1..%d\n", MAX_REPEAT);
        return 2;
    }
    frames f;
    if (load(argv[1], max_frames, &f) != 0)
        return 1;
    printf("%s: %d frames of %dx%d in memory, played forward and back (%d a run)\n",
           argv[1], f.count, f.width, f.height, 2 * f.count - 2);
    double old1[MAX_REPEAT], new1[MAX_REPEAT], old2[MAX_REPEAT], new2[MAX_REPEAT];
    double gain1[MAX_REPEAT], gain2[MAX_REPEAT], scale_old[MAX_REPEAT], scale_new[MAX_REPEAT];
    for (int r = 0; r < repeat; r++) {
        old1[r] = time_old_(&f, 1);
        new1[r] = time_new_(&f, 1);
        old2[r] = time_old_(&f, 2);
        new2[r] = time_new_(&f, 2);
        gain1[r] = new1[r] / old1[r];
        gain2[r] = new2[r] / old2[r];
        scale_old[r] = old2[r] / old1[r];
        scale_new[r] = new2[r] / new1[r];
        printf("  run %d: 1 thread old %.1f new %.1f (%.2fx), 2 threads old %.1f new %.1f (%.2fx) frames/s\n",
               r + 1, old1[r], new1[r], gain1[r], old2[r], new2[r], gain2[r]);
        fflush(stdout);
    }
    printf("medians of the run-by-run ratios:\n");
    printf("  new / old, 1 thread        %.2fx\n", median(gain1, repeat));
    printf("  new / old, 2 threads       %.2fx\n", median(gain2, repeat));
    printf("  2 threads / 1 thread, old  %.2fx\n", median(scale_old, repeat));
    printf("  2 threads / 1 thread, new  %.2fx\n", median(scale_new, repeat));
    free(f.pixels);
    return 0;
}
