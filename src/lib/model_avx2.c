/*
 * model_avx2.c - the per-row kernel with AVX2 + F16C: 8 pixels per vector,
 * two vectors per 16-pixel block, conditions as all-ones lanes. The kernel
 * itself is model_simd.h; this file maps its vector operations onto AVX2.
 * Built with -mavx2 -mf16c (Makefile); only called when the CPU has both
 * (bgs_model_set_kernel checks).
 */
#include "lib/model_impl.h"

#if defined(BGS_HAVE_X86_KERNELS)
#include <immintrin.h>

#define VLANES 8
#define KERNEL_NAME model_row_avx2
#define VINLINE static inline __attribute__((always_inline))

typedef __m256 vfloat;
typedef __m256 vmask;

VINLINE vfloat v_set1(float f) { return _mm256_set1_ps(f); }
VINLINE vfloat v_zero(void) { return _mm256_setzero_ps(); }
VINLINE vfloat v_add(vfloat a, vfloat b) { return _mm256_add_ps(a, b); }
VINLINE vfloat v_sub(vfloat a, vfloat b) { return _mm256_sub_ps(a, b); }
VINLINE vfloat v_mul(vfloat a, vfloat b) { return _mm256_mul_ps(a, b); }
VINLINE vfloat v_div(vfloat a, vfloat b) { return _mm256_div_ps(a, b); }
VINLINE vfloat v_min(vfloat a, vfloat b) { return _mm256_min_ps(a, b); }
VINLINE vfloat v_max(vfloat a, vfloat b) { return _mm256_max_ps(a, b); }
VINLINE vfloat v_blend(vmask m, vfloat a, vfloat b) { return _mm256_blendv_ps(a, b, m); }
/* a + 0 is a for the weights this is used on (never -0). */
VINLINE vfloat v_mask_add(vfloat a, vmask m, vfloat b) { return _mm256_add_ps(a, _mm256_and_ps(b, m)); }
VINLINE vfloat v_mask_mul(vfloat a, vmask m, vfloat b) { return _mm256_blendv_ps(a, _mm256_mul_ps(a, b), m); }

VINLINE vmask m_gt(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
VINLINE vmask m_lt(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
VINLINE vmask m_le(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
VINLINE vmask m_eq(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
VINLINE vmask m_none(void) { return _mm256_setzero_ps(); }
VINLINE vmask m_and(vmask a, vmask b) { return _mm256_and_ps(a, b); }
VINLINE vmask m_or(vmask a, vmask b) { return _mm256_or_ps(a, b); }
VINLINE vmask m_andnot(vmask a, vmask b) { return _mm256_andnot_ps(a, b); }
VINLINE vmask m_not(vmask a)
{
    return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}
VINLINE int m_any(vmask a) { return !_mm256_testz_ps(a, a); }
VINLINE int m_all(vmask a)
{
    return _mm256_testc_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
}

VINLINE vfloat v_load_u16(const uint16_t *p)
{
    __m128i raw = _mm_loadu_si128((const __m128i *)p);
    return _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(raw));
}

/* Signed 32-bit to unsigned 16-bit saturation: v is never negative. */
VINLINE void v_store_u16(uint16_t *p, vfloat v)
{
    __m256i i = _mm256_cvttps_epi32(v);
    __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(i),
                                      _mm256_extracti128_si256(i, 1));
    _mm_storeu_si128((__m128i *)p, packed);
}

VINLINE vfloat v_load_half(const uint16_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

VINLINE void v_store_half(uint16_t *p, vfloat v)
{
    _mm_storeu_si128((__m128i *)p,
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* Bytes 8·sub .. 8·sub+7 of a block's 16. */
VINLINE vfloat v_bytes(__m128i bytes, int sub)
{
    if (sub)
        bytes = _mm_srli_si128(bytes, 8);
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

/* 255 in the bytes of the lanes of fg, placed at 8·sub in acc. */
VINLINE __m128i v_mask_bytes(__m128i acc, vmask fg, int sub)
{
    __m256i lanes = _mm256_castps_si256(fg);
    __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(lanes),
                                    _mm256_extracti128_si256(lanes, 1));
    __m128i bytes = _mm_packs_epi16(words, words); /* both halves the same */
    return sub ? _mm_unpacklo_epi64(acc, bytes) : bytes;
}

#include "lib/model_simd.h"

#endif
