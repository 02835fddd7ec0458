/*
 * model_avx512.c - the per-row kernel with AVX-512F: a whole 16-pixel block
 * per vector, comparisons into mask registers. Like model_avx2.c it performs
 * exactly the float operations of the scalar reference (model.c:
 * update_pixel) in the same order, so results are bit-identical; see that
 * file for the structure (per-(K, C) instantiation, lazy means, packing only
 * what changed). Built with -mavx512f -mf16c; only called when the CPU has
 * AVX-512F (bgs_model_set_kernel checks).
 */
#include "lib/model_impl.h"

#if defined(BGS_HAVE_X86_KERNELS)
#include <immintrin.h>

#define INLINE static inline __attribute__((always_inline))

typedef struct lane_model {
    __m512 w[BGS_MAX_COMPONENTS];
    __m512 v[BGS_MAX_COMPONENTS];
    __m512 mu[BGS_MAX_COMPONENTS][3];
    unsigned loaded;  /* bit k: means of component k unpacked */
    unsigned dirty;   /* bit k: variance or means of component k changed */
} lane_model;

INLINE __m512 load_u16(const uint16_t *p)
{
    __m256i raw = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(raw));
}

/* v must already hold value·scale + 0.5 (never negative): truncate and
 * saturate to 0..65535, as the scalar and AVX2 kernels do. */
INLINE void store_u16(uint16_t *p, __m512 v)
{
    __m512i i = _mm512_max_epi32(_mm512_cvttps_epi32(v), _mm512_setzero_si512());
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtusepi32_epi16(i));
}

/* 8 bytes of channel c from 8 interleaved RGB pixels at p (24 bytes). */
static inline __m128i rgb_channel8(const uint8_t *p, int c)
{
    static const int8_t lo_idx[3][16] = {
        {0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
        {1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
        {2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    };
    static const int8_t hi_idx[3][16] = {
        {-1, -1, -1, -1, -1, -1, 2, 5, -1, -1, -1, -1, -1, -1, -1, -1},
        {-1, -1, -1, -1, -1, 0, 3, 6, -1, -1, -1, -1, -1, -1, -1, -1},
        {-1, -1, -1, -1, -1, 1, 4, 7, -1, -1, -1, -1, -1, -1, -1, -1},
    };
    __m128i lo = _mm_loadu_si128((const __m128i *)p);
    __m128i hi = _mm_loadl_epi64((const __m128i *)(p + 16));
    __m128i a = _mm_shuffle_epi8(lo, _mm_loadu_si128((const __m128i *)lo_idx[c]));
    __m128i b = _mm_shuffle_epi8(hi, _mm_loadu_si128((const __m128i *)hi_idx[c]));
    return _mm_or_si128(a, b);
}

/* Sixteen pixels of C interleaved bytes (16·C bytes readable at p). */
INLINE void load_pixels(const uint8_t *p, const int C, __m512 x[3])
{
    if (C == 1) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)p);
        x[0] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
        return;
    }
    for (int c = 0; c < 3; c++) {
        __m128i bytes = _mm_unpacklo_epi64(rgb_channel8(p, c), rgb_channel8(p + 24, c));
        x[c] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
    }
}

INLINE void unpack_weights(lane_model *lm, const uint16_t *block, const int K,
                           const int C)
{
    const __m512 w_scale = _mm512_set1_ps(1.0f / WEIGHT_SCALE);
    for (int k = 0; k < K; k++) {
        const uint16_t *f = block + field_offset(C, k, 0);
        lm->w[k] = _mm512_mul_ps(load_u16(f + FIELD_WEIGHT * BLOCK), w_scale);
        lm->v[k] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(f + FIELD_VAR * BLOCK)));
    }
    lm->loaded = 0;
    lm->dirty = 0;
}

INLINE void need_means(lane_model *lm, const uint16_t *block, int k, const int C)
{
    if (lm->loaded & (1u << k))
        return;
    const __m512 mean_scale = _mm512_set1_ps(1.0f / MEAN_SCALE);
    const uint16_t *f = block + field_offset(C, k, 0);
    for (int c = 0; c < C; c++)
        lm->mu[k][c] = _mm512_mul_ps(load_u16(f + (FIELD_MEAN + c) * BLOCK), mean_scale);
    lm->loaded |= 1u << k;
}

INLINE void pack_lanes(uint16_t *block, const lane_model *lm, const int K,
                       const int C)
{
    const __m512 w_scale = _mm512_set1_ps(WEIGHT_SCALE);
    const __m512 mean_scale = _mm512_set1_ps(MEAN_SCALE);
    const __m512 half = _mm512_set1_ps(0.5f);
    for (int k = 0; k < K; k++) {
        uint16_t *f = block + field_offset(C, k, 0);
        store_u16(f + FIELD_WEIGHT * BLOCK,
                  _mm512_add_ps(_mm512_mul_ps(lm->w[k], w_scale), half));
        if (!(lm->dirty & (1u << k)))
            continue;
        _mm256_storeu_si256((__m256i *)(f + FIELD_VAR * BLOCK),
                            _mm512_cvtps_ph(lm->v[k], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        for (int c = 0; c < C; c++)
            store_u16(f + (FIELD_MEAN + c) * BLOCK,
                      _mm512_add_ps(_mm512_mul_ps(lm->mu[k][c], mean_scale), half));
    }
}

INLINE void swap_where(lane_model *lm, const uint16_t *block, int i, int j,
                       const int C, __mmask16 cond)
{
    need_means(lm, block, i, C);
    need_means(lm, block, j, C);
    lm->dirty |= (1u << i) | (1u << j);
    __m512 t = lm->w[i];
    lm->w[i] = _mm512_mask_blend_ps(cond, lm->w[i], lm->w[j]);
    lm->w[j] = _mm512_mask_blend_ps(cond, lm->w[j], t);
    t = lm->v[i];
    lm->v[i] = _mm512_mask_blend_ps(cond, lm->v[i], lm->v[j]);
    lm->v[j] = _mm512_mask_blend_ps(cond, lm->v[j], t);
    for (int c = 0; c < C; c++) {
        t = lm->mu[i][c];
        lm->mu[i][c] = _mm512_mask_blend_ps(cond, lm->mu[i][c], lm->mu[j][c]);
        lm->mu[j][c] = _mm512_mask_blend_ps(cond, lm->mu[j][c], t);
    }
}

INLINE void sort_lanes(lane_model *lm, const uint16_t *block, const int K,
                       const int C)
{
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0; j--) {
            __m512 above = _mm512_mul_ps(_mm512_mul_ps(lm->w[j], lm->w[j]), lm->v[j - 1]);
            __m512 below = _mm512_mul_ps(_mm512_mul_ps(lm->w[j - 1], lm->w[j - 1]), lm->v[j]);
            __mmask16 cond = _mm512_cmp_ps_mask(above, below, _CMP_GT_OQ);
            if (cond)
                swap_where(lm, block, j, j - 1, C, cond);
        }
}

/* Classify and update the 16 pixels of a block; returns the background
 * lanes. */
INLINE __mmask16 update_block(uint16_t *block, const __m512 x[3],
                              const frame_rates *r, const int K, const int C)
{
    const __m512 zero = _mm512_setzero_ps();
    const __m512 limit = _mm512_set1_ps(r->match_limit);
    const __m512 bg_ratio = _mm512_set1_ps(r->bg_ratio);
    lane_model lm;
    __mmask16 matched[BGS_MAX_COMPONENTS];
    __mmask16 found = 0, background = 0;
    __m512 md2 = zero, cum = zero;

    unpack_weights(&lm, block, K, C);
    int examined = 0;
    for (int k = 0; k < K; k++) {
        matched[k] = 0;
        if (k > 0 && found == 0xffff)
            continue;
        examined = k + 1;
        need_means(&lm, block, k, C);
        __m512 d2 = zero;
        for (int c = 0; c < C; c++) {
            __m512 d = _mm512_sub_ps(x[c], lm.mu[k][c]);
            d2 = _mm512_add_ps(d2, _mm512_mul_ps(d, d));
        }
        __mmask16 ok = _mm512_cmp_ps_mask(lm.w[k], zero, _CMP_GT_OQ) &
                       _mm512_cmp_ps_mask(d2, _mm512_mul_ps(limit, lm.v[k]), _CMP_LT_OQ);
        matched[k] = ok & (__mmask16)~found;
        md2 = _mm512_mask_blend_ps(matched[k], md2, d2);
        background |= matched[k] & _mm512_cmp_ps_mask(cum, bg_ratio, _CMP_LE_OQ);
        found |= matched[k];
        cum = _mm512_add_ps(cum, lm.w[k]);
    }

    const __m512 keep = _mm512_set1_ps(r->keep), rate = _mm512_set1_ps(r->rate);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 inv_c = _mm512_set1_ps(r->inv_channels);
    const __m512 vmin = _mm512_set1_ps(r->var_min), vmax = _mm512_set1_ps(r->var_max);
    for (int k = 0; k < K; k++) {
        lm.w[k] = _mm512_mul_ps(lm.w[k], keep);
        if (k >= examined || !matched[k])
            continue;
        lm.dirty |= 1u << k;
        lm.w[k] = _mm512_mask_add_ps(lm.w[k], matched[k], lm.w[k], rate);
        __m512 rho = _mm512_min_ps(_mm512_div_ps(rate, lm.w[k]), one);
        for (int c = 0; c < C; c++) {
            __m512 moved = _mm512_add_ps(lm.mu[k][c],
                _mm512_mul_ps(rho, _mm512_sub_ps(x[c], lm.mu[k][c])));
            lm.mu[k][c] = _mm512_mask_blend_ps(matched[k], lm.mu[k][c], moved);
        }
        __m512 var = _mm512_mul_ps(_mm512_sub_ps(one, rho),
            _mm512_add_ps(lm.v[k], _mm512_mul_ps(rho, _mm512_mul_ps(md2, inv_c))));
        var = _mm512_min_ps(_mm512_max_ps(var, vmin), vmax);
        lm.v[k] = _mm512_mask_blend_ps(matched[k], lm.v[k], var);
    }

    __mmask16 none = (__mmask16)~found;
    if (none) {
        need_means(&lm, block, K - 1, C);
        lm.dirty |= 1u << (K - 1);
        lm.w[K - 1] = _mm512_mask_blend_ps(none, lm.w[K - 1], _mm512_set1_ps(r->new_weight));
        lm.v[K - 1] = _mm512_mask_blend_ps(none, lm.v[K - 1], _mm512_set1_ps(r->var_init));
        for (int c = 0; c < C; c++)
            lm.mu[K - 1][c] = _mm512_mask_blend_ps(none, lm.mu[K - 1][c], x[c]);
        __m512 total = zero;
        for (int k = 0; k < K; k++)
            total = _mm512_add_ps(total, lm.w[k]);
        __m512 scale = _mm512_div_ps(one, total);
        for (int k = 0; k < K; k++)
            lm.w[k] = _mm512_mask_mul_ps(lm.w[k], none, lm.w[k], scale);
    }
    sort_lanes(&lm, block, K, C);
    pack_lanes(block, &lm, K, C);
    return background;
}

INLINE void row_kernel(const model_shape *s, uint16_t *state,
                       const uint8_t *row, uint8_t *mask_row,
                       const frame_rates *r, const int K, const int C)
{
    uint8_t tail[BLOCK * 3] = {0};
    for (int bx = 0; bx < s->blocks_per_row; bx++) {
        uint16_t *block = state + (size_t)bx * s->block_u16;
        int x0 = bx * BLOCK;
        int lanes = s->width - x0;
        const uint8_t *px = row + (size_t)x0 * C;
        if (lanes < BLOCK) {
            /* The row's last pixels: copy so as not to read past the row.
             * Lanes past the width update padding that nothing reads. */
            memcpy(tail, px, (size_t)lanes * C);
            px = tail;
        }
        __m512 x[3];
        load_pixels(px, C, x);
        __mmask16 background = update_block(block, x, r, K, C);
        if (!mask_row)
            continue;
        __mmask16 fg = r->detect ? (__mmask16)~background : 0;
        __m128i bytes = _mm512_cvtepi32_epi8(_mm512_maskz_set1_epi32(fg, -1));
        if (lanes >= BLOCK) {
            _mm_storeu_si128((__m128i *)(mask_row + x0), bytes);
        } else {
            uint8_t out[16];
            _mm_storeu_si128((__m128i *)out, bytes);
            memcpy(mask_row + x0, out, (size_t)lanes);
        }
    }
}

void model_row_avx512(const model_shape *s, uint16_t *state,
                      const uint8_t *row, uint8_t *mask_row,
                      const frame_rates *r)
{
#define KERNEL_CASE(K)                                                       \
    case K:                                                                  \
        if (s->channels == 3)                                                \
            row_kernel(s, state, row, mask_row, r, K, 3);                    \
        else                                                                 \
            row_kernel(s, state, row, mask_row, r, K, 1);                    \
        break;
    switch (s->components) {
        KERNEL_CASE(1) KERNEL_CASE(2) KERNEL_CASE(3) KERNEL_CASE(4)
        KERNEL_CASE(5) KERNEL_CASE(6) KERNEL_CASE(7) KERNEL_CASE(8)
    default:
        model_row_scalar(s, state, row, mask_row, r);
    }
#undef KERNEL_CASE
}

#endif
