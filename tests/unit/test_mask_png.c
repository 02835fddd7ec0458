/*
 * test_mask_png.c - the run-length PNG encoder for gray images
 * (src/io/mask_png.c) and its use by image_save_png.
 *
 * Every encoded image is checked three ways: the chunks are well formed with
 * correct CRCs, zlib's uncompress() accepts the IDAT stream (it checks the
 * Adler-32) and gives back exactly the filtered rows, and libpng (through
 * image_load_memory) decodes the same pixels. Sizes are compared with
 * libpng + zlib Z_RLE, the encoder this one replaces for masks.
 */
#include "test.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <png.h>
#include <zlib.h>

#include "io/image_io.h"
#include "io/mask_png.h"

static char err[512];

static uint64_t rng_state = 1;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* ------------------------------------------------------------------------ */
/* Checking one image                                                       */
/* ------------------------------------------------------------------------ */

/* Walks the chunks of png: signature, IHDR first, CRCs, IEND last; returns
 * the IDAT data joined (malloc'd) or NULL with the problem in why. */
static uint8_t *parse_png(const uint8_t *png, size_t size, int width,
                          int height, size_t *idat_size, const char **why)
{
    static const uint8_t signature[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
    *why = NULL;
    if (size < 8 || memcmp(png, signature, 8) != 0) {
        *why = "signature";
        return NULL;
    }
    uint8_t *idat = malloc(size);
    size_t joined = 0, pos = 8;
    int chunk = 0, ended = 0;
    while (!*why && !ended) {
        if (size - pos < 12) {
            *why = "chunk runs past the end";
            break;
        }
        uint32_t len = be32(png + pos);
        if (len > size - pos - 12) {
            *why = "chunk length past the end";
            break;
        }
        const uint8_t *type = png + pos + 4, *data = png + pos + 8;
        if (be32(data + len) != (uint32_t)crc32(0, type, len + 4))
            *why = "bad CRC";
        else if (chunk == 0 && (memcmp(type, "IHDR", 4) != 0 || len != 13 ||
                                be32(data) != (uint32_t)width ||
                                be32(data + 4) != (uint32_t)height ||
                                memcmp(data + 8, "\x08\0\0\0\0", 5) != 0))
            *why = "IHDR";
        else if (memcmp(type, "IDAT", 4) == 0) {
            memcpy(idat + joined, data, len);
            joined += len;
        } else if (memcmp(type, "IEND", 4) == 0)
            ended = 1;
        else if (chunk > 0)
            *why = "unexpected chunk";
        pos += 12 + len;
        chunk++;
    }
    if (!*why && pos != size)
        *why = "bytes after IEND";
    if (*why) {
        free(idat);
        return NULL;
    }
    *idat_size = joined;
    return idat;
}

/* Encode, then check as described at the top; 1 if all is well. */
static int round_trip(const uint8_t *data, int width, int height,
                      ptrdiff_t stride, const char *what, size_t *png_size)
{
    uint8_t *png = NULL;
    size_t size = 0;
    if (mask_png_encode(data, width, height, stride, &png, &size) != 0) {
        printf("  %s %dx%d: encode failed: %s\n", what, width, height,
               strerror(errno));
        return 0;
    }
    if (png_size)
        *png_size = size;
    int ok = 0;
    const char *why;
    size_t idat_size = 0;
    uint8_t *idat = parse_png(png, size, width, height, &idat_size, &why);
    size_t raw_size = (size_t)height * ((size_t)width + 1);
    uint8_t *raw = malloc(raw_size + 1);
    uLongf got = (uLongf)raw_size + 1;
    image img = {0};
    if (!idat) {
        printf("  %s %dx%d: bad PNG structure: %s\n", what, width, height, why);
    } else if (uncompress(raw, &got, idat, idat_size) != Z_OK ||
               got != raw_size) {
        printf("  %s %dx%d: zlib rejects the stream\n", what, width, height);
    } else if (image_load_memory(png, size, what, 0, &img, err,
                                 sizeof(err)) != 0) {
        printf("  %s %dx%d: libpng rejects it: %s\n", what, width, height, err);
    } else {
        ok = img.width == width && img.height == height && img.channels == 1;
        for (int y = 0; ok && y < height; y++) {
            const uint8_t *row = data + y * stride;
            ok = raw[y * ((size_t)width + 1)] == 0 &&
                 memcmp(raw + y * ((size_t)width + 1) + 1, row,
                        (size_t)width) == 0 &&
                 memcmp(img.data + y * img.stride, row, (size_t)width) == 0;
            if (!ok)
                printf("  %s %dx%d: row %d differs\n", what, width, height, y);
        }
    }
    image_free(&img);
    free(raw);
    free(idat);
    free(png);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Images                                                                   */
/* ------------------------------------------------------------------------ */

enum pattern {
    ALL_ZERO, ALL_255, CHECKERBOARD, RANDOM_BYTES, RANDOM_RUNS, STRIPES,
    PATTERN_COUNT
};
static const char *pattern_name[PATTERN_COUNT] = {
    "zeros", "255", "checkerboard", "random bytes", "random runs", "stripes"};

/* Runs of 0, 127 and 255 whose lengths (1 to several thousand) ignore the
 * row ends. */
static void fill_random_runs(uint8_t *data, size_t size)
{
    static const uint8_t values[3] = {0, 127, 255};
    for (size_t i = 0; i < size;) {
        /* One rnd() per statement: the order of calls stays fixed. */
        size_t longest = rnd() % 4 == 0 ? 3 : rnd() % 2 ? 300 : 3000;
        size_t run = 1 + rnd() % longest;
        uint8_t v = values[rnd() % 3];
        for (size_t k = 0; k < run && i < size; k++)
            data[i++] = v;
    }
}

static void fill(uint8_t *data, int width, int height, ptrdiff_t stride,
                 enum pattern p)
{
    size_t size = (size_t)height * (size_t)stride;
    switch (p) {
    case ALL_ZERO: memset(data, 0, size); break;
    case ALL_255: memset(data, 255, size); break;
    case RANDOM_BYTES:
        for (size_t i = 0; i < size; i++)
            data[i] = (uint8_t)rnd();
        break;
    case RANDOM_RUNS: fill_random_runs(data, size); break;
    case CHECKERBOARD:
    case STRIPES:
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                data[y * stride + x] = p == CHECKERBOARD
                    ? (uint8_t)(((x + y) & 1) * 255)
                    : (uint8_t)((x / 7) % 3 * 127);
        break;
    default: break;
    }
}

/* A mask as bgsub writes them: person-sized blobs with speckled holes
 * (255), thin shadow rims (127), and noise foreground pixels ("noisy": 1 %
 * of all pixels flipped, else 0.05 %). */
static void realistic_mask(uint8_t *m, int w, int h, int noisy)
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
    uint32_t per = noisy ? 100 : 2000;
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (rnd() % per == 0)
            m[i] ^= 255;
}

/* The PNG libpng writes with the settings bgsub used for masks before:
 * level 1, filter NONE, Z_RLE. Returns its size (0 on failure). */
typedef struct mem_out {
    size_t size;
} mem_out;

static void count_bytes(png_structp png, png_bytep data, size_t length)
{
    (void)data;
    ((mem_out *)png_get_io_ptr(png))->size += length;
}

static void no_flush(png_structp png) { (void)png; }

static size_t libpng_rle_size(const uint8_t *data, int w, int h)
{
    mem_out out = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                              NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    png_set_write_fn(png, &out, count_bytes, no_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        png_write_row(png, (png_bytep)(data + (size_t)y * w));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return out.size;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

TEST(patterns_at_many_sizes_decode_exactly)
{
    static const int widths[] = {1, 2, 3, 63, 64, 65, 257, 258, 259, 1920};
    static const int heights[] = {1, 2, 3, 7, 64, 259};
    int failures = 0, images = 0;
    for (size_t wi = 0; wi < sizeof(widths) / sizeof(*widths); wi++)
        for (size_t hi = 0; hi < sizeof(heights) / sizeof(*heights); hi++)
            for (int p = 0; p < PATTERN_COUNT; p++) {
                int w = widths[wi], h = heights[hi];
                uint8_t *data = malloc((size_t)w * h);
                fill(data, w, h, w, (enum pattern)p);
                failures += !round_trip(data, w, h, w, pattern_name[p], NULL);
                images++;
                free(data);
            }
    CHECK(failures == 0, "%d of %d images wrong", failures, images);
}

TEST(full_hd_images_decode_exactly)
{
    const int w = 1920, h = 1080;
    uint8_t *data = malloc((size_t)w * h);
    int failures = 0;
    for (int p = 0; p < PATTERN_COUNT; p++) {
        fill(data, w, h, w, (enum pattern)p);
        failures += !round_trip(data, w, h, w, pattern_name[p], NULL);
    }
    for (int noisy = 0; noisy < 2; noisy++) {
        realistic_mask(data, w, h, noisy);
        failures += !round_trip(data, w, h, w, "mask", NULL);
    }
    CHECK(failures == 0, "%d images wrong", failures);
    free(data);
}

/* Run lengths around multiples of 258 (the longest match) and the 1- and
 * 2-byte remainders that must be literals; a row of one value ends with
 * the next row's filter byte 0. */
TEST(runs_around_multiples_of_258)
{
    int failures = 0;
    for (int k = 0; k <= 4; k++)
        for (int r = -3; r <= 5; r++) {
            int w = 258 * k + r;
            if (w < 1)
                continue;
            for (int v = 0; v < 256; v += 127) {
                uint8_t *data = malloc((size_t)w * 3);
                memset(data, v, (size_t)w * 3);
                data[w + w / 2] = (uint8_t)(v ^ 1); /* a break mid row 2 */
                failures += !round_trip(data, w, 3, w, "run", NULL);
                free(data);
            }
        }
    CHECK(failures == 0, "%d images wrong", failures);
}

/* Runs longer than the Adler-32 modulus (65521) exercise the closed form:
 * a long nonzero row, and zeros across many rows. */
TEST(runs_longer_than_adler_modulus)
{
    const int w = 200003;
    uint8_t *data = malloc(w);
    memset(data, 255, w);
    CHECK(round_trip(data, w, 1, w, "long 255 row", NULL), "255 x %d", w);
    memset(data, 131, w);
    data[70000] = 7;
    CHECK(round_trip(data, w, 1, w, "long 131 row", NULL), "131 x %d", w);
    free(data);
    uint8_t *zeros = calloc(300, 4000);
    CHECK(round_trip(zeros, 300, 4000, 300, "zeros", NULL), "zeros 300x4000");
    free(zeros);
}

TEST(padded_rows_are_skipped)
{
    const int w = 65, h = 40;
    const ptrdiff_t stride = 80;
    uint8_t data[80 * 40];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (i % stride) >= (size_t)w ? 99 : (i / 300) % 2 * 255;
    CHECK(round_trip(data, w, h, stride, "padded", NULL), "stride 80");
}

TEST(bad_arguments_refused)
{
    uint8_t data[4] = {0}, *png = (uint8_t *)1;
    size_t size = 1;
    CHECK(mask_png_encode(data, 0, 1, 1, &png, &size) == -1 && errno == EINVAL,
          "width 0");
    CHECK(png == NULL && size == 0, "outputs cleared");
    CHECK(mask_png_encode(data, 2, 2, 1, &png, &size) == -1, "short stride");
    CHECK(mask_png_encode(NULL, 2, 2, 2, &png, &size) == -1, "no data");
}

/* Within 5 % of libpng + Z_RLE on masks (measured: within 0.5 %, either
 * way: the same symbols, Huffman codes per block of similar size). */
TEST(size_close_to_zlib_rle_on_masks)
{
    static const int sizes[2][2] = {{1920, 1080}, {320, 240}};
    for (int s = 0; s < 2; s++)
        for (int kind = 0; kind < 3; kind++) {
            int w = sizes[s][0], h = sizes[s][1];
            uint8_t *m = malloc((size_t)w * h);
            if (kind == 2)
                memset(m, 0, (size_t)w * h);
            else
                realistic_mask(m, w, h, kind);
            size_t ours = 0, theirs = libpng_rle_size(m, w, h);
            CHECK(round_trip(m, w, h, w, "mask", &ours), "decode");
            printf("  %dx%d %s: %zu bytes, libpng Z_RLE %zu\n", w, h,
                   kind == 2 ? "empty" : kind ? "noisy" : "blobs", ours,
                   theirs);
            CHECK(theirs > 0 && ours <= theirs + theirs / 20,
                  "%dx%d kind %d: %zu bytes vs %zu", w, h, kind, ours, theirs);
            free(m);
        }
}

/* image_save_png sends gray images at levels 0 and 1 here. */
TEST(save_png_uses_it_for_gray_at_fast_levels)
{
    const int w = 100, h = 50;
    uint8_t data[100 * 50];
    realistic_mask(data, w, h, 1);
    uint8_t *png;
    size_t size;
    REQUIRE(mask_png_encode(data, w, h, w, &png, &size) == 0, "encode");
    char dir[] = "/tmp/test_mask_png.XXXXXX";
    REQUIRE(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    char path[64];
    snprintf(path, sizeof(path), "%s/m.png", dir);
    for (int level = 0; level <= 2; level++) {
        REQUIRE(image_save_png(path, data, w, h, 1, w, level, 1, err,
                               sizeof(err)) == 0, "%s", err);
        FILE *f = fopen(path, "rb");
        uint8_t *file = malloc(size + 1);
        size_t got = f ? fread(file, 1, size + 1, f) : 0;
        if (f)
            fclose(f);
        int same = got == size && memcmp(file, png, size) == 0;
        CHECK(same == (level <= 1), "level %d: file %s the encoder's output",
              level, same ? "is" : "is not");
        image img;
        REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
        CHECK(img.width == w && memcmp(img.data, data, sizeof(data)) == 0,
              "level %d pixels", level);
        image_free(&img);
        free(file);
    }
    unlink(path);
    rmdir(dir);
    free(png);
}

int main(void)
{
    RUN(patterns_at_many_sizes_decode_exactly);
    RUN(full_hd_images_decode_exactly);
    RUN(runs_around_multiples_of_258);
    RUN(runs_longer_than_adler_modulus);
    RUN(padded_rows_are_skipped);
    RUN(bad_arguments_refused);
    RUN(size_close_to_zlib_rle_on_masks);
    RUN(save_png_uses_it_for_gray_at_fast_levels);
    return test_summary();
}
