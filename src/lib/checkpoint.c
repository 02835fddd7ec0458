/*
 * checkpoint.c - the model as a byte string and back (bgs_model_checkpoint,
 * bgs_model_restore). Little-endian throughout, so a checkpoint moves
 * between machines; checked field by field on the way in, because a
 * checkpoint is outside data.
 */
#include "lib/model_impl.h"

#include <stdlib.h>

#define MAGIC "BGSUBMDL"
#define FORMAT_VERSION 3u
/* magic, version, width, height, channels, parameter count, every
 * parameter as a double in bgs_param order, the frame rate (double), four
 * counters (u64: frames, frames since the start-up schedule began, blank
 * frames left, global changes), state bytes (u64). Format 1 held only the
 * first nine parameters and one counter; format 2 had no frame rate, and
 * its state no per-pixel foreground counters (the selective update). */
#define HEADER_BYTES (8 + 4 * 5 + 8 * BGS_PARAM_COUNT + 8 + 8 * 4 + 8)
/* After the state, the points of the camera-shake estimate: the frame they
 * were read at (i64, -1 never), the max_shift they were picked for and how
 * many are in use (u32 each), then SHIFT_POINTS points of x, y, flat (u32)
 * and the background there (f32), used or not (the size stays fixed). */
#define SHIFT_BYTES (8 + 4 + 4 + SHIFT_POINTS * 16)
/* Then the changes of light held per tile of 32x32 pixels (as many tiles
 * as the frame has): the frame count up to which it holds (i64, 0 none)
 * and the gains of the three channels (f32). */
static size_t light_bytes(uint32_t width, uint32_t height)
{
    return (size_t)((width + 31) / 32) * ((height + 31) / 32) * (8 + 3 * 4);
}
#define CHECKSUM_BYTES 8
/* The most frames a checkpoint may say the model has applied (2^52). */
#define MAX_FRAMES ((uint64_t)1 << 52)

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

static uint8_t *put_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    return put_u64(p, v);
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

static double get_f64(const uint8_t **p)
{
    uint64_t v = get_u64(p);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* The state is the blocks of every row, padding lanes included. */
static size_t state_values(const bgs_model *m)
{
    return model_state_values(m);
}

size_t bgs_model_checkpoint_size(const bgs_model *m)
{
    return HEADER_BYTES + state_values(m) * 2 + SHIFT_BYTES +
           light_bytes((uint32_t)bgs_model_width(m), (uint32_t)bgs_model_height(m)) +
           CHECKSUM_BYTES;
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
    o = put_u32(o, (uint32_t)BGS_PARAM_COUNT);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        o = put_f64(o, bgs_params_get(&p, (bgs_param)key));
    o = put_f64(o, bgs_model_frame_rate(m));
    long counters[4];
    model_get_counters(m, &counters[0], &counters[1], &counters[2], &counters[3]);
    for (int i = 0; i < 4; i++)
        o = put_u64(o, (uint64_t)counters[i]);
    size_t n = state_values(m);
    o = put_u64(o, (uint64_t)n * 2);
    const uint16_t *state = model_state(m);
    for (size_t i = 0; i < n; i++) {
        *o++ = (uint8_t)state[i];
        *o++ = (uint8_t)(state[i] >> 8);
    }
    int count, made_for;
    long refreshed;
    const shift_point *points = model_shift_points(m, &count, &made_for, &refreshed);
    o = put_u64(o, (uint64_t)(int64_t)refreshed);
    o = put_u32(o, (uint32_t)made_for);
    o = put_u32(o, (uint32_t)count);
    for (int i = 0; i < SHIFT_POINTS; i++) {
        shift_point p = i < count ? points[i] : (shift_point){0, 0, 0, 0.0f};
        uint32_t bits;
        memcpy(&bits, &p.b, sizeof bits);
        o = put_u32(o, (uint32_t)p.x);
        o = put_u32(o, (uint32_t)p.y);
        o = put_u32(o, (uint32_t)p.flat);
        o = put_u32(o, bits);
    }
    long *until;
    int tiles;
    const float *gain = model_light_tiles(m, &until, &tiles);
    for (int t = 0; t < tiles; t++) {
        o = put_u64(o, (uint64_t)until[t]);
        for (int c = 0; c < 3; c++) {
            uint32_t bits;
            memcpy(&bits, &gain[3 * t + c], sizeof bits);
            o = put_u32(o, bits);
        }
    }
    put_u64(o, fnv1a(buf, (size_t)(o - buf)));
    return BGS_OK;
}

/* A checksum only proves the bytes are as written: a crafted file could
 * still hold a zero, negative, infinite or NaN variance (which would poison
 * the arithmetic) or a mean above 255. */
static int state_is_sound(const uint16_t *state, size_t n, int C, int K)
{
    size_t block = block_values(C, K);
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
    if (get_u32(&in) != BGS_PARAM_COUNT) {
        bgs_set_error("model checkpoint holds another set of parameters");
        return NULL;
    }
    bgs_params p;
    bgs_params_default(&p);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        if (bgs_params_set(&p, (bgs_param)key, get_f64(&in)) != BGS_OK)
            return NULL; /* the parameter and its bounds are in the error */
    double fps = get_f64(&in);
    uint64_t counters[4];
    for (int i = 0; i < 4; i++)
        counters[i] = get_u64(&in);
    uint64_t state_bytes = get_u64(&in);
    /* Counters grow by one a frame: a saved model has applied fewer frames
     * than MAX_FRAMES (a thousand frames a second for 146 000 years), and
     * leaves as much room again, so no counter can overflow a long later.
     * Blank frames left never exceed the largest relearn_frames. */
    if (width > 65536 || height > 65536 || counters[0] > MAX_FRAMES ||
        counters[1] > counters[0] || counters[2] > counters[0] ||
        counters[3] > counters[0] ||
        counters[2] > (uint64_t)bgs_param_get_info(BGS_PARAM_RELEARN_FRAMES)->max_value) {
        bgs_set_error("model checkpoint holds impossible sizes or counters");
        return NULL;
    }
    /* Check the size the header implies against the bytes there before
     * allocating: a short file must not make us clear gigabytes. */
    uint64_t expected = (uint64_t)height * ((width + BLOCK - 1) / BLOCK) *
                        block_values((int)(channels & 3), p.components);
    if (channels > 3 || state_bytes != expected * 2 ||
        size != HEADER_BYTES + expected * 2 + SHIFT_BYTES + light_bytes(width, height) +
                    CHECKSUM_BYTES) {
        bgs_set_error("model checkpoint size does not match its header");
        return NULL;
    }
    bgs_model *m = bgs_model_create((int)width, (int)height, (int)channels, &p);
    if (!m)
        return NULL; /* the reason (bad size or parameter) is already set */
    if (bgs_model_set_frame_rate(m, fps) != BGS_OK) {
        bgs_model_free(m);
        return NULL; /* the bounds are in the error */
    }
    size_t n = state_values(m);
    uint16_t *state = model_state(m);
    for (size_t i = 0; i < n; i++, in += 2)
        state[i] = (uint16_t)(in[0] | in[1] << 8);
    if (!state_is_sound(state, n, (int)channels, p.components)) {
        bgs_model_free(m);
        bgs_set_error("model checkpoint holds invalid values (variance or mean)");
        return NULL;
    }
    model_set_counters(m, (long)counters[0], (long)counters[1], (long)counters[2],
                       (long)counters[3]);
    int64_t refreshed = (int64_t)get_u64(&in);
    uint32_t made_for = get_u32(&in), count = get_u32(&in);
    int dummy_count, dummy_for;
    long dummy_refreshed;
    shift_point *points = model_shift_points(m, &dummy_count, &dummy_for, &dummy_refreshed);
    for (int i = 0; i < SHIFT_POINTS; i++) {
        shift_point p;
        p.x = (int32_t)get_u32(&in);
        p.y = (int32_t)get_u32(&in);
        p.flat = (int32_t)get_u32(&in);
        uint32_t bits = get_u32(&in);
        memcpy(&p.b, &bits, sizeof bits);
        points[i] = p;
    }
    if (count > SHIFT_POINTS || made_for > 32 || refreshed < -1 ||
        refreshed > (int64_t)counters[0] ||
        !model_shift_points_valid(m, points, (int)count, (int)made_for)) {
        bgs_model_free(m);
        bgs_set_error("model checkpoint holds invalid camera-shake points");
        return NULL;
    }
    model_set_shift_points(m, (int)count, (int)made_for, (long)refreshed);
    long *until;
    int tiles;
    float *gain = model_light_tiles(m, &until, &tiles);
    for (int t = 0; t < tiles; t++) {
        uint64_t u = get_u64(&in);
        int sound = u <= counters[0] + 1000000;
        for (int c = 0; c < 3; c++) {
            uint32_t bits = get_u32(&in);
            memcpy(&gain[3 * t + c], &bits, sizeof bits);
            sound &= gain[3 * t + c] > 0.0f && gain[3 * t + c] < 256.0f;
        }
        if (!sound && u != 0) {
            bgs_model_free(m);
            bgs_set_error("model checkpoint holds invalid changes of light");
            return NULL;
        }
        until[t] = (long)u;
    }
    return m;
}
