/*
 * model_rules.c - the decisions around the mixture on foreground pixels: changes of
 * light per tile, ghosts, the neighbour rule, the texture test of shadows,
 * and the decide and settle steps that apply them (docs/accuracy.md).
 */
#include "lib/model_frame.h"
#include "lib/pixfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* The frame's decisions on foreground pixels                               */
/* ------------------------------------------------------------------------ */

/*
 * After the kernels, the pixels they marked foreground (candidates) are
 * looked at again, in two steps:
 *  - decide (needs the whole frame's kernel pass done: it reads the model of
 *    neighbouring pixels, which may lie in another stripe): a candidate that
 *    a neighbour's background explains is marked MASK_BY_NEIGHBOUR;
 *  - settle (touches only the pixel's own model): such a pixel learns as
 *    background would have; the others are tested for shadow; those still
 *    foreground count one more frame, and at absorb_frames what they show
 *    becomes background (absorb_pixel).
 * Without a decide step (no neighbourhood rule) settle runs right after the
 * kernel, row by row, in the same pass. Either way the result does not
 * depend on how the frame is cut into stripes.
 */
#define MASK_BY_NEIGHBOUR 1
#define MASK_BY_LIGHT 2
#define MASK_BY_SHADOW 3
#define MASK_BY_GHOST 4

/* The texture test of shadows: a window of SHADOW_WINDOW² pixels, whose
 * background brightness (mean over channels) must vary by a standard
 * deviation of at least SHADOW_MIN_TEXTURE for the test to tell anything. */
#define SHADOW_WINDOW 5
#define SHADOW_STEP 2
#define SHADOW_MIN_TEXTURE 2.0f

/* The first x' >= x below width with row[x'] != 0 (width if none): eight
 * bytes at a time over the runs of zeros that most of a mask is. */
static inline int next_marked(const uint8_t *row, int x, int width)
{
    while (x + 8 <= width) {
        uint64_t word;
        memcpy(&word, row + x, 8);
        if (word)
            return x + __builtin_ctzll(word) / 8; /* little-endian */
        x += 8;
    }
    while (x < width && !row[x])
        x++;
    return x;
}

/* The first x' >= x below width with row[x'] neither 0 nor 255 (a flagged
 * or decided pixel; width if none), skipping eight bytes at a time the
 * words made only of 0 and 255 (each byte equal to its top bit times 255). */
static inline int next_flagged(const uint8_t *row, int x, int width)
{
    const uint64_t lows = 0x0101010101010101ull;
    while (x + 8 <= width) {
        uint64_t word;
        memcpy(&word, row + x, 8);
        if (word != ((word >> 7) & lows) * 0xff)
            break;
        x += 8;
    }
    while (x < width && (row[x] == 0 || row[x] == 255))
        x++;
    return x;
}

/* What a model's state holds, read one pixel at a time. */

/* The value v (C channels) matches one of the background components of the
 * pixel whose fields start at f (a block plus its lane): within λ standard
 * deviations, the rule of the kernels, the variance taken no larger than
 * var_cap. */
static int matches_background_capped(const uint16_t *f, int K, int C, const float v[3],
                                     const frame_rates *r, float var_cap)
{
    float above = 0.0f;
    for (int k = 0; k < K; k++) {
        const uint16_t *comp = f + field_offset(C, k, 0);
        if (comp[FIELD_WEIGHT * BLOCK] == 0)
            return 0; /* this one and those ranked below are unused */
        float d2 = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = v[c] - mean_at(comp + (FIELD_MEAN + c) * BLOCK);
            d2 = d2 + d * d;
        }
        float var = half_to_float(comp[FIELD_VAR * BLOCK]);
        if (d2 < r->match_limit * (var < var_cap ? var : var_cap))
            return 1;
        above = above + weight_at(comp + FIELD_WEIGHT * BLOCK);
        if (above > r->bg_ratio)
            return 0;
    }
    return 0;
}

static int matches_background(const uint16_t *f, int K, int C, const float v[3],
                              const frame_rates *r)
{
    return matches_background_capped(f, K, C, v, r, INFINITY);
}


/* Spatial consistency: a pixel within r->neighbour_radius (square window,
 * clipped to the frame and the region of interest) has a background
 * component that v matches. */
static int neighbour_explains(const bgs_model *m, int x, int y, const float v[3],
                              const frame_rates *r)
{
    const model_shape *s = &m->shape;
    const int R = r->neighbour_radius;
    int y0 = y - R < 0 ? 0 : y - R, y1 = y + R >= m->height ? m->height - 1 : y + R;
    int x0 = x - R < 0 ? 0 : x - R, x1 = x + R >= s->width ? s->width - 1 : x + R;
    /* A neighbour's component is taken no wider than the pixel's own first
     * one: where the background is plain, a neighbour with a wider
     * component would otherwise explain what the pixel itself does not;
     * the rule is for backgrounds whose pattern has moved. */
    float cap = half_to_float(pixel_fields(m, x, y)[FIELD_VAR * BLOCK]);
    for (int yy = y0; yy <= y1; yy++)
        for (int xx = x0; xx <= x1; xx++) {
            if ((xx == x && yy == y) || (m->roi && !m->roi[(size_t)yy * s->width + xx]))
                continue;
            if (matches_background_capped(pixel_fields(m, xx, yy), s->components,
                                          s->channels, v, r, cap))
                return 1;
        }
    return 0;
}

static inline void pixel_value(const apply_job *job, int C, int x, int y, float v[3])
{
    const uint8_t *p = job->frame + y * job->frame_stride + (size_t)x * C;
    for (int c = 0; c < C; c++)
        v[c] = (float)p[c];
}

/* ------------------------------------------------------------------------ */
/* Changes of light                                                         */
/* ------------------------------------------------------------------------ */

/* The k-th smallest of v[0..n) (v is reordered). */
static float kth_smallest(float *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

/* Pixels the kernel marked foreground in row y, per tile column. */
void model_count_tile_row(bgs_model *m, int y, const uint8_t *mask_row, long marked)
{
    int *counts = m->tile_marked + (size_t)y * m->tiles_x;
    memset(counts, 0, (size_t)m->tiles_x * sizeof *counts);
    if (marked <= 0)
        return;
    /* The kernels write 0, 255 or MASK_SHADOW_COLOUR: a word's foreground
     * bytes are its bytes with the top bit set. */
    const int W = m->shape.width;
    int x = 0;
    for (; x + 8 <= W; x += 8) {
        uint64_t word;
        memcpy(&word, mask_row + x, 8);
        /* the top bits moved to the bytes' lowest, added up by the multiply */
        counts[x / TILE] += (int)((((word >> 7) & 0x0101010101010101ull) *
                                   0x0101010101010101ull) >> 56);
    }
    for (; x < W; x++)
        counts[x / TILE] += mask_row[x] >> 7;
}

/*
 * Tile (tx, ty): is its foreground a change of light? Samples every
 * LIGHT_STEP pixels whose first component is settled (weight at least
 * LIGHT_SETTLED_WEIGHT) give, per channel, the ratio of the frame to that
 * component's mean; their median is the tile's gain. The tile is a change
 * of light when at least LIGHT_INLIERS of the samples match their first
 * component once divided by the gain: the texture behind is kept, only
 * brighter or darker. An object in front matches where it happens to look
 * like the background scaled, not over most of a tile.
 */
static int tile_is_light(const bgs_model *m, const apply_job *job, int tx, int ty,
                         float gain[3])
{
    enum { MAX_SAMPLES = (TILE / LIGHT_STEP) * (TILE / LIGHT_STEP) };
    const model_shape *s = &m->shape;
    const int C = s->channels;
    float ratio[3][MAX_SAMPLES], mean[MAX_SAMPLES][3], value[MAX_SAMPLES][3];
    float var[MAX_SAMPLES];
    int n = 0;
    int x1 = (tx + 1) * TILE < s->width ? (tx + 1) * TILE : s->width;
    int y1 = (ty + 1) * TILE < m->height ? (ty + 1) * TILE : m->height;
    for (int y = ty * TILE + LIGHT_STEP / 2; y < y1; y += LIGHT_STEP)
        for (int x = tx * TILE + LIGHT_STEP / 2; x < x1; x += LIGHT_STEP) {
            if (m->roi && !m->roi[(size_t)y * s->width + x])
                continue;
            const uint16_t *f = pixel_fields(m, x, y);
            if (weight_at(f + FIELD_WEIGHT * BLOCK) < LIGHT_SETTLED_WEIGHT)
                continue;
            pixel_value(job, C, x, y, value[n]);
            var[n] = half_to_float(f[FIELD_VAR * BLOCK]);
            for (int c = 0; c < C; c++) {
                mean[n][c] = mean_at(f + (FIELD_MEAN + c) * BLOCK);
                ratio[c][n] = (value[n][c] + 1.0f) / (mean[n][c] + 1.0f);
            }
            n++;
        }
    if (n < LIGHT_MIN_SAMPLES)
        return 0;
    float change = 0.0f;
    for (int c = 0; c < C; c++) {
        gain[c] = kth_smallest(ratio[c], n, n / 2);
        change = fmaxf(change, fabsf(gain[c] - 1.0f));
    }
    if (change < LIGHT_MIN_CHANGE)
        return 0;
    int inliers = 0;
    for (int i = 0; i < n; i++) {
        float d2 = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = value[i][c] / gain[c] - mean[i][c];
            d2 += d * d;
        }
        inliers += d2 < job->rates.match_limit * var[i];
    }
    if (inliers < LIGHT_INLIERS * n)
        return 0;
    /* Where the background has texture, the frame must have the same: the
     * correlation of their brightness over the samples (the match above,
     * pixel by pixel, lets a smooth object pass for a smooth background). */
    double sf = 0, sb = 0, sff = 0, sbb = 0, sfb = 0;
    for (int i = 0; i < n; i++) {
        double f = 0, b = 0;
        for (int c = 0; c < C; c++)
            f += value[i][c], b += mean[i][c];
        f /= C, b /= C;
        sf += f, sb += b, sff += f * f, sbb += b * b, sfb += f * b;
    }
    double vf = sff - sf * sf / n, vb = sbb - sb * sb / n, cov = sfb - sf * sb / n;
    if (vb < LIGHT_MIN_TEXTURE * LIGHT_MIN_TEXTURE * n)
        return 1; /* plain background: the match alone decides */
    return vf > 0 && cov >= LIGHT_MIN_CORRELATION * sqrt(vf * vb);
}

/* Tiles a and b have gains that agree (every channel within
 * LIGHT_GAIN_AGREE of each other). */
static int gains_agree(const bgs_model *m, int a, int b)
{
    for (int c = 0; c < m->shape.channels; c++) {
        float ga = m->tile_found[3 * a + c], gb = m->tile_found[3 * b + c];
        if (fabsf(ga - gb) > LIGHT_GAIN_AGREE * (ga < gb ? ga : gb))
            return 0;
    }
    return 1;
}

/* Keeps only the groups of marked tiles (tile_light 1; 4-connected, with
 * by_gain their gains agreeing between neighbours) that cover
 * LIGHT_MIN_AREA of the frame: tile_light ends 1 for the tiles kept and 0
 * for the others. */
static void keep_large_groups(bgs_model *m, int by_gain)
{
    int n = m->tiles_x * m->tiles_y;
    int *queue = m->tile_queue;
    double frame = (double)m->shape.width * m->height;
    for (int start = 0; start < n; start++) {
        if (m->tile_light[start] != 1)
            continue;
        /* Flood the group, marking it 2 (seen), and add up its area. */
        int head = 0, tail = 0;
        double area = 0;
        queue[tail++] = start;
        m->tile_light[start] = 2;
        while (head < tail) {
            int t = queue[head++], tx = t % m->tiles_x, ty = t / m->tiles_x;
            int w = (tx + 1) * TILE < m->shape.width ? TILE : m->shape.width - tx * TILE;
            int h = (ty + 1) * TILE < m->height ? TILE : m->height - ty * TILE;
            area += (double)w * h;
            const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
            for (int d = 0; d < 4; d++) {
                int nx = tx + dx[d], ny = ty + dy[d];
                if (nx < 0 || ny < 0 || nx >= m->tiles_x || ny >= m->tiles_y)
                    continue;
                int u = ny * m->tiles_x + nx;
                if (m->tile_light[u] == 1 && (!by_gain || gains_agree(m, t, u))) {
                    m->tile_light[u] = 2;
                    queue[tail++] = u;
                }
            }
        }
        uint8_t verdict = area >= LIGHT_MIN_AREA * frame ? 3 : 4;
        for (int i = 0; i < tail; i++)
            m->tile_light[queue[i]] = verdict;
    }
    for (int t = 0; t < n; t++)
        m->tile_light[t] = m->tile_light[t] == 3;
}

/* Marks the tiles whose foreground is a change of light (one thread: it
 * reads rows of several stripes). Only large groups of dense tiles are
 * looked at (anything smaller could not pass keep_large_groups), so the
 * usual frame, whose objects are small, costs next to nothing. */
void model_find_light_changes(bgs_model *m, apply_job *job, long marked_total)
{
    const int tiles = m->tiles_x * m->tiles_y;
    memset(m->tile_unknown, 0, (size_t)tiles);
    for (int t = 0; t < tiles; t++)
        job->light |= m->frames < m->tile_until[t]; /* changes still held */
    /* Too little foreground for a group of dense tiles large enough. */
    if (marked_total < LIGHT_DENSITY * LIGHT_MIN_AREA * m->shape.width * m->height)
        return;
    int any = 0;
    for (int ty = 0; ty < m->tiles_y; ty++)
        for (int tx = 0; tx < m->tiles_x; tx++) {
            int t = ty * m->tiles_x + tx;
            int y0 = ty * TILE, y1 = y0 + TILE < m->height ? y0 + TILE : m->height;
            int x1 = (tx + 1) * TILE < m->shape.width ? (tx + 1) * TILE : m->shape.width;
            long marked = 0;
            for (int y = y0; y < y1; y++)
                marked += m->tile_marked[(size_t)y * m->tiles_x + tx];
            long area = (long)(y1 - y0) * (x1 - tx * TILE);
            m->tile_light[t] = marked >= LIGHT_DENSITY * area;
            any |= m->tile_light[t];
        }
    if (!any)
        return;
    keep_large_groups(m, 0);
    for (int t = 0; t < tiles; t++) {
        m->tile_unknown[t] = m->tile_light[t];
        if (m->tile_light[t])
            m->tile_light[t] = (uint8_t)tile_is_light(m, job, t % m->tiles_x, t / m->tiles_x,
                                                      m->tile_found + 3 * t);
    }
    keep_large_groups(m, 1);
    long hold = (long)ceil(LIGHT_MEMORY_SECONDS * m->frame_rate);
    for (int t = 0; t < tiles; t++) {
        if (!m->tile_light[t])
            continue;
        m->tile_unknown[t] = 0;
        memcpy(m->tile_gain + 3 * t, m->tile_found + 3 * t, 3 * sizeof *m->tile_gain);
        m->tile_until[t] = m->frames + 1 + hold;
        job->light = 1;
    }
}

/* The gain of the light at pixel (x, y) on this frame, bilinear between
 * the centres of the four nearest tiles: a tile's held change of light,
 * or 1 (no change) for a tile without one, unless the tile was dense
 * without one (what it holds is unknown: left out). 0 when none of the
 * four holds a change. */
static int light_gain_at(const bgs_model *m, int x, int y, float gain[3])
{
    float fx = ((float)x + 0.5f) / TILE - 0.5f, fy = ((float)y + 0.5f) / TILE - 0.5f;
    int tx = (int)floorf(fx), ty = (int)floorf(fy);
    float wx = fx - (float)tx, wy = fy - (float)ty;
    float sum[3] = {0, 0, 0}, weight = 0;
    int held = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int u = tx + i < 0 ? 0 : tx + i >= m->tiles_x ? m->tiles_x - 1 : tx + i;
            int v = ty + j < 0 ? 0 : ty + j >= m->tiles_y ? m->tiles_y - 1 : ty + j;
            int t = v * m->tiles_x + u;
            float w = (i ? wx : 1 - wx) * (j ? wy : 1 - wy);
            if (m->frames < m->tile_until[t]) {
                held = 1;
                for (int c = 0; c < 3; c++)
                    sum[c] += w * m->tile_gain[3 * t + c];
            } else if (!m->tile_unknown[t]) {
                for (int c = 0; c < 3; c++)
                    sum[c] += w;
            } else {
                continue;
            }
            weight += w;
        }
    if (!held || !(weight > 0))
        return 0;
    for (int c = 0; c < 3; c++)
        gain[c] = sum[c] / weight;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Ghosts                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * A region the kernels marked stationary (foreground stationary_at frames
 * in a row or more) is a ghost when its outline is an edge of the
 * background image, not of the frame: what the model holds there (an
 * object that was background) has left, and the frame shows what was
 * behind it, which continues the background around. An object that
 * stopped is the other way round: its outline is in the frame. Over the
 * region's pixels next to background (mask 0) pixels, the sums of the
 * brightness gradients (|d/dx| + |d/dy|, central differences) of the
 * background (background_at) and of the frame are compared: a ghost when the
 * background's is at least GHOST_EDGE_RATIO times the frame's and at least
 * GHOST_MIN_EDGE per outline pixel. Regions are 8-connected; a region
 * whose border is mostly against other foreground (a still part of a
 * moving object) is left alone.
 */
#define GHOST_EDGE_RATIO 2.5
#define GHOST_MIN_EDGE 6.0

static inline int is_stationary(uint8_t mark)
{
    return mark == MASK_STATIONARY || mark == MASK_STATIONARY_SHADOW;
}

/* Brightness gradient at (x, y) of a plane read through value(). */
static inline float frame_brightness(const apply_job *job, int C, int x, int y)
{
    const uint8_t *p = job->frame + y * job->frame_stride + (size_t)x * C;
    int sum = 0;
    for (int c = 0; c < C; c++)
        sum += p[c];
    return (float)sum * job->rates.inv_channels;
}

static void outline_gradients(const bgs_model *m, const apply_job *job, int x, int y,
                              float *frame_grad, float *bg_grad)
{
    const int W = m->shape.width, H = m->height, C = m->shape.channels;
    int xl = x > 0 ? x - 1 : x, xr = x < W - 1 ? x + 1 : x;
    int yu = y > 0 ? y - 1 : y, yd = y < H - 1 ? y + 1 : y;
    *frame_grad = fabsf(frame_brightness(job, C, xr, y) - frame_brightness(job, C, xl, y)) +
                  fabsf(frame_brightness(job, C, x, yd) - frame_brightness(job, C, x, yu));
    *bg_grad = (float)(abs(background_at(m, xr, y) - background_at(m, xl, y)) +
                       abs(background_at(m, x, yd) - background_at(m, x, yu)));
}

/* Finds the ghosts among the stationary regions and marks their pixels
 * MASK_BY_GHOST (one thread: regions cross stripes; only stationary
 * pixels cost anything). */
bgs_status model_find_ghosts(bgs_model *m, apply_job *job)
{
    const int W = m->shape.width, H = m->height;
    size_t pixels = (size_t)W * H;
    if (!m->ghost_seen) {
        m->ghost_seen = calloc(pixels, 1);
        m->ghost_queue = malloc(pixels * sizeof *m->ghost_queue);
        if (!m->ghost_seen || !m->ghost_queue)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    }
    uint8_t *seen = m->ghost_seen;
    uint32_t *queue = m->ghost_queue;
    size_t all = 0; /* pixels queued over every region, to clear seen */
    for (int y = 0; y < H; y++) {
        if (m->row_marked[y] <= 0)
            continue;
        uint8_t *row = job->mask + y * job->mask_stride;
        for (int x = next_flagged(row, 0, W); x < W; x = next_flagged(row, x + 1, W)) {
            if (!is_stationary(row[x]) || seen[(size_t)y * W + x])
                continue;
            /* One region: flood it, add up its outline's gradients. */
            size_t start = all, head = all;
            queue[all++] = (uint32_t)((size_t)y * W + x);
            seen[(size_t)y * W + x] = 1;
            double frame_sum = 0, bg_sum = 0;
            long outline = 0, border = 0;
            while (head < all) {
                size_t i = queue[head++];
                int px = (int)(i % W), py = (int)(i / W);
                int next_to_background = 0, next_to_other = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx, ny = py + dy;
                        if ((!dx && !dy) || nx < 0 || ny < 0 || nx >= W || ny >= H)
                            continue;
                        uint8_t mark = job->mask[ny * job->mask_stride + nx];
                        if (mark == BGS_MASK_BACKGROUND && (!dx || !dy))
                            next_to_background = 1;
                        if (!is_stationary(mark) && (!dx || !dy))
                            next_to_other = 1;
                        size_t j = (size_t)ny * W + nx;
                        if (is_stationary(mark) && !seen[j]) {
                            seen[j] = 1;
                            queue[all++] = (uint32_t)j;
                        }
                    }
                border += next_to_other;
                if (next_to_background) {
                    float fg, bg;
                    outline_gradients(m, job, px, py, &fg, &bg);
                    frame_sum += fg, bg_sum += bg;
                    outline++;
                }
            }
            /* Most of the region's border must be against background (a
             * still part of a moving object is mostly against the rest of
             * it), then the outline decides. */
            if (outline > 0 && 2 * outline >= border && bg_sum >= GHOST_EDGE_RATIO * frame_sum &&
                bg_sum >= GHOST_MIN_EDGE * outline)
                for (size_t k = start; k < all; k++)
                    job->mask[(queue[k] / W) * job->mask_stride + queue[k] % W] = MASK_BY_GHOST;
        }
    }
    for (size_t k = 0; k < all; k++)
        seen[queue[k]] = 0;
    return BGS_OK;
}

/* v, divided by the light's gain there (light_gain_at), matches the
 * pixel's own background. */
static int light_explains(const bgs_model *m, int x, int y, const float v[3],
                          const frame_rates *r)
{
    float gain[3];
    if (!light_gain_at(m, x, y, gain))
        return 0;
    float u[3];
    for (int c = 0; c < m->shape.channels; c++)
        u[c] = v[c] / gain[c];
    return matches_background(pixel_fields(m, x, y), m->shape.components,
                              m->shape.channels, u, r);
}

/* The texture around (x, y) is the background's, darkened (see
 * bgs_params.shadow_texture): over the window, clipped to the frame, the
 * normalised cross-correlation of the frame's brightness with that of the
 * background's first components. */
/* Over the window, every SHADOW_STEP-th pixel in x and y (9 of the 25: the
 * same extent for a third of the reads; busStation F 0.884 -> 0.882 and
 * highway 0.957 -> 0.956 against all 25, 0.3 ms less a 1080p frame),
 * integer sums (at most 25 · 765 · 255 each): f is the frame's channel
 * sum, b the background's mean over channels (the correlation does not see
 * the scale). */
/* The sums of one column of the window: the sampled rows (those inside the
 * frame) at column x, which is inside it. Neighbouring shadow pixels share
 * most of their windows' columns, so a row's decide step keeps the columns
 * it summed in a small cache (texture_cache: the sums are the same integers
 * in whatever order they are added). */
typedef struct texture_column {
    int x;                       /* the column, -1 none */
    int32_t f, b, ff, bb, fb;
} texture_column;
#define TEXTURE_CACHE 8          /* a power of two above SHADOW_WINDOW */
typedef struct texture_cache {
    texture_column column[TEXTURE_CACHE];
} texture_cache;

static void texture_cache_clear(texture_cache *cache)
{
    for (int i = 0; i < TEXTURE_CACHE; i++)
        cache->column[i].x = -1;
}

static inline const texture_column *texture_column_at(const bgs_model *m, const apply_job *job,
                                                      texture_cache *cache, int x, int y0,
                                                      int y1, const int C)
{
    texture_column *col = &cache->column[x & (TEXTURE_CACHE - 1)];
    if (col->x == x)
        return col;
    int32_t sf = 0, sb = 0, sff = 0, sbb = 0, sfb = 0;
    for (int yy = y0; yy <= y1; yy += SHADOW_STEP) {
        const uint8_t *p = job->frame + yy * job->frame_stride + (size_t)x * C;
        int32_t f = C == 3 ? p[0] + p[1] + p[2] : p[0];
        int32_t b = background_at(m, x, yy);
        sf += f, sb += b, sff += f * f, sbb += b * b, sfb += f * b;
    }
    *col = (texture_column){x, sf, sb, sff, sbb, sfb};
    return col;
}

static inline int texture_kept_c(const bgs_model *m, const apply_job *job,
                                 texture_cache *cache, int x, int y, const int C)
{
    const int W = m->shape.width, R = SHADOW_WINDOW / 2;
    /* The sampled rows inside the frame: y0, y0 + STEP, .. y1. */
    int y0 = y - R, y1 = y + R;
    while (y0 < 0)
        y0 += SHADOW_STEP;
    while (y1 >= m->height)
        y1 -= SHADOW_STEP;
    int rows = (y1 - y0) / SHADOW_STEP + 1;
    int64_t sf = 0, sb = 0, sff = 0, sbb = 0, sfb = 0;
    int n = 0;
    for (int xx = x - R; xx <= x + R; xx += SHADOW_STEP) {
        if (xx < 0 || xx >= W)
            continue;
        const texture_column *col = texture_column_at(m, job, cache, xx, y0, y1, C);
        sf += col->f, sb += col->b, sff += col->ff, sbb += col->bb, sfb += col->fb;
        n += rows;
    }
    /* n² times the variances and the covariance, exact in 64 bits. */
    int64_t vf = n * sff - sf * sf, vb = n * sbb - sb * sb;
    int64_t cov = n * sfb - sf * sb;
    if ((double)vb < (double)SHADOW_MIN_TEXTURE * SHADOW_MIN_TEXTURE * n * n || vf <= 0)
        return 0;
    return (double)cov >= job->rates.shadow_texture * sqrt((double)vf * (double)vb);
}

static int texture_kept(const bgs_model *m, const apply_job *job, texture_cache *cache,
                        int x, int y)
{
    return m->shape.channels == 3 ? texture_kept_c(m, job, cache, x, y, 3)
                                  : texture_kept_c(m, job, cache, x, y, 1);
}

/* The decide step on row y (see above). Returns the pixels it marked. */
int model_decide_row(const bgs_model *m, int y, const apply_job *job)
{
    const int C = m->shape.channels;
    const frame_rates *r = &job->rates;
    uint8_t *mask_row = job->mask + y * job->mask_stride;
    const int W = m->shape.width;
    int decided = 0;
    int other_rules = r->neighbour_radius > 0 || job->light;
    /* Without the rules that look at every foreground pixel, only the
     * flagged ones (shadow colour, stationary, ghost) need anything. */
    int (*next)(const uint8_t *, int, int) = other_rules ? next_marked : next_flagged;
    texture_cache cache;
    texture_cache_clear(&cache);
    for (int x = next(mask_row, 0, W); x < W; x = next(mask_row, x + 1, W)) {
        uint8_t mark = mask_row[x], code = BGS_MASK_FOREGROUND;
        if (mark == BGS_MASK_FOREGROUND && !other_rules)
            continue;
        if (mark == MASK_BY_GHOST) { /* find_ghosts decided it */
            decided++;
            continue;
        }
        int shadow_colour = mark == MASK_SHADOW_COLOUR || mark == MASK_STATIONARY_SHADOW;
        float v[3];
        if (other_rules)
            pixel_value(job, C, x, y, v);
        if (r->neighbour_radius > 0 && neighbour_explains(m, x, y, v, r))
            code = MASK_BY_NEIGHBOUR;
        else if (job->light && light_explains(m, x, y, v, r))
            code = MASK_BY_LIGHT;
        else if (shadow_colour &&
                 (!(r->shadow_texture > 0.0f) || texture_kept(m, job, &cache, x, y)))
            code = MASK_BY_SHADOW;
        mask_row[x] = code;
        decided += code != BGS_MASK_FOREGROUND;
    }
    return decided;
}

/* The settle step on row y (see above). Shadow: runs on the updated state:
 * a foreground pixel matched no background component, so those kept their
 * means and variances, and a component made for the pixel ranks below
 * them. */
void model_settle_row(const bgs_model *m, int y, const apply_job *job)
{
    const model_shape *s = &m->shape;
    const int K = s->components, C = s->channels;
    const frame_rates *r = &job->rates;
    uint8_t *mask_row = job->mask + y * job->mask_stride;
    pixel_model px;
    /* Marked pixels are foreground (255) or decided (MASK_BY_*). */
    for (int x = next_marked(mask_row, 0, s->width); x < s->width;
         x = next_marked(mask_row, x + 1, s->width)) {
        uint8_t code = mask_row[x];
        if (code == BGS_MASK_FOREGROUND)
            continue;
        float v[3];
        pixel_value(job, C, x, y, v);
        uint16_t *f = pixel_fields(m, x, y);
        uint16_t *lane0 = f - x % BLOCK;
        uint16_t *counter = f + counter_offset(C, K);
        if (code == MASK_BY_NEIGHBOUR) {
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                /* Learns as background: what the kernel held, it updates
                 * now, as the kernel would have. */
                model_unpack_pixel(s, lane0, x % BLOCK, &px);
                model_update_pixel(&px, K, C, v, r, 0.0f);
                model_pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
            continue;
        }
        if (code == MASK_BY_LIGHT) {
            /* Learnt at once: the light may stay as it is now. */
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                model_unpack_pixel(s, lane0, x % BLOCK, &px);
                model_absorb_pixel(&px, K, C, v, r);
                model_pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
            continue;
        }
        if (code == MASK_BY_SHADOW) {
            mask_row[x] = r->shadow_value;
            if (r->update)
                *counter = 0;
        }
        if (code == MASK_BY_GHOST) {
            /* What was there has left: what shows is the background. */
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                model_unpack_pixel(s, lane0, x % BLOCK, &px);
                model_absorb_pixel(&px, K, C, v, r);
                model_pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
        }
    }
}

/* The frame needs a decide step (a rule that reads neighbouring pixels). */
int model_needs_decide(const apply_job *job)
{
    const frame_rates *r = &job->rates;
    return job->mask && r->detect &&
           (r->neighbour_radius > 0 || job->light || r->shadows || r->stationary_at > 0.0f);
}

/* The frame may need a decide step: what find_light_changes finds is not
 * known before the kernel pass. */
int model_may_decide(const apply_job *job)
{
    return job->mask && job->rates.detect && (model_needs_decide(job) || job->rates.illumination);
}

