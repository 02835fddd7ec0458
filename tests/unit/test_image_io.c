/*
 * test_image_io.c - PNG/JPEG/BMP loading and PNG saving (src/io/image_io.c).
 *
 * Test images are made here, with image_save_png, libpng, libjpeg or by
 * writing BMP bytes, in a mkdtemp folder that is removed at the end. The
 * ChangeDetection.net files are used when ../shared/data/cdnet/highway
 * exists (tests run from the repository root).
 */
#include "test.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <jpeglib.h>
#include <png.h>

#include "io/image_io.h"

#define HIGHWAY "../shared/data/cdnet/highway"

static char tmp_dir[4096];
static char err[512];

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static const char *tmp_path(const char *name)
{
    static char paths[4][4200];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof(paths[0]), "%s/%s", tmp_dir, name);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_bytes(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

/* Whole file in a malloc'd buffer; NULL on failure. */
static uint8_t *read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *data = malloc(n > 0 ? (size_t)n : 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* Temporary files image_save_png left behind in dir. */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

/* A reproducible pattern with every byte value somewhere in it. */
static void fill_pattern(uint8_t *data, int width, int height, int channels,
                         ptrdiff_t stride)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width * channels; x++)
            data[y * stride + x] = (uint8_t)(x * 7 + y * 13 + (x * y) % 11);
}

static int same_pixels(const image *img, const uint8_t *data, ptrdiff_t stride)
{
    for (int y = 0; y < img->height; y++)
        if (memcmp(img->data + y * img->stride, data + y * stride,
                   (size_t)img->width * img->channels) != 0)
            return 0;
    return 1;
}

static int luma_of(int r, int g, int b)
{
    return (int)(0.299 * r + 0.587 * g + 0.114 * b + 0.5);
}

/* Saved stderr while a test checks that nothing is printed. */
static int saved_stderr = -1;

static void stderr_capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    FILE *f = fopen(tmp_path("stderr.txt"), "w");
    if (f) {
        dup2(fileno(f), 2);
        fclose(f);
    }
}

/* Bytes written to stderr since stderr_capture_begin. */
static long stderr_capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    struct stat st;
    long n = stat(tmp_path("stderr.txt"), &st) == 0 ? (long)st.st_size : -1;
    remove(tmp_path("stderr.txt"));
    return n;
}

/* Write a PNG of any libpng colour type and bit depth; rows are packed as
 * libpng expects them. */
static int write_png_raw(const char *path, int width, int height,
                         int color_type, int bit_depth, uint8_t *const *rows,
                         const png_color *palette, int palette_size,
                         const uint8_t *trans, int trans_count)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height,
                 bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, palette_size);
    if (trans)
        png_set_tRNS(png, info, trans, trans_count, NULL);
    png_write_info(png, info);
    png_write_image(png, (png_bytepp)rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return fclose(f);
}

/* A baseline JPEG from 8-bit pixels with libjpeg; components 1 or 3. */
static int write_jpeg(const char *path, const uint8_t *data, int width,
                      int height, int components, int quality)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)width;
    c.image_height = (JDIMENSION)height;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(data + c.next_scanline * width * components);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * A BMP with a 40-byte info header. bits 8 (palette of palette_size BGRx
 * entries), 24 or 32. rows: height rows of file-order pixel bytes (already
 * padded to 4 bytes), written in the order given; top_down stores a
 * negative height.
 */
static int write_bmp(const char *path, int width, int height, int bits,
                     int top_down, const uint8_t *palette, int palette_size,
                     const uint8_t *rows, size_t row_bytes)
{
    size_t pal_bytes = (size_t)palette_size * 4;
    size_t offset = 54 + pal_bytes;
    size_t size = offset + row_bytes * (size_t)height;
    uint8_t *b = calloc(1, size);
    b[0] = 'B';
    b[1] = 'M';
    put_le32(b + 2, (uint32_t)size);
    put_le32(b + 10, (uint32_t)offset);
    put_le32(b + 14, 40);
    put_le32(b + 18, (uint32_t)width);
    put_le32(b + 22, (uint32_t)(top_down ? -height : height));
    b[26] = 1;
    b[28] = (uint8_t)bits;
    put_le32(b + 46, (uint32_t)palette_size);
    if (pal_bytes)
        memcpy(b + 54, palette, pal_bytes);
    memcpy(b + offset, rows, row_bytes * (size_t)height);
    int result = write_bytes(path, b, size);
    free(b);
    return result;
}

static uint32_t crc32_of(const uint8_t *data, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* A small valid RGB PNG saved by image_save_png; returns 0 on success. */
static int make_small_png(const char *path, int width, int height,
                          int channels)
{
    uint8_t *data = malloc((size_t)width * height * channels);
    fill_pattern(data, width, height, channels, (ptrdiff_t)width * channels);
    int r = image_save_png(path, data, width, height, channels,
                           (ptrdiff_t)width * channels, 6, 1, err, sizeof(err));
    free(data);
    return r;
}

/* ------------------------------------------------------------------------ */
/* PNG                                                                      */
/* ------------------------------------------------------------------------ */

TEST(png_round_trip_gray)
{
    const int w = 37, h = 23;
    const ptrdiff_t stride = 40; /* padded rows must be handled */
    uint8_t data[40 * 23];
    fill_pattern(data, w, h, 1, stride);
    const char *path = tmp_path("gray.png");
    REQUIRE(image_save_png(path, data, w, h, 1, stride, 1, 1, err,
                           sizeof(err)) == 0, "%s", err);
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.width == w && img.height == h, "%d x %d", img.width, img.height);
    CHECK(img.channels == 1, "channels %d", img.channels);
    CHECK(same_pixels(&img, data, stride), "pixels differ");
    image_free(&img);

    REQUIRE(image_load(path, 3, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3, "channels %d", img.channels);
    int ok = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                ok &= img.data[y * img.stride + 3 * x + c] ==
                      data[y * stride + x];
    CHECK(ok, "gray expanded to RGB wrongly");
    image_free(&img);
}

TEST(png_round_trip_rgb)
{
    const int w = 19, h = 11;
    uint8_t data[19 * 11 * 3];
    fill_pattern(data, w, h, 3, w * 3);
    const char *path = tmp_path("rgb.png");
    for (int level = 0; level <= 9; level += 3) {
        REQUIRE(image_save_png(path, data, w, h, 3, w * 3, level, 1, err,
                               sizeof(err)) == 0, "%s", err);
        image img;
        REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
        CHECK(img.channels == 3, "level %d: channels %d", level, img.channels);
        CHECK(same_pixels(&img, data, w * 3), "level %d: pixels differ", level);
        image_free(&img);
    }
    image gray;
    REQUIRE(image_load(path, 1, &gray, err, sizeof(err)) == 0, "%s", err);
    CHECK(gray.channels == 1, "channels %d", gray.channels);
    int worst = 0;
    for (int i = 0; i < w * h; i++) {
        int want = luma_of(data[3 * i], data[3 * i + 1], data[3 * i + 2]);
        int d = abs(gray.data[(i / w) * gray.stride + i % w] - want);
        worst = d > worst ? d : worst;
    }
    CHECK(worst == 0, "luma off by %d", worst);
    image_free(&gray);
}

TEST(png_save_replaces_and_leaves_no_temp_file)
{
    const char *path = tmp_path("replace.png");
    REQUIRE(make_small_png(path, 8, 8, 1) == 0, "%s", err);
    REQUIRE(make_small_png(path, 5, 3, 3) == 0, "%s", err);
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.width == 5 && img.height == 3 && img.channels == 3,
          "%d x %d x %d", img.width, img.height, img.channels);
    image_free(&img);
    CHECK(count_temp_files(tmp_dir) == 0, "temporary file left behind");
    remove(path);
}

TEST(png_save_refuses_bad_arguments)
{
    uint8_t data[16] = {0};
    const char *path = tmp_path("bad.png");
    CHECK(image_save_png(path, data, 4, 4, 2, 4, 1, 1, err, sizeof(err)) < 0,
          "2 channels accepted");
    CHECK(image_save_png(path, data, 4, 4, 1, 3, 1, 1, err, sizeof(err)) < 0,
          "short stride accepted");
    CHECK(image_save_png(path, data, 4, 4, 1, 4, 10, 1, err, sizeof(err)) < 0,
          "level 10 accepted");
    CHECK(strstr(err, path) != NULL, "message without name: %s", err);
    CHECK(access(path, F_OK) != 0, "a file was written");
}

TEST(png_save_into_missing_folder_fails)
{
    uint8_t data[16] = {0};
    const char *path = tmp_path("no/such/folder/x.png");
    CHECK(image_save_png(path, data, 4, 4, 1, 4, 1, 1, err, sizeof(err)) < 0,
          "saved into a missing folder");
    CHECK(strstr(err, path) != NULL, "message without name: %s", err);
}

/* A full disk, simulated with a file-size limit: the save must fail, leave
 * the previous file whole and remove its temporary file. */
TEST(png_save_disk_full_keeps_old_file)
{
    const char *path = tmp_path("full.png");
    REQUIRE(make_small_png(path, 4, 4, 1) == 0, "%s", err);
    size_t old_size;
    uint8_t *old = read_bytes(path, &old_size);
    REQUIRE(old != NULL, "cannot read back %s", path);

    const int w = 512, h = 512;
    uint8_t *noise = malloc((size_t)w * h * 3);
    uint32_t state = 12345;
    for (int i = 0; i < w * h * 3; i++) {
        state = state * 1664525u + 1013904223u;
        noise[i] = (uint8_t)(state >> 24);
    }
    struct rlimit saved, small;
    getrlimit(RLIMIT_FSIZE, &saved);
    small = saved;
    small.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    int r = image_save_png(path, noise, w, h, 3, w * 3, 0, 1, err, sizeof(err));
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);
    free(noise);

    CHECK(r < 0, "save succeeded beyond the file size limit");
    CHECK(strstr(err, path) != NULL, "message without name: %s", err);
    size_t now_size;
    uint8_t *now = read_bytes(path, &now_size);
    CHECK(now && now_size == old_size && memcmp(now, old, old_size) == 0,
          "old file changed");
    CHECK(count_temp_files(tmp_dir) == 0, "temporary file left behind");
    free(old);
    free(now);
    remove(path);
}

TEST(png_palette_gray_gives_gray_values)
{
    /* Palette index i holds gray 255 - i: the loader must return the gray
     * values, not the indices. */
    png_color palette[256];
    for (int i = 0; i < 256; i++)
        palette[i].red = palette[i].green = palette[i].blue =
            (png_byte)(255 - i);
    uint8_t pixels[2][4] = {{0, 1, 2, 3}, {100, 200, 254, 255}};
    uint8_t *rows[2] = {pixels[0], pixels[1]};
    const char *path = tmp_path("palette_gray.png");
    REQUIRE(write_png_raw(path, 4, 2, PNG_COLOR_TYPE_PALETTE, 8, rows, palette,
                          256, NULL, 0) == 0, "cannot write %s", path);
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1, "gray palette gave %d channels", img.channels);
    int ok = 1;
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 4; x++)
            ok &= img.data[y * img.stride + x] == 255 - pixels[y][x];
    CHECK(ok, "palette values wrong");
    image_free(&img);
    remove(path);
}

TEST(png_palette_colour_with_transparency)
{
    png_color palette[3] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
    uint8_t trans[3] = {0, 128, 255};
    uint8_t pixels[1][3] = {{0, 1, 2}};
    uint8_t *rows[1] = {pixels[0]};
    const char *path = tmp_path("palette_rgb.png");
    REQUIRE(write_png_raw(path, 3, 1, PNG_COLOR_TYPE_PALETTE, 8, rows, palette,
                          3, trans, 3) == 0, "cannot write %s", path);
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3, "channels %d", img.channels);
    uint8_t want[9] = {255, 0, 0, 0, 255, 0, 10, 20, 30};
    CHECK(memcmp(img.data, want, 9) == 0, "colours wrong");
    image_free(&img);
    REQUIRE(image_load(path, 1, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.data[0] == luma_of(255, 0, 0) && img.data[1] == luma_of(0, 255, 0),
          "gray of palette colours: %d %d", img.data[0], img.data[1]);
    image_free(&img);
    remove(path);
}

TEST(png_16bit_alpha_and_low_depth)
{
    const char *path = tmp_path("deep.png");
    image img;

    /* 16-bit gray: v * 257 must come back as v. */
    uint8_t g16[1][6] = {{0x00, 0x00, 0x80, 0x80, 0xff, 0xff}};
    uint8_t *rows[1] = {g16[0]};
    REQUIRE(write_png_raw(path, 3, 1, PNG_COLOR_TYPE_GRAY, 16, rows, NULL, 0,
                          NULL, 0) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1 && img.data[0] == 0 && img.data[1] == 0x80 &&
          img.data[2] == 0xff, "16-bit gray: %d %d %d", img.data[0],
          img.data[1], img.data[2]);
    image_free(&img);

    /* Gray + alpha: alpha dropped. */
    uint8_t ga[1][4] = {{10, 0, 200, 255}};
    rows[0] = ga[0];
    REQUIRE(write_png_raw(path, 2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, rows, NULL,
                          0, NULL, 0) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1 && img.data[0] == 10 && img.data[1] == 200,
          "gray+alpha: %d channels, %d %d", img.channels, img.data[0],
          img.data[1]);
    image_free(&img);

    /* 16-bit RGBA: alpha dropped, 16 bits reduced. */
    uint8_t rgba[1][8] = {{0x12, 0x12, 0x34, 0x34, 0x56, 0x56, 0, 0}};
    rows[0] = rgba[0];
    REQUIRE(write_png_raw(path, 1, 1, PNG_COLOR_TYPE_RGBA, 16, rows, NULL, 0,
                          NULL, 0) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3 && img.data[0] == 0x12 && img.data[1] == 0x34 &&
          img.data[2] == 0x56, "RGBA16: %d channels", img.channels);
    image_free(&img);

    /* 1-bit gray: 0 and 1 become 0 and 255. */
    uint8_t bits[1][1] = {{0xa0}}; /* 1 0 1 0 */
    rows[0] = bits[0];
    REQUIRE(write_png_raw(path, 4, 1, PNG_COLOR_TYPE_GRAY, 1, rows, NULL, 0,
                          NULL, 0) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1 && img.data[0] == 255 && img.data[1] == 0 &&
          img.data[2] == 255 && img.data[3] == 0, "1-bit gray wrong");
    image_free(&img);
    remove(path);
}

TEST(png_truncated_and_corrupt_fail_with_name)
{
    const char *good = tmp_path("good.png");
    REQUIRE(make_small_png(good, 16, 16, 3) == 0, "%s", err);
    size_t size;
    uint8_t *bytes = read_bytes(good, &size);
    REQUIRE(bytes != NULL, "cannot read %s", good);

    const char *bad = tmp_path("bad.png");
    stderr_capture_begin();
    int all_failed = 1, all_named = 1;
    /* Every truncation point: never a crash, always -1 and a message. */
    for (size_t n = 0; n < size; n++) {
        write_bytes(bad, bytes, n);
        image img;
        err[0] = 0;
        if (image_load(bad, 0, &img, err, sizeof(err)) == 0) {
            all_failed = 0;
            image_free(&img);
        }
        all_named &= strstr(err, bad) != NULL && strchr(err, '\n') == NULL;
    }
    /* A flipped byte inside IDAT breaks its CRC. */
    bytes[size - 20] ^= 0x55;
    write_bytes(bad, bytes, size);
    image img;
    int corrupt = image_load(bad, 0, &img, err, sizeof(err));
    long printed = stderr_capture_end();
    CHECK(all_failed, "a truncated PNG loaded");
    CHECK(all_named, "a message lacks the file name: %s", err);
    CHECK(corrupt < 0, "corrupt PNG loaded");
    CHECK(strstr(err, bad) != NULL, "message: %s", err);
    CHECK(printed == 0, "%ld bytes printed to stderr", printed);
    free(bytes);
    remove(good);
    remove(bad);
}

TEST(png_huge_header_refused_before_allocation)
{
    const char *path = tmp_path("huge.png");
    REQUIRE(make_small_png(path, 4, 4, 1) == 0, "%s", err);
    size_t size;
    uint8_t *bytes = read_bytes(path, &size);
    REQUIRE(bytes != NULL, "cannot read back");
    /* IHDR data starts at byte 16 (signature 8, length 4, type 4). */
    put_be32(bytes + 16, 100000);
    put_be32(bytes + 20, 100000);
    put_be32(bytes + 29, crc32_of(bytes + 12, 17));
    write_bytes(path, bytes, size);
    image img;
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "huge PNG loaded");
    CHECK(strstr(err, path) && strstr(err, "too large"), "message: %s", err);
    free(bytes);
    remove(path);
}

TEST(png_save_refuses_huge)
{
    uint8_t pixel = 0;
    CHECK(image_save_png(tmp_path("x.png"), &pixel, 20000, 20000, 1, 20000, 1,
                         1,
                         err, sizeof(err)) < 0, "accepted 20000 x 20000");
}

/* ------------------------------------------------------------------------ */
/* JPEG                                                                     */
/* ------------------------------------------------------------------------ */

TEST(jpeg_colour_and_gray)
{
    const int w = 32, h = 16;
    uint8_t rgb[32 * 16 * 3], gray[32 * 16];
    for (int i = 0; i < w * h; i++) {
        rgb[3 * i] = 200;
        rgb[3 * i + 1] = 100;
        rgb[3 * i + 2] = 50;
        gray[i] = (uint8_t)(i % w < 16 ? 40 : 220);
    }
    const char *colour = tmp_path("colour.jpg");
    const char *mono = tmp_path("gray.jpg");
    REQUIRE(write_jpeg(colour, rgb, w, h, 3, 95) == 0, "cannot write");
    REQUIRE(write_jpeg(mono, gray, w, h, 1, 95) == 0, "cannot write");

    image img;
    REQUIRE(image_load(colour, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.width == w && img.height == h && img.channels == 3,
          "%d x %d x %d", img.width, img.height, img.channels);
    int d = abs(img.data[0] - 200) + abs(img.data[1] - 100) +
            abs(img.data[2] - 50);
    CHECK(d <= 9, "colour %d %d %d", img.data[0], img.data[1], img.data[2]);
    image_free(&img);

    REQUIRE(image_load(colour, 1, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1, "channels %d", img.channels);
    CHECK(abs(img.data[5 * img.stride + 5] - luma_of(200, 100, 50)) <= 3,
          "gray of colour JPEG: %d", img.data[5 * img.stride + 5]);
    image_free(&img);

    REQUIRE(image_load(mono, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1, "gray JPEG gave %d channels", img.channels);
    CHECK(abs(img.data[8 * img.stride + 4] - 40) <= 3 &&
          abs(img.data[8 * img.stride + 28] - 220) <= 3, "gray values %d %d",
          img.data[8 * img.stride + 4], img.data[8 * img.stride + 28]);
    image_free(&img);

    REQUIRE(image_load(mono, 3, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3 && img.data[0] == img.data[1] &&
          img.data[1] == img.data[2], "gray JPEG as RGB");
    image_free(&img);
    remove(colour);
    remove(mono);
}

TEST(jpeg_truncated_fails_quietly_with_name)
{
    const int w = 64, h = 64;
    uint8_t rgb[64 * 64 * 3];
    fill_pattern(rgb, w, h, 3, w * 3);
    const char *good = tmp_path("good.jpg");
    REQUIRE(write_jpeg(good, rgb, w, h, 3, 90) == 0, "cannot write");
    size_t size;
    uint8_t *bytes = read_bytes(good, &size);
    REQUIRE(bytes != NULL, "cannot read back");

    const char *bad = tmp_path("in000007.jpg");
    stderr_capture_begin();
    int all_failed = 1, all_named = 1;
    /* Cut anywhere before the end-of-image marker. */
    for (size_t n = 0; n + 2 < size; n += 7) {
        write_bytes(bad, bytes, n);
        image img;
        err[0] = 0;
        if (image_load(bad, 0, &img, err, sizeof(err)) == 0) {
            all_failed = 0;
            image_free(&img);
        }
        all_named &= strstr(err, bad) != NULL;
    }
    long printed = stderr_capture_end();
    CHECK(all_failed, "a truncated JPEG loaded");
    CHECK(all_named, "a message lacks the file name: %s", err);
    CHECK(printed == 0, "%ld bytes printed to stderr", printed);
    free(bytes);
    remove(good);
    remove(bad);
}

/* ------------------------------------------------------------------------ */
/* BMP                                                                      */
/* ------------------------------------------------------------------------ */

TEST(bmp_8bit_palette_gray_and_colour)
{
    /* 3 x 2 image, rows padded to 4 bytes, stored bottom-up. */
    uint8_t pal[3 * 4] = {0, 0, 0, 0, 128, 128, 128, 0, 255, 255, 255, 0};
    uint8_t rows[2 * 4] = {2, 1, 0, 0, /* bottom row */ 0, 1, 2, 0};
    const char *path = tmp_path("p8.bmp");
    REQUIRE(write_bmp(path, 3, 2, 8, 0, pal, 3, rows, 4) == 0, "cannot write");
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1, "gray palette gave %d channels", img.channels);
    uint8_t want[6] = {0, 128, 255, 255, 128, 0};
    CHECK(memcmp(img.data, want, 3) == 0 &&
          memcmp(img.data + img.stride, want + 3, 3) == 0, "values wrong");
    image_free(&img);

    uint8_t colour[2 * 4] = {255, 0, 0, 0, 0, 0, 255, 0}; /* blue, red */
    REQUIRE(write_bmp(path, 3, 2, 8, 0, colour, 2, rows, 4) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3, "colour palette gave %d channels", img.channels);
    /* top row is indices 0 1 2: blue, red, undefined (black) */
    uint8_t top[9] = {0, 0, 255, 255, 0, 0, 0, 0, 0};
    CHECK(memcmp(img.data, top, 9) == 0, "colours wrong");
    image_free(&img);
    remove(path);
}

TEST(bmp_24_and_32_bit_both_orientations)
{
    /* 2 x 2: red green / blue white, file rows in BGR(x). */
    uint8_t bgr_top[2][8] = {{0, 0, 255, 0, 255, 0, 0, 0},
                             {255, 0, 0, 255, 255, 255, 0, 0}};
    uint8_t want[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
    uint8_t file_rows[16];
    const char *path = tmp_path("c24.bmp");
    image img;
    for (int top_down = 0; top_down <= 1; top_down++) {
        memcpy(file_rows, bgr_top[top_down ? 0 : 1], 8);
        memcpy(file_rows + 8, bgr_top[top_down ? 1 : 0], 8);
        REQUIRE(write_bmp(path, 2, 2, 24, top_down, NULL, 0, file_rows, 8) == 0,
                "cannot write");
        REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
        CHECK(img.channels == 3 && memcmp(img.data, want, 6) == 0 &&
              memcmp(img.data + img.stride, want + 6, 6) == 0,
              "24-bit, top_down %d", top_down);
        image_free(&img);
    }
    uint8_t bgrx[16] = {255, 0, 0, 0, 255, 255, 255, 0, /* bottom row */
                        0, 0, 255, 0, 0, 255, 0, 0};
    REQUIRE(write_bmp(path, 2, 2, 32, 0, NULL, 0, bgrx, 8) == 0, "cannot write");
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 3 && memcmp(img.data, want, 6) == 0 &&
          memcmp(img.data + img.stride, want + 6, 6) == 0, "32-bit");
    image_free(&img);
    REQUIRE(image_load(path, 1, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.data[0] == luma_of(255, 0, 0) && img.data[img.stride + 1] == 255,
          "32-bit as gray");
    image_free(&img);
    remove(path);
}

TEST(bmp_bad_files_fail_with_name)
{
    uint8_t row[4] = {0};
    const char *path = tmp_path("bad.bmp");
    REQUIRE(write_bmp(path, 1, 1, 16, 0, NULL, 0, row, 4) == 0, "cannot write");
    image img;
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "16-bit accepted");
    CHECK(strstr(err, path) != NULL, "message: %s", err);

    uint8_t rows[8 * 4] = {0};
    REQUIRE(write_bmp(path, 8, 4, 8, 0, NULL, 0, rows, 8) == 0, "cannot write");
    size_t size;
    uint8_t *bytes = read_bytes(path, &size);
    REQUIRE(bytes != NULL, "cannot read back");
    write_bytes(path, bytes, size - 3);
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "truncated accepted");
    CHECK(strstr(err, path) != NULL, "message: %s", err);

    put_le32(bytes + 18, 100000);
    put_le32(bytes + 22, 100000);
    write_bytes(path, bytes, size);
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "huge accepted");
    CHECK(strstr(err, "too large") != NULL, "message: %s", err);
    free(bytes);
    remove(path);
}

TEST(cdnet_roi_bmp)
{
    const char *path = HIGHWAY "/ROI.bmp";
    if (access(path, R_OK) != 0)
        SKIP("%s not found", path);
    image img;
    REQUIRE(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.width == 320 && img.height == 240 && img.channels == 1,
          "%d x %d x %d", img.width, img.height, img.channels);
    /* Every pixel is palette index 0, which is white: inside the ROI. */
    long white = 0, other = 0;
    for (int y = 0; y < img.height; y++)
        for (int x = 0; x < img.width; x++) {
            uint8_t v = img.data[y * img.stride + x];
            white += v == 255;
            other += v != 255 && v != 0;
        }
    CHECK(white == 320 * 240, "%ld white pixels", white);
    CHECK(other == 0, "%ld pixels neither 0 nor 255", other);
    image_free(&img);
}

TEST(cdnet_groundtruth_palette_values)
{
    const char *first = HIGHWAY "/groundtruth/gt000001.png";
    const char *busy = HIGHWAY "/groundtruth/gt000900.png";
    if (access(busy, R_OK) != 0)
        SKIP("%s not found", busy);
    image img;
    REQUIRE(image_load(first, 1, &img, err, sizeof(err)) == 0, "%s", err);
    long outside = 0;
    for (int y = 0; y < img.height; y++)
        for (int x = 0; x < img.width; x++)
            outside += img.data[y * img.stride + x] == 85;
    CHECK(outside == 320 * 240, "gt000001: %ld pixels of 85", outside);
    image_free(&img);

    /* Label counts of gt000900, from an independent decoder. */
    REQUIRE(image_load(busy, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.channels == 1, "gray palette gave %d channels", img.channels);
    long count[256] = {0};
    for (int y = 0; y < img.height; y++)
        for (int x = 0; x < img.width; x++)
            count[img.data[y * img.stride + x]]++;
    CHECK(count[0] == 65742 && count[50] == 460 && count[170] == 2750 &&
          count[255] == 7848, "counts 0:%ld 50:%ld 170:%ld 255:%ld", count[0],
          count[50], count[170], count[255]);
    image_free(&img);
}

TEST(unknown_and_missing_files)
{
    const char *path = tmp_path("in000007.jpg");
    uint8_t zeros[16] = {0};
    write_bytes(path, zeros, sizeof(zeros));
    image img;
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "zeros accepted");
    CHECK(strstr(err, path) && strstr(err, "0x00 0x00"), "message: %s", err);
    write_bytes(path, zeros, 0);
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "empty accepted");
    CHECK(strstr(err, "empty"), "message: %s", err);
    remove(path);
    CHECK(image_load(path, 0, &img, err, sizeof(err)) < 0, "missing accepted");
    CHECK(strstr(err, path) && strstr(err, "No such file"), "message: %s", err);
    CHECK(image_load(tmp_dir, 0, &img, err, sizeof(err)) < 0,
          "folder accepted");
}

TEST(content_decides_format_not_name)
{
    const char *path = tmp_path("really_png.jpg");
    REQUIRE(make_small_png(path, 6, 5, 1) == 0, "%s", err);
    image img;
    CHECK(image_load(path, 0, &img, err, sizeof(err)) == 0, "%s", err);
    CHECK(img.width == 6 && img.height == 5, "size %d x %d", img.width,
          img.height);
    image_free(&img);
    remove(path);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_image_io.XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        printf("cannot create %s: %s\n", tmp_dir, strerror(errno));
        return 1;
    }
    RUN(png_round_trip_gray);
    RUN(png_round_trip_rgb);
    RUN(png_save_replaces_and_leaves_no_temp_file);
    RUN(png_save_refuses_bad_arguments);
    RUN(png_save_into_missing_folder_fails);
    RUN(png_save_disk_full_keeps_old_file);
    RUN(png_palette_gray_gives_gray_values);
    RUN(png_palette_colour_with_transparency);
    RUN(png_16bit_alpha_and_low_depth);
    RUN(png_truncated_and_corrupt_fail_with_name);
    RUN(png_huge_header_refused_before_allocation);
    RUN(png_save_refuses_huge);
    RUN(jpeg_colour_and_gray);
    RUN(jpeg_truncated_fails_quietly_with_name);
    RUN(bmp_8bit_palette_gray_and_colour);
    RUN(bmp_24_and_32_bit_both_orientations);
    RUN(bmp_bad_files_fail_with_name);
    RUN(cdnet_roi_bmp);
    RUN(cdnet_groundtruth_palette_values);
    RUN(unknown_and_missing_files);
    RUN(content_decides_format_not_name);
    remove_tree(tmp_dir);
    return test_summary();
}
