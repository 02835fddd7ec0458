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

static inline uint8_t clamp_shift(int v)
{
    v += FIX_HALF;
    if (v < 0)
        return 0;
    v >>= 16;
    return (uint8_t)(v > 255 ? 255 : v);
}

void pixfmt_yuv_to_rgb(int y, int u, int v, uint8_t rgb[3])
{
    int c = FIX_Y * (y - 16), d = u - 128, e = v - 128;
    rgb[0] = clamp_shift(c + FIX_RV * e);
    rgb[1] = clamp_shift(c - FIX_GU * d - FIX_GV * e);
    rgb[2] = clamp_shift(c + FIX_BU * d);
}

uint8_t pixfmt_y_to_gray(int y)
{
    return clamp_shift(FIX_Y * (y - 16));
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
    if (channels == 1) {
        for (int x = 0; x < width; x++)
            out[x] = pixfmt_y_to_gray(yrow[x]);
        return;
    }
    for (int x = 0; x < width; x += 2) {
        int d = u[(x / 2) * uv_step] - 128, e = v[(x / 2) * uv_step] - 128;
        int rv = FIX_RV * e, guv = -FIX_GU * d - FIX_GV * e, bu = FIX_BU * d;
        for (int i = x; i < x + 2 && i < width; i++) {
            int c = FIX_Y * (yrow[i] - 16);
            out[3 * i] = clamp_shift(c + rv);
            out[3 * i + 1] = clamp_shift(c + guv);
            out[3 * i + 2] = clamp_shift(c + bu);
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
