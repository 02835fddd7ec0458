/*
 * histlocal.c - local histogram segmentation: a two-component mixture per
 * tile of a grid, unimodal tiles borrowing from their neighbours, and the
 * tiles' thresholds interpolated bilinearly between the tile centres (the
 * scheme of adaptive histogram equalisation, applied to thresholds).
 *
 * The method and every parameter are documented in include/bgsub.h
 * ("Local histogram segmentation"); the measurements behind the defaults
 * are in docs/segment.md. No I/O; memory is allocated at create only.
 */
#include "lib/internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* Bounds of the parameters (documented in bgsub.h). */
#define MAX_SIDE 65536
#define MAX_TILES_AXIS 1024
#define MIN_TILE_SIZE 8
#define OVERLAP_MAX 2.0
#define SEPARATION_MAX 100.0
#define MIN_WEIGHT_MAX 0.5
#define MIN_CONTRAST_MAX 10.0

/* What borrowing propagates from tile to tile: the two classes' means and
 * spreads where the tile is, and the threshold between them. */
typedef struct classes {
    double weight[2], mean[2], sigma[2];
    double threshold;
    double match; /* borrowed: posterior of the class the median was put in */
} classes;

struct bgs_hist_local {
    bgs_hist_local_params p;
    int width, height, cols, rows;
    int fitted;               /* a fit has succeeded: tiles are valid     */
    bgs_hist_tile *tiles;     /* cols * rows                               */
    classes *cls;             /* cols * rows                               */
    int *ring;                /* cols * rows: borrowing ring, -1 unresolved */
    double *cx, *cy;          /* tile centres, pixel coordinates           */
    int *seg_x;               /* cols + 1: first x of each interpolation
                                 segment (see row_segments)                */
    double global_threshold;  /* of the whole image's two-class fit       */
    double global_contrast;   /* its m1 - m0                               */
    bgs_hist_fit_result fit;  /* scratch for one tile's EM                 */
};

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

void bgs_hist_local_params_default(bgs_hist_local_params *params)
{
    if (!params)
        return;
    memset(params, 0, sizeof *params);
    params->tile_size = 0;
    params->cols = 8;
    params->rows = 8;
    params->overlap = 0.25;
    params->min_separation = 3.0;
    params->min_weight = 0.02;
    params->min_contrast = 0.25;
    params->extrapolate = 1;
    bgs_hist_fit_params_default(&params->fit);
    params->fit.k = 2;
    /* A tile needs its threshold to a fraction of a gray level, not the
     * global fit's last digits; one k-means++ start finds the two-class
     * split (in one dimension k-means with k = 2 is Otsu's split). */
    params->fit.restarts = 1;
    params->fit.tol = 1e-7;
    params->fit.max_iter = 200;
}

bgs_status bgs_hist_local_params_check(const bgs_hist_local_params *p)
{
    if (!p)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "local fit: params is NULL");
    if (p->tile_size != 0 && (p->tile_size < MIN_TILE_SIZE || p->tile_size > MAX_SIDE))
        return bgs_fail(BGS_ERR_PARAMETER, "tile_size = %d is neither 0 nor in %d..%d",
                        p->tile_size, MIN_TILE_SIZE, MAX_SIDE);
    if (p->tile_size > 0 && (p->cols != 0 || p->rows != 0))
        return bgs_fail(BGS_ERR_PARAMETER,
                        "tile_size = %d and cols x rows = %dx%d are both set: "
                        "set one, the other to 0", p->tile_size, p->cols, p->rows);
    if (p->tile_size == 0 && (p->cols < 1 || p->cols > MAX_TILES_AXIS ||
                              p->rows < 1 || p->rows > MAX_TILES_AXIS))
        return bgs_fail(BGS_ERR_PARAMETER,
                        "cols x rows = %dx%d: each must be in 1..%d (or set tile_size)",
                        p->cols, p->rows, MAX_TILES_AXIS);
    if (!(p->overlap >= 0.0 && p->overlap <= OVERLAP_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "overlap = %g is outside 0..%g",
                        p->overlap, OVERLAP_MAX);
    if (!(p->min_separation >= 0.0 && p->min_separation <= SEPARATION_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "min_separation = %g is outside 0..%g",
                        p->min_separation, SEPARATION_MAX);
    if (!(p->min_weight >= 0.0 && p->min_weight <= MIN_WEIGHT_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "min_weight = %g is outside 0..%g",
                        p->min_weight, MIN_WEIGHT_MAX);
    if (!(p->min_contrast >= 0.0 && p->min_contrast <= MIN_CONTRAST_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "min_contrast = %g is outside 0..%g",
                        p->min_contrast, MIN_CONTRAST_MAX);
    if (p->extrapolate != 0 && p->extrapolate != 1)
        return bgs_fail(BGS_ERR_PARAMETER, "extrapolate = %d is neither 0 nor 1",
                        p->extrapolate);
    bgs_hist_fit_params fit = p->fit;
    fit.k = 2; /* ignored: always two */
    return bgs_hist_fit_params_check(&fit);
}

/* ------------------------------------------------------------------------ */
/* Grid                                                                     */
/* ------------------------------------------------------------------------ */

static int tile_count(int size, int tile_size, int count)
{
    long n = tile_size > 0 ? lround((double)size / tile_size) : count;
    if (n < 1)
        n = 1;
    if (n > MAX_TILES_AXIS)
        n = MAX_TILES_AXIS;
    return n > size ? size : (int)n;
}

/* First pixel of tile i of n along a side of size pixels. */
static int tile_edge(int i, int n, int size)
{
    return (int)((int64_t)i * size / n);
}

/* The tile grown by overlap of its size on both sides, clipped to [0, size). */
static void window_of(int start, int len, int size, double overlap, int *wstart,
                      int *wlen)
{
    int grow = (int)floor(overlap * len + 0.5);
    int a = start - grow, b = start + len + grow;
    a = a < 0 ? 0 : a;
    b = b > size ? size : b;
    *wstart = a;
    *wlen = b - a;
}

static void lay_out_tiles(bgs_hist_local *loc)
{
    for (int i = 0; i < loc->cols; i++) {
        int x0 = tile_edge(i, loc->cols, loc->width);
        int x1 = tile_edge(i + 1, loc->cols, loc->width);
        loc->cx[i] = x0 + (x1 - x0 - 1) / 2.0;
    }
    for (int j = 0; j < loc->rows; j++) {
        int y0 = tile_edge(j, loc->rows, loc->height);
        int y1 = tile_edge(j + 1, loc->rows, loc->height);
        loc->cy[j] = y0 + (y1 - y0 - 1) / 2.0;
    }
    for (int j = 0; j < loc->rows; j++)
        for (int i = 0; i < loc->cols; i++) {
            bgs_hist_tile *t = &loc->tiles[j * loc->cols + i];
            memset(t, 0, sizeof *t);
            t->x = tile_edge(i, loc->cols, loc->width);
            t->width = tile_edge(i + 1, loc->cols, loc->width) - t->x;
            t->y = tile_edge(j, loc->rows, loc->height);
            t->height = tile_edge(j + 1, loc->rows, loc->height) - t->y;
            window_of(t->x, t->width, loc->width, loc->p.overlap, &t->window_x,
                      &t->window_width);
            window_of(t->y, t->height, loc->height, loc->p.overlap, &t->window_y,
                      &t->window_height);
        }
    /* Interpolation segments along x: segment i (between centres i and
     * i + 1) starts at the first pixel at or right of centre i; the first
     * segment also covers the pixels left of centre 0, the last those
     * right of the last centre. seg_x[cols - 1] = width closes the list. */
    loc->seg_x[0] = 0;
    for (int i = 1; i < loc->cols - 1; i++)
        loc->seg_x[i] = (int)ceil(loc->cx[i]);
    loc->seg_x[loc->cols > 1 ? loc->cols - 1 : 1] = loc->width;
}

bgs_hist_local *bgs_hist_local_create(int width, int height,
                                      const bgs_hist_local_params *params)
{
    if (bgs_hist_local_params_check(params) != BGS_OK)
        return NULL;
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
        bgs_set_error("local fit: size %dx%d is outside 1..%d", width, height,
                      MAX_SIDE);
        return NULL;
    }
    bgs_hist_local *loc = calloc(1, sizeof *loc);
    if (!loc) {
        bgs_set_error("local fit: out of memory");
        return NULL;
    }
    loc->p = *params;
    loc->p.fit.k = 2;
    loc->width = width;
    loc->height = height;
    loc->cols = tile_count(width, params->tile_size, params->cols);
    loc->rows = tile_count(height, params->tile_size, params->rows);
    size_t n = (size_t)loc->cols * loc->rows;
    loc->tiles = calloc(n, sizeof *loc->tiles);
    loc->cls = calloc(n, sizeof *loc->cls);
    loc->ring = calloc(n, sizeof *loc->ring);
    loc->cx = calloc((size_t)loc->cols, sizeof *loc->cx);
    loc->cy = calloc((size_t)loc->rows, sizeof *loc->cy);
    loc->seg_x = calloc((size_t)loc->cols + 1, sizeof *loc->seg_x);
    if (!loc->tiles || !loc->cls || !loc->ring || !loc->cx || !loc->cy ||
        !loc->seg_x) {
        bgs_hist_local_free(loc);
        bgs_set_error("local fit: out of memory for %dx%d tiles", loc->cols,
                      loc->rows);
        return NULL;
    }
    lay_out_tiles(loc);
    return loc;
}

void bgs_hist_local_free(bgs_hist_local *loc)
{
    if (!loc)
        return;
    free(loc->tiles);
    free(loc->cls);
    free(loc->ring);
    free(loc->cx);
    free(loc->cy);
    free(loc->seg_x);
    free(loc);
}

/* ------------------------------------------------------------------------ */
/* One tile's own fit                                                       */
/* ------------------------------------------------------------------------ */

static double median_level(const bgs_hist *h, uint64_t total)
{
    uint64_t acc = 0;
    for (int v = 0; v < BGS_HIST_BINS; v++) {
        acc += h->count[v];
        if (2 * acc >= total)
            return v;
    }
    return BGS_HIST_BINS - 1;
}

/* ICL (= BIC) of one Gaussian: its maximum-likelihood fit is the
 * histogram's mean and variance (floored as EM floors it). */
static double icl_one(const bgs_hist *h, double var_floor)
{
    double n = 0.0, s = 0.0, ss = 0.0;
    for (int v = 0; v < BGS_HIST_BINS; v++) {
        double c = (double)h->count[v];
        n += c;
        s += c * v;
    }
    double mean = s / n;
    for (int v = 0; v < BGS_HIST_BINS; v++)
        ss += (double)h->count[v] * (v - mean) * (v - mean);
    double var = ss / n;
    double fvar = var > var_floor ? var : var_floor;
    double loglik = -0.5 * n * (LOG_2PI + log(fvar) + var / fvar);
    return -2.0 * loglik + 2.0 * log(n);
}

/* The Bayes boundary between the two means (region 0 below, 1 above); NAN
 * if there is none (one component wins on both sides of the other's mean). */
static double boundary_between_means(const bgs_hist_fit_result *r)
{
    for (int i = 0; i < r->n_thresholds; i++)
        if (r->region_labels[i] == 0 && r->region_labels[i + 1] == 1 &&
            r->thresholds[i] >= r->means[0] && r->thresholds[i] <= r->means[1])
            return r->thresholds[i];
    return NAN;
}

/* Fit the tile's window; say whether it shows two classes. */
static int fit_tile(bgs_hist_local *loc, bgs_hist_tile *t, const uint8_t *gray,
                    ptrdiff_t stride)
{
    bgs_hist h;
    bgs_hist_build(&h, t->window_width, t->window_height,
                   gray + (ptrdiff_t)t->window_y * stride + t->window_x, stride);
    uint64_t n = (uint64_t)t->window_width * (uint64_t)t->window_height;
    bgs_hist_fit_result *r = &loc->fit;
    bgs_hist_fit(&h, &loc->p.fit, r); /* cannot fail: checked parameters */
    t->level = median_level(&h, n);
    for (int j = 0; j < 2; j++) {
        t->weights[j] = r->weights[j];
        t->means[j] = r->means[j];
        t->sigmas[j] = r->sigmas[j];
    }
    t->own_threshold = boundary_between_means(r);
    t->separation = (r->means[1] - r->means[0]) /
                    sqrt(0.5 * (r->sigmas[0] * r->sigmas[0] +
                                r->sigmas[1] * r->sigmas[1]));
    t->icl_gain = (icl_one(&h, loc->p.fit.var_floor) - r->icl) / (double)n;
    t->iterations = r->iterations;
    t->converged = r->converged;
    double wmin = r->weights[0] < r->weights[1] ? r->weights[0] : r->weights[1];
    return !isnan(t->own_threshold) && t->separation >= loc->p.min_separation &&
           wmin >= loc->p.min_weight && t->icl_gain > 0.0 &&
           r->means[1] - r->means[0] >= loc->p.min_contrast * loc->global_contrast;
}

/* ------------------------------------------------------------------------ */
/* Borrowing                                                                */
/* ------------------------------------------------------------------------ */

/* log(w N(x; m, s)) up to a constant. */
static double log_wn(double w, double m, double s, double x)
{
    double z = (x - m) / s;
    return log(w) - log(s) - 0.5 * z * z;
}

/* What tile t takes from a resolved neighbour d: d's classes moved so that
 * the class that d's own mixture finds more probable at t's median level
 * (weights included: a tile of one class is more likely of the class that
 * dominates around it) sits at that level. */
static classes shifted_to(const classes *d, double level)
{
    double l0 = log_wn(d->weight[0], d->mean[0], d->sigma[0], level);
    double l1 = log_wn(d->weight[1], d->mean[1], d->sigma[1], level);
    double shift = level - d->mean[l1 > l0 ? 1 : 0];
    classes c = *d;
    c.match = 1.0 / (1.0 + exp(-fabs(l1 - l0)));
    c.mean[0] += shift;
    c.mean[1] += shift;
    c.threshold += shift;
    return c;
}

/* Resolve tile (i, j) from its 8-neighbours on ring - 1; 0 if it has none. */
static int borrow_tile(bgs_hist_local *loc, int i, int j, int ring)
{
    classes sum = {{0, 0}, {0, 0}, {0, 0}, 0, 0};
    double wsum = 0.0;
    int donors = 0;
    bgs_hist_tile *t = &loc->tiles[j * loc->cols + i];
    for (int dj = -1; dj <= 1; dj++)
        for (int di = -1; di <= 1; di++) {
            int ni = i + di, nj = j + dj;
            if ((di == 0 && dj == 0) || ni < 0 || nj < 0 || ni >= loc->cols ||
                nj >= loc->rows || loc->ring[nj * loc->cols + ni] != ring - 1)
                continue;
            /* Inverse squared distance: diagonal neighbours count half. */
            double w = di != 0 && dj != 0 ? 0.5 : 1.0;
            classes c = shifted_to(&loc->cls[nj * loc->cols + ni], t->level);
            for (int k = 0; k < 2; k++) {
                sum.weight[k] += w * c.weight[k];
                sum.mean[k] += w * c.mean[k];
                sum.sigma[k] += w * c.sigma[k];
            }
            sum.threshold += w * c.threshold;
            sum.match += w * c.match;
            wsum += w;
            donors++;
        }
    if (!donors)
        return 0;
    classes *c = &loc->cls[j * loc->cols + i];
    for (int k = 0; k < 2; k++) {
        c->weight[k] = sum.weight[k] / wsum;
        c->mean[k] = sum.mean[k] / wsum;
        c->sigma[k] = sum.sigma[k] / wsum;
    }
    c->threshold = sum.threshold / wsum;
    c->match = sum.match / wsum;
    t->donors = donors;
    return 1;
}

/* Refine the shift of a borrowed class model on the tile's own histogram:
 * EM for a mixture of c's two classes moved by a common shift s (their
 * spreads kept, their weights free), which is what a change of light does
 * to them. The median already put one class on the tile's hump; this
 * corrects tiles that hold some of both classes, whose median lies between
 * them. Returns the extra shift. */
#define SHIFT_ITER 50
#define SHIFT_TOL 1e-3
#define WEIGHT_FLOOR 1e-6

static double refine_shift(const bgs_hist *h, const classes *c)
{
    double s = 0.0, w[2] = {0.5, 0.5};
    for (int it = 0; it < SHIFT_ITER; it++) {
        double num = 0.0, den = 0.0, n[2] = {0.0, 0.0};
        for (int v = 0; v < BGS_HIST_BINS; v++) {
            if (!h->count[v])
                continue;
            double cnt = (double)h->count[v], l[2];
            for (int k = 0; k < 2; k++)
                l[k] = log_wn(w[k], c->mean[k] + s, c->sigma[k], v);
            double r1 = 1.0 / (1.0 + exp(l[0] - l[1])), r[2] = {1.0 - r1, r1};
            for (int k = 0; k < 2; k++) {
                double iv = 1.0 / (c->sigma[k] * c->sigma[k]);
                num += cnt * r[k] * (v - c->mean[k]) * iv;
                den += cnt * r[k] * iv;
                n[k] += cnt * r[k];
            }
        }
        double ns = num / den;
        for (int k = 0; k < 2; k++) {
            w[k] = n[k] / (n[0] + n[1]);
            w[k] = w[k] < WEIGHT_FLOOR ? WEIGHT_FLOOR : w[k];
        }
        int done = fabs(ns - s) < SHIFT_TOL;
        s = ns;
        if (done)
            break;
    }
    return s;
}

/* A tile whose median the neighbours' classes place with less confidence
 * than this holds some of both classes: its shift is refined. (A tile of
 * one class that the neighbours' pair does not describe, such as dark
 * craters between bright-rimmed ones, would be dragged a whole contrast
 * off by the refinement.) */
#define CLEAR_MATCH 0.99

static void refine_borrowed(const bgs_hist_tile *t, classes *c, const uint8_t *gray,
                            ptrdiff_t stride)
{
    if (c->match >= CLEAR_MATCH)
        return; /* the median is clearly of one class: the tile holds one */
    bgs_hist h;
    bgs_hist_build(&h, t->window_width, t->window_height,
                   gray + (ptrdiff_t)t->window_y * stride + t->window_x, stride);
    double s = refine_shift(&h, c);
    c->mean[0] += s;
    c->mean[1] += s;
    c->threshold += s;
}

/* Ring by ring outwards from the fitted tiles (ring 0). Each tile of a ring
 * reads only tiles of the ring before, so the order within a ring does not
 * matter and the result is deterministic. Returns the tiles resolved. */
static int borrow_all(bgs_hist_local *loc, const uint8_t *gray, ptrdiff_t stride)
{
    int n = loc->cols * loc->rows, resolved = 0;
    for (int k = 0; k < n; k++)
        resolved += loc->ring[k] == 0;
    if (resolved == 0)
        return 0;
    for (int ring = 1; resolved < n; ring++) {
        int added = 0;
        for (int j = 0; j < loc->rows; j++)
            for (int i = 0; i < loc->cols; i++)
                if (loc->ring[j * loc->cols + i] < 0 && borrow_tile(loc, i, j, ring))
                    loc->ring[j * loc->cols + i] = INT_MAX; /* mark: this ring */
        for (int k = 0; k < n; k++)
            if (loc->ring[k] == INT_MAX) {
                refine_borrowed(&loc->tiles[k], &loc->cls[k], gray, stride);
                loc->ring[k] = ring;
                loc->tiles[k].distance = ring;
                loc->tiles[k].source = BGS_TILE_BORROWED;
                added++;
            }
        resolved += added;
        if (!added)
            break; /* cannot happen on a connected grid; guard all the same */
    }
    return resolved;
}

/* The whole image's two-class fit: its contrast is the yardstick of
 * min_contrast, its threshold the fallback when no tile shows two classes. */
static void fit_global(bgs_hist_local *loc, const uint8_t *gray, ptrdiff_t stride)
{
    bgs_hist h;
    bgs_hist_build(&h, loc->width, loc->height, gray, stride);
    bgs_hist_fit(&h, &loc->p.fit, &loc->fit);
    double t = boundary_between_means(&loc->fit);
    if (isnan(t)) /* one class only: the cut between the two means */
        t = 0.5 * (loc->fit.means[0] + loc->fit.means[1]);
    loc->global_threshold = t;
    loc->global_contrast = loc->fit.means[1] - loc->fit.means[0];
}

static void use_global_fit(bgs_hist_local *loc)
{
    for (int k = 0; k < loc->cols * loc->rows; k++) {
        loc->tiles[k].source = BGS_TILE_GLOBAL;
        loc->cls[k].threshold = loc->global_threshold;
    }
}

bgs_status bgs_hist_local_fit(bgs_hist_local *loc, const uint8_t *gray,
                              ptrdiff_t stride)
{
    if (!loc || !gray)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_local_fit: NULL argument");
    if (stride < loc->width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_hist_local_fit: row stride %td is smaller than the width %d",
                        stride, loc->width);
    loc->fitted = 0;
    lay_out_tiles(loc);
    fit_global(loc, gray, stride);
    int n = loc->cols * loc->rows;
    for (int k = 0; k < n; k++) {
        bgs_hist_tile *t = &loc->tiles[k];
        int two = fit_tile(loc, t, gray, stride);
        loc->ring[k] = two ? 0 : -1;
        if (two) {
            classes *c = &loc->cls[k];
            for (int m = 0; m < 2; m++) {
                c->weight[m] = t->weights[m];
                c->mean[m] = t->means[m];
                c->sigma[m] = t->sigmas[m];
            }
            c->threshold = t->own_threshold;
            t->source = BGS_TILE_FITTED;
        }
    }
    if (borrow_all(loc, gray, stride) == 0)
        use_global_fit(loc);
    for (int k = 0; k < n; k++) {
        double t = loc->cls[k].threshold;
        loc->tiles[k].threshold = t < 0.0 ? 0.0 : t > 255.0 ? 255.0 : t;
    }
    loc->fitted = 1;
    return BGS_OK;
}

const bgs_hist_tile *bgs_hist_local_tiles(const bgs_hist_local *loc, int *cols,
                                          int *rows)
{
    if (cols)
        *cols = loc ? loc->cols : 0;
    if (rows)
        *rows = loc ? loc->rows : 0;
    return loc && loc->fitted ? loc->tiles : NULL;
}

/* ------------------------------------------------------------------------ */
/* Per-pixel thresholds                                                     */
/* ------------------------------------------------------------------------ */

/* Position of v among centres c[0..n-1]: the segment index s (0..n-2) and
 * the fraction f along it; outside, extrapolated (f < 0 or > 1) or held. */
static void locate(const double *c, int n, double v, int extrapolate, int *s,
                   double *f)
{
    if (n == 1) {
        *s = 0;
        *f = 0.0;
        return;
    }
    int k = 0;
    while (k < n - 2 && v >= c[k + 1])
        k++;
    double frac = (v - c[k]) / (c[k + 1] - c[k]);
    if (!extrapolate)
        frac = frac < 0.0 ? 0.0 : frac > 1.0 ? 1.0 : frac;
    *s = k;
    *f = frac;
}

/* Row y's threshold at the tile-column centres (interpolated down). */
static void column_thresholds(const bgs_hist_local *loc, int y, double *col)
{
    int s;
    double f;
    locate(loc->cy, loc->rows, y, loc->p.extrapolate, &s, &f);
    const bgs_hist_tile *a = &loc->tiles[s * loc->cols];
    const bgs_hist_tile *b = loc->rows > 1 ? a + loc->cols : a;
    for (int i = 0; i < loc->cols; i++)
        col[i] = a[i].threshold + f * (b[i].threshold - a[i].threshold);
}

/* One straight piece of a row's threshold: t(x) = base + slope * (x - at),
 * for x in [x0, x1); lo_hold / hi_hold: below / above these x the value is
 * held (no extrapolation). Both the mask and the maps use span_value, so
 * "gray > map8" and the mask agree bit for bit. */
typedef struct span {
    int x0, x1;
    float base, slope, at;
} span;

static inline float span_value(const span *sp, int x)
{
    float t = sp->base + sp->slope * ((float)x - sp->at);
    return t < 0.0f ? 0.0f : t > 255.0f ? 255.0f : t;
}

/* Append span {x0, x1} of row values base + slope * (x - at), if not empty. */
static int add_span(span *sp, int n, int x0, int x1, double base, double slope,
                    double at)
{
    if (x1 > x0)
        sp[n++] = (span){x0, x1, (float)base, (float)slope, (float)at};
    return n;
}

/* The spans of row y, left to right, covering 0..width-1; returns their
 * count (at most cols + 1). Between neighbouring centres the row is
 * linear; left of the first and right of the last centre it continues the
 * nearest piece (extrapolate) or stays flat. */
static int row_spans(const bgs_hist_local *loc, int y, span *sp)
{
    double col[MAX_TILES_AXIS];
    column_thresholds(loc, y, col);
    int last = loc->cols - 1, n = 0;
    if (last == 0)
        return add_span(sp, 0, 0, loc->width, col[0], 0.0, 0.0);
    for (int i = 0; i < last; i++) {
        double slope = (col[i + 1] - col[i]) / (loc->cx[i + 1] - loc->cx[i]);
        int x0 = loc->seg_x[i], x1 = loc->seg_x[i + 1];
        if (!loc->p.extrapolate && i == 0) {
            int edge = (int)ceil(loc->cx[0]);
            n = add_span(sp, n, x0, edge, col[0], 0.0, 0.0);
            x0 = edge;
        }
        if (!loc->p.extrapolate && i == last - 1) {
            int edge = (int)floor(loc->cx[last]) + 1;
            n = add_span(sp, n, x0, edge, col[i], slope, loc->cx[i]);
            n = add_span(sp, n, edge, x1, col[last], 0.0, 0.0);
        } else {
            n = add_span(sp, n, x0, x1, col[i], slope, loc->cx[i]);
        }
    }
    return n;
}

static bgs_status check_output(const bgs_hist_local *loc, const char *what,
                               const void *data, ptrdiff_t stride, ptrdiff_t min)
{
    if (!loc || !data)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: NULL argument", what);
    if (!loc->fitted)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: no fit yet (bgs_hist_local_fit)",
                        what);
    if (stride < min)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "%s: row stride %td is smaller than a row (%td bytes)", what,
                        stride, min);
    return BGS_OK;
}

bgs_status bgs_hist_local_mask(const bgs_hist_local *loc, const uint8_t *gray,
                               ptrdiff_t gray_stride, uint8_t *mask,
                               ptrdiff_t mask_stride)
{
    bgs_status st = check_output(loc, "bgs_hist_local_mask", mask, mask_stride,
                                 loc ? loc->width : 0);
    if (st == BGS_OK)
        st = check_output(loc, "bgs_hist_local_mask input", gray, gray_stride,
                          loc->width);
    if (st != BGS_OK)
        return st;
    span sp[MAX_TILES_AXIS + 2];
    for (int y = 0; y < loc->height; y++) {
        const uint8_t *g = gray + (ptrdiff_t)y * gray_stride;
        uint8_t *m = mask + (ptrdiff_t)y * mask_stride;
        int n = row_spans(loc, y, sp);
        for (int s = 0; s < n; s++)
            for (int x = sp[s].x0; x < sp[s].x1; x++)
                m[x] = (float)g[x] > span_value(&sp[s], x) ? 255 : 0;
    }
    return BGS_OK;
}

bgs_status bgs_hist_local_threshold_map(const bgs_hist_local *loc, float *map,
                                        ptrdiff_t stride)
{
    bgs_status st = check_output(loc, "bgs_hist_local_threshold_map", map, stride,
                                 loc ? (ptrdiff_t)loc->width * (ptrdiff_t)sizeof(float) : 0);
    if (st != BGS_OK)
        return st;
    if (stride % (ptrdiff_t)sizeof(float) != 0)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_hist_local_threshold_map: row stride %td is not a "
                        "multiple of %zu bytes", stride, sizeof(float));
    span sp[MAX_TILES_AXIS + 2];
    for (int y = 0; y < loc->height; y++) {
        float *row = (float *)((char *)map + (ptrdiff_t)y * stride);
        int n = row_spans(loc, y, sp);
        for (int s = 0; s < n; s++)
            for (int x = sp[s].x0; x < sp[s].x1; x++)
                row[x] = span_value(&sp[s], x);
    }
    return BGS_OK;
}

bgs_status bgs_hist_local_threshold_map8(const bgs_hist_local *loc, uint8_t *map,
                                         ptrdiff_t stride)
{
    bgs_status st = check_output(loc, "bgs_hist_local_threshold_map8", map, stride,
                                 loc ? loc->width : 0);
    if (st != BGS_OK)
        return st;
    span sp[MAX_TILES_AXIS + 2];
    for (int y = 0; y < loc->height; y++) {
        uint8_t *row = map + (ptrdiff_t)y * stride;
        int n = row_spans(loc, y, sp);
        for (int s = 0; s < n; s++)
            for (int x = sp[s].x0; x < sp[s].x1; x++)
                row[x] = (uint8_t)span_value(&sp[s], x); /* floor: t >= 0 */
    }
    return BGS_OK;
}
