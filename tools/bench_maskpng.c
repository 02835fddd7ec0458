/*
 * bench_maskpng.c - time to encode a mask as PNG in memory: the run-length
 * encoder bgsub uses for masks (src/io/mask_png.c) against libpng with the
 * settings it replaced (level 1, filter NONE, zlib Z_RLE).
 *
 *   build/tools/bench_maskpng [--repeat N] [--mask FILE.png]
 *
 * Masks at 1920x1080 and 320x240: "blobs" (person-sized ellipses with
 * speckled holes and shadow rims of 127, 0.05 % noise pixels: a few %
 * foreground), "noisy" (the same with 1 % noise pixels) and "empty"; with
 * --mask, a real mask scaled to both sizes instead of the blobs. The two
 * encoders run alternately, N times each (default 31); figures are the
 * median ms per mask, the file size and the ratio libpng / ours.
 */
#include "io/image_io.h"
#include "io/mask_png.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

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

static void synthetic_mask(uint8_t *m, int w, int h, uint32_t noise_per)
{
    memset(m, 0, (size_t)w * h);
    double scale = h / 1080.0;
    for (int s = 0; s < 5; s++) {
        int cx = (int)(rnd() % (uint32_t)w), cy = (int)(rnd() % (uint32_t)h);
        int rx = (int)((15 + rnd() % 40) * scale) + 1;
        int ry = (int)((40 + rnd() % 120) * scale) + 1;
        for (int y = cy - ry; y <= cy + ry; y++)
            for (int x = cx - rx; x <= cx + rx + 4; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h)
                    continue;
                double dx = (double)(x - cx) / rx, dy = (double)(y - cy) / ry;
                double r = dx * dx + dy * dy;
                if (r <= 1.0 && rnd() % 100 >= 2)
                    m[(size_t)y * w + x] = 255;
                else if (r <= 1.3 && x > cx)
                    m[(size_t)y * w + x] = 127;
            }
    }
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (rnd() % noise_per == 0)
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

/* libpng's output, gathered in memory. */
typedef struct mem_file {
    uint8_t *data;
    size_t size, capacity;
} mem_file;

static void mem_write(png_structp png, png_bytep data, size_t length)
{
    mem_file *f = png_get_io_ptr(png);
    if (f->size + length > f->capacity) {
        size_t cap = f->capacity ? f->capacity : 4096;
        while (cap < f->size + length)
            cap *= 2;
        uint8_t *grown = realloc(f->data, cap);
        if (!grown)
            png_error(png, "out of memory");
        f->data = grown;
        f->capacity = cap;
    }
    memcpy(f->data + f->size, data, length);
    f->size += length;
}

static void mem_flush(png_structp png) { (void)png; }

/* What image_save_png did for masks before mask_png: returns the size. */
static size_t encode_libpng_rle(const uint8_t *m, int w, int h)
{
    mem_file f = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                              NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "bench_maskpng: libpng failed\n");
        exit(1);
    }
    png_set_write_fn(png, &f, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, (png_bytep)(m + (size_t)y * w));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(f.data);
    return f.size;
}

static size_t encode_mask_png(const uint8_t *m, int w, int h)
{
    uint8_t *png;
    size_t size;
    if (mask_png_encode(m, w, h, w, &png, &size) != 0) {
        fprintf(stderr, "bench_maskpng: out of memory\n");
        exit(1);
    }
    free(png);
    return size;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    return t[n / 2];
}

static void bench_mask(const char *name, const uint8_t *m, int w, int h,
                       int repeat)
{
    double *ours = malloc(sizeof(double) * repeat);
    double *theirs = malloc(sizeof(double) * repeat);
    size_t our_size = 0, their_size = 0;
    size_t fg = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        fg += m[i] != 0;
    for (int i = 0; i < repeat; i++) {
        double t0 = now_ms();
        our_size = encode_mask_png(m, w, h);
        double t1 = now_ms();
        their_size = encode_libpng_rle(m, w, h);
        double t2 = now_ms();
        ours[i] = t1 - t0;
        theirs[i] = t2 - t1;
    }
    double a = median(ours, repeat), b = median(theirs, repeat);
    printf("  %-5s %4.1f %% fg  mask_png %7.3f ms %7zu B   libpng Z_RLE %7.3f ms "
           "%7zu B   %5.1fx faster, size x%.3f\n",
           name, 100.0 * fg / ((double)w * h), a, our_size, b, their_size,
           b / a, (double)our_size / their_size);
    free(ours);
    free(theirs);
}

int main(int argc, char **argv)
{
    int repeat = 31;
    const char *mask_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--mask") == 0 && i + 1 < argc)
            mask_path = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--repeat N] [--mask FILE.png]\n", argv[0]);
            return 2;
        }
    }
    if (repeat < 1)
        repeat = 1;
    image real = {0};
    char err[512];
    if (mask_path && image_load(mask_path, 1, &real, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_maskpng: %s\n", err);
        return 1;
    }
    static const int sizes[2][2] = {{1920, 1080}, {320, 240}};
    printf("mask PNG encoding, median of %d alternating runs:\n", repeat);
    for (int s = 0; s < 2; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        uint8_t *m = malloc((size_t)w * h);
        if (!m)
            return 1;
        printf("%dx%d\n", w, h);
        if (mask_path)
            scale_mask(&real, m, w, h);
        else
            synthetic_mask(m, w, h, 2000);
        bench_mask(mask_path ? "real" : "blobs", m, w, h, repeat);
        synthetic_mask(m, w, h, 100);
        bench_mask("noisy", m, w, h, repeat);
        memset(m, 0, (size_t)w * h);
        bench_mask("empty", m, w, h, repeat);
        free(m);
    }
    image_free(&real);
    return 0;
}
