/*
 * pixfmt.c - rows of bgs_frame pixel formats in the model's layout.
 *
 * Colour models hold RGB: packed formats are reordered (exact), YCbCr
 * (I420, NV12) goes through BT.601 limited range in 16-bit fixed point:
 *
 *   c = Y - 16, d = U - 128, e = V - 128
 *   R = clamp((76309 c            + 104597 e + 32768) >> 16)
 *   G = clamp((76309 c -  25675 d -  53279 e + 32768) >> 16)
 *   B = clamp((76309 c + 132201 d            + 32768) >> 16)
 *
 * (255/219, 1.596027, 0.391762, 0.812968 and 2.017232 times 65536,
 * rounded; >> is a floor, so + 32768 rounds half up; clamp to 0..255).
 * Chroma is that of the 2x2 block of the pixel (nearest, no filtering):
 * pixel (x, y) takes U, V at (x / 2, y / 2). Gray models take the luma of
 * packed colour, (19595 R + 38470 G + 7471 B + 32768) >> 16 (image_load's
 * BT.601 weights), and of YCbCr the Y plane stretched to full range,
 * clamp((76309 c + 32768) >> 16) (the R formula at neutral chroma).
 *
 * Each row is converted by the thread that runs its stripe, into that
 * stripe's row buffer, just before the kernel reads it.
 */
#include "lib/pixfmt.h"

#include <pthread.h>
#include <string.h>

#define FIX_Y 76309
#define FIX_RV 104597
#define FIX_GU 25675
#define FIX_GV 53279
#define FIX_BU 132201
#define FIX_HALF 32768

static const size_t frame_sizes[] = {sizeof(bgs_frame)};

bgs_status bgs_frame_init(bgs_frame *frame, size_t size)
{
    if (!frame)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_frame_default: frame is NULL");
    if (size >= sizeof frame->struct_size) {
        memset(frame, 0, size);
        frame->struct_size = size;
    }
    for (size_t i = 0; i < sizeof frame_sizes / sizeof frame_sizes[0]; i++)
        if (size == frame_sizes[i])
            return BGS_OK;
    return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                    "bgs_frame_default: bgs_frame.struct_size is %zu, but bgsub %s "
                    "knows a bgs_frame of %zu bytes: build against this library's "
                    "bgsub.h", size, BGS_VERSION_STRING, sizeof(bgs_frame));
}

/*
 * The products are looked up: per level, the Y term (with the rounding
 * half and an offset that keeps every sum positive, so that >> 16 is a
 * plain unsigned floor) and the four chroma terms; the clamp to 0..255 is a
 * table indexed by the shifted sum. Every sum lies in
 * [-16 * 76309 - 128 * 132201, 239 * 76309 + 127 * 132201] + 32768, well
 * inside +-CLAMP_OFFSET * 65536.
 */
#define CLAMP_OFFSET 1024
static struct yuv_tables {
    uint32_t y[256];                   /* 76309 (Y - 16) + 32768 + offset */
    int32_t rv[256], gu[256], gv[256], bu[256];
    uint8_t clamp[2 * CLAMP_OFFSET];   /* [i] = clamp(i - CLAMP_OFFSET)  */
} tables;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void)
{
    for (int i = 0; i < 256; i++) {
        tables.y[i] = (uint32_t)(FIX_Y * (i - 16) + FIX_HALF + (CLAMP_OFFSET << 16));
        tables.rv[i] = FIX_RV * (i - 128);
        tables.gu[i] = -FIX_GU * (i - 128);
        tables.gv[i] = -FIX_GV * (i - 128);
        tables.bu[i] = FIX_BU * (i - 128);
    }
    for (int i = 0; i < 2 * CLAMP_OFFSET; i++) {
        int v = i - CLAMP_OFFSET;
        tables.clamp[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static const struct yuv_tables *yuv_tables(void)
{
    pthread_once(&tables_once, make_tables);
    return &tables;
}

/* clamp(floor((Y term + chroma terms) / 65536)) from the tables. */
#define YUV_CLAMP(t, sum) ((t)->clamp[(uint32_t)(sum) >> 16])

void pixfmt_yuv_to_rgb(int y, int u, int v, uint8_t rgb[3])
{
    const struct yuv_tables *t = yuv_tables();
    uint32_t c = t->y[y];
    rgb[0] = YUV_CLAMP(t, c + (uint32_t)t->rv[v]);
    rgb[1] = YUV_CLAMP(t, c + (uint32_t)t->gu[u] + (uint32_t)t->gv[v]);
    rgb[2] = YUV_CLAMP(t, c + (uint32_t)t->bu[u]);
}

uint8_t pixfmt_y_to_gray(int y)
{
    const struct yuv_tables *t = yuv_tables();
    return YUV_CLAMP(t, t->y[y]);
}

uint8_t pixfmt_luma(int r, int g, int b)
{
    return (uint8_t)((19595u * (unsigned)r + 38470u * (unsigned)g +
                      7471u * (unsigned)b + 32768u) >> 16);
}

/* Bytes a pixel and the byte offsets of R, G, B in a packed format. */
typedef struct packed_layout {
    int bytes, r, g, b;
} packed_layout;

static int packed(bgs_pixel_format f, packed_layout *l)
{
    switch (f) {
    case BGS_PIXEL_RGB24: *l = (packed_layout){3, 0, 1, 2}; return 1;
    case BGS_PIXEL_BGR24: *l = (packed_layout){3, 2, 1, 0}; return 1;
    case BGS_PIXEL_RGBA: *l = (packed_layout){4, 0, 1, 2}; return 1;
    case BGS_PIXEL_BGRA: *l = (packed_layout){4, 2, 1, 0}; return 1;
    case BGS_PIXEL_ARGB: *l = (packed_layout){4, 1, 2, 3}; return 1;
    case BGS_PIXEL_ABGR: *l = (packed_layout){4, 3, 2, 1}; return 1;
    default: return 0;
    }
}

static const char *format_name(bgs_pixel_format f)
{
    static const char *const names[] = {"?", "gray", "rgb24", "bgr24", "rgba",
                                        "bgra", "argb", "abgr", "i420", "nv12"};
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

int pixfmt_is_native(bgs_pixel_format format, int channels)
{
    return channels == 3 ? format == BGS_PIXEL_RGB24 : format == BGS_PIXEL_GRAY;
}

static ptrdiff_t abs_stride(ptrdiff_t s) { return s < 0 ? -s : s; }

bgs_status pixfmt_check(const bgs_frame *f, int width, int height, int channels)
{
    if (!f)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no frame given");
    if (f->struct_size != sizeof(bgs_frame))
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_frame.struct_size is %zu, but bgsub %s knows a bgs_frame "
                        "of %zu bytes: fill it with bgs_frame_default()",
                        f->struct_size, BGS_VERSION_STRING, sizeof(bgs_frame));
    if (f->width != width || f->height != height)
        return bgs_fail(BGS_ERR_MISMATCH, "frame size %dx%d differs from the model's %dx%d",
                        f->width, f->height, width, height);
    packed_layout l;
    int planes;
    ptrdiff_t row[3] = {width, 0, 0};
    if (f->format == BGS_PIXEL_GRAY) {
        if (channels != 1)
            return bgs_fail(BGS_ERR_MISMATCH,
                            "a gray frame cannot feed a colour model (3 channels)");
        planes = 1;
    } else if (packed(f->format, &l)) {
        planes = 1;
        row[0] = (ptrdiff_t)width * l.bytes;
    } else if (f->format == BGS_PIXEL_I420) {
        planes = 3;
        row[1] = row[2] = (width + 1) / 2;
    } else if (f->format == BGS_PIXEL_NV12) {
        planes = 2;
        row[1] = (ptrdiff_t)(width + 1) / 2 * 2;
    } else {
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "unknown pixel format %d", (int)f->format);
    }
    for (int p = 0; p < planes; p++) {
        if (!f->planes[p])
            return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s frame: plane %d is NULL",
                            format_name(f->format), p);
        if (abs_stride(f->strides[p]) < row[p])
            return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                            "%s frame: plane %d's row stride %td is shorter than its "
                            "rows of %td bytes", format_name(f->format), p,
                            f->strides[p], row[p]);
    }
    return BGS_OK;
}

#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>
#define HAVE_SSSE3_ROWS 1

/* Packed colour to RGB, 16 bytes at a time with one byte shuffle: 5 pixels
 * of 3 bytes or 4 of 4 per step, each step's 16-byte store running into
 * the next step's pixels (rewritten by that step). Pixels [0, return) are
 * done; the caller does the rest. out has room for width * 3 bytes only,
 * so the last store ends at most at 3 * width. */
__attribute__((target("ssse3"))) static int packed_rgb_ssse3(const uint8_t *in, int width,
                                                             packed_layout l, uint8_t *out)
{
    int per = l.bytes == 3 ? 5 : 4; /* pixels a step */
    uint8_t order[16];
    for (int i = 0; i < 16; i++) {
        int px = i / 3, c = i % 3;
        order[i] = (uint8_t)(px < per ? px * l.bytes + (c == 0 ? l.r : c == 1 ? l.g : l.b)
                                      : 0x80);
    }
    __m128i shuffle = _mm_loadu_si128((const __m128i *)order);
    int x = 0;
    /* A step reads 16 bytes at x * bytes and writes 16 at x * 3. */
    while (x * l.bytes + 16 <= width * l.bytes && x * 3 + 16 <= width * 3) {
        __m128i v = _mm_loadu_si128((const __m128i *)(in + (size_t)x * l.bytes));
        _mm_storeu_si128((__m128i *)(out + (size_t)x * 3), _mm_shuffle_epi8(v, shuffle));
        x += per;
    }
    return x;
}

/* A load and a test of what libgcc found at start-up. */
static int cpu_has_ssse3(void)
{
    return __builtin_cpu_supports("ssse3");
}
#endif

static void packed_row(const uint8_t *in, int width, packed_layout l, int channels,
                       uint8_t *out)
{
    if (channels == 3) {
        int done = 0;
#ifdef HAVE_SSSE3_ROWS
        if (cpu_has_ssse3())
            done = packed_rgb_ssse3(in, width, l, out);
#endif
        in += (size_t)done * l.bytes;
        out += (size_t)done * 3;
        for (int x = done; x < width; x++, in += l.bytes, out += 3) {
            out[0] = in[l.r];
            out[1] = in[l.g];
            out[2] = in[l.b];
        }
    } else {
        for (int x = 0; x < width; x++, in += l.bytes)
            out[x] = pixfmt_luma(in[l.r], in[l.g], in[l.b]);
    }
}

/* One row of YCbCr; u and v step by uv_step bytes from one chroma sample
 * to the next (1 in I420, 2 in NV12). */
static void yuv_row(const uint8_t *yrow, const uint8_t *u, const uint8_t *v,
                    int uv_step, int width, int channels, uint8_t *out)
{
    const struct yuv_tables *t = yuv_tables();
    if (channels == 1) {
        for (int x = 0; x < width; x++)
            out[x] = YUV_CLAMP(t, t->y[yrow[x]]);
        return;
    }
    /* Unsigned sums wrap exactly like the signed ones they stand for. */
    for (int x = 0; x < width; x += 2) {
        int cu = u[(x / 2) * uv_step], cv = v[(x / 2) * uv_step];
        uint32_t rv = (uint32_t)t->rv[cv], guv = (uint32_t)t->gu[cu] + (uint32_t)t->gv[cv];
        uint32_t bu = (uint32_t)t->bu[cu];
        for (int i = x; i < x + 2 && i < width; i++) {
            uint32_t c = t->y[yrow[i]];
            out[3 * i] = YUV_CLAMP(t, c + rv);
            out[3 * i + 1] = YUV_CLAMP(t, c + guv);
            out[3 * i + 2] = YUV_CLAMP(t, c + bu);
        }
    }
}

const uint8_t *pixfmt_row(const bgs_frame *f, int y, int channels, uint8_t *out)
{
    const uint8_t *row0 = f->planes[0] + (ptrdiff_t)y * f->strides[0];
    if (pixfmt_is_native(f->format, channels))
        return row0;
    packed_layout l;
    if (packed(f->format, &l)) {
        packed_row(row0, f->width, l, channels, out);
    } else if (f->format == BGS_PIXEL_I420) {
        const uint8_t *u = f->planes[1] + (ptrdiff_t)(y / 2) * f->strides[1];
        const uint8_t *v = f->planes[2] + (ptrdiff_t)(y / 2) * f->strides[2];
        yuv_row(row0, u, v, 1, f->width, channels, out);
    } else { /* NV12 */
        const uint8_t *uv = f->planes[1] + (ptrdiff_t)(y / 2) * f->strides[1];
        yuv_row(row0, uv, uv + 1, 2, f->width, channels, out);
    }
    return out;
}
