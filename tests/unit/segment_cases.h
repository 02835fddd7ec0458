/*
 * segment_cases.h - synthetic images with exact ground truth under uneven
 * light, and the baselines the local mixture is measured against. Shared by
 * tests/unit/test_histfit.c (which asserts on them) and tools/segment_study.c
 * (which prints the tables of docs/segment.md), so both see the same cases.
 *
 * Nothing here calls the code under test except the methods being compared
 * (global mixture, global Otsu, local mixture); the ground truth, the Bayes
 * reference and the local Otsu / Sauvola baselines are computed here from
 * their definitions.
 */
#ifndef BGSUB_SEGMENT_CASES_H
#define BGSUB_SEGMENT_CASES_H

#include "bgsub.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SC_PI 3.14159265358979323846

/* splitmix64, as the library's but written out here. */
typedef struct sc_rng {
    uint64_t s;
} sc_rng;

static inline uint64_t sc_next(sc_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double sc_uniform(sc_rng *r) /* (0, 1) */
{
    return ((double)(sc_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double sc_normal(sc_rng *r)
{
    double u = sc_uniform(r), v = sc_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * SC_PI * v);
}

static inline uint8_t sc_clip(double x)
{
    x = floor(x + 0.5);
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum sc_light {
    SC_FLAT,   /* even light                                               */
    SC_LINEAR, /* additive ramp left to right: +- strength/2 gray levels   */
    SC_RADIAL, /* vignetting: gain 1 - strength * (r / r_corner)^2          */
} sc_light;

typedef struct sc_case {
    const char *name;
    sc_light light;
    double strength;
    double fraction;               /* object share of the pixels (about)  */
    double bg_mean, bg_sigma;      /* under even light                    */
    double obj_mean, obj_sigma;
} sc_case;

/* Background 80 +- 10, objects 150 +- 12 (bright discs); the gradient
 * cases move both classes by the same light. */
static const sc_case sc_cases[] = {
    {"flat, 10% objects", SC_FLAT, 0, 0.10, 80, 10, 150, 12},
    {"flat, 30% objects", SC_FLAT, 0, 0.30, 80, 10, 150, 12},
    {"linear 60, 10%", SC_LINEAR, 60, 0.10, 80, 10, 150, 12},
    {"linear 120, 10%", SC_LINEAR, 120, 0.10, 80, 10, 150, 12},
    {"linear 120, 30%", SC_LINEAR, 120, 0.30, 80, 10, 150, 12},
    {"linear 180, 10%", SC_LINEAR, 180, 0.10, 80, 10, 150, 12},
    {"radial 0.3, 10%", SC_RADIAL, 0.3, 0.10, 80, 10, 150, 12},
    {"radial 0.5, 10%", SC_RADIAL, 0.5, 0.10, 80, 10, 150, 12},
    {"radial 0.5, 30%", SC_RADIAL, 0.5, 0.30, 80, 10, 150, 12},
    {"radial 0.7, 20%", SC_RADIAL, 0.7, 0.20, 80, 10, 150, 12},
};
#define SC_NCASES (sizeof sc_cases / sizeof sc_cases[0])

typedef struct sc_image {
    int w, h;
    uint8_t *img; /* w x h gray, stride w          */
    uint8_t *gt;  /* 1 object, 0 background        */
    double *gain, *offset; /* the light: level = gain * mean + offset */
} sc_image;

/* The light at (x, y) as gain and offset on a class's mean. */
static inline void sc_light_at(const sc_case *c, int w, int h, int x, int y,
                               double *gain, double *offset)
{
    *gain = 1.0;
    *offset = 0.0;
    if (c->light == SC_LINEAR) {
        *offset = c->strength * ((double)x / (w - 1) - 0.5);
    } else if (c->light == SC_RADIAL) {
        double dx = x - (w - 1) / 2.0, dy = y - (h - 1) / 2.0;
        double r2 = (dx * dx + dy * dy) / ((w - 1) * (w - 1) / 4.0 + (h - 1) * (h - 1) / 4.0);
        *gain = 1.0 - c->strength * r2;
    }
}

/* Discs of radius 10..40 at random places until `fraction` of the pixels
 * are covered, then every pixel drawn from its class under the light:
 * gain * mean + offset + noise (the camera's noise does not scale with the
 * light). Overlapping discs merge; gt is exact. */
static inline int sc_make(sc_image *s, const sc_case *c, int w, int h,
                          uint64_t seed)
{
    sc_rng r = {seed};
    s->w = w;
    s->h = h;
    size_t n = (size_t)w * h;
    s->img = malloc(n);
    s->gt = calloc(n, 1);
    s->gain = malloc(n * sizeof(double));
    s->offset = malloc(n * sizeof(double));
    if (!s->img || !s->gt || !s->gain || !s->offset)
        return -1;
    size_t covered = 0;
    while ((double)covered < c->fraction * (double)n) {
        double cx = sc_uniform(&r) * w, cy = sc_uniform(&r) * h;
        double rad = 10.0 + 30.0 * sc_uniform(&r);
        int y0 = (int)floor(cy - rad), y1 = (int)ceil(cy + rad);
        int x0 = (int)floor(cx - rad), x1 = (int)ceil(cx + rad);
        for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < h; y++)
            for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < w; x++) {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                size_t i = (size_t)y * w + x;
                if (dx * dx + dy * dy < rad * rad && !s->gt[i]) {
                    s->gt[i] = 1;
                    covered++;
                }
            }
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            sc_light_at(c, w, h, x, y, &s->gain[i], &s->offset[i]);
            double m = s->gt[i] ? c->obj_mean : c->bg_mean;
            double sd = s->gt[i] ? c->obj_sigma : c->bg_sigma;
            s->img[i] = sc_clip(s->gain[i] * m + s->offset[i] + sd * sc_normal(&r));
        }
    return 0;
}

static inline void sc_free(sc_image *s)
{
    free(s->img);
    free(s->gt);
    free(s->gain);
    free(s->offset);
}

/* Fraction of pixels where mask (nonzero = object) disagrees with gt. */
static inline double sc_error(const sc_image *s, const uint8_t *mask)
{
    size_t n = (size_t)s->w * s->h, wrong = 0;
    for (size_t i = 0; i < n; i++)
        wrong += (mask[i] != 0) != (s->gt[i] != 0);
    return (double)wrong / (double)n;
}

/* ------------------------------------------------------------------------ */
/* References and baselines, from their definitions                         */
/* ------------------------------------------------------------------------ */

/* The Bayes boundary between two weighted Gaussians between their means:
 * the root in [m0, m1] of log(w0 N(x; m0, s0)) = log(w1 N(x; m1, s1)),
 * found by bisection on the log-ratio (which is monotone between the
 * means only when it changes sign once there; bisection needs just the
 * sign change, which the endpoints give when each class wins at its own
 * mean). NAN when one of them wins at both means. */
static inline double sc_log_wn(double w, double m, double s, double x)
{
    double d = (x - m) / s;
    return log(w) - log(s) - 0.5 * d * d;
}

static inline double sc_boundary(double w0, double m0, double s0, double w1,
                                 double m1, double s1)
{
    double lo = m0, hi = m1;
    double glo = sc_log_wn(w0, m0, s0, lo) - sc_log_wn(w1, m1, s1, lo);
    double ghi = sc_log_wn(w0, m0, s0, hi) - sc_log_wn(w1, m1, s1, hi);
    if (!(glo > 0 && ghi < 0))
        return NAN;
    for (int it = 0; it < 40; it++) { /* to 2^-40 of the gap */
        double mid = 0.5 * (lo + hi);
        double g = sc_log_wn(w0, m0, s0, mid) - sc_log_wn(w1, m1, s1, mid);
        if (g > 0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The best any per-pixel threshold can do knowing the light and the
 * classes (global priors): the Bayes rule at every pixel. */
static inline void sc_mask_bayes(const sc_image *s, const sc_case *c, uint8_t *mask)
{
    double w1 = c->fraction, w0 = 1.0 - w1;
    for (size_t i = 0; i < (size_t)s->w * s->h; i++) {
        double m0 = s->gain[i] * c->bg_mean + s->offset[i];
        double m1 = s->gain[i] * c->obj_mean + s->offset[i];
        double t = sc_boundary(w0, m0, c->bg_sigma, w1, m1, c->obj_sigma);
        mask[i] = s->img[i] > t;
    }
}

/* Otsu's threshold written out: the t maximising the between-class
 * variance of "<= t" against "> t" (first maximum). */
static inline int sc_otsu(const uint64_t *count)
{
    double n = 0, sum = 0;
    for (int v = 0; v < 256; v++) {
        n += (double)count[v];
        sum += (double)count[v] * v;
    }
    double n0 = 0, s0 = 0, best = -1;
    int bt = 0;
    for (int t = 0; t < 255; t++) {
        n0 += (double)count[t];
        s0 += (double)count[t] * t;
        double n1 = n - n0;
        if (n0 == 0 || n1 == 0)
            continue;
        double d = s0 / n0 - (sum - s0) / n1;
        double var = n0 * n1 * d * d;
        if (var > best) {
            best = var;
            bt = t;
        }
    }
    return bt;
}

/* Local Otsu, the classical way: Otsu's threshold of each tile's window
 * (same grid and windows as the local mixture's), interpolated bilinearly
 * between tile centres, held beyond the outer centres. No borrowing: a
 * tile of one class gets a threshold through its middle. */
static inline int sc_mask_local_otsu(const sc_image *s, int cols, int rows,
                                     double overlap, uint8_t *mask)
{
    double *t = malloc(sizeof(double) * cols * rows);
    double *cx = malloc(sizeof(double) * cols), *cy = malloc(sizeof(double) * rows);
    if (!t || !cx || !cy)
        return -1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < cols; i++) {
            int x0 = (int)((int64_t)i * s->w / cols), x1 = (int)((int64_t)(i + 1) * s->w / cols);
            int y0 = (int)((int64_t)j * s->h / rows), y1 = (int)((int64_t)(j + 1) * s->h / rows);
            cx[i] = x0 + (x1 - x0 - 1) / 2.0;
            cy[j] = y0 + (y1 - y0 - 1) / 2.0;
            int gx = (int)floor(overlap * (x1 - x0) + 0.5), gy = (int)floor(overlap * (y1 - y0) + 0.5);
            x0 = x0 - gx < 0 ? 0 : x0 - gx;
            y0 = y0 - gy < 0 ? 0 : y0 - gy;
            x1 = x1 + gx > s->w ? s->w : x1 + gx;
            y1 = y1 + gy > s->h ? s->h : y1 + gy;
            uint64_t count[256] = {0};
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    count[s->img[(size_t)y * s->w + x]]++;
            t[j * cols + i] = sc_otsu(count);
        }
    for (int y = 0; y < s->h; y++) {
        int j = 0;
        while (j < rows - 2 && y >= cy[j + 1])
            j++;
        double fy = rows == 1 ? 0 : (y - cy[j]) / (cy[j + 1] - cy[j]);
        fy = fy < 0 ? 0 : fy > 1 ? 1 : fy;
        int j1 = rows == 1 ? j : j + 1;
        for (int x = 0; x < s->w; x++) {
            int i = 0;
            while (i < cols - 2 && x >= cx[i + 1])
                i++;
            double fx = cols == 1 ? 0 : (x - cx[i]) / (cx[i + 1] - cx[i]);
            fx = fx < 0 ? 0 : fx > 1 ? 1 : fx;
            int i1 = cols == 1 ? i : i + 1;
            double top = t[j * cols + i] + fx * (t[j * cols + i1] - t[j * cols + i]);
            double bot = t[j1 * cols + i] + fx * (t[j1 * cols + i1] - t[j1 * cols + i]);
            double th = top + fy * (bot - top);
            mask[(size_t)y * s->w + x] = s->img[(size_t)y * s->w + x] > th;
        }
    }
    free(t);
    free(cx);
    free(cy);
    return 0;
}

/* Sauvola's threshold T = m (1 + k (sd / R - 1)) over a win x win window
 * (clipped at the border), m and sd from integral images; R = 128. It is
 * made for dark ink on light paper; bright_objects applies it to the
 * inverted image, so that it sees the polarity it expects. */
static inline int sc_mask_sauvola(const sc_image *s, int win, double k,
                                  int bright_objects, uint8_t *mask)
{
    int w = s->w, h = s->h;
    double *si = calloc((size_t)(w + 1) * (h + 1), sizeof(double));
    double *sq = calloc((size_t)(w + 1) * (h + 1), sizeof(double));
    if (!si || !sq)
        return -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = s->img[(size_t)y * w + x];
            if (bright_objects)
                v = 255.0 - v;
            size_t a = (size_t)(y + 1) * (w + 1) + x + 1;
            si[a] = v + si[a - 1] + si[a - (w + 1)] - si[a - (w + 1) - 1];
            sq[a] = v * v + sq[a - 1] + sq[a - (w + 1)] - sq[a - (w + 1) - 1];
        }
    int r = win / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
            int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
            size_t a = (size_t)y0 * (w + 1) + x0, b = (size_t)y0 * (w + 1) + x1;
            size_t c = (size_t)y1 * (w + 1) + x0, d = (size_t)y1 * (w + 1) + x1;
            double n = (double)(x1 - x0) * (y1 - y0);
            double m = (si[d] - si[b] - si[c] + si[a]) / n;
            double var = (sq[d] - sq[b] - sq[c] + sq[a]) / n - m * m;
            double sd = var > 0 ? sqrt(var) : 0;
            double t = m * (1.0 + k * (sd / 128.0 - 1.0));
            double v = s->img[(size_t)y * w + x];
            if (bright_objects)
                v = 255.0 - v;
            mask[(size_t)y * w + x] = v <= t; /* dark (ink) side = object */
        }
    free(si);
    free(sq);
    return 0;
}

#endif
