/*
 * model_simd.h - the vector row kernel, written once over a small vector
 * abstraction and included by model_avx2.c (16 lanes in two registers) and
 * model_avx512.c (16 lanes in one), each of which first defines that
 * abstraction for its instruction set:
 *
 *   VLANES                 pixels per vector (8 or 16; BLOCK is a multiple)
 *   vfloat, vmask          a vector of floats; a per-lane condition
 *   v_set1 v_zero v_add v_sub v_mul v_div v_min v_max
 *   v_blend(m, a, b)       m ? b : a, lane by lane
 *   v_mask_add(a, m, b)    m ? a + b : a
 *   v_mask_mul(a, m, b)    m ? a · b : a
 *   m_gt m_lt m_le m_eq    comparisons (ordered, quiet)
 *   m_and m_or m_andnot(a, b) (= ~a & b) m_not m_any m_all
 *   v_load_u16(p)          VLANES uint16 -> float
 *   v_store_u16(p, v)      v (= value·scale + 0.5, never negative) truncated,
 *                          saturated to 0..65535
 *   v_load_half v_store_half  IEEE half <-> float, round to nearest even
 *   v_bytes(b, sub)        bytes sub·VLANES.. of b (16 bytes) -> float
 *   v_mask_bytes(fg)       255/0 per lane in the low VLANES bytes
 *   KERNEL_NAME            the exported row function
 *
 * It performs exactly the float operations of the scalar reference
 * (model.c: update_pixel) in the same order, with comparisons and blends in
 * place of branches, so the results are bit-identical (tests/unit/
 * test_model.c checks every field for every K and C).
 *
 * Speed: the body is instantiated for every (K, C) with both known at
 * compile time and its loops fully unrolled (UNROLL), so a pixel's model
 * lives in registers rather than in an array on the stack (GCC does not
 * unroll these loops by itself at -O2: that alone cost 15%). Means are
 * unpacked only for the components a pixel is compared with (most pixels
 * match their first component), and only what changed is packed again.
 */
#ifndef BGSUB_MODEL_SIMD_H
#define BGSUB_MODEL_SIMD_H

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")

/* VLANES pixels' models. Weights and variances are always unpacked (the
 * ranking needs them); means on demand (loaded bit k). */
typedef struct lane_model {
    vfloat w[BGS_MAX_COMPONENTS];
    vfloat v[BGS_MAX_COMPONENTS];
    vfloat mu[BGS_MAX_COMPONENTS][3];
    unsigned loaded;  /* bit k: means of component k unpacked */
    unsigned dirty;   /* bit k: variance or means of component k changed */
} lane_model;

INLINE void unpack_weights(lane_model *lm, const uint16_t *block, const int K,
                           const int C)
{
    const vfloat w_scale = v_set1(1.0f / WEIGHT_SCALE);
    UNROLL
    for (int k = 0; k < K; k++) {
        const uint16_t *f = block + field_offset(C, k, 0);
        lm->w[k] = v_mul(v_load_u16(f + FIELD_WEIGHT * BLOCK), w_scale);
        lm->v[k] = v_load_half(f + FIELD_VAR * BLOCK);
        /* Never read before need_means; set so the compiler can see that. */
        UNROLL
        for (int c = 0; c < C; c++)
            lm->mu[k][c] = v_zero();
    }
    lm->loaded = 0;
    lm->dirty = 0;
}

INLINE void need_means(lane_model *lm, const uint16_t *block, int k, const int C)
{
    if (lm->loaded & (1u << k))
        return;
    const vfloat mean_scale = v_set1(1.0f / MEAN_SCALE);
    const uint16_t *f = block + field_offset(C, k, 0);
    UNROLL
    for (int c = 0; c < C; c++)
        lm->mu[k][c] = v_mul(v_load_u16(f + (FIELD_MEAN + c) * BLOCK), mean_scale);
    lm->loaded |= 1u << k;
}

INLINE void pack_lanes(uint16_t *block, const lane_model *lm, const int K,
                       const int C)
{
    const vfloat w_scale = v_set1(WEIGHT_SCALE);
    const vfloat mean_scale = v_set1(MEAN_SCALE);
    const vfloat half = v_set1(0.5f);
    UNROLL
    for (int k = 0; k < K; k++) {
        uint16_t *f = block + field_offset(C, k, 0);
        v_store_u16(f + FIELD_WEIGHT * BLOCK, v_add(v_mul(lm->w[k], w_scale), half));
        if (!(lm->dirty & (1u << k)))
            continue;
        v_store_half(f + FIELD_VAR * BLOCK, lm->v[k]);
        UNROLL
        for (int c = 0; c < C; c++)
            v_store_u16(f + (FIELD_MEAN + c) * BLOCK,
                        v_add(v_mul(lm->mu[k][c], mean_scale), half));
    }
}

INLINE void swap_where(lane_model *lm, vfloat sq[], const uint16_t *block,
                       int i, int j, const int C, vmask cond)
{
    need_means(lm, block, i, C);
    need_means(lm, block, j, C);
    lm->dirty |= (1u << i) | (1u << j);
    vfloat t = lm->w[i];
    lm->w[i] = v_blend(cond, lm->w[i], lm->w[j]);
    lm->w[j] = v_blend(cond, lm->w[j], t);
    t = sq[i];
    sq[i] = v_blend(cond, sq[i], sq[j]);
    sq[j] = v_blend(cond, sq[j], t);
    t = lm->v[i];
    lm->v[i] = v_blend(cond, lm->v[i], lm->v[j]);
    lm->v[j] = v_blend(cond, lm->v[j], t);
    UNROLL
    for (int c = 0; c < C; c++) {
        t = lm->mu[i][c];
        lm->mu[i][c] = v_blend(cond, lm->mu[i][c], lm->mu[j][c]);
        lm->mu[j][c] = v_blend(cond, lm->mu[j][c], t);
    }
}

/* The network of sort_components in model.c: ω_j² σ²_{j-1} > ω_{j-1}² σ²_j
 * swaps j and j-1. The squares are computed once per component and move
 * with it (the same products, so the same roundings); a pair already in
 * order in every lane costs one comparison. */
INLINE void sort_lanes(lane_model *lm, const uint16_t *block, const int K,
                       const int C)
{
    vfloat sq[BGS_MAX_COMPONENTS];
    UNROLL
    for (int k = 0; k < K; k++)
        sq[k] = v_mul(lm->w[k], lm->w[k]);
    UNROLL
    for (int i = 1; i < K; i++) {
        UNROLL
        for (int j = i; j > 0; j--) {
            vfloat above = v_mul(sq[j], lm->v[j - 1]);
            vfloat below = v_mul(sq[j - 1], lm->v[j]);
            vmask cond = m_gt(above, below);
            if (m_any(cond))
                swap_where(lm, sq, block, j, j - 1, C, cond);
        }
    }
}

/* absorb_pixel (model.c) on the lanes `absorb`, which are held (their
 * model as it was): the component each matched (matched[k]: the first in
 * rank order), or the last one made anew on the value, gets weight
 * absorb_weight and the others share the rest. */
INLINE void absorb_lanes(lane_model *lm, const uint16_t *block, const vfloat x[3],
                         const vmask matched[], vmask found, vmask absorb,
                         const frame_rates *r, const int K, const int C)
{
    const vfloat zero = v_zero(), one = v_set1(1.0f);
    vmask is_m[BGS_MAX_COMPONENTS];
    UNROLL
    for (int k = 0; k < K; k++)
        is_m[k] = m_and(absorb, matched[k]);
    vmask fresh = m_andnot(found, absorb);
    if (m_any(fresh)) {
        need_means(lm, block, K - 1, C);
        lm->dirty |= 1u << (K - 1);
        lm->w[K - 1] = v_blend(fresh, lm->w[K - 1], zero);
        lm->v[K - 1] = v_blend(fresh, lm->v[K - 1], v_set1(r->var_init));
        UNROLL
        for (int c = 0; c < C; c++)
            lm->mu[K - 1][c] = v_blend(fresh, lm->mu[K - 1][c], x[c]);
        is_m[K - 1] = m_or(is_m[K - 1], fresh);
    }
    vfloat others = zero, wm = zero;
    UNROLL
    for (int k = 0; k < K; k++) {
        others = v_add(others, v_blend(is_m[k], lm->w[k], zero));
        wm = v_blend(is_m[k], wm, lm->w[k]);
    }
    vmask some = m_gt(others, zero);
    vfloat target = v_blend(some, one, v_set1(r->absorb_weight));
    vmask change = m_and(absorb, m_lt(wm, target));
    vfloat scale = v_blend(some, zero, v_div(v_sub(one, target), others));
    UNROLL
    for (int k = 0; k < K; k++)
        lm->w[k] = v_blend(change, lm->w[k],
                           v_blend(is_m[k], v_mul(lm->w[k], scale), target));
}

/* is_shadow (model.c) on the lanes `test`, against the model as it is
 * before the update: the lanes whose colour is that of a cast shadow. */
INLINE vmask shadow_lanes(lane_model *lm, const uint16_t *block, const vfloat x[3],
                          vmask test, const frame_rates *r, const int K, const int C)
{
    const vfloat zero = v_zero();
    const vfloat lo = v_set1(r->shadow_lo), hi = v_set1(r->shadow_hi);
    const vfloat limit = v_set1(r->shadow_limit), bg_ratio = v_set1(r->bg_ratio);
    vmask shadow = m_none(), open = test;
    vfloat weight_sum = zero;
    UNROLL
    for (int k = 0; k < K; k++) {
        open = m_and(open, m_gt(lm->w[k], zero));
        if (!m_any(open))
            break;
        need_means(lm, block, k, C);
        vfloat xm = zero, mm = zero;
        UNROLL
        for (int c = 0; c < C; c++) {
            xm = v_add(xm, v_mul(x[c], lm->mu[k][c]));
            mm = v_add(mm, v_mul(lm->mu[k][c], lm->mu[k][c]));
        }
        vfloat a = v_div(xm, mm);
        vmask in = m_and(m_gt(mm, zero), m_and(m_le(lo, a), m_le(a, hi)));
        vfloat d2 = zero;
        UNROLL
        for (int c = 0; c < C; c++) {
            vfloat d = v_sub(v_mul(a, lm->mu[k][c]), x[c]);
            d2 = v_add(d2, v_mul(d, d));
        }
        vfloat bound = v_mul(v_mul(v_mul(limit, lm->v[k]), a), a);
        vmask ok = m_and(open, m_and(in, m_lt(d2, bound)));
        shadow = m_or(shadow, ok);
        weight_sum = v_add(weight_sum, lm->w[k]);
        open = m_andnot(ok, m_andnot(m_gt(weight_sum, bg_ratio), open));
    }
    return shadow;
}

/* Classify and update VLANES pixels whose model starts at block (x: their
 * channels); returns the background lanes, in *shadow the foreground
 * lanes with a cast shadow's colour (r->shadow_flag) and in *stationary
 * those foreground r->stationary_at frames in a row or more. */
INLINE vmask update_lanes(uint16_t *block, const vfloat x[3],
                          const frame_rates *r, const int K, const int C,
                          vmask *shadow, vmask *stationary)
{
    const vfloat zero = v_zero();
    const vfloat limit = v_set1(r->match_limit);
    const vfloat bg_ratio = v_set1(r->bg_ratio);
    lane_model lm;
    vmask matched[BGS_MAX_COMPONENTS];
    vmask found = m_none(), background = m_none();
    vfloat md2 = zero, cum = zero;

    unpack_weights(&lm, block, K, C);
    /* Match: the first component in rank order within the limit. Once every
     * lane has matched, later components cannot match any more. */
    int examined = 0;
    UNROLL
    for (int k = 0; k < K; k++) {
        matched[k] = m_none();
        if (k > 0 && m_all(found))
            continue;
        examined = k + 1;
        need_means(&lm, block, k, C);
        vfloat d2 = zero;
        UNROLL
        for (int c = 0; c < C; c++) {
            vfloat d = v_sub(x[c], lm.mu[k][c]);
            d2 = v_add(d2, v_mul(d, d));
        }
        vmask ok = m_and(m_gt(lm.w[k], zero), m_lt(d2, v_mul(limit, lm.v[k])));
        matched[k] = m_andnot(found, ok);
        md2 = v_blend(matched[k], md2, d2);
        background = m_or(background, m_and(matched[k], m_le(cum, bg_ratio)));
        found = m_or(found, matched[k]);
        cum = v_add(cum, lm.w[k]);
    }
    *shadow = m_none();
    if (r->shadow_flag && !m_all(background))
        *shadow = shadow_lanes(&lm, block, x, m_not(background), r, K, C);

    /* Selective update: foreground lanes whose counter is below the hold
     * limit learn at rate 0 (keep 1), which leaves every field as it was,
     * and make no new component. */
    const vfloat one = v_set1(1.0f);
    uint16_t *counter = block + counter_offset(C, K);
    /* (Where every lane is background, as on most of a frame, the counts
     * are not needed: they all become 0.) */
    const int any_foreground = !m_all(background);
    vfloat count = zero;
    vmask hold = m_none();
    if (any_foreground) {
        count = v_load_u16(counter);
        if (r->hold_limit > 0.0f) /* an empty model is not held: it has to learn */
            hold = m_andnot(background, m_and(m_lt(count, v_set1(r->hold_limit)),
                                              m_gt(lm.w[0], zero)));
    }
    vfloat keep = v_set1(r->keep), rate = v_set1(r->rate);
    if (m_any(hold)) {
        keep = v_blend(hold, keep, one);
        rate = v_blend(hold, rate, zero);
    }

    /* Weights, then the matched component's mean and variance. */
    const vfloat inv_c = v_set1(r->inv_channels);
    const vfloat vmin = v_set1(r->var_min), vmax = v_set1(r->var_max);
    UNROLL
    for (int k = 0; k < K; k++) {
        lm.w[k] = v_mul(lm.w[k], keep);
        if (k >= examined || !m_any(matched[k]))
            continue;
        lm.dirty |= 1u << k;
        lm.w[k] = v_mask_add(lm.w[k], matched[k], rate);
        vfloat rho = v_min(v_div(rate, lm.w[k]), one);
        UNROLL
        for (int c = 0; c < C; c++) {
            vfloat moved = v_add(lm.mu[k][c], v_mul(rho, v_sub(x[c], lm.mu[k][c])));
            lm.mu[k][c] = v_blend(matched[k], lm.mu[k][c], moved);
        }
        vfloat var = v_mul(v_sub(one, rho),
                           v_add(lm.v[k], v_mul(rho, v_mul(md2, inv_c))));
        var = v_min(v_max(var, vmin), vmax);
        lm.v[k] = v_blend(matched[k], lm.v[k], var);
    }

    /* No match: the last component becomes a new one on the pixel, and the
     * weights of those lanes are renormalised. */
    vmask none = m_not(m_or(found, hold));
    if (m_any(none)) {
        need_means(&lm, block, K - 1, C);
        lm.dirty |= 1u << (K - 1);
        lm.w[K - 1] = v_blend(none, lm.w[K - 1], v_set1(r->new_weight));
        lm.v[K - 1] = v_blend(none, lm.v[K - 1], v_set1(r->var_init));
        UNROLL
        for (int c = 0; c < C; c++)
            lm.mu[K - 1][c] = v_blend(none, lm.mu[K - 1][c], x[c]);
        vfloat total = zero;
        UNROLL
        for (int k = 0; k < K; k++)
            total = v_add(total, lm.w[k]);
        vfloat scale = v_div(one, total);
        UNROLL
        for (int k = 0; k < K; k++)
            lm.w[k] = v_mask_mul(lm.w[k], none, scale);
    }
    /* Held for the absorb_at-th frame: absorbed, and background. */
    if (r->absorb_at > 0.0f) {
        vmask absorb = m_and(hold, m_eq(v_add(count, one), v_set1(r->absorb_at)));
        if (m_any(absorb)) {
            absorb_lanes(&lm, block, x, matched, found, absorb, r, K, C);
            background = m_or(background, absorb);
        }
    }
    if (r->update) {
        sort_lanes(&lm, block, K, C);
        pack_lanes(block, &lm, K, C);
        /* Frames foreground in a row (lanes the frame's later decisions
         * make background are reset there). */
        if (any_foreground && r->detect) {
            vfloat more = v_min(v_add(count, one), v_set1(65535.0f));
            v_store_u16(counter, v_blend(background, more, zero));
        } else {
            v_store_u16(counter, zero);
        }
    }
    *shadow = m_andnot(background, *shadow);
    *stationary = m_none();
    if (r->stationary_at > 0.0f && any_foreground)
        *stationary = m_andnot(background, m_le(v_set1(r->stationary_at), v_add(count, one)));
    return background;
}

/* Channel c of 16 interleaved pixels (16·C bytes at p) as 16 bytes. RGB:
 * three 16-byte loads, each channel gathered from all three with byte
 * shuffles (index -1 gives 0) and combined. */
INLINE void load_block_bytes(const uint8_t *p, const int C, __m128i out[3])
{
    if (C == 1) {
        out[0] = _mm_loadu_si128((const __m128i *)p);
        return;
    }
    static const int8_t pick[3][3][16] = {
        { /* red: bytes 0, 3, ... 45 */
            {0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13},
        },
        { /* green: bytes 1, 4, ... 46 */
            {1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14},
        },
        { /* blue: bytes 2, 5, ... 47 */
            {2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1},
            {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15},
        },
    };
    __m128i a = _mm_loadu_si128((const __m128i *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
    UNROLL
    for (int ch = 0; ch < 3; ch++) {
        __m128i from_a = _mm_shuffle_epi8(a, _mm_loadu_si128((const __m128i *)pick[ch][0]));
        __m128i from_b = _mm_shuffle_epi8(b, _mm_loadu_si128((const __m128i *)pick[ch][1]));
        __m128i from_c = _mm_shuffle_epi8(c, _mm_loadu_si128((const __m128i *)pick[ch][2]));
        out[ch] = _mm_or_si128(_mm_or_si128(from_a, from_b), from_c);
    }
}

/* The kernel waits for memory more than for arithmetic: the hardware
 * prefetcher alone keeps too few blocks in flight. Every block asks for
 * the lines of the state PREFETCH_BYTES ahead (past the row's end that is
 * the next row's state, or nothing: a prefetch never faults). Measured at
 * 1080p: 4 KB to 32 KB ahead all gain 10-20%, 1 KB about half as much. */
#define PREFETCH_BYTES 8192
INLINE void prefetch_ahead(const uint16_t *block, const int K, const int C)
{
    const char *ahead = (const char *)block + PREFETCH_BYTES;
    const size_t block_bytes = block_values(C, K) * sizeof(uint16_t);
    UNROLL
    for (size_t offset = 0; offset < block_bytes; offset += 64)
        _mm_prefetch(ahead + offset, _MM_HINT_T0);
}

INLINE int row_kernel(const model_shape *s, uint16_t *state,
                      const uint8_t *row, uint8_t *mask_row,
                      const frame_rates *r, const int K, const int C)
{
    uint8_t tail[BLOCK * 3] = {0};
    /* Foreground bytes (255 each) summed by psadbw into two 64-bit halves
     * per block: a count for the global-change rule that costs next to
     * nothing here, where a pass over the mask row afterwards cost 4-8 %. */
    __m128i sums = _mm_setzero_si128();
    int tail_foreground = 0;
    for (int bx = 0; bx < s->blocks_per_row; bx++) {
        uint16_t *block = state + (size_t)bx * s->block_u16;
        prefetch_ahead(block, K, C);
        int x0 = bx * BLOCK;
        int lanes = s->width - x0;
        const uint8_t *px = row + (size_t)x0 * C;
        if (lanes < BLOCK) {
            /* The row's last pixels: copy so as not to read past the row.
             * Lanes past the width update padding that nothing reads. */
            memcpy(tail, px, (size_t)lanes * C);
            px = tail;
        }
        __m128i bytes[3];
        load_block_bytes(px, C, bytes);
        __m128i fg_bytes = _mm_setzero_si128(), shadow_bytes = _mm_setzero_si128();
        __m128i still_bytes = _mm_setzero_si128();
        UNROLL
        for (int sub = 0; sub < BLOCK / VLANES; sub++) {
            if (sub * VLANES >= lanes)
                break; /* only padding left in this block */
            vfloat x[3];
            UNROLL
            for (int c = 0; c < C; c++)
                x[c] = v_bytes(bytes[c], sub);
            vmask shadow, stationary;
            vmask background = update_lanes(block + sub * VLANES, x, r, K, C, &shadow,
                                            &stationary);
            if (mask_row && r->detect) {
                fg_bytes = v_mask_bytes(fg_bytes, m_not(background), sub);
                if (r->shadow_flag)
                    shadow_bytes = v_mask_bytes(shadow_bytes, shadow, sub);
                if (r->stationary_at > 0.0f)
                    still_bytes = v_mask_bytes(still_bytes, stationary, sub);
            }
        }
        if (!mask_row)
            continue;
        /* Shadow-coloured foreground: 255 - 1; stationary: 255 - 2. */
        __m128i flags = _mm_or_si128(_mm_and_si128(shadow_bytes, _mm_set1_epi8(1)),
                                     _mm_and_si128(still_bytes, _mm_set1_epi8(2)));
        __m128i marks = _mm_andnot_si128(flags, fg_bytes);
        if (lanes >= BLOCK) {
            _mm_storeu_si128((__m128i *)(mask_row + x0), marks);
            sums = _mm_add_epi64(sums, _mm_sad_epu8(fg_bytes, _mm_setzero_si128()));
        } else {
            uint8_t out[BLOCK];
            _mm_storeu_si128((__m128i *)out, marks);
            memcpy(mask_row + x0, out, (size_t)lanes);
            for (int lane = 0; lane < lanes; lane++)
                tail_foreground += out[lane] != BGS_MASK_BACKGROUND;
        }
    }
    long long total = _mm_cvtsi128_si64(sums) + _mm_extract_epi64(sums, 1);
    return (int)(total / BGS_MASK_FOREGROUND) + tail_foreground;
}

/* One function per instruction set: (K, C) dispatched to instantiations
 * with both constant. */
int KERNEL_NAME(const model_shape *s, uint16_t *state, const uint8_t *row,
                uint8_t *mask_row, const frame_rates *r)
{
#define KERNEL_CASE(K)                                                       \
    case K:                                                                  \
        if (s->channels == 3)                                                \
            return row_kernel(s, state, row, mask_row, r, K, 3);     \
        return row_kernel(s, state, row, mask_row, r, K, 1);
    switch (s->components) {
        KERNEL_CASE(1) KERNEL_CASE(2) KERNEL_CASE(3) KERNEL_CASE(4)
        KERNEL_CASE(5) KERNEL_CASE(6) KERNEL_CASE(7) KERNEL_CASE(8)
    default:
        return model_row_scalar(s, state, row, mask_row, r);
    }
#undef KERNEL_CASE
}

#endif
