/*
 * checkpoint.c - the model as a byte string and back (bgs_model_checkpoint,
 * bgs_model_restore). Little-endian throughout, so a checkpoint moves
 * between machines; checked field by field on the way in, because a
 * checkpoint is outside data.
 */
#include "lib/model_impl.h"

#include <limits.h>
#include <stdlib.h>

#define MAGIC "BGSUBMDL"
#define FORMAT_VERSION 1u
/* magic, version, width, height, channels, components, learning_frames,
 * 7 float parameters, frames (u64), state bytes (u64) */
#define HEADER_BYTES (8 + 4 * 6 + 4 * 7 + 8 + 8)
#define CHECKSUM_BYTES 8

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *put_f32(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    return put_u32(p, v);
}

static uint32_t get_u32(const uint8_t **p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)(*p)[i] << (8 * i);
    *p += 4;
    return v;
}

static uint64_t get_u64(const uint8_t **p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)(*p)[i] << (8 * i);
    *p += 8;
    return v;
}

static float get_f32(const uint8_t **p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

/* The state is the blocks of every row, padding lanes included. */
static size_t state_values(const bgs_model *m)
{
    return model_state_values(m);
}

size_t bgs_model_checkpoint_size(const bgs_model *m)
{
    return HEADER_BYTES + state_values(m) * 2 + CHECKSUM_BYTES;
}

bgs_status bgs_model_checkpoint(const bgs_model *m, uint8_t *buf, size_t size)
{
    if (!m || !buf)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no buffer given");
    if (size < bgs_model_checkpoint_size(m))
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "checkpoint buffer too small");
    bgs_params p;
    bgs_model_get_params(m, &p);
    uint8_t *o = buf;
    memcpy(o, MAGIC, 8);
    o += 8;
    o = put_u32(o, FORMAT_VERSION);
    o = put_u32(o, (uint32_t)bgs_model_width(m));
    o = put_u32(o, (uint32_t)bgs_model_height(m));
    o = put_u32(o, (uint32_t)bgs_model_channels(m));
    o = put_u32(o, (uint32_t)p.components);
    o = put_u32(o, (uint32_t)p.learning_frames);
    o = put_f32(o, p.alpha);
    o = put_f32(o, p.bg_ratio);
    o = put_f32(o, p.match_sigmas);
    o = put_f32(o, p.var_init);
    o = put_f32(o, p.var_min);
    o = put_f32(o, p.var_max);
    o = put_f32(o, p.weight_init);
    o = put_u64(o, (uint64_t)bgs_model_frame_count(m));
    size_t n = state_values(m);
    o = put_u64(o, (uint64_t)n * 2);
    const uint16_t *state = model_state(m);
    for (size_t i = 0; i < n; i++) {
        *o++ = (uint8_t)state[i];
        *o++ = (uint8_t)(state[i] >> 8);
    }
    put_u64(o, fnv1a(buf, (size_t)(o - buf)));
    return BGS_OK;
}

/* A checksum only proves the bytes are as written: a crafted file could
 * still hold a zero, negative, infinite or NaN variance (which would poison
 * the arithmetic) or a mean above 255. */
static int state_is_sound(const uint16_t *state, size_t n, int C, int K)
{
    size_t block = (size_t)K * (2 + C) * BLOCK;
    for (size_t b = 0; b < n; b += block)
        for (int k = 0; k < K; k++)
            for (int lane = 0; lane < BLOCK; lane++) {
                uint16_t var = state[b + field_offset(C, k, FIELD_VAR) + lane];
                if ((var & 0x8000u) || (var & 0x7c00u) == 0x7c00u || var == 0)
                    return 0;
                for (int c = 0; c < C; c++)
                    if (state[b + field_offset(C, k, FIELD_MEAN + c) + lane] >
                        (uint16_t)(255 * MEAN_SCALE))
                        return 0;
            }
    return 1;
}

bgs_model *bgs_model_restore(const uint8_t *buf, size_t size)
{
    if (!buf || size < HEADER_BYTES + CHECKSUM_BYTES || memcmp(buf, MAGIC, 8) != 0) {
        bgs_set_error("not a bgsub model checkpoint");
        return NULL;
    }
    const uint8_t *checksum_at = buf + size - CHECKSUM_BYTES;
    if (fnv1a(buf, size - CHECKSUM_BYTES) != get_u64(&checksum_at)) {
        bgs_set_error("model checkpoint is damaged (checksum mismatch)");
        return NULL;
    }
    const uint8_t *in = buf + 8;
    uint32_t version = get_u32(&in);
    if (version != FORMAT_VERSION) {
        bgs_set_error("model checkpoint format %u; this bgsub reads format %u",
                      version, FORMAT_VERSION);
        return NULL;
    }
    uint32_t width = get_u32(&in), height = get_u32(&in);
    uint32_t channels = get_u32(&in);
    bgs_params p;
    p.components = (int)get_u32(&in);
    p.learning_frames = (int)get_u32(&in);
    p.alpha = get_f32(&in);
    p.bg_ratio = get_f32(&in);
    p.match_sigmas = get_f32(&in);
    p.var_init = get_f32(&in);
    p.var_min = get_f32(&in);
    p.var_max = get_f32(&in);
    p.weight_init = get_f32(&in);
    uint64_t frames = get_u64(&in);
    uint64_t state_bytes = get_u64(&in);
    if (width > 65536 || height > 65536 || p.components > BGS_MAX_COMPONENTS ||
        p.components < 1 || frames > (uint64_t)LONG_MAX) {
        bgs_set_error("model checkpoint holds impossible sizes");
        return NULL;
    }
    /* Check the size the header implies against the bytes there before
     * allocating: a short file must not make us clear gigabytes. */
    uint64_t expected = (uint64_t)height * ((width + BLOCK - 1) / BLOCK) *
                        (uint64_t)p.components * (2 + channels) * BLOCK;
    if (channels > 3 || state_bytes != expected * 2 ||
        size != HEADER_BYTES + expected * 2 + CHECKSUM_BYTES) {
        bgs_set_error("model checkpoint size does not match its header");
        return NULL;
    }
    bgs_model *m = bgs_model_create((int)width, (int)height, (int)channels, &p);
    if (!m)
        return NULL; /* the reason (bad size or parameter) is already set */
    size_t n = state_values(m);
    uint16_t *state = model_state(m);
    for (size_t i = 0; i < n; i++, in += 2)
        state[i] = (uint16_t)(in[0] | in[1] << 8);
    if (!state_is_sound(state, n, (int)channels, p.components)) {
        bgs_model_free(m);
        bgs_set_error("model checkpoint holds invalid values (variance or mean)");
        return NULL;
    }
    model_set_frame_count(m, (long)frames);
    return m;
}
