/*
 * model_avx2.c - the per-row kernel with AVX2 + F16C: 8 pixels per vector,
 * two vectors per 16-pixel block. It performs exactly the float operations
 * of the scalar reference (model.c: update_pixel), in the same order, with
 * comparisons and blends in place of branches, so the results are
 * bit-identical. Built with -mavx2 -mf16c (Makefile); only called when the
 * CPU has both (bgs_model_set_kernel checks).
 *
 * Speed: the kernel body is instantiated for every (K, C) with both known at
 * compile time, so the loops over components and channels unroll and the
 * pixel's model lives in registers instead of on the stack. Means are
 * unpacked only for the components a pixel is compared with (most pixels
 * match their first component), and only what changed is packed again.
 */
#include "lib/model_impl.h"

#if defined(BGS_HAVE_X86_KERNELS)
#include <immintrin.h>

#define LANES 8
#define INLINE static inline __attribute__((always_inline))

/* Eight pixels' models. Weights and variances are always unpacked (the
 * ranking needs them); means on demand (loaded bit k). */
typedef struct lane_model {
    __m256 w[BGS_MAX_COMPONENTS];
    __m256 v[BGS_MAX_COMPONENTS];
    __m256 mu[BGS_MAX_COMPONENTS][3];
    unsigned loaded;  /* bit k: means of component k unpacked */
    unsigned dirty;   /* bit k: variance or means of component k changed */
} lane_model;

INLINE __m256 load_u16(const uint16_t *p)
{
    __m128i raw = _mm_loadu_si128((const __m128i *)p);
    return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(raw));
}

/* v must already hold value·scale + 0.5: truncate, saturate to 0..65535. */
INLINE void store_u16(uint16_t *p, __m256 v)
{
    __m256i i = _mm256_cvttps_epi32(v);
    __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(i),
                                      _mm256_extracti128_si256(i, 1));
    _mm_storeu_si128((__m128i *)p, packed);
}

INLINE __m256 blend(__m256 a, __m256 b, __m256 take_b)
{
    return _mm256_blendv_ps(a, b, take_b);
}

INLINE int any(__m256 mask) { return !_mm256_testz_ps(mask, mask); }

/* Eight pixels of C interleaved bytes (8·C bytes readable at p) as one float
 * vector per channel. */
INLINE void load_pixels(const uint8_t *p, const int C, __m256 x[3])
{
    if (C == 1) {
        __m128i bytes = _mm_loadl_epi64((const __m128i *)p);
        x[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
        return;
    }
    /* 24 bytes: 16 + 8, then gather each channel's bytes with shuffles. */
    __m128i lo = _mm_loadu_si128((const __m128i *)p);
    __m128i hi = _mm_loadl_epi64((const __m128i *)(p + 16));
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
    for (int c = 0; c < 3; c++) {
        __m128i a = _mm_shuffle_epi8(lo, _mm_loadu_si128((const __m128i *)lo_idx[c]));
        __m128i b = _mm_shuffle_epi8(hi, _mm_loadu_si128((const __m128i *)hi_idx[c]));
        x[c] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_or_si128(a, b)));
    }
}

INLINE void unpack_weights(lane_model *lm, const uint16_t *block, const int K,
                           const int C)
{
    const __m256 w_scale = _mm256_set1_ps(1.0f / WEIGHT_SCALE);
    for (int k = 0; k < K; k++) {
        const uint16_t *f = block + field_offset(C, k, 0);
        lm->w[k] = _mm256_mul_ps(load_u16(f + FIELD_WEIGHT * BLOCK), w_scale);
        lm->v[k] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(f + FIELD_VAR * BLOCK)));
    }
    lm->loaded = 0;
    lm->dirty = 0;
}

INLINE void need_means(lane_model *lm, const uint16_t *block, int k, const int C)
{
    if (lm->loaded & (1u << k))
        return;
    const __m256 mean_scale = _mm256_set1_ps(1.0f / MEAN_SCALE);
    const uint16_t *f = block + field_offset(C, k, 0);
    for (int c = 0; c < C; c++)
        lm->mu[k][c] = _mm256_mul_ps(load_u16(f + (FIELD_MEAN + c) * BLOCK), mean_scale);
    lm->loaded |= 1u << k;
}

INLINE void pack_lanes(uint16_t *block, const lane_model *lm, const int K,
                       const int C)
{
    const __m256 w_scale = _mm256_set1_ps(WEIGHT_SCALE);
    const __m256 mean_scale = _mm256_set1_ps(MEAN_SCALE);
    const __m256 half = _mm256_set1_ps(0.5f);
    for (int k = 0; k < K; k++) {
        uint16_t *f = block + field_offset(C, k, 0);
        store_u16(f + FIELD_WEIGHT * BLOCK,
                  _mm256_add_ps(_mm256_mul_ps(lm->w[k], w_scale), half));
        if (!(lm->dirty & (1u << k)))
            continue;
        _mm_storeu_si128((__m128i *)(f + FIELD_VAR * BLOCK),
                         _mm256_cvtps_ph(lm->v[k], _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        for (int c = 0; c < C; c++)
            store_u16(f + (FIELD_MEAN + c) * BLOCK,
                      _mm256_add_ps(_mm256_mul_ps(lm->mu[k][c], mean_scale), half));
    }
}

INLINE void swap_where(lane_model *lm, const uint16_t *block, int i, int j,
                       const int C, __m256 cond)
{
    need_means(lm, block, i, C);
    need_means(lm, block, j, C);
    lm->dirty |= (1u << i) | (1u << j);
    __m256 t = lm->w[i];
    lm->w[i] = blend(lm->w[i], lm->w[j], cond);
    lm->w[j] = blend(lm->w[j], t, cond);
    t = lm->v[i];
    lm->v[i] = blend(lm->v[i], lm->v[j], cond);
    lm->v[j] = blend(lm->v[j], t, cond);
    for (int c = 0; c < C; c++) {
        t = lm->mu[i][c];
        lm->mu[i][c] = blend(lm->mu[i][c], lm->mu[j][c], cond);
        lm->mu[j][c] = blend(lm->mu[j][c], t, cond);
    }
}

/* The same network as sort_components in model.c; a pair already in order
 * in every lane costs one comparison. */
INLINE void sort_lanes(lane_model *lm, const uint16_t *block, const int K,
                       const int C)
{
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0; j--) {
            __m256 above = _mm256_mul_ps(_mm256_mul_ps(lm->w[j], lm->w[j]), lm->v[j - 1]);
            __m256 below = _mm256_mul_ps(_mm256_mul_ps(lm->w[j - 1], lm->w[j - 1]), lm->v[j]);
            __m256 cond = _mm256_cmp_ps(above, below, _CMP_GT_OQ);
            if (any(cond))
                swap_where(lm, block, j, j - 1, C, cond);
        }
}

/* Classify and update 8 pixels whose model starts at block; returns the
 * background lanes as a mask. */
INLINE __m256 update_lanes(uint16_t *block, const __m256 x[3],
                           const frame_rates *r, const int K, const int C)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    const __m256 limit = _mm256_set1_ps(r->match_limit);
    const __m256 bg_ratio = _mm256_set1_ps(r->bg_ratio);
    lane_model lm;
    __m256 matched[BGS_MAX_COMPONENTS];
    __m256 found = zero, background = zero, md2 = zero, cum = zero;

    unpack_weights(&lm, block, K, C);
    /* Match: the first component in rank order within the limit. Once every
     * lane has matched, later components cannot match any more. */
    int examined = 0;
    for (int k = 0; k < K; k++) {
        matched[k] = zero;
        if (k > 0 && _mm256_testc_ps(found, all))
            continue;
        examined = k + 1;
        need_means(&lm, block, k, C);
        __m256 d2 = zero;
        for (int c = 0; c < C; c++) {
            __m256 d = _mm256_sub_ps(x[c], lm.mu[k][c]);
            d2 = _mm256_add_ps(d2, _mm256_mul_ps(d, d));
        }
        __m256 ok = _mm256_and_ps(_mm256_cmp_ps(lm.w[k], zero, _CMP_GT_OQ),
                                  _mm256_cmp_ps(d2, _mm256_mul_ps(limit, lm.v[k]), _CMP_LT_OQ));
        matched[k] = _mm256_andnot_ps(found, ok);
        md2 = blend(md2, d2, matched[k]);
        background = _mm256_or_ps(background,
            _mm256_and_ps(matched[k], _mm256_cmp_ps(cum, bg_ratio, _CMP_LE_OQ)));
        found = _mm256_or_ps(found, matched[k]);
        cum = _mm256_add_ps(cum, lm.w[k]);
    }

    /* Weights, then the matched component's mean and variance. */
    const __m256 keep = _mm256_set1_ps(r->keep), rate = _mm256_set1_ps(r->rate);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 inv_c = _mm256_set1_ps(r->inv_channels);
    const __m256 vmin = _mm256_set1_ps(r->var_min), vmax = _mm256_set1_ps(r->var_max);
    for (int k = 0; k < K; k++) {
        lm.w[k] = _mm256_mul_ps(lm.w[k], keep);
        if (k >= examined || !any(matched[k]))
            continue;
        lm.dirty |= 1u << k;
        lm.w[k] = _mm256_add_ps(lm.w[k], _mm256_and_ps(rate, matched[k]));
        __m256 rho = _mm256_min_ps(_mm256_div_ps(rate, lm.w[k]), one);
        for (int c = 0; c < C; c++) {
            __m256 moved = _mm256_add_ps(lm.mu[k][c],
                _mm256_mul_ps(rho, _mm256_sub_ps(x[c], lm.mu[k][c])));
            lm.mu[k][c] = blend(lm.mu[k][c], moved, matched[k]);
        }
        __m256 var = _mm256_mul_ps(_mm256_sub_ps(one, rho),
            _mm256_add_ps(lm.v[k], _mm256_mul_ps(rho, _mm256_mul_ps(md2, inv_c))));
        var = _mm256_min_ps(_mm256_max_ps(var, vmin), vmax);
        lm.v[k] = blend(lm.v[k], var, matched[k]);
    }

    /* No match: the last component becomes a new one on the pixel, and the
     * weights of those lanes are renormalised. */
    __m256 none = _mm256_xor_ps(found, all);
    if (any(none)) {
        need_means(&lm, block, K - 1, C);
        lm.dirty |= 1u << (K - 1);
        lm.w[K - 1] = blend(lm.w[K - 1], _mm256_set1_ps(r->new_weight), none);
        lm.v[K - 1] = blend(lm.v[K - 1], _mm256_set1_ps(r->var_init), none);
        for (int c = 0; c < C; c++)
            lm.mu[K - 1][c] = blend(lm.mu[K - 1][c], x[c], none);
        __m256 total = zero;
        for (int k = 0; k < K; k++)
            total = _mm256_add_ps(total, lm.w[k]);
        __m256 scale = _mm256_div_ps(one, total);
        for (int k = 0; k < K; k++)
            lm.w[k] = blend(lm.w[k], _mm256_mul_ps(lm.w[k], scale), none);
    }
    sort_lanes(&lm, block, K, C);
    pack_lanes(block, &lm, K, C);
    return background;
}

/* 8 mask bytes: 255 where the lane is foreground (not background). */
INLINE __m128i mask_bytes(__m256 background, int detect)
{
    if (!detect)
        return _mm_setzero_si128();
    __m256i fg = _mm256_castps_si256(_mm256_xor_ps(background,
                     _mm256_castsi256_ps(_mm256_set1_epi32(-1))));
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(fg),
                                    _mm256_extracti128_si256(fg, 1));
    return _mm_packs_epi16(words, words);
}

INLINE void row_kernel(const model_shape *s, uint16_t *state,
                       const uint8_t *row, uint8_t *mask_row,
                       const frame_rates *r, const int K, const int C)
{
    uint8_t tail[LANES * 3] = {0};
    for (int x0 = 0; x0 < s->blocks_per_row * BLOCK; x0 += LANES) {
        uint16_t *block = state + (size_t)(x0 / BLOCK) * s->block_u16 + x0 % BLOCK;
        int lanes = s->width - x0;
        const uint8_t *px = row + (size_t)x0 * C;
        if (lanes < LANES) {
            /* The row's last pixels: copy so as not to read past the row.
             * Lanes past the width update padding that nothing reads. */
            if (lanes > 0)
                memcpy(tail, px, (size_t)lanes * C);
            px = tail;
        }
        __m256 x[3];
        load_pixels(px, C, x);
        __m256 background = update_lanes(block, x, r, K, C);
        if (!mask_row || lanes <= 0)
            continue;
        __m128i bytes = mask_bytes(background, r->detect);
        if (lanes >= LANES) {
            _mm_storel_epi64((__m128i *)(mask_row + x0), bytes);
        } else {
            uint8_t out[16];
            _mm_storeu_si128((__m128i *)out, bytes);
            memcpy(mask_row + x0, out, (size_t)lanes);
        }
    }
}

void model_row_avx2(const model_shape *s, uint16_t *state, const uint8_t *row,
                    uint8_t *mask_row, const frame_rates *r)
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
