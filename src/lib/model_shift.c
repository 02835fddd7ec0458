/*
 * model_shift.c - camera shake: the shift that lays a frame over the background,
 * estimated at points on the background's edges.
 */
#include "lib/model_frame.h"
#include "lib/pixfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Camera shake                                                             */
/* ------------------------------------------------------------------------ */

/*
 * The shift is estimated at points where the background has an edge: on a
 * regular grid of about SHIFT_GRID points, those whose first component is
 * settled and whose sum over channels of the differences to the right and
 * below is at least SHIFT_MIN_EDGE; at most SHIFT_POINTS of them, spread
 * evenly. The points and their background values are read from the model
 * every SHIFT_REFRESH frames (reading them every frame would cost a cache
 * miss each on a large model) and kept with the model (checkpoints too).
 *
 * A shift d scores the sum over the points p of |frame(p + d) - background
 * (p)| (channels summed), each term truncated at SHIFT_CAP so that objects
 * weigh little. Shifts are tried on a lattice of step SHIFT_LATTICE over
 * [-S, S]², then every shift within SHIFT_LATTICE - 1 of the best two; the
 * best is taken if it scores below SHIFT_GAIN times no shift.
 */
#define SHIFT_GRID 4096
#define SHIFT_MIN_EDGE 24.0f
#define SHIFT_EDGE_WEIGHT 0.5f /* an edge point's first component, at least */
#define SHIFT_FLAT_EDGE 6.0f   /* plain points: edge below this, settled */
#define SHIFT_MIN_POINTS 32    /* edge points needed for an estimate */
#define SHIFT_MAX_LIGHT 0.3f   /* no shift when the overall gain is further from 1 */
#define SHIFT_CAP 50.0f
#define SHIFT_GAIN 0.9f
#define SHIFT_REFRESH 25
#define SHIFT_LATTICE 3
#define SHIFT_LATTICE_EVERY 3

/* The shifts tried: up to max_shift, and no more than an eighth of the
 * frame's width or height (a small frame has few points, and a wide
 * search would find chance matches). */
static int shift_range(const bgs_model *m)
{
    int S = m->params.max_shift;
    S = S < m->shape.width / 8 ? S : m->shape.width / 8;
    return S < m->height / 8 ? S : m->height / 8;
}

/* shift_nflat and shift_flat_sum from the points. */
void model_shift_sums(bgs_model *m)
{
    m->shift_nflat = 0;
    m->shift_flat_sum = 1.0f;
    for (int i = 0; i < m->shift_npoints; i++)
        if (m->shift_points[i].flat) {
            m->shift_nflat++;
            m->shift_flat_sum += m->shift_points[i].b;
        }
}

/* Sum over channels of the mean of pixel (x, y)'s first component. */
static float first_mean_sum(const bgs_model *m, int x, int y)
{
    const uint16_t *f = pixel_fields(m, x, y);
    float sum = 0.0f;
    for (int c = 0; c < m->shape.channels; c++)
        sum += mean_at(f + (FIELD_MEAN + c) * BLOCK);
    return sum;
}

/* Picks the points of the shift estimate from the model as it is now. */
static void refresh_shift_points(bgs_model *m)
{
    const int W = m->shape.width, H = m->height, S = shift_range(m);
    const int most[2] = {SHIFT_EDGE_POINTS, SHIFT_POINTS - SHIFT_EDGE_POINTS};
    int step = (int)ceil(sqrt((double)W * H / SHIFT_GRID));
    step = step < 2 ? 2 : step;
    long found[2] = {0, 0};
    int kept[2] = {0, 0};
    /* Twice over the grid: count the edge and plain points, then keep
     * every k-th of each (edges first in the list). */
    for (int pass = 0; pass < 2; pass++) {
        long every[2], seen[2] = {0, 0};
        for (int k = 0; k < 2; k++)
            every[k] = found[k] > most[k] ? (found[k] + most[k] - 1) / most[k] : 1;
        for (int y = S + step / 2; y < H - S - 1; y += step)
            for (int x = S + step / 2; x < W - S - 1; x += step) {
                float w = weight_at(pixel_fields(m, x, y) + FIELD_WEIGHT * BLOCK);
                float b = first_mean_sum(m, x, y);
                float edge = fabsf(first_mean_sum(m, x + 1, y) - b) +
                             fabsf(first_mean_sum(m, x, y + 1) - b);
                int flat = edge < SHIFT_FLAT_EDGE && w >= LIGHT_SETTLED_WEIGHT;
                if (!flat && !(edge >= SHIFT_MIN_EDGE && w >= SHIFT_EDGE_WEIGHT))
                    continue;
                if (pass == 1 && seen[flat] % every[flat] == 0 && kept[flat] < most[flat])
                    m->shift_points[flat ? SHIFT_EDGE_POINTS + kept[flat]++ : kept[flat]++] =
                        (shift_point){x, y, flat, b};
                seen[flat]++;
            }
        found[0] = seen[0], found[1] = seen[1];
    }
    /* The plain points right after the edge points. */
    memmove(m->shift_points + kept[0], m->shift_points + SHIFT_EDGE_POINTS,
            (size_t)kept[1] * sizeof *m->shift_points);
    m->shift_npoints = kept[0] + kept[1];
    m->shift_refreshed = m->frames;
    model_shift_sums(m);
}

/* The frame's value (sum of its C channels) at point p shifted by (dx, dy). */
static inline float frame_sum_at(int C, const uint8_t *frame, ptrdiff_t stride,
                                 const shift_point *p, int dx, int dy)
{
    const uint8_t *px = frame + (p->y + dy) * stride + (size_t)(p->x + dx) * C;
    int f = 0;
    for (int c = 0; c < C; c++)
        f += px[c];
    return (float)f;
}

/* shift_score for C channels: inlined with C a constant, the channel loop
 * unrolls (with C a variable it was a third of the search's time). */
static inline __attribute__((always_inline)) float
shift_score_c(int C, const bgs_model *m, const uint8_t *frame, ptrdiff_t stride, int dx,
              int dy, float gain, int every)
{
    float cap = SHIFT_CAP * gain, score = 0.0f;
    for (int i = 0; i < m->shift_npoints && !m->shift_points[i].flat; i += every) {
        const shift_point *p = &m->shift_points[i];
        float d = fabsf(frame_sum_at(C, frame, stride, p, dx, dy) - gain * p->b);
        score += d < cap ? d : cap;
    }
    return score;
}

/* The score of shift (dx, dy) (see above) over the edge points, the
 * background scaled by the frame's overall gain. */
static float shift_score(const bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                         int dx, int dy, float gain, int every)
{
    switch (m->shape.channels) {
    case 3: return shift_score_c(3, m, frame, stride, dx, dy, gain, every);
    case 1: return shift_score_c(1, m, frame, stride, dx, dy, gain, every);
    default:
        return shift_score_c(m->shape.channels, m, frame, stride, dx, dy, gain, every);
    }
}

/* The frame's overall gain against the background: the ratio of their sums
 * over the plain points (where a shift changes nothing), or, with fewer
 * than 16 of those, over every point (a shift moves edges both ways, which
 * the sum mostly cancels). A change of light must not pass for a shift. */
static float shift_gain(const bgs_model *m, const uint8_t *frame, ptrdiff_t stride)
{
    int all = m->shift_nflat < 16;
    float sum = 1.0f, bg = all ? 1.0f : m->shift_flat_sum;
    for (int i = 0; i < m->shift_npoints; i++)
        if (all || m->shift_points[i].flat) {
            sum += frame_sum_at(m->shape.channels, frame, stride, &m->shift_points[i], 0, 0);
            bg += all ? m->shift_points[i].b : 0.0f;
        }
    return sum / bg;
}

void model_estimate_shift(bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                           int *dx, int *dy)
{
    const int S = shift_range(m);
    *dx = *dy = 0;
    if (m->shift_refreshed < 0 || m->frames - m->shift_refreshed >= SHIFT_REFRESH ||
        m->shift_points_for != S) {
        refresh_shift_points(m);
        m->shift_points_for = S;
    }
    if (m->shift_npoints - m->shift_nflat < SHIFT_MIN_POINTS)
        return;
    /* While the light changes, no shift: the values to match are not the
     * background's (and scaling them by one gain fails where only part of
     * the view changes). */
    float gain = shift_gain(m, frame, stride);
    if (fabsf(gain - 1.0f) > SHIFT_MAX_LIGHT)
        return;
    gain = 1.0f;
    /* The lattice, keeping the best two (scored on every
     * SHIFT_LATTICE_EVERY-th point: it only picks where to look closer). */
    float best[2] = {INFINITY, INFINITY};
    int at[2][2] = {{0, 0}, {0, 0}};
    int from = -(S / SHIFT_LATTICE) * SHIFT_LATTICE;
    for (int sy = from; sy <= S; sy += SHIFT_LATTICE)
        for (int sx = from; sx <= S; sx += SHIFT_LATTICE) {
            float sc = shift_score(m, frame, stride, sx, sy, gain, SHIFT_LATTICE_EVERY);
            if (sc < best[0]) {
                best[1] = best[0], at[1][0] = at[0][0], at[1][1] = at[0][1];
                best[0] = sc, at[0][0] = sx, at[0][1] = sy;
            } else if (sc < best[1]) {
                best[1] = sc, at[1][0] = sx, at[1][1] = sy;
            }
        }
    /* Around them, every shift (those of the lattice again: same score). */
    float top = INFINITY, none = shift_score(m, frame, stride, 0, 0, gain, 1);
    int r = SHIFT_LATTICE - 1;
    for (int k = 0; k < 2; k++) {
        if (!(best[k] < INFINITY))
            continue;
        for (int sy = at[k][1] - r; sy <= at[k][1] + r; sy++)
            for (int sx = at[k][0] - r; sx <= at[k][0] + r; sx++) {
                if (sx < -S || sx > S || sy < -S || sy > S)
                    continue;
                float sc = shift_score(m, frame, stride, sx, sy, gain, 1);
                if (sc < top) {
                    top = sc;
                    *dx = sx;
                    *dy = sy;
                }
            }
    }
    if (!(top < SHIFT_GAIN * none))
        *dx = *dy = 0;
}

