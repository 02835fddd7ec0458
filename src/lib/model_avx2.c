/*
 * model_avx2.c - the per-row kernel with AVX2 + F16C: a whole 16-pixel block
 * per "vector" of two AVX registers, conditions as all-ones lanes. The
 * kernel itself is model_simd.h; this file maps its vector operations onto
 * AVX2. Against one register of 8 pixels per step: 1.17x the model's
 * frames/s at 1080p on one thread (tools/ab_compare.sh, a 2-core AMD EPYC
 * without AVX-512).
 * Built with -mavx2 -mf16c (Makefile); only called when the CPU has both
 * (bgs_model_set_kernel checks).
 */
#include "lib/model_impl.h"

#if defined(BGS_HAVE_X86_KERNELS)
#include <immintrin.h>

#define VLANES 16
#define KERNEL_NAME model_row_avx2
#define VINLINE static inline __attribute__((always_inline))

/* A whole 16-pixel block per "vector": two AVX registers side by side. The
 * two halves are independent, so the processor works on both at once
 * (the chain of one half's update is long: loads, match, update, sort,
 * pack), and each data-dependent branch of the kernel is taken once per
 * block instead of once per half. */
typedef struct vfloat {
    __m256 lo, hi;
} vfloat;
typedef vfloat vmask;

#define V2(expr_lo, expr_hi) ((vfloat){expr_lo, expr_hi})

VINLINE vfloat v_set1(float f) { __m256 v = _mm256_set1_ps(f); return V2(v, v); }
VINLINE vfloat v_zero(void) { __m256 v = _mm256_setzero_ps(); return V2(v, v); }
VINLINE vfloat v_add(vfloat a, vfloat b) { return V2(_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)); }
VINLINE vfloat v_sub(vfloat a, vfloat b) { return V2(_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)); }
VINLINE vfloat v_mul(vfloat a, vfloat b) { return V2(_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)); }
VINLINE vfloat v_div(vfloat a, vfloat b) { return V2(_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)); }
VINLINE vfloat v_min(vfloat a, vfloat b) { return V2(_mm256_min_ps(a.lo, b.lo), _mm256_min_ps(a.hi, b.hi)); }
VINLINE vfloat v_max(vfloat a, vfloat b) { return V2(_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)); }
VINLINE vfloat v_blend(vmask m, vfloat a, vfloat b)
{
    return V2(_mm256_blendv_ps(a.lo, b.lo, m.lo), _mm256_blendv_ps(a.hi, b.hi, m.hi));
}
/* a + 0 is a for the weights this is used on (never -0). */
VINLINE vfloat v_mask_add(vfloat a, vmask m, vfloat b)
{
    return V2(_mm256_add_ps(a.lo, _mm256_and_ps(b.lo, m.lo)),
              _mm256_add_ps(a.hi, _mm256_and_ps(b.hi, m.hi)));
}
VINLINE vfloat v_mask_mul(vfloat a, vmask m, vfloat b) { return v_blend(m, a, v_mul(a, b)); }

VINLINE vmask m_gt(vfloat a, vfloat b)
{
    return V2(_mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ));
}
VINLINE vmask m_lt(vfloat a, vfloat b)
{
    return V2(_mm256_cmp_ps(a.lo, b.lo, _CMP_LT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_LT_OQ));
}
VINLINE vmask m_le(vfloat a, vfloat b)
{
    return V2(_mm256_cmp_ps(a.lo, b.lo, _CMP_LE_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_LE_OQ));
}
VINLINE vmask m_eq(vfloat a, vfloat b)
{
    return V2(_mm256_cmp_ps(a.lo, b.lo, _CMP_EQ_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_EQ_OQ));
}
VINLINE vmask m_none(void) { return v_zero(); }
VINLINE vmask m_and(vmask a, vmask b) { return V2(_mm256_and_ps(a.lo, b.lo), _mm256_and_ps(a.hi, b.hi)); }
VINLINE vmask m_or(vmask a, vmask b) { return V2(_mm256_or_ps(a.lo, b.lo), _mm256_or_ps(a.hi, b.hi)); }
VINLINE vmask m_andnot(vmask a, vmask b)
{
    return V2(_mm256_andnot_ps(a.lo, b.lo), _mm256_andnot_ps(a.hi, b.hi));
}
VINLINE vmask m_not(vmask a)
{
    __m256 ones = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    return V2(_mm256_xor_ps(a.lo, ones), _mm256_xor_ps(a.hi, ones));
}
VINLINE int m_any(vmask a)
{
    __m256 both = _mm256_or_ps(a.lo, a.hi);
    return !_mm256_testz_ps(both, both);
}
VINLINE int m_all(vmask a)
{
    __m256 both = _mm256_and_ps(a.lo, a.hi);
    return _mm256_testc_ps(both, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}

VINLINE __m256 load8_u16(const uint16_t *p)
{
    __m128i raw = _mm_loadu_si128((const __m128i *)p);
    return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(raw));
}
VINLINE vfloat v_load_u16(const uint16_t *p) { return V2(load8_u16(p), load8_u16(p + 8)); }

/* Signed 32-bit to unsigned 16-bit saturation: v is never negative. */
VINLINE void v_store_u16(uint16_t *p, vfloat v)
{
    __m256i lo = _mm256_cvttps_epi32(v.lo), hi = _mm256_cvttps_epi32(v.hi);
    /* packus works within 128-bit lanes: (lo0 hi0 | lo1 hi1), then the
     * middle quarters swapped. */
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), 0xd8);
    _mm256_storeu_si256((__m256i *)p, packed);
}

VINLINE vfloat v_load_half(const uint16_t *p)
{
    return V2(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)),
              _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 8))));
}

VINLINE void v_store_half(uint16_t *p, vfloat v)
{
    /* The rounding mode is an immediate: a macro, not a variable, which
     * clang without optimisation refuses. */
#define HALF_ROUND (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
    _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(v.lo, HALF_ROUND));
    _mm_storeu_si128((__m128i *)(p + 8), _mm256_cvtps_ph(v.hi, HALF_ROUND));
#undef HALF_ROUND
}

/* The 16 bytes of a block (one vector per block). */
VINLINE vfloat v_bytes(__m128i bytes, int sub)
{
    (void)sub;
    return V2(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)),
              _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(bytes, 8))));
}

/* 255 in the bytes of the lanes of fg. */
VINLINE __m128i v_mask_bytes(__m128i acc, vmask fg, int sub)
{
    (void)acc, (void)sub;
    __m256i lo = _mm256_castps_si256(fg.lo), hi = _mm256_castps_si256(fg.hi);
    __m128i words_lo = _mm_packs_epi32(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
    __m128i words_hi = _mm_packs_epi32(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
    return _mm_packs_epi16(words_lo, words_hi);
}

#include "lib/model_simd.h"

#endif
