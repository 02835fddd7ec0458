/*
 * bench_postproc.c - time of each mask clean-up step, the whole chain and
 * the blob finder, in ms per frame.
 *
 *   build/tools/bench_postproc [--repeat N] [--threads N] [--mask FILE.png]
 *
 * Masks: a synthetic scene at 1920x1080 and 320x240 - a dozen person-sized
 * ellipses with speckled holes, some cut by the border, plus 1 %
 * salt-and-pepper noise (deterministic) - or, with --mask, a real mask
 * (e.g. one that `bgsub samples/sample.mp4 -o DIR` wrote) scaled to both
 * sizes by nearest neighbour. Every timed call starts from a fresh copy of
 * the mask; the copy is not timed. Figures: the median and the minimum over
 * N runs (on a busy machine the minimum is closer to the real cost).
 */
#include "bgsub.h"
#include "io/image_io.h"
#include "lib/pool.h"
#include "lib/postproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static uint64_t rng = 42;
static uint32_t rnd(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

static void synthetic_mask(uint8_t *m, int w, int h)
{
    memset(m, 0, (size_t)w * h);
    double scale = h / 1080.0;
    for (int s = 0; s < 12; s++) {
        int cx = (int)(rnd() % (uint32_t)w), cy = (int)(rnd() % (uint32_t)h);
        int rx = (int)((30 + rnd() % 90) * scale) + 1;
        int ry = (int)((60 + rnd() % 200) * scale) + 1;
        for (int y = cy - ry; y <= cy + ry; y++)
            for (int x = cx - rx; x <= cx + rx; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h)
                    continue;
                double dx = (double)(x - cx) / rx, dy = (double)(y - cy) / ry;
                if (dx * dx + dy * dy <= 1.0 && rnd() % 100 >= 4)
                    m[(size_t)y * w + x] = 255;
            }
    }
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (rnd() % 100 == 0)
            m[i] ^= 255;
}

static void scale_mask(const image *src, uint8_t *m, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *row = src->data + (ptrdiff_t)(y * (long)src->height / h) *
                                             src->stride;
        for (int x = 0; x < w; x++)
            m[(size_t)y * w + x] = row[x * (long)src->width / w];
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench_ctx {
    bgs_postproc *pp;
    const uint8_t *mask;
    uint8_t *work;
    int w, h, repeat;
    task_pool *pool;
    double *times;
} bench_ctx;

typedef struct timing {
    double median, min;
} timing;

static timing summarise(bench_ctx *b)
{
    qsort(b->times, (size_t)b->repeat, sizeof *b->times, cmp_double);
    return (timing){b->times[b->repeat / 2], b->times[0]};
}

static timing time_clean(bench_ctx *b, const bgs_cleanup *c)
{
    for (int i = 0; i < b->repeat; i++) {
        memcpy(b->work, b->mask, (size_t)b->w * b->h);
        double t0 = now_ms();
        bgs_status st = postproc_clean_pool(b->pp, c, b->work, b->w, b->pool);
        b->times[i] = now_ms() - t0;
        if (st != BGS_OK) {
            fprintf(stderr, "bench_postproc: %s\n", bgs_last_error());
            exit(1);
        }
    }
    return summarise(b);
}

static timing time_blobs(bench_ctx *b, const uint8_t *mask, size_t *count)
{
    for (int i = 0; i < b->repeat; i++) {
        const bgs_blob *blobs;
        double t0 = now_ms();
        bgs_status st = bgs_postproc_blobs(b->pp, mask, b->w, 0, &blobs, count);
        b->times[i] = now_ms() - t0;
        if (st != BGS_OK) {
            fprintf(stderr, "bench_postproc: %s\n", bgs_last_error());
            exit(1);
        }
    }
    return summarise(b);
}

static double foreground_percent(const uint8_t *m, size_t n)
{
    size_t fg = 0;
    for (size_t i = 0; i < n; i++)
        fg += m[i] == 255;
    return 100.0 * fg / n;
}

static void bench_size(int w, int h, const image *real, int repeat,
                       task_pool *pool)
{
    size_t n = (size_t)w * h;
    uint8_t *mask = malloc(n), *work = malloc(n);
    double *times = malloc((size_t)repeat * sizeof *times);
    bgs_postproc *pp = bgs_postproc_create(w, h);
    if (!mask || !work || !times || !pp) {
        fprintf(stderr, "bench_postproc: out of memory\n");
        exit(1);
    }
    if (real)
        scale_mask(real, mask, w, h);
    else
        synthetic_mask(mask, w, h);
    bench_ctx b = {pp, mask, work, w, h, repeat, pool, times};
    printf("%dx%d %s mask, %.1f %% foreground, %d thread%s, %d runs; ms/frame "
           "median and minimum:\n",
           w, h, real ? "real" : "synthetic", foreground_percent(mask, n),
           pool ? pool_threads(pool) : 1, pool && pool_threads(pool) > 1 ? "s" : "",
           repeat);
    static const struct {
        const char *name;
        bgs_cleanup c;
    } cases[] = {
        {"median 3", {sizeof(bgs_cleanup), 3, 0, 0, 0, 0}},
        {"median 5", {sizeof(bgs_cleanup), 5, 0, 0, 0, 0}},
        {"opening r=1", {sizeof(bgs_cleanup), 0, 1, 0, 0, 0}},
        {"opening r=3", {sizeof(bgs_cleanup), 0, 3, 0, 0, 0}},
        {"closing r=1", {sizeof(bgs_cleanup), 0, 0, 1, 0, 0}},
        {"closing r=3", {sizeof(bgs_cleanup), 0, 0, 3, 0, 0}},
        {"closing r=10", {sizeof(bgs_cleanup), 0, 0, 10, 0, 0}},
        {"fill holes <= 1000 px", {sizeof(bgs_cleanup), 0, 0, 0, 1000, 0}},
        {"min area 50 px", {sizeof(bgs_cleanup), 0, 0, 0, 0, 50}},
        {"chain: median 3, open 1, close 2, fill 1000, min 50",
         {sizeof(bgs_cleanup), 3, 1, 2, 1000, 50}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        timing t = time_clean(&b, &cases[i].c);
        printf("  %-52s %7.3f %7.3f\n", cases[i].name, t.median, t.min);
    }
    size_t count;
    timing t = time_blobs(&b, mask, &count);
    printf("  %-52s %7.3f %7.3f  (%zu blobs)\n", "blobs of the raw mask",
           t.median, t.min, count);
    memcpy(work, mask, n);
    postproc_clean_pool(pp, &cases[sizeof cases / sizeof cases[0] - 1].c, work,
                        w, pool);
    t = time_blobs(&b, work, &count);
    printf("  %-52s %7.3f %7.3f  (%zu blobs)\n", "blobs of the cleaned mask",
           t.median, t.min, count);
    bgs_postproc_free(pp);
    free(mask);
    free(work);
    free(times);
}

int main(int argc, char **argv)
{
    int repeat = 50, threads = 1;
    const char *mask_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--mask") == 0 && i + 1 < argc)
            mask_path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_postproc [--repeat N] [--threads N] "
                            "[--mask FILE.png]\n");
            return 2;
        }
    }
    if (repeat < 1 || threads < 1) {
        fprintf(stderr, "bench_postproc: --repeat and --threads must be at least 1\n");
        return 2;
    }
    image real = {0};
    if (mask_path) {
        char err[512];
        if (image_load(mask_path, 1, &real, err, sizeof err) != 0) {
            fprintf(stderr, "bench_postproc: %s\n", err);
            return 3;
        }
    }
    task_pool *pool = threads > 1 ? pool_create(threads) : NULL;
    if (threads > 1 && !pool) {
        fprintf(stderr, "bench_postproc: cannot start %d threads\n", threads);
        return 1;
    }
    bench_size(1920, 1080, mask_path ? &real : NULL, repeat, pool);
    bench_size(320, 240, mask_path ? &real : NULL, repeat, pool);
    pool_free(pool);
    image_free(&real);
    return 0;
}
