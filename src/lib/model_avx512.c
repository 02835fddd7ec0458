/*
 * model_avx512.c - the per-row kernel with AVX-512F + F16C: a whole 16-pixel
 * block per vector, conditions in mask registers. The kernel itself is
 * model_simd.h; this file maps its vector operations onto AVX-512F. Built
 * with -mavx512f -mf16c (Makefile); only called when the CPU has AVX-512F
 * (bgs_model_set_kernel checks).
 */
#include "lib/model_impl.h"

#if defined(BGS_HAVE_X86_KERNELS)
#include <immintrin.h>

#define VLANES 16
#define KERNEL_NAME model_row_avx512
#define VINLINE static inline __attribute__((always_inline))

typedef __m512 vfloat;
typedef __mmask16 vmask;

VINLINE vfloat v_set1(float f) { return _mm512_set1_ps(f); }
VINLINE vfloat v_zero(void) { return _mm512_setzero_ps(); }
VINLINE vfloat v_add(vfloat a, vfloat b) { return _mm512_add_ps(a, b); }
VINLINE vfloat v_sub(vfloat a, vfloat b) { return _mm512_sub_ps(a, b); }
VINLINE vfloat v_mul(vfloat a, vfloat b) { return _mm512_mul_ps(a, b); }
VINLINE vfloat v_div(vfloat a, vfloat b) { return _mm512_div_ps(a, b); }
VINLINE vfloat v_min(vfloat a, vfloat b) { return _mm512_min_ps(a, b); }
VINLINE vfloat v_max(vfloat a, vfloat b) { return _mm512_max_ps(a, b); }
VINLINE vfloat v_blend(vmask m, vfloat a, vfloat b) { return _mm512_mask_blend_ps(m, a, b); }
VINLINE vfloat v_mask_add(vfloat a, vmask m, vfloat b) { return _mm512_mask_add_ps(a, m, a, b); }
VINLINE vfloat v_mask_mul(vfloat a, vmask m, vfloat b) { return _mm512_mask_mul_ps(a, m, a, b); }

VINLINE vmask m_gt(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
VINLINE vmask m_lt(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
VINLINE vmask m_le(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
VINLINE vmask m_eq(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
VINLINE vmask m_none(void) { return 0; }
VINLINE vmask m_and(vmask a, vmask b) { return a & b; }
VINLINE vmask m_or(vmask a, vmask b) { return a | b; }
VINLINE vmask m_andnot(vmask a, vmask b) { return (vmask)(~a & b); }
VINLINE vmask m_not(vmask a) { return (vmask)~a; }
VINLINE int m_any(vmask a) { return a != 0; }
VINLINE int m_all(vmask a) { return a == 0xffff; }

VINLINE vfloat v_load_u16(const uint16_t *p)
{
    __m256i raw = _mm256_loadu_si256((const __m256i *)p);
    return _mm512_cvtepi32_ps(_mm512_cvtepu16_epi32(raw));
}

/* Unsigned saturation: v is never negative. */
VINLINE void v_store_u16(uint16_t *p, vfloat v)
{
    _mm256_storeu_si256((__m256i *)p, _mm512_cvtusepi32_epi16(_mm512_cvttps_epi32(v)));
}

VINLINE vfloat v_load_half(const uint16_t *p)
{
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

VINLINE void v_store_half(uint16_t *p, vfloat v)
{
    _mm256_storeu_si256((__m256i *)p,
                        _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

VINLINE vfloat v_bytes(__m128i bytes, int sub)
{
    (void)sub; /* one vector per block */
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
}

/* 255 in the bytes of the lanes of fg. */
VINLINE __m128i v_mask_bytes(__m128i acc, vmask fg, int sub)
{
    (void)acc, (void)sub;
    return _mm512_cvtepi32_epi8(_mm512_maskz_set1_epi32(fg, -1));
}

#include "lib/model_simd.h"

#endif
