/*
 * postproc.c - mask clean-up (binary median, opening, closing, hole filling,
 * minimum blob area): the workspace, the bit rows, the local steps and the
 * chain that runs every step. The connected components (hole filling,
 * minimum area, blobs) are in components.c.
 *
 * Everything works on bit planes: the mask is packed once into one bit per
 * pixel (a 1080p frame becomes 260 KB, which stays in the L2 cache), the
 * steps run on 64 pixels per machine word, and the result is merged back by
 * visiting only the bits that changed. The original mask is read once and
 * only changed pixels are written.
 *
 *  - Median: a bit-sliced adder counts the window (vertical counts of 3 or
 *    5 rows, then the shifted counts of 3 or 5 columns) and compares the
 *    count with the majority threshold, 64 pixels at a time.
 *  - Erosion / dilation: AND / OR of the window's rows, then along the row
 *    windows of 2, 4, 8, ... pixels by doubling, so the horizontal cost
 *    grows with log(radius).
 */
#include "lib/postproc_impl.h"
#include "lib/abi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ------------------------------------------------------------------------ */
/* Workspace                                                                */
/* ------------------------------------------------------------------------ */

/* The sizes of bgs_cleanup this library accepts (bgsub.h, "Versions"). */
static const size_t cleanup_sizes[] = {sizeof(bgs_cleanup)};

bgs_status bgs_cleanup_init(bgs_cleanup *c, size_t size)
{
    if (!c)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "clean-up: cleanup is NULL");
    if (size >= sizeof c->struct_size)
        memset(c, 0, size);
    bgs_status st = abi_check_size("bgs_cleanup_default", "bgs_cleanup", size,
                                   cleanup_sizes, 1);
    if (size >= sizeof c->struct_size)
        c->struct_size = size;
    return st;
}

bgs_status bgs_cleanup_check(const bgs_cleanup *c)
{
    if (!c)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "clean-up: cleanup is NULL");
    bgs_status st = abi_check_size("bgs_cleanup_check", "bgs_cleanup",
                                   c->struct_size, cleanup_sizes, 1);
    if (st != BGS_OK)
        return st;
    if (c->median != 0 && c->median != 3 && c->median != 5)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "median = %d: must be 0 (off), 3 or 5", c->median);
    if (c->open_radius < 0 || c->open_radius > BGS_CLEANUP_MAX_RADIUS)
        return bgs_fail(BGS_ERR_PARAMETER, "open_radius = %d is outside 0..%d",
                        c->open_radius, BGS_CLEANUP_MAX_RADIUS);
    if (c->close_radius < 0 || c->close_radius > BGS_CLEANUP_MAX_RADIUS)
        return bgs_fail(BGS_ERR_PARAMETER, "close_radius = %d is outside 0..%d",
                        c->close_radius, BGS_CLEANUP_MAX_RADIUS);
    if (c->fill_holes < 0)
        return bgs_fail(BGS_ERR_PARAMETER, "fill_holes = %ld is negative",
                        c->fill_holes);
    if (c->min_area < 0)
        return bgs_fail(BGS_ERR_PARAMETER, "min_area = %ld is negative",
                        c->min_area);
    return BGS_OK;
}

bgs_postproc *bgs_postproc_create(int width, int height)
{
    if (width < 1 || height < 1 || width > 65536 || height > 65536 ||
        (int64_t)width * height > INT32_MAX) {
        bgs_set_error("postproc: frame size %dx%d is not supported", width,
                      height);
        return NULL;
    }
    bgs_postproc *pp = calloc(1, sizeof *pp);
    if (pp)
        pp->row_start = malloc(((size_t)height + 1) * sizeof *pp->row_start);
    if (!pp || !pp->row_start) {
        free(pp);
        bgs_set_error("out of memory");
        return NULL;
    }
    pp->width = width;
    pp->height = height;
    pp->words = (width + 63) / 64;
    pp->label_part_pixels = MIN_LABEL_PART_PIXELS;
    return pp;
}

void bgs_postproc_free(bgs_postproc *pp)
{
    if (!pp)
        return;
    free(pp->layers);
    free(pp->scratch);
    free(pp->windows);
    free(pp->runs.edge);
    free(pp->runs.parent);
    free(pp->acc);
    free(pp->border);
    free(pp->row_start);
    for (int i = 0; i < pp->stripe_runs_count; i++) {
        free(pp->stripe_runs[i].edge);
        free(pp->stripe_runs[i].parent);
    }
    free(pp->stripe_runs);
    free(pp->blobs);
    free(pp);
}

int postproc_words(const bgs_postproc *pp) { return pp->words; }

void postproc_set_label_part_pixels(bgs_postproc *pp, long pixels)
{
    pp->label_part_pixels = pixels > 0 ? pixels : 1;
}

static size_t layer_words(const bgs_postproc *pp)
{
    return (size_t)pp->words * pp->height;
}

bgs_status postproc_reserve(bgs_postproc *pp, int threads)
{
    if (!pp->layers) {
        pp->layers = malloc(LAYERS * layer_words(pp) * sizeof *pp->layers);
        if (!pp->layers)
            return bgs_fail(BGS_ERR_NO_MEMORY,
                            "out of memory for %dx%d clean-up", pp->width,
                            pp->height);
    }
    if (threads < 1)
        threads = 1;
    if (pp->scratch_threads < threads) {
        /* Zeroed: the doubling passes read pad words no output depends
         * on; they should at least be defined. */
        uint64_t *s = calloc((size_t)threads * postproc_scratch_words(pp),
                             sizeof *s);
        if (!s)
            return bgs_fail(BGS_ERR_NO_MEMORY,
                            "out of memory for clean-up scratch");
        free(pp->scratch);
        pp->scratch = s;
        pp->scratch_threads = threads;
    }
    return BGS_OK;
}

uint64_t *postproc_layer(bgs_postproc *pp, int i)
{
    return pp->layers + (size_t)i * layer_words(pp);
}

uint64_t *postproc_scratch(bgs_postproc *pp, int part)
{
    return pp->scratch + (size_t)part * postproc_scratch_words(pp);
}

/* ------------------------------------------------------------------------ */
/* Bit rows                                                                 */
/* ------------------------------------------------------------------------ */

/* Padded row buffers: PADW words before and after the row's words. */
#define PADW 2
static size_t padded_words(int words) { return (size_t)words + 2 * PADW; }

/* Three padded rows per thread. */
size_t postproc_scratch_words(const bgs_postproc *pp)
{
    return 3 * padded_words(pp->words);
}

/* Replicate the first and last pixels of a padded row into the pad words
 * and the unused bits of the last word, so that shifted reads near the
 * borders see the frame extended by its edge pixels. */
static void pad_row(uint64_t *t, int width, int words)
{
    uint64_t left = (t[0] & 1) ? ~0ull : 0;
    int last = (width - 1) % 64;
    uint64_t right = (t[words - 1] >> last) & 1 ? ~0ull : 0;
    uint64_t unused = ~last_word_mask(width);
    t[words - 1] = (t[words - 1] & ~unused) | (right & unused);
    for (int i = 1; i <= PADW; i++) {
        t[-i] = left;
        t[words - 1 + i] = right;
    }
}

/* Pixels x + s of word k (s in -63..63): bit i of the result is pixel
 * 64 k + i + s. */
static inline uint64_t shifted(const uint64_t *t, int k, int s)
{
    if (s > 0)
        return (t[k] >> s) | (t[k + 1] << (64 - s));
    if (s < 0)
        return (t[k] << -s) | (t[k - 1] >> (64 + s));
    return t[k];
}

/* ------------------------------------------------------------------------ */
/* Packing and merging                                                      */
/* ------------------------------------------------------------------------ */

#ifndef __SSE2__
/* Bit i set where p[i] == 255, for 8 bytes. */
static inline uint64_t fg_bits8(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    /* High bit of each byte: set only for 0xFF (the low 7 bits + 1 carry
     * into bit 7 only when they are all ones, and bit 7 must be set). */
    uint64_t hi = ((x & 0x7F7F7F7F7F7F7F7Full) + 0x0101010101010101ull) & x &
                  0x8080808080808080ull;
    /* Gather the eight high bits into one byte (little-endian bytes). */
    return ((hi >> 7) * 0x0102040810204080ull) >> 56;
}
#endif

static inline uint64_t fg_bits64(const uint8_t *p)
{
#ifdef __SSE2__
    const __m128i ones = _mm_set1_epi8((char)0xFF);
    uint64_t b = 0;
    for (int i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * i));
        b |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, ones))
             << (16 * i);
    }
    return b;
#else
    uint64_t b = 0;
    for (int i = 0; i < 8; i++)
        b |= fg_bits8(p + 8 * i) << (8 * i);
    return b;
#endif
}

void postproc_pack_rows(const bgs_postproc *pp, const uint8_t *mask,
                        ptrdiff_t stride, uint64_t *plane, int y0, int y1)
{
    const int width = pp->width, words = pp->words;
    for (int y = y0; y < y1; y++) {
        const uint8_t *in = mask + (ptrdiff_t)y * stride;
        uint64_t *out = plane + (size_t)y * words;
        int k = 0;
        for (; 64 * (k + 1) <= width; k++)
            out[k] = fg_bits64(in + 64 * k);
        if (k < words) {
            uint64_t b = 0;
            for (int x = 64 * k; x < width; x++)
                b |= (uint64_t)(in[x] == 255) << (x - 64 * k);
            out[k] = b;
        }
    }
}

/* Sixteen pixels m[0..15]: where bit i of `changed` is set, m[i] becomes
 * 255 if bit i of `fg` is set, else 0. */
static inline void merge16(uint8_t *m, unsigned changed, unsigned fg)
{
#ifdef __SSE2__
    const __m128i bit = _mm_set_epi8((char)128, 64, 32, 16, 8, 4, 2, 1,
                                     (char)128, 64, 32, 16, 8, 4, 2, 1);
    /* Byte i = 0xFF where bit i of x is set. */
#define EXPAND16(x)                                                          \
    _mm_cmpeq_epi8(_mm_and_si128(_mm_unpacklo_epi64(                         \
                                     _mm_set1_epi8((char)((x) & 0xFF)),      \
                                     _mm_set1_epi8((char)((x) >> 8))),       \
                                 bit),                                       \
                   bit)
    __m128i cm = EXPAND16(changed), fm = EXPAND16(fg);
#undef EXPAND16
    __m128i v = _mm_loadu_si128((const __m128i *)m);
    v = _mm_or_si128(_mm_andnot_si128(cm, v), _mm_and_si128(cm, fm));
    _mm_storeu_si128((__m128i *)m, v);
#else
    for (int i = 0; i < 16; i++)
        if (changed >> i & 1)
            m[i] = fg >> i & 1 ? BGS_MASK_FOREGROUND : BGS_MASK_BACKGROUND;
#endif
}

void postproc_merge_rows(const bgs_postproc *pp, const uint64_t *before,
                         const uint64_t *after, uint8_t *mask,
                         ptrdiff_t stride, int y0, int y1)
{
    const int width = pp->width, words = pp->words;
    const uint64_t tail = last_word_mask(width);
    for (int y = y0; y < y1; y++) {
        const uint64_t *b = before + (size_t)y * words;
        const uint64_t *a = after + (size_t)y * words;
        uint8_t *m = mask + (ptrdiff_t)y * stride;
        for (int k = 0; k < words; k++) {
            uint64_t changed = a[k] ^ b[k];
            if (k == words - 1)
                changed &= tail; /* never write past the width */
            if (!changed)
                continue;
            /* All four groups of sixteen pixels: a branch per group would
             * be mispredicted too often on noisy masks. */
            for (int q = 0; q < 4; q++) {
                unsigned c = (changed >> (16 * q)) & 0xFFFF;
                int x = 64 * k + 16 * q;
                unsigned fg = (a[k] >> (16 * q)) & 0xFFFF;
                if (x + 16 <= width) {
                    merge16(m + x, c, fg);
                } else if (x < width) {
                    for (int i = 0; i < 16; i++)
                        if (c >> i & 1)
                            m[x + i] = fg >> i & 1 ? BGS_MASK_FOREGROUND
                                                   : BGS_MASK_BACKGROUND;
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Median                                                                   */
/* ------------------------------------------------------------------------ */

/* Bit-sliced adders: every bit position is an independent pixel. */
#define MAJORITY(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* a + b + c + d + e as a 3-bit number n0 + 2 n1 + 4 n2. */
static inline void add5(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
                        uint64_t e, uint64_t *n0, uint64_t *n1, uint64_t *n2)
{
    uint64_t s1 = a ^ b ^ c, k1 = MAJORITY(a, b, c);
    uint64_t k2 = MAJORITY(d, e, s1);
    *n0 = d ^ e ^ s1;
    *n1 = k1 ^ k2;
    *n2 = k1 & k2;
}

/* Rows of a bit plane held in a buffer whose first row is frame row
 * `first` (0 for a whole plane): row y is at base + (y - first) * words.
 * The local steps of one stripe read their input from such a window. */
typedef struct plane_rows {
    const uint64_t *base;
    int first;
} plane_rows;

static plane_rows whole_plane(const uint64_t *plane)
{
    plane_rows rows = {plane, 0};
    return rows;
}

static const uint64_t *row_of(const bgs_postproc *pp, plane_rows p, int y)
{
    return p.base + (ptrdiff_t)(y - p.first) * pp->words;
}

/* Row y, with rows above and below the frame replaced by its edge rows. */
static const uint64_t *clamped_row(const bgs_postproc *pp, plane_rows p, int y)
{
    y = y < 0 ? 0 : y >= pp->height ? pp->height - 1 : y;
    return row_of(pp, p, y);
}

/* 3x3: at least 5 of 9. Columns of 3 are counted as c0 + 2 c1 (0..3); the
 * window is the sum over three columns. */
static void median3_row(const bgs_postproc *pp, plane_rows src,
                        uint64_t *out, int y, uint64_t *scratch)
{
    const int words = pp->words;
    const size_t pw = padded_words(words);
    uint64_t *c0 = scratch + PADW, *c1 = scratch + pw + PADW;
    const uint64_t *a = clamped_row(pp, src, y - 1);
    const uint64_t *b = clamped_row(pp, src, y);
    const uint64_t *c = clamped_row(pp, src, y + 1);
    for (int k = 0; k < words; k++) {
        c0[k] = a[k] ^ b[k] ^ c[k];
        c1[k] = MAJORITY(a[k], b[k], c[k]);
    }
    pad_row(c0, pp->width, words);
    pad_row(c1, pp->width, words);
    for (int k = 0; k < words; k++) {
        uint64_t l0 = shifted(c0, k, -1), r0 = shifted(c0, k, 1);
        uint64_t l1 = shifted(c1, k, -1), r1 = shifted(c1, k, 1);
        /* Sum = ones + 2 twos: ones = a0 + 2 a1, twos = b0 + 2 b1. */
        uint64_t a0 = l0 ^ c0[k] ^ r0, a1 = MAJORITY(l0, c0[k], r0);
        uint64_t b0 = l1 ^ c1[k] ^ r1, b1 = MAJORITY(l1, c1[k], r1);
        /* Sum = a0 + 2 t1 + 4 (b1 + carry). */
        uint64_t t1 = a1 ^ b0, carry = a1 & b0;
        out[k] = (b1 & carry) | ((b1 ^ carry) & (a0 | t1));
    }
}

/* 5x5: at least 13 of 25. Columns of 5 are counted as v0 + 2 v1 + 4 v2;
 * the five shifted columns of each weight are added, then the three sums
 * are combined by a ripple adder into the 5-bit count t0..t4. */
static void median5_row(const bgs_postproc *pp, plane_rows src,
                        uint64_t *out, int y, uint64_t *scratch)
{
    const int words = pp->words;
    const size_t pw = padded_words(words);
    uint64_t *v[3] = {scratch + PADW, scratch + pw + PADW,
                      scratch + 2 * pw + PADW};
    const uint64_t *r[5];
    for (int i = 0; i < 5; i++)
        r[i] = clamped_row(pp, src, y + i - 2);
    for (int k = 0; k < words; k++)
        add5(r[0][k], r[1][k], r[2][k], r[3][k], r[4][k], &v[0][k], &v[1][k],
             &v[2][k]);
    for (int i = 0; i < 3; i++)
        pad_row(v[i], pp->width, words);
    for (int k = 0; k < words; k++) {
        uint64_t n[3][3]; /* n[weight][bit] */
        for (int i = 0; i < 3; i++)
            add5(shifted(v[i], k, -2), shifted(v[i], k, -1), v[i][k],
                 shifted(v[i], k, 1), shifted(v[i], k, 2), &n[i][0],
                 &n[i][1], &n[i][2]);
        /* count = n[0] + 2 n[1] + 4 n[2], bit by bit. */
        uint64_t t0 = n[0][0];
        uint64_t t1 = n[0][1] ^ n[1][0], c2 = n[0][1] & n[1][0];
        uint64_t s4 = n[0][2] ^ n[1][1] ^ n[2][0];
        uint64_t k4 = MAJORITY(n[0][2], n[1][1], n[2][0]);
        uint64_t t2 = s4 ^ c2, k4b = s4 & c2;
        uint64_t s8 = n[1][2] ^ n[2][1] ^ k4;
        uint64_t k8 = MAJORITY(n[1][2], n[2][1], k4);
        uint64_t t3 = s8 ^ k4b, k8b = s8 & k4b;
        uint64_t t4 = n[2][2] | k8 | k8b; /* the count is at most 25 */
        out[k] = t4 | (t3 & t2 & (t1 | t0));
    }
}

/* Output rows [y0, y1) go to dst, whose first row is frame row dst_first. */
static void median_rows(const bgs_postproc *pp, plane_rows src, uint64_t *dst,
                        int dst_first, int size, int y0, int y1,
                        uint64_t *scratch)
{
    const uint64_t tail = last_word_mask(pp->width);
    for (int y = y0; y < y1; y++) {
        uint64_t *out = dst + (size_t)(y - dst_first) * pp->words;
        if (size == 3)
            median3_row(pp, src, out, y, scratch);
        else
            median5_row(pp, src, out, y, scratch);
        out[pp->words - 1] &= tail;
    }
}

void postproc_median_rows(bgs_postproc *pp, const uint64_t *src,
                          uint64_t *dst, int size, int y0, int y1,
                          uint64_t *scratch)
{
    median_rows(pp, whole_plane(src), dst, 0, size, y0, y1, scratch);
}

/* ------------------------------------------------------------------------ */
/* Erosion and dilation                                                     */
/* ------------------------------------------------------------------------ */

static void morph_rows(const bgs_postproc *pp, plane_rows src, uint64_t *dst,
                       int dst_first, int r, int y0, int y1,
                       uint64_t *scratch, int erode)
{
    const int words = pp->words, height = pp->height;
    const size_t pw = padded_words(words);
    uint64_t *buf[2] = {scratch + PADW, scratch + pw + PADW};
    const int window = 2 * r + 1;
    const uint64_t tail = last_word_mask(pp->width);
    for (int y = y0; y < y1; y++) {
        /* Rows of the window inside the frame: clipping the window is the
         * same as replicating edge rows for a minimum or maximum. */
        int lo = y - r < 0 ? 0 : y - r;
        int hi = y + r >= height ? height - 1 : y + r;
        uint64_t *t = buf[0];
        memcpy(t, row_of(pp, src, lo), (size_t)words * sizeof *t);
        for (int yy = lo + 1; yy <= hi; yy++) {
            const uint64_t *row = row_of(pp, src, yy);
            if (erode)
                for (int k = 0; k < words; k++)
                    t[k] &= row[k];
            else
                for (int k = 0; k < words; k++)
                    t[k] |= row[k];
        }
        pad_row(t, pp->width, words);
        /* Along the row: windows of m = 2, 4, 8, ... pixels starting at
         * each pixel, until the next doubling would pass the window; two
         * such windows, starting at x - r and x + r + 1 - m, cover it. Word
         * -1 (pixels down to -64) and word `words` are computed too, for
         * the pixels near the borders. */
        const uint64_t *cur = t;
        int m = 1, which = 0;
        while (2 * m <= window) {
            uint64_t *next = buf[which ^ 1];
            if (erode)
                for (int k = -1; k <= words; k++)
                    next[k] = cur[k] & shifted(cur, k, m);
            else
                for (int k = -1; k <= words; k++)
                    next[k] = cur[k] | shifted(cur, k, m);
            cur = next;
            which ^= 1;
            m *= 2;
        }
        uint64_t *out = dst + (size_t)(y - dst_first) * words;
        const int s1 = -r, s2 = r + 1 - m;
        if (erode)
            for (int k = 0; k < words; k++)
                out[k] = shifted(cur, k, s1) & shifted(cur, k, s2);
        else
            for (int k = 0; k < words; k++)
                out[k] = shifted(cur, k, s1) | shifted(cur, k, s2);
        out[words - 1] &= tail;
    }
}

void postproc_erode_rows(bgs_postproc *pp, const uint64_t *src, uint64_t *dst,
                         int radius, int y0, int y1, uint64_t *scratch)
{
    morph_rows(pp, whole_plane(src), dst, 0, radius, y0, y1, scratch, 1);
}

void postproc_dilate_rows(bgs_postproc *pp, const uint64_t *src,
                          uint64_t *dst, int radius, int y0, int y1,
                          uint64_t *scratch)
{
    morph_rows(pp, whole_plane(src), dst, 0, radius, y0, y1, scratch, 0);
}

/* ------------------------------------------------------------------------ */
/* The chain                                                                */
/* ------------------------------------------------------------------------ */

/*
 * The local steps (median, opening, closing) of one stripe run back to back
 * on the thread that claimed the stripe: each step computes the rows the
 * next steps need around the stripe (its halo: the sum of their radii) into
 * a window of the stripe's own, and the last writes the stripe's rows of
 * plane 1. Neighbouring stripes compute their shared halo rows twice, which
 * costs a few rows per stripe, but the frame needs one pass over a thread
 * pool instead of one per step, and a stripe's rows stay in the cache of
 * the core that works on them.
 */
typedef enum step_kind { STEP_MEDIAN, STEP_ERODE, STEP_DILATE } step_kind;

typedef struct local_step {
    step_kind kind;
    int param;  /* median size or radius */
    int radius; /* rows above and below an output row that it reads */
} local_step;

#define MAX_LOCAL_STEPS 5

static int local_steps(const bgs_cleanup *c, local_step step[MAX_LOCAL_STEPS])
{
    int n = 0;
    if (c->median)
        step[n++] = (local_step){STEP_MEDIAN, c->median, c->median / 2};
    if (c->open_radius) {
        step[n++] = (local_step){STEP_ERODE, c->open_radius, c->open_radius};
        step[n++] = (local_step){STEP_DILATE, c->open_radius, c->open_radius};
    }
    if (c->close_radius) {
        step[n++] = (local_step){STEP_DILATE, c->close_radius, c->close_radius};
        step[n++] = (local_step){STEP_ERODE, c->close_radius, c->close_radius};
    }
    return n;
}

static int has_global_steps(const bgs_cleanup *c)
{
    return c->fill_holes > 0 || c->min_area > 0;
}

/* Rows above and below its output that step i of n must compute: the sum
 * of the radii of the steps after it. */
static int halo_after(const local_step *step, int n, int i)
{
    int halo = 0;
    for (int j = i + 1; j < n; j++)
        halo += step[j].radius;
    return halo;
}

bgs_status postproc_prepare(bgs_postproc *pp, const bgs_cleanup *c, int parts)
{
    bgs_status st = postproc_reserve(pp, parts);
    if (st != BGS_OK)
        return st;
    local_step step[MAX_LOCAL_STEPS];
    int n = local_steps(c, step);
    if (n < 2)
        return BGS_OK; /* one step writes plane 1 directly */
    int stripe = (pp->height + parts - 1) / parts;
    int64_t rows = (int64_t)stripe + 2 * (int64_t)halo_after(step, n, 0);
    int window_rows = rows < pp->height ? (int)rows : pp->height;
    if (parts <= pp->window_parts && window_rows <= pp->window_rows)
        return BGS_OK;
    if (parts < pp->window_parts)
        parts = pp->window_parts;
    if (window_rows < pp->window_rows)
        window_rows = pp->window_rows;
    uint64_t *w = malloc((size_t)parts * 2 * window_rows * pp->words * sizeof *w);
    if (!w)
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for clean-up windows");
    free(pp->windows);
    pp->windows = w;
    pp->window_parts = parts;
    pp->window_rows = window_rows;
    return BGS_OK;
}

static uint64_t *stripe_window(bgs_postproc *pp, int part, int which)
{
    return pp->windows + ((size_t)part * 2 + which) * pp->window_rows * pp->words;
}

static void run_local_step(bgs_postproc *pp, const local_step *s,
                           plane_rows src, uint64_t *dst, int dst_first,
                           int y0, int y1, uint64_t *scratch)
{
    if (s->kind == STEP_MEDIAN)
        median_rows(pp, src, dst, dst_first, s->param, y0, y1, scratch);
    else
        morph_rows(pp, src, dst, dst_first, s->param, y0, y1, scratch,
                   s->kind == STEP_ERODE);
}

void postproc_local_rows(bgs_postproc *pp, const bgs_cleanup *c, uint8_t *mask,
                         ptrdiff_t stride, int part, int parts)
{
    const int y0 = stripe_start(pp->height, part, parts);
    const int y1 = stripe_start(pp->height, part + 1, parts);
    if (y0 == y1)
        return; /* more stripes than rows */
    const uint64_t *original = postproc_layer(pp, 0);
    uint64_t *result = postproc_layer(pp, 1);
    local_step step[MAX_LOCAL_STEPS];
    int n = local_steps(c, step);
    if (n == 0) {
        memcpy(result + (size_t)y0 * pp->words, original + (size_t)y0 * pp->words,
               (size_t)(y1 - y0) * pp->words * sizeof *result);
    } else {
        plane_rows src = whole_plane(original);
        for (int i = 0; i < n; i++) {
            int halo = halo_after(step, n, i);
            int lo = y0 - halo > 0 ? y0 - halo : 0;
            int hi = y1 + halo < pp->height ? y1 + halo : pp->height;
            uint64_t *dst = i == n - 1 ? result : stripe_window(pp, part, i & 1);
            int dst_first = i == n - 1 ? 0 : lo;
            run_local_step(pp, &step[i], src, dst, dst_first, lo, hi,
                           postproc_scratch(pp, part));
            src = (plane_rows){dst, dst_first};
        }
    }
    /* Without global steps the stripe is done: merge it now, while its
     * rows are in this core's cache. */
    if (!has_global_steps(c))
        postproc_merge_rows(pp, original, result, mask, stride, y0, y1);
}

typedef struct stripe_job {
    bgs_postproc *pp;
    const bgs_cleanup *cleanup;
    uint8_t *mask;
    ptrdiff_t stride;
} stripe_job;

static void pack_part(void *ctx, int part, int parts)
{
    const stripe_job *j = ctx;
    postproc_pack_rows(j->pp, j->mask, j->stride, postproc_layer(j->pp, 0),
                       stripe_start(j->pp->height, part, parts),
                       stripe_start(j->pp->height, part + 1, parts));
}

static void local_part(void *ctx, int part, int parts)
{
    const stripe_job *j = ctx;
    postproc_local_rows(j->pp, j->cleanup, j->mask, j->stride, part, parts);
}

static void merge_part(void *ctx, int part, int parts)
{
    const stripe_job *j = ctx;
    postproc_merge_rows(j->pp, postproc_layer(j->pp, 0), postproc_layer(j->pp, 1),
                        j->mask, j->stride,
                        stripe_start(j->pp->height, part, parts),
                        stripe_start(j->pp->height, part + 1, parts));
}

bgs_status postproc_clean_packed(bgs_postproc *pp, const bgs_cleanup *c,
                                 uint8_t *mask, ptrdiff_t stride,
                                 task_pool *pool, int parts)
{
    stripe_job job = {pp, c, mask, stride};
    run_striped(pool, parts, local_part, &job);
    if (!has_global_steps(c))
        return BGS_OK;
    uint64_t *result = postproc_layer(pp, 1);
    bgs_status st = BGS_OK;
    if (c->fill_holes > 0)
        st = postproc_fill_holes(pp, result, c->fill_holes, pool, parts);
    if (st == BGS_OK && c->min_area > 0)
        st = postproc_remove_small(pp, result, c->min_area, pool, parts);
    if (st == BGS_OK)
        run_striped(pool, parts, merge_part, &job);
    return st;
}

long postproc_count(bgs_postproc *pp, int index)
{
    const uint64_t *plane = postproc_layer(pp, index);
    const uint64_t tail = last_word_mask(pp->width);
    long n = 0;
    for (int y = 0; y < pp->height; y++) {
        const uint64_t *row = plane + (size_t)y * pp->words;
        for (int k = 0; k < pp->words - 1; k++)
            n += __builtin_popcountll(row[k]);
        n += __builtin_popcountll(row[pp->words - 1] & tail);
    }
    return n;
}

int postproc_is_noop(const bgs_cleanup *c)
{
    return !c->median && !c->open_radius && !c->close_radius &&
           !has_global_steps(c);
}

bgs_status postproc_clean_pool(bgs_postproc *pp, const bgs_cleanup *c,
                               uint8_t *mask, ptrdiff_t stride,
                               task_pool *pool)
{
    if (postproc_is_noop(c))
        return BGS_OK;
    int parts = pool ? pool_parts(pool) : 1;
    bgs_status st = postproc_prepare(pp, c, parts);
    if (st != BGS_OK)
        return st;
    stripe_job job = {pp, c, mask, stride};
    run_striped(pool, parts, pack_part, &job);
    return postproc_clean_packed(pp, c, mask, stride, pool, parts);
}

bgs_status bgs_postproc_clean(bgs_postproc *pp, const bgs_cleanup *cleanup,
                              uint8_t *mask, ptrdiff_t stride)
{
    if (!pp || !mask)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_postproc_clean: a pointer argument is NULL");
    if (stride < pp->width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_postproc_clean: row stride %td is smaller than "
                        "the width %d", stride, pp->width);
    bgs_status st = bgs_cleanup_check(cleanup);
    if (st != BGS_OK)
        return st;
    return postproc_clean_pool(pp, cleanup, mask, stride, NULL);
}
