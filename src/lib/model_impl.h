/*
 * model_impl.h - the model's state layout and the per-row kernels, shared by
 * the scalar reference (model.c) and the vector kernels (model_avx2.c).
 *
 * Layout. The model is bounded by memory traffic: every frame reads and
 * writes all of it, so it is kept in 16-bit fields: per pixel and component
 *   weight ω   uint16, ω·65535 rounded (1/65535 resolution)
 *   variance σ² IEEE half float (relative resolution 2^-11, range to 65504)
 *   mean μ_c   uint16, μ·256 rounded (1/256 of a gray level), one per channel
 * i.e. 2·(2 + C) bytes, and per pixel a uint16 foreground counter (the
 * selective update): 32 bytes a colour pixel with K = 3 (OpenCV's MOG2
 * keeps 100). Fields are stored in blocks of BLOCK neighbouring pixels of one
 * row; inside a block each field of each component is a run of BLOCK values,
 * so one frame walks the model as a single stream and a vector register holds
 * the same field of neighbouring pixels. Every row starts a new block, so
 * stripes of rows own disjoint parts of the model (threads).
 *
 * Arithmetic is done in 32-bit floats on the unpacked values, with the same
 * operations in the same order in every kernel, so the scalar reference and
 * the vector kernels produce bit-identical states and masks (a unit test
 * checks it). No fused multiply-add: the Makefile builds with
 * -ffp-contract=off.
 */
#ifndef BGSUB_MODEL_IMPL_H
#define BGSUB_MODEL_IMPL_H

#include "lib/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define BLOCK 16

enum { FIELD_WEIGHT = 0, FIELD_VAR = 1, FIELD_MEAN = 2 };

#define WEIGHT_SCALE 65535.0f
#define MEAN_SCALE 256.0f

/* Per-frame constants derived from the parameters and the frame count. */
typedef struct frame_rates {
    float rate;          /* weight learning rate a = max(α, 1/n)          */
    float keep;          /* 1 - a                                          */
    float new_weight;    /* weight of a component created for a new value */
    float match_limit;   /* λ² · C: squared distance limit, in units of σ² */
    float inv_channels;  /* 1 / C                                          */
    float bg_ratio, var_init, var_min, var_max;
    int detect;          /* 0 while learning: the mask stays background   */
    int update;          /* 0: the model is frozen (alpha 0): classify only */
    /* Shadow test (applied after the kernels, to foreground pixels only). */
    int shadows;         /* 1: test foreground pixels for shadow          */
    uint8_t shadow_value;
    float shadow_lo, shadow_hi, shadow_limit; /* τlow, τhigh, λs²·C        */
    float shadow_texture;                     /* ρs, 0 = no texture test   */
    /* The kernels write MASK_SHADOW_COLOUR instead of 255 for foreground
     * pixels whose colour is a shadow's (is_shadow): shadows on, a mask,
     * detecting. */
    int shadow_flag;
    float stationary_at; /* frames for MASK_STATIONARY, 0 = none */
    /* Selective update: a foreground pixel whose counter (frames it has
     * been foreground in a row before this one) is below hold_limit keeps
     * its model as it is; 0 = no pixel is held. */
    float hold_limit;
    long absorb_frames;  /* frames foreground before absorption, 0 = never */
    /* A held pixel whose counter is absorb_at - 1 is absorbed: what it
     * shows becomes background at once (model_absorb_pixel in model.c). 0 =
     * never. */
    float absorb_at;
    float absorb_weight; /* weight an absorbed value's component gets     */
    int neighbour_radius;
    int illumination;    /* 1: the tile test of changes of light */
} frame_rates;

/* A point where the camera's shift is estimated: its place, the sum over
 * channels of the background's value there, and whether it is a point of
 * plain background (flat = 1: used for the overall gain) or of an edge. */
typedef struct shift_point {
    int32_t x, y, flat;
    float b;
} shift_point;
/* At most this many (model_shift.c: model_estimate_shift): SHIFT_EDGE_POINTS on edges
 * and the rest plain. */
#define SHIFT_POINTS 1024
#define SHIFT_EDGE_POINTS 768

/* Mask values the kernels write for foreground: 255, less 1 for a pixel
 * with a cast shadow's colour (frame_rates.shadow_flag), less 2 for a
 * pixel foreground stationary_at frames in a row or more; the frame's later
 * steps make them shadow, background or 255. All have the top bit set. */
#define MASK_SHADOW_COLOUR 254
#define MASK_STATIONARY 253
#define MASK_STATIONARY_SHADOW 252

/* Everything a row kernel needs to know of the model's shape. */
typedef struct model_shape {
    int width, channels, components;
    int blocks_per_row;
    size_t block_u16;    /* uint16 fields per block: (K · (2 + C) + 1) · BLOCK */
} model_shape;

/*
 * One row: classify pixels and update their model.
 *  state: the row's first block; row: width pixels of C interleaved bytes;
 *  mask_row: width bytes, or NULL.
 * Returns the pixels it marked foreground (0 without mask_row).
 */
typedef int (*model_row_fn)(const model_shape *shape, uint16_t *state,
                            const uint8_t *row, uint8_t *mask_row,
                            const frame_rates *rates);

int model_row_scalar(const model_shape *shape, uint16_t *state,
                     const uint8_t *row, uint8_t *mask_row,
                     const frame_rates *rates);
#if defined(__x86_64__) || defined(__i386__)
#define BGS_HAVE_X86_KERNELS 1
int model_row_avx2(const model_shape *shape, uint16_t *state,
                   const uint8_t *row, uint8_t *mask_row,
                     const frame_rates *rates);
int model_row_avx512(const model_shape *shape, uint16_t *state,
                     const uint8_t *row, uint8_t *mask_row,
                     const frame_rates *rates);
#endif

/* For checkpoint.c: the raw state (every row's blocks, padding lanes
 * included), its length in uint16, and the frame counter. */
uint16_t *model_state(const bgs_model *model);
size_t model_state_values(const bgs_model *model);
/* The frame counters a checkpoint carries: frames applied, frames since the
 * start-up schedule (re)began, blank frames left, global changes seen. */
void model_set_counters(bgs_model *model, long frames, long startup,
                        long blank_left, long relearns);
void model_get_counters(const bgs_model *model, long *frames, long *startup,
                        long *blank_left, long *relearns);
/* The points of the camera-shake estimate the model keeps between frames
 * (SHIFT_POINTS entries, *count of them in use), the max_shift they were
 * picked for and the frame they were read at (-1: never); the setter's
 * values must have been checked (model_shift_points_valid). */
shift_point *model_shift_points(const bgs_model *model, int *count, int *made_for,
                                long *refreshed);
void model_set_shift_points(bgs_model *model, int count, int made_for, long refreshed);
/* The changes of light the model holds per tile (3 gains a tile, and the
 * frame count up to which each holds); *count tiles. */
float *model_light_tiles(const bgs_model *model, long **until, int *count);

/* 1 if count points picked for max_shift made_for fit the model's frame
 * (every shift of up to made_for pixels stays inside it). */
int model_shift_points_valid(const bgs_model *model, const shift_point *points, int count,
                             int made_for);

/* IEEE half <-> float, round to nearest even: the same results as the F16C
 * instructions the vector kernels use. */
static inline float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
    if (exp != 0 && exp != 0x1f) { /* normal: the common case, no branches */
        bits = sign | ((uint32_t)(h & 0x7fffu) + 0x1c000u) << 13;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else { /* subnormal: normalise */
        exp = 113;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            exp--;
        }
        bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint16_t float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mant = x & 0x7fffffu;
    int exp = (int)((x >> 23) & 0xffu);
    if (exp == 0xff)
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
    int e = exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    uint32_t h, rem, halfway;
    if (e <= 0) { /* subnormal half */
        if (e < -10)
            return (uint16_t)sign;
        mant |= 0x800000u;
        int shift = 14 - e;
        h = mant >> shift;
        rem = mant & ((1u << shift) - 1);
        halfway = 1u << (shift - 1);
    } else {
        h = ((uint32_t)e << 10) | (mant >> 13);
        rem = mant & 0x1fffu;
        halfway = 0x1000u;
    }
    if (rem > halfway || (rem == halfway && (h & 1u)))
        h++; /* a carry into the exponent is the right result */
    return (uint16_t)(sign | h);
}

/* Offset of field f (FIELD_*) of component k inside a block, in uint16. */
static inline size_t field_offset(int channels, int k, int f)
{
    return ((size_t)k * (2 + channels) + f) * BLOCK;
}

/* After the components, every block holds one more run of BLOCK uint16:
 * per pixel, the frames it has been foreground in a row (saturating at
 * 65535), for the selective update. Its offset inside a block: */
static inline size_t counter_offset(int channels, int components)
{
    return (size_t)components * (2 + channels) * BLOCK;
}

/* uint16 values in a block of a model with K components and C channels. */
static inline size_t block_values(int channels, int components)
{
    return counter_offset(channels, components) + BLOCK;
}

#endif
