/*
 * test_pixfmt.c - bgs_model_apply_frame: the pixel formats of bgs_frame
 * (exact conversions, checked against a brute-force evaluation of the
 * formulas in bgsub.h), their masks against the same picture in RGB, the
 * per-call learning rate, strides of either sign, and the refusals.
 */
#include "test.h"
#include "bgsub.h"
#include "lib/pixfmt.h"

#include <stdint.h>

/* ---- brute force: the formulas of bgsub.h, evaluated the slow way ----- */

static int bf_clamp(double v) { return v < 0 ? 0 : v > 255 ? 255 : (int)v; }

/* floor((a + 32768) / 65536) for an exact integer a, in doubles. */
static int bf_fix(long a) { return bf_clamp(floor(((double)a + 32768.0) / 65536.0)); }

static void bf_yuv(int y, int u, int v, int rgb[3])
{
    long c = 76309L * (y - 16), d = u - 128, e = v - 128;
    rgb[0] = bf_fix(c + 104597L * e);
    rgb[1] = bf_fix(c - 25675L * d - 53279L * e);
    rgb[2] = bf_fix(c + 132201L * d);
}

/* Every (Y, U, V): the library's conversion is the formula, and the
 * formula is within 1 of the real-valued BT.601 conversion. */
TEST(yuv_exhaustive)
{
    long wrong = 0, off_by_one = 0, worse = 0;
    for (int y = 0; y < 256; y++)
        for (int u = 0; u < 256; u++)
            for (int v = 0; v < 256; v++) {
                uint8_t got[3];
                int want[3];
                pixfmt_yuv_to_rgb(y, u, v, got);
                bf_yuv(y, u, v, want);
                double c = (y - 16) * 255.0 / 219.0, d = u - 128.0, e = v - 128.0;
                double k = 255.0 / 112.0;
                double real[3] = {c + k * (1 - 0.299) * e,
                                  c - k * 0.114 * (1 - 0.114) / 0.587 * d -
                                      k * 0.299 * (1 - 0.299) / 0.587 * e,
                                  c + k * (1 - 0.114) * d};
                for (int i = 0; i < 3; i++) {
                    wrong += got[i] != want[i];
                    int r = bf_clamp(floor(real[i] + 0.5));
                    int diff = abs(r - want[i]);
                    off_by_one += diff == 1;
                    worse += diff > 1;
                }
            }
    CHECK(wrong == 0, "%ld values differ from the formula", wrong);
    CHECK(worse == 0, "%ld values more than 1 from real-valued BT.601", worse);
    printf("  yuv: %ld of %d values 1 from real-valued BT.601 rounded, none more\n",
           off_by_one, 3 * 256 * 256 * 256);
    for (int y = 0; y < 256; y++) {
        int want[3];
        bf_yuv(y, 128, 128, want);
        CHECK(pixfmt_y_to_gray(y) == want[0], "gray of Y %d", y);
    }
}

/* ---- frames ------------------------------------------------------------ */

static uint32_t seed = 1;
static int rnd(int n)
{
    seed = seed * 1664525u + 1013904223u;
    return (int)((seed >> 8) % (unsigned)n);
}

/* A frame in any format, with its own storage (planes may be stored
 * bottom-up: negative strides). */
typedef struct test_frame {
    bgs_frame f;
    uint8_t *store[3];
} test_frame;

static void plane(test_frame *t, int p, int row_bytes, int rows, int flip)
{
    ptrdiff_t stride = row_bytes + 1 + rnd(40);
    t->store[p] = malloc((size_t)stride * rows);
    for (ptrdiff_t i = 0; i < stride * rows; i++)
        t->store[p][i] = (uint8_t)rnd(256);
    t->f.planes[p] = flip ? t->store[p] + stride * (rows - 1) : t->store[p];
    t->f.strides[p] = flip ? -stride : stride;
}

static uint8_t *px(test_frame *t, int p, int x, int y, int bytes)
{
    return (uint8_t *)t->f.planes[p] + (ptrdiff_t)y * t->f.strides[p] + (ptrdiff_t)x * bytes;
}

static void frame_free(test_frame *t)
{
    for (int p = 0; p < 3; p++)
        free(t->store[p]);
}

static const bgs_pixel_format packed_formats[] = {
    BGS_PIXEL_RGB24, BGS_PIXEL_BGR24, BGS_PIXEL_RGBA, BGS_PIXEL_BGRA, BGS_PIXEL_ARGB,
    BGS_PIXEL_ABGR};
static const int packed_bytes[] = {3, 3, 4, 4, 4, 4};
static const int packed_rgb[][3] = {{0, 1, 2}, {2, 1, 0}, {0, 1, 2}, {2, 1, 0}, {1, 2, 3},
                                    {3, 2, 1}};

/* The RGB (or gray) a frame's pixel stands for, computed pixel by pixel. */
static void bf_pixel(test_frame *t, int x, int y, int channels, int out[3])
{
    bgs_pixel_format f = t->f.format;
    int rgb[3];
    if (f == BGS_PIXEL_GRAY) {
        out[0] = *px(t, 0, x, y, 1);
        return;
    }
    if (f == BGS_PIXEL_I420 || f == BGS_PIXEL_NV12) {
        int Y = *px(t, 0, x, y, 1), U, V;
        if (f == BGS_PIXEL_I420) {
            U = *px(t, 1, x / 2, y / 2, 1);
            V = *px(t, 2, x / 2, y / 2, 1);
        } else {
            U = px(t, 1, x / 2, y / 2, 2)[0];
            V = px(t, 1, x / 2, y / 2, 2)[1];
        }
        bf_yuv(Y, U, V, rgb);
        if (channels == 1) {
            int g[3];
            bf_yuv(Y, 128, 128, g);
            rgb[0] = g[0];
        }
    } else {
        int i = 0;
        while (packed_formats[i] != f)
            i++;
        uint8_t *p = px(t, 0, x, y, packed_bytes[i]);
        for (int c = 0; c < 3; c++)
            rgb[c] = p[packed_rgb[i][c]];
        if (channels == 1)
            rgb[0] = (int)((19595L * rgb[0] + 38470L * rgb[1] + 7471L * rgb[2] + 32768) >> 16);
    }
    for (int c = 0; c < channels; c++)
        out[c] = rgb[c];
}

static void random_frame(test_frame *t, bgs_pixel_format format, int w, int h, int flip)
{
    memset(t, 0, sizeof *t);
    bgs_frame_default(&t->f);
    t->f.format = format;
    t->f.width = w;
    t->f.height = h;
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    switch (format) {
    case BGS_PIXEL_GRAY: plane(t, 0, w, h, flip); break;
    case BGS_PIXEL_I420:
        plane(t, 0, w, h, flip);
        plane(t, 1, cw, ch, !flip);
        plane(t, 2, cw, ch, flip);
        break;
    case BGS_PIXEL_NV12:
        plane(t, 0, w, h, flip);
        plane(t, 1, 2 * cw, ch, flip);
        break;
    default: {
        int i = 0;
        while (packed_formats[i] != format)
            i++;
        plane(t, 0, w * packed_bytes[i], h, flip);
    }
    }
}

/* Every row converter against the brute force: random contents, odd and
 * even sizes, strides of both signs. */
TEST(rows_match_brute_force)
{
    static const bgs_pixel_format all[] = {
        BGS_PIXEL_GRAY, BGS_PIXEL_RGB24, BGS_PIXEL_BGR24, BGS_PIXEL_RGBA, BGS_PIXEL_BGRA,
        BGS_PIXEL_ARGB, BGS_PIXEL_ABGR, BGS_PIXEL_I420, BGS_PIXEL_NV12};
    int bad = 0, frames = 0;
    for (size_t fi = 0; fi < sizeof all / sizeof all[0]; fi++)
        for (int channels = 1; channels <= 3; channels += 2)
            for (int rep = 0; rep < 6; rep++) {
                if (all[fi] == BGS_PIXEL_GRAY && channels == 3)
                    continue;
                int w = 1 + rnd(70), h = 1 + rnd(9);
                test_frame t;
                random_frame(&t, all[fi], w, h, rep & 1);
                REQUIRE(pixfmt_check(&t.f, w, h, channels) == BGS_OK, "%s",
                        bgs_last_error());
                uint8_t *row = malloc((size_t)w * 3);
                for (int y = 0; y < h; y++) {
                    const uint8_t *got = pixfmt_row(&t.f, y, channels, row);
                    for (int x = 0; x < w; x++) {
                        int want[3];
                        bf_pixel(&t, x, y, channels, want);
                        for (int c = 0; c < channels; c++)
                            if (got[x * channels + c] != want[c] && bad++ < 5)
                                printf("  format %d, %d channels, %dx%d, (%d, %d): %d, want "
                                       "%d\n", (int)all[fi], channels, w, h, x, y,
                                       got[x * channels + c], want[c]);
                    }
                }
                free(row);
                frame_free(&t);
                frames++;
            }
    CHECK(bad == 0, "%d values differ", bad);
    CHECK(frames == 102, "frames %d", frames);
}

/* ---- masks --------------------------------------------------------------- */

#define W 96
#define H 72
#define FRAMES 70

/* RGB frame f of a scene: a textured background (the same noise on the
 * three channels, so that 4:2:0 loses little), a coloured square moving
 * on 2x2 blocks, a darker band (a shadow) from frame 40. */
static void scene(uint8_t *rgb, int f)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int n = rnd(7) - 3;
            int base[3] = {60 + (x * 2) % 90, 90 + (y * 3) % 80, 120 + ((x + y) * 5) % 70};
            int in = x >= 2 * f && x < 2 * f + 20 && y >= 20 && y < 44;
            int dark = f >= 40 && y >= 56 && y < 64;
            for (int c = 0; c < 3; c++) {
                int v = in ? (c == 0 ? 220 : c == 1 ? 40 : 90) : base[c] + n;
                if (dark)
                    v = v * 7 / 10;
                rgb[(y * W + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
}

/* BT.601 limited-range RGB -> YCbCr 4:2:0 (chroma averaged over each 2x2
 * block), for the test's inputs. */
static void to_yuv(const uint8_t *rgb, uint8_t *Y, uint8_t *U, uint8_t *V)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *p = rgb + (y * W + x) * 3;
            double l = 16 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255;
            Y[y * W + x] = (uint8_t)bf_clamp(floor(l + 0.5));
        }
    for (int y = 0; y < H / 2; y++)
        for (int x = 0; x < W / 2; x++) {
            double cb = 0, cr = 0;
            for (int i = 0; i < 4; i++) {
                const uint8_t *p = rgb + ((2 * y + i / 2) * W + 2 * x + i % 2) * 3;
                cb += 128 + (-37.797 * p[0] - 74.203 * p[1] + 112.0 * p[2]) / 255;
                cr += 128 + (112.0 * p[0] - 93.786 * p[1] - 18.214 * p[2]) / 255;
            }
            U[y * (W / 2) + x] = (uint8_t)bf_clamp(floor(cb / 4 + 0.5));
            V[y * (W / 2) + x] = (uint8_t)bf_clamp(floor(cr / 4 + 0.5));
        }
}

static bgs_model *model(int channels, int threads)
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 10;
    p.shadows = 1;
    p.shadow_value = 127;
    bgs_model *m = bgs_model_create(W, H, channels, &p);
    if (m)
        bgs_model_set_threads(m, threads);
    return m;
}

static long differences(const uint8_t *a, const uint8_t *b, size_t n)
{
    long d = 0;
    for (size_t i = 0; i < n; i++)
        d += a[i] != b[i];
    return d;
}

/* Packed formats reorder exactly: the masks are RGB24's, byte for byte,
 * on one thread and on three, for colour and gray models. */
TEST(packed_masks_identical)
{
    static uint8_t rgb[W * H * 3], conv[W * H * 4], ref[W * H], mask[W * H];
    for (int channels = 1; channels <= 3; channels += 2)
        for (size_t i = 0; i < sizeof packed_formats / sizeof packed_formats[0]; i++) {
            bgs_model *a = model(channels, 1), *b = model(channels, 3);
            REQUIRE(a && b, "%s", bgs_last_error());
            long diff = 0;
            seed = 5;
            for (int f = 0; f < FRAMES; f++) {
                scene(rgb, f);
                int bytes = packed_bytes[i];
                for (int p = 0; p < W * H; p++) {
                    for (int c = 0; c < bytes; c++)
                        conv[p * bytes + c] = 33; /* alpha */
                    for (int c = 0; c < 3; c++)
                        conv[p * bytes + packed_rgb[i][c]] = rgb[p * 3 + c];
                }
                if (channels == 3) {
                    bgs_model_apply(a, rgb, W * 3, ref, W);
                } else {
                    static uint8_t gray[W * H];
                    for (int p = 0; p < W * H; p++)
                        gray[p] = pixfmt_luma(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
                    bgs_model_apply(a, gray, W, ref, W);
                }
                bgs_frame fr;
                bgs_frame_default(&fr);
                fr.format = packed_formats[i];
                fr.width = W;
                fr.height = H;
                fr.planes[0] = conv;
                fr.strides[0] = W * bytes;
                REQUIRE(bgs_model_apply_frame(b, &fr, mask, W, BGS_LEARNING_RATE_AUTO) ==
                            BGS_OK, "%s", bgs_last_error());
                diff += differences(ref, mask, sizeof mask);
            }
            CHECK(diff == 0, "format %d, %d channels: %ld mask pixels differ",
                  (int)packed_formats[i], channels, diff);
            bgs_model_free(a);
            bgs_model_free(b);
        }
}

/* I420 and NV12: the masks are exactly those of the converted picture given
 * as RGB24, and near those of the RGB picture the YCbCr came from. */
TEST(yuv_masks)
{
    static uint8_t rgb[W * H * 3], back[W * H * 3], Y[W * H], U[W * H / 4], V[W * H / 4],
        UV[W * H / 2], m_rgb[W * H], m_back[W * H], m_i420[W * H], m_nv12[W * H];
    bgs_model *a = model(3, 1), *b = model(3, 1), *c = model(3, 2), *d = model(3, 1);
    REQUIRE(a && b && c && d, "%s", bgs_last_error());
    long exact = 0, worst = 0, total = 0, fg = 0;
    seed = 9;
    for (int f = 0; f < FRAMES; f++) {
        scene(rgb, f);
        to_yuv(rgb, Y, U, V);
        for (int i = 0; i < W * H / 4; i++) {
            UV[2 * i] = U[i];
            UV[2 * i + 1] = V[i];
        }
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int out[3];
                bf_yuv(Y[y * W + x], U[(y / 2) * (W / 2) + x / 2], V[(y / 2) * (W / 2) + x / 2],
                       out);
                for (int k = 0; k < 3; k++)
                    back[(y * W + x) * 3 + k] = (uint8_t)out[k];
            }
        bgs_model_apply(a, rgb, W * 3, m_rgb, W);
        bgs_model_apply(b, back, W * 3, m_back, W);
        bgs_frame fr;
        bgs_frame_default(&fr);
        fr.format = BGS_PIXEL_I420;
        fr.width = W;
        fr.height = H;
        fr.planes[0] = Y;
        fr.planes[1] = U;
        fr.planes[2] = V;
        fr.strides[0] = W;
        fr.strides[1] = fr.strides[2] = W / 2;
        REQUIRE(bgs_model_apply_frame(c, &fr, m_i420, W, -1) == BGS_OK, "%s", bgs_last_error());
        fr.format = BGS_PIXEL_NV12;
        fr.planes[1] = UV;
        fr.strides[1] = W;
        REQUIRE(bgs_model_apply_frame(d, &fr, m_nv12, W, -1) == BGS_OK, "%s", bgs_last_error());
        exact += differences(m_back, m_i420, W * H) + differences(m_back, m_nv12, W * H);
        long dr = differences(m_rgb, m_i420, W * H);
        worst = dr > worst ? dr : worst;
        total += dr;
        for (int i = 0; i < W * H; i++)
            fg += m_rgb[i] == 255;
    }
    CHECK(exact == 0, "%ld mask pixels differ from the converted picture's", exact);
    CHECK(fg > 5000, "too little foreground to compare (%ld)", fg);
    /* The rules around the mixture act on regions (a ghost, a tile of
     * light), so a pixel's rounding can flip a few together in one frame;
     * over the clip the masks must still agree almost everywhere. */
    CHECK(worst <= W * H / 20, "up to %ld pixels of a frame differ from RGB's", worst);
    CHECK(total <= (long)W * H * FRAMES / 200, "%ld pixels differ from RGB's", total);
    printf("  i420 vs the RGB picture: %ld mask pixels differ in %d frames (%.3f %%), at "
           "most %ld in a frame (%.2f %%); foreground %ld\n", total, FRAMES,
           100.0 * total / ((double)W * H * FRAMES), worst, 100.0 * worst / (W * H), fg);
    bgs_model_free(a);
    bgs_model_free(b);
    bgs_model_free(c);
    bgs_model_free(d);
}

/* ---- learning rate, strides, refusals --------------------------------------- */

TEST(learning_rate)
{
    static uint8_t rgb[W * H * 3], bg0[W * H * 3], bg1[W * H * 3], mask[W * H],
        mask2[W * H];
    bgs_model *m = model(3, 2), *n = model(3, 1);
    REQUIRE(m && n, "%s", bgs_last_error());
    bgs_frame fr;
    bgs_frame_default(&fr);
    fr.format = BGS_PIXEL_RGB24;
    fr.width = W;
    fr.height = H;
    fr.planes[0] = rgb;
    fr.strides[0] = W * 3;
    seed = 3;
    for (int f = 0; f < 20; f++) {
        scene(rgb, f);
        bgs_model_apply_frame(m, &fr, mask, W, -1);
        bgs_model_apply(n, rgb, W * 3, mask2, W);
        CHECK(memcmp(mask, mask2, sizeof mask) == 0, "rate -1 is bgs_model_apply");
    }
    size_t size = bgs_model_checkpoint_size(m);
    uint8_t *before = malloc(size), *after = malloc(size);
    bgs_model_checkpoint(m, before, size);
    bgs_model_background(m, bg0, W * 3);
    long frames = bgs_model_frame_count(m);
    for (int f = 20; f < 70; f++) {
        scene(rgb, f);
        REQUIRE(bgs_model_apply_frame(m, &fr, mask, W, 0.0f) == BGS_OK, "%s", bgs_last_error());
    }
    bgs_model_background(m, bg1, W * 3);
    CHECK(memcmp(bg0, bg1, sizeof bg0) == 0, "rate 0 changed the background");
    CHECK(bgs_model_frame_count(m) == frames + 50, "frames are counted");
    bgs_model_checkpoint(m, after, size);
    /* The state (after the checkpoint's header: magic, sizes, parameters,
     * frame rate, counters, state length; before its checksum) is
     * untouched: checkpoint.c's layout. */
    size_t header = 8 + 4 * 5 + 8 * BGS_PARAM_COUNT + 8 + 8 * 4 + 8;
    CHECK(memcmp(before + header, after + header, size - header - 8) == 0,
          "rate 0 changed the model's state");
    bgs_model_free(n);
    n = bgs_model_restore(before, size);
    REQUIRE(n, "%s", bgs_last_error());
    /* A rate of 1: the model becomes the frame (new components at weight 1). */
    scene(rgb, 5);
    REQUIRE(bgs_model_apply_frame(n, &fr, mask, W, 1.0f) == BGS_OK, "%s", bgs_last_error());
    bgs_model_background(n, bg1, W * 3);
    long far = 0;
    for (int i = 0; i < W * H * 3; i++)
        far += abs(bg1[i] - rgb[i]) > 1;
    CHECK(far == 0, "after rate 1 the background is the frame (%ld values differ)", far);
    CHECK(bgs_model_apply_frame(n, &fr, mask, W, 1.5f) == BGS_ERR_PARAMETER, "rate 1.5");
    CHECK(bgs_model_apply_frame(n, &fr, mask, W, NAN) == BGS_ERR_PARAMETER, "rate NaN");
    free(before);
    free(after);
    bgs_model_free(m);
    bgs_model_free(n);
}

TEST(negative_strides_and_refusals)
{
    static uint8_t rgb[W * H * 3], flipped[W * H * 3], m1[W * H], m2[W * H];
    bgs_model *a = model(3, 1), *b = model(3, 2);
    REQUIRE(a && b, "%s", bgs_last_error());
    bgs_frame fr;
    bgs_frame_default(&fr);
    fr.format = BGS_PIXEL_BGR24;
    fr.width = W;
    fr.height = H;
    seed = 4;
    long diff = 0;
    for (int f = 0; f < 30; f++) {
        scene(rgb, f);
        for (int y = 0; y < H; y++) /* bottom-up BGR */
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    flipped[((H - 1 - y) * W + x) * 3 + c] = rgb[(y * W + x) * 3 + 2 - c];
        bgs_model_apply(a, rgb, W * 3, m1, W);
        fr.planes[0] = flipped + (size_t)(H - 1) * W * 3;
        fr.strides[0] = -W * 3;
        REQUIRE(bgs_model_apply_frame(b, &fr, m2, W, -1) == BGS_OK, "%s", bgs_last_error());
        diff += differences(m1, m2, sizeof m1);
    }
    CHECK(diff == 0, "bottom-up BGR: %ld mask pixels differ", diff);

    bgs_frame bad = fr;
    bad.width = W + 2;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_MISMATCH &&
          strstr(bgs_last_error(), "differs from the model's") != NULL, "%s", bgs_last_error());
    bad = fr;
    bad.format = BGS_PIXEL_GRAY;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_MISMATCH, "gray into colour");
    bad = fr;
    bad.strides[0] = W * 3 - 1;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_INVALID_ARGUMENT &&
          strstr(bgs_last_error(), "row stride") != NULL, "%s", bgs_last_error());
    bad = fr;
    bad.format = BGS_PIXEL_I420;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_INVALID_ARGUMENT &&
          strstr(bgs_last_error(), "plane 1 is NULL") != NULL, "%s", bgs_last_error());
    bad = fr;
    bad.format = (bgs_pixel_format)42;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_INVALID_ARGUMENT, "format");
    bad = fr;
    bad.struct_size = 16;
    CHECK(bgs_model_apply_frame(b, &bad, m2, W, -1) == BGS_ERR_INVALID_ARGUMENT &&
          strstr(bgs_last_error(), "bgs_frame.struct_size") != NULL, "%s", bgs_last_error());
    CHECK(bgs_model_apply_frame(b, &fr, m2, W - 1, -1) == BGS_ERR_INVALID_ARGUMENT, "mask");
    CHECK(bgs_model_apply_frame(b, NULL, m2, W, -1) == BGS_ERR_INVALID_ARGUMENT, "NULL");
    bgs_model_free(a);
    bgs_model_free(b);
}

int main(void)
{
    RUN(yuv_exhaustive);
    RUN(rows_match_brute_force);
    RUN(packed_masks_identical);
    RUN(yuv_masks);
    RUN(learning_rate);
    RUN(negative_strides_and_refusals);
    return test_summary();
}
