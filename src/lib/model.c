/*
 * model.c - the per-pixel online Gaussian mixture (Stauffer & Grimson).
 *
 * Layout. The model is bounded by memory traffic: every frame reads and
 * writes all of it. State is kept as floats in blocks of BLOCK neighbouring
 * pixels of one row; inside a block each field (weight, variance, mean of
 * each channel, for each component) is a run of BLOCK values, so that one
 * pass walks a single contiguous stream and a vector register can hold the
 * same field of BLOCK neighbouring pixels. Each row starts a new block, so
 * stripes of rows own disjoint parts of the model.
 *
 * Per pixel and component: weight ω, one variance σ² shared by the channels
 * (Stauffer & Grimson's Σ = σ²I), and a mean per channel: (2 + C) floats.
 *
 * Components of a pixel are kept sorted by ω/σ, highest first, so "the first
 * component that matches in rank order" is the first that matches.
 */
#include "lib/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 16

enum { FIELD_WEIGHT = 0, FIELD_VAR = 1, FIELD_MEAN = 2 };

struct bgs_model {
    int width, height, channels;
    int blocks_per_row;
    int fields;            /* floats per component: 2 + channels */
    size_t block_floats;   /* floats per block: K * fields * BLOCK */
    bgs_params params;
    long frames;           /* frames applied so far */
    float *state;          /* height * blocks_per_row blocks */
};

/* Per-frame constants derived from the parameters and the frame count. */
typedef struct frame_rates {
    float rate;          /* weight learning rate a = max(α, 1/n)          */
    float new_weight;    /* weight of a component created for a new value */
    float match_limit;   /* λ² · C: squared distance limit, in units of σ² */
    int detect;          /* 0 while learning: the mask stays background   */
} frame_rates;

/* A pixel's model, unpacked from its block for the update. */
typedef struct pixel_model {
    float weight[BGS_MAX_COMPONENTS];
    float var[BGS_MAX_COMPONENTS];
    float mean[BGS_MAX_COMPONENTS][3];
} pixel_model;

bgs_model *bgs_model_create(int width, int height, int channels,
                            const bgs_params *params)
{
    if (width <= 0 || height <= 0 || width > 65536 || height > 65536) {
        bgs_set_error("frame size %dx%d is not supported", width, height);
        return NULL;
    }
    if (channels != 1 && channels != 3) {
        bgs_set_error("frames must have 1 or 3 channels, not %d", channels);
        return NULL;
    }
    if (bgs_params_check(params) != BGS_OK)
        return NULL;

    bgs_model *m = calloc(1, sizeof *m);
    if (!m) {
        bgs_set_error("out of memory");
        return NULL;
    }
    m->width = width;
    m->height = height;
    m->channels = channels;
    m->blocks_per_row = (width + BLOCK - 1) / BLOCK;
    m->fields = 2 + channels;
    m->block_floats = (size_t)params->components * m->fields * BLOCK;
    m->params = *params;
    size_t blocks = (size_t)height * m->blocks_per_row;
    /* calloc: weight 0 marks an unused component, so the model starts empty. */
    m->state = calloc(blocks * m->block_floats, sizeof(float));
    if (!m->state) {
        free(m);
        bgs_set_error("out of memory for a %dx%d model", width, height);
        return NULL;
    }
    /* Unused components still need a positive variance: ranking compares
     * ω²σ² products, and a zero variance would lift an empty component. */
    for (size_t b = 0; b < blocks; b++)
        for (int k = 0; k < params->components; k++) {
            float *var = m->state + b * m->block_floats +
                         ((size_t)k * m->fields + FIELD_VAR) * BLOCK;
            for (int lane = 0; lane < BLOCK; lane++)
                var[lane] = params->var_init;
        }
    return m;
}

void bgs_model_free(bgs_model *m)
{
    if (!m)
        return;
    free(m->state);
    free(m);
}

static frame_rates rates_for_frame(const bgs_model *m)
{
    const bgs_params *p = &m->params;
    frame_rates r;
    long n = m->frames + 1; /* this frame is the n-th */
    /* KaewTraKulPong & Bowden: until 1/n falls below α, learn at 1/n, which
     * makes each component the plain average of what it has seen. */
    float start_rate = 1.0f / (float)n;
    r.rate = start_rate > p->alpha ? start_rate : p->alpha;
    r.new_weight = r.rate > p->weight_init ? r.rate : p->weight_init;
    r.match_limit = p->match_sigmas * p->match_sigmas * (float)m->channels;
    r.detect = n > p->learning_frames;
    return r;
}

static float *block_at(const bgs_model *m, int y, int bx)
{
    return m->state + ((size_t)y * m->blocks_per_row + bx) * m->block_floats;
}

static void load_pixel(const bgs_model *m, const float *block, int lane,
                       pixel_model *px)
{
    const int K = m->params.components, C = m->channels;
    for (int k = 0; k < K; k++) {
        const float *comp = block + (size_t)k * m->fields * BLOCK;
        px->weight[k] = comp[FIELD_WEIGHT * BLOCK + lane];
        px->var[k] = comp[FIELD_VAR * BLOCK + lane];
        for (int c = 0; c < C; c++)
            px->mean[k][c] = comp[(FIELD_MEAN + c) * BLOCK + lane];
    }
}

static void store_pixel(const bgs_model *m, float *block, int lane,
                        const pixel_model *px)
{
    const int K = m->params.components, C = m->channels;
    for (int k = 0; k < K; k++) {
        float *comp = block + (size_t)k * m->fields * BLOCK;
        comp[FIELD_WEIGHT * BLOCK + lane] = px->weight[k];
        comp[FIELD_VAR * BLOCK + lane] = px->var[k];
        for (int c = 0; c < C; c++)
            comp[(FIELD_MEAN + c) * BLOCK + lane] = px->mean[k][c];
    }
}

static void swap_components(pixel_model *px, int i, int j, int C)
{
    float t = px->weight[i]; px->weight[i] = px->weight[j]; px->weight[j] = t;
    t = px->var[i]; px->var[i] = px->var[j]; px->var[j] = t;
    for (int c = 0; c < C; c++) {
        t = px->mean[i][c]; px->mean[i][c] = px->mean[j][c]; px->mean[j][c] = t;
    }
}

/* ω_i/σ_i > ω_j/σ_j without square roots: ω_i² σ_j² > ω_j² σ_i². */
static int ranks_above(const pixel_model *px, int i, int j)
{
    return px->weight[i] * px->weight[i] * px->var[j] >
           px->weight[j] * px->weight[j] * px->var[i];
}

/* Insertion sort by ω/σ; stable, and the order is nearly right already, so
 * this is about K comparisons per pixel. */
static void sort_components(pixel_model *px, int K, int C)
{
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0 && ranks_above(px, j, j - 1); j--)
            swap_components(px, j, j - 1, C);
}

/* Number of leading components whose weights first sum past T. */
static int background_count(const pixel_model *px, int K, float bg_ratio)
{
    float sum = 0.0f;
    for (int k = 0; k < K; k++) {
        sum += px->weight[k];
        if (sum > bg_ratio)
            return k + 1;
    }
    return K;
}

/* Squared distance of the pixel to component k, summed over channels. */
static float distance2(const pixel_model *px, int k, const uint8_t *x, int C)
{
    float d2 = 0.0f;
    for (int c = 0; c < C; c++) {
        float d = (float)x[c] - px->mean[k][c];
        d2 += d * d;
    }
    return d2;
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Move the matched component towards the pixel. ρ = a/ω (the weight after
 * its update), a well-behaved rate: 1/(matches so far) while a component is
 * young, tending to α/ω for an established one. The variance update uses the
 * distance to the old mean, (1-ρ)(σ² + ρ d²), which is the exact running
 * variance when ρ = 1/n. */
static void update_matched(pixel_model *px, int k, const uint8_t *x, int C,
                           float d2, float rate, const bgs_params *p)
{
    float rho = rate / px->weight[k];
    if (rho > 1.0f)
        rho = 1.0f;
    for (int c = 0; c < C; c++)
        px->mean[k][c] += rho * ((float)x[c] - px->mean[k][c]);
    float var = (1.0f - rho) * (px->var[k] + rho * d2 / (float)C);
    px->var[k] = clampf(var, p->var_min, p->var_max);
}

/* No component matched: the least probable one (last in rank order, or an
 * unused one) becomes a new component centred on the pixel. */
static void replace_last(pixel_model *px, int K, const uint8_t *x, int C,
                         const frame_rates *r, const bgs_params *p)
{
    int k = K - 1;
    px->weight[k] = r->new_weight;
    px->var[k] = p->var_init;
    for (int c = 0; c < C; c++)
        px->mean[k][c] = (float)x[c];
    float total = 0.0f;
    for (int i = 0; i < K; i++)
        total += px->weight[i];
    float scale = 1.0f / total; /* total >= new_weight > 0 */
    for (int i = 0; i < K; i++)
        px->weight[i] *= scale;
}

/* Classify one pixel against its model and update the model with it.
 * Returns 1 for foreground. */
static int update_pixel(pixel_model *px, const uint8_t *x, int C,
                        const frame_rates *r, const bgs_params *p)
{
    const int K = p->components;
    int matched = -1;
    float matched_d2 = 0.0f;
    for (int k = 0; k < K && px->weight[k] > 0.0f; k++) {
        float d2 = distance2(px, k, x, C);
        if (d2 < r->match_limit * px->var[k]) {
            matched = k;
            matched_d2 = d2;
            break;
        }
    }
    int foreground = matched < 0 || matched >= background_count(px, K, p->bg_ratio);

    /* ω ← (1-a)ω + a·M; the sum stays 1 when a component matched. */
    for (int k = 0; k < K; k++)
        px->weight[k] *= 1.0f - r->rate;
    if (matched >= 0) {
        px->weight[matched] += r->rate;
        update_matched(px, matched, x, C, matched_d2, r->rate, p);
    } else {
        replace_last(px, K, x, C, r, p);
    }
    sort_components(px, K, C);
    return foreground;
}

static void apply_row(bgs_model *m, int y, const uint8_t *row,
                      uint8_t *mask_row, const frame_rates *r)
{
    const int C = m->channels;
    pixel_model px;
    for (int bx = 0; bx < m->blocks_per_row; bx++) {
        float *block = block_at(m, y, bx);
        int x0 = bx * BLOCK;
        int lanes = m->width - x0 < BLOCK ? m->width - x0 : BLOCK;
        for (int lane = 0; lane < lanes; lane++) {
            load_pixel(m, block, lane, &px);
            int fg = update_pixel(&px, row + (size_t)(x0 + lane) * C, C, r,
                                  &m->params);
            store_pixel(m, block, lane, &px);
            if (mask_row)
                mask_row[x0 + lane] = fg && r->detect ? BGS_MASK_FOREGROUND
                                                      : BGS_MASK_BACKGROUND;
        }
    }
}

bgs_status bgs_model_apply(bgs_model *m, const uint8_t *frame,
                           ptrdiff_t frame_stride, uint8_t *mask,
                           ptrdiff_t mask_stride)
{
    if (!m || !frame)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no frame given");
    if (frame_stride < (ptrdiff_t)m->width * m->channels ||
        (mask && mask_stride < m->width))
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "row stride shorter than a row of %d pixels", m->width);
    frame_rates r = rates_for_frame(m);
    for (int y = 0; y < m->height; y++)
        apply_row(m, y, frame + y * frame_stride,
                  mask ? mask + y * mask_stride : NULL, &r);
    m->frames++;
    return BGS_OK;
}

bgs_status bgs_model_background(const bgs_model *m, uint8_t *out,
                                ptrdiff_t out_stride)
{
    if (!m || !out)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no buffer given");
    const int K = m->params.components, C = m->channels;
    pixel_model px;
    for (int y = 0; y < m->height; y++) {
        uint8_t *o = out + y * out_stride;
        for (int x = 0; x < m->width; x++) {
            load_pixel(m, block_at(m, y, x / BLOCK), x % BLOCK, &px);
            int B = background_count(&px, K, m->params.bg_ratio);
            float total = 0.0f, acc[3] = {0, 0, 0};
            for (int k = 0; k < B; k++) {
                total += px.weight[k];
                for (int c = 0; c < C; c++)
                    acc[c] += px.weight[k] * px.mean[k][c];
            }
            for (int c = 0; c < C; c++) {
                float v = total > 0.0f ? acc[c] / total : 0.0f;
                o[(size_t)x * C + c] = (uint8_t)clampf(v + 0.5f, 0.0f, 255.0f);
            }
        }
    }
    return BGS_OK;
}

bgs_status bgs_model_set_params(bgs_model *m, const bgs_params *params)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    if (bgs_params_check(params) != BGS_OK)
        return BGS_ERR_PARAMETER;
    if (params->components != m->params.components)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "components cannot change on a live model (%d -> %d)",
                        m->params.components, params->components);
    m->params = *params;
    return BGS_OK;
}

void bgs_model_get_params(const bgs_model *m, bgs_params *params)
{
    *params = m->params;
}

long bgs_model_frame_count(const bgs_model *m) { return m->frames; }
int bgs_model_is_learning(const bgs_model *m)
{
    return m->frames < m->params.learning_frames;
}
int bgs_model_width(const bgs_model *m) { return m->width; }
int bgs_model_height(const bgs_model *m) { return m->height; }
int bgs_model_channels(const bgs_model *m) { return m->channels; }
size_t bgs_model_bytes_per_pixel(const bgs_model *m)
{
    return (size_t)m->params.components * m->fields * sizeof(float);
}
