/*
 * histfit.c - segmentation of a gray image by a Gaussian mixture fitted to
 * its histogram with EM; Bayes decision thresholds in closed form; Otsu's
 * threshold for comparison; choice of the number of components by ICL
 * (default) or BIC.
 *
 * Everything works on the 256-bin histogram: EM weights each gray level by
 * its count, so after bgs_hist_build the cost is independent of the image
 * size. Pure numerics: no allocation, no I/O, no global state.
 */
#include "lib/abi.h"

#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* Bounds of the fitting parameters (documented in bgsub.h). */
#define TOL_MAX 1.0
#define VAR_FLOOR_MIN 0.01
#define VAR_FLOOR_MAX 10000.0
#define RESTARTS_MAX 100
#define KMEANS_MAX_ITER 100

/* ------------------------------------------------------------------------ */
/* Deterministic PRNG (splitmix64): no rand(), no global state              */
/* ------------------------------------------------------------------------ */

typedef struct rng {
    uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                               */
/* ------------------------------------------------------------------------ */

/* The sizes of the size-checked structs this library accepts (bgsub.h,
 * "Versions and the binary interface"). */
static const size_t params_sizes[] = {sizeof(bgs_hist_fit_params)};
static const size_t result_sizes[] = {sizeof(bgs_hist_fit_result)};

static bgs_status check_result_size(const char *what, size_t size)
{
    return abi_check_size(what, "bgs_hist_fit_result", size, result_sizes, 1);
}

bgs_status bgs_hist_fit_params_init(bgs_hist_fit_params *params, size_t size)
{
    if (!params)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "histogram fit: params is NULL");
    if (size >= sizeof params->struct_size)
        memset(params, 0, size);
    bgs_status st = abi_check_size("bgs_hist_fit_params_default",
                                   "bgs_hist_fit_params", size, params_sizes, 1);
    if (size >= sizeof params->struct_size)
        params->struct_size = size;
    if (st != BGS_OK)
        return st;
    params->k = 2;
    params->max_iter = 500;
    params->tol = 1e-9;
    params->var_floor = 1.0;
    params->restarts = 5;
    params->seed = 1;
    params->criterion = BGS_HIST_ICL;
    return BGS_OK;
}

bgs_status bgs_hist_fit_params_check(const bgs_hist_fit_params *p)
{
    if (!p)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "histogram fit: params is NULL");
    bgs_status st = abi_check_size("histogram fit", "bgs_hist_fit_params",
                                   p->struct_size, params_sizes, 1);
    if (st != BGS_OK)
        return st;
    if (p->k < 1 || p->k > BGS_HIST_MAX_K)
        return bgs_fail(BGS_ERR_PARAMETER, "k = %d is outside 1..%d", p->k,
                        BGS_HIST_MAX_K);
    if (p->max_iter < 1 || p->max_iter > BGS_HIST_MAX_ITER)
        return bgs_fail(BGS_ERR_PARAMETER, "max_iter = %d is outside 1..%d",
                        p->max_iter, BGS_HIST_MAX_ITER);
    if (!(p->tol >= 0.0 && p->tol <= TOL_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "tol = %g is outside 0..%g", p->tol,
                        TOL_MAX);
    if (!(p->var_floor >= VAR_FLOOR_MIN && p->var_floor <= VAR_FLOOR_MAX))
        return bgs_fail(BGS_ERR_PARAMETER, "var_floor = %g is outside %g..%g",
                        p->var_floor, VAR_FLOOR_MIN, VAR_FLOOR_MAX);
    if (p->restarts < 1 || p->restarts > RESTARTS_MAX)
        return bgs_fail(BGS_ERR_PARAMETER, "restarts = %d is outside 1..%d",
                        p->restarts, RESTARTS_MAX);
    if (p->criterion != BGS_HIST_ICL && p->criterion != BGS_HIST_BIC)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "criterion = %d is neither BGS_HIST_ICL (%d) nor BGS_HIST_BIC (%d)",
                        (int)p->criterion, BGS_HIST_ICL, BGS_HIST_BIC);
    return BGS_OK;
}

/* ------------------------------------------------------------------------ */
/* Histogram                                                                */
/* ------------------------------------------------------------------------ */

static bgs_status check_image(const char *what, int width, int height,
                              const uint8_t *data, ptrdiff_t stride)
{
    if (!data)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: image is NULL", what);
    if (width < 1 || height < 1)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: size %dx%d is not positive",
                        what, width, height);
    if (stride < width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "%s: row stride %td is smaller than the width %d", what,
                        stride, width);
    return BGS_OK;
}

bgs_status bgs_hist_add(bgs_hist *hist, int width, int height,
                        const uint8_t *gray, ptrdiff_t stride)
{
    if (!hist)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_add: hist is NULL");
    bgs_status st = check_image("bgs_hist_add", width, height, gray, stride);
    if (st != BGS_OK)
        return st;
    /* Four sub-histograms so that runs of equal pixels do not serialise on
     * one counter (store-to-load forwarding stalls). */
    uint64_t sub[4][BGS_HIST_BINS];
    memset(sub, 0, sizeof sub);
    for (int y = 0; y < height; y++) {
        const uint8_t *row = gray + (ptrdiff_t)y * stride;
        int x = 0;
        for (; x + 4 <= width; x += 4) {
            sub[0][row[x]]++;
            sub[1][row[x + 1]]++;
            sub[2][row[x + 2]]++;
            sub[3][row[x + 3]]++;
        }
        for (; x < width; x++)
            sub[0][row[x]]++;
    }
    for (int v = 0; v < BGS_HIST_BINS; v++)
        hist->count[v] += sub[0][v] + sub[1][v] + sub[2][v] + sub[3][v];
    return BGS_OK;
}

bgs_status bgs_hist_build(bgs_hist *hist, int width, int height,
                          const uint8_t *gray, ptrdiff_t stride)
{
    if (!hist)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_build: hist is NULL");
    bgs_status st = check_image("bgs_hist_build", width, height, gray, stride);
    if (st != BGS_OK)
        return st;
    memset(hist, 0, sizeof *hist);
    return bgs_hist_add(hist, width, height, gray, stride);
}

uint64_t bgs_hist_total(const bgs_hist *hist)
{
    uint64_t total = 0;
    if (hist)
        for (int v = 0; v < BGS_HIST_BINS; v++)
            total += hist->count[v];
    return total;
}

/* The non-empty bins as doubles: what EM and k-means loop over. */
typedef struct bins {
    int n;
    double level[BGS_HIST_BINS];
    double count[BGS_HIST_BINS];
    double total;
} bins;

static void bins_from_hist(bins *b, const bgs_hist *hist)
{
    b->n = 0;
    b->total = 0.0;
    for (int v = 0; v < BGS_HIST_BINS; v++) {
        if (hist->count[v] == 0)
            continue;
        b->level[b->n] = v;
        b->count[b->n] = (double)hist->count[v];
        b->total += b->count[b->n];
        b->n++;
    }
}

/* ------------------------------------------------------------------------ */
/* Mixture                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct mixture {
    int k;
    double w[BGS_HIST_MAX_K];
    double m[BGS_HIST_MAX_K];
    double var[BGS_HIST_MAX_K];
} mixture;

/* log(w N(x; m, var)); -inf for a component of weight 0. */
static double log_weighted_density(double w, double m, double var, double x)
{
    if (!(w > 0.0))
        return -INFINITY;
    double d = x - m;
    return log(w) - 0.5 * (LOG_2PI + log(var)) - d * d / (2.0 * var);
}

/* ------------------------------------------------------------------------ */
/* Initialisation: k-means++ seeding, then k-means, on the histogram        */
/* ------------------------------------------------------------------------ */

/* Index of a bin drawn with probability weight[i] / sum. */
static int draw_bin(rng *r, const double *weight, int n, double sum)
{
    double u = rng_uniform(r) * sum, acc = 0.0;
    int last = 0;
    for (int i = 0; i < n; i++) {
        if (weight[i] <= 0.0)
            continue;
        acc += weight[i];
        last = i;
        if (u < acc)
            return i;
    }
    return last; /* rounding: u landed past the final partial sum */
}

static void kmeanspp_seed(const bins *b, int k, rng *r, double *centers)
{
    double d2w[BGS_HIST_BINS];
    centers[0] = b->level[draw_bin(r, b->count, b->n, b->total)];
    for (int j = 1; j < k; j++) {
        double sum = 0.0;
        for (int i = 0; i < b->n; i++) {
            double best = INFINITY;
            for (int c = 0; c < j; c++) {
                double d = b->level[i] - centers[c];
                if (d * d < best)
                    best = d * d;
            }
            d2w[i] = b->count[i] * best;
            sum += d2w[i];
        }
        if (sum > 0.0)
            centers[j] = b->level[draw_bin(r, d2w, b->n, sum)];
        else /* fewer distinct levels than components: a duplicate */
            centers[j] = b->level[draw_bin(r, b->count, b->n, b->total)];
    }
}

static int nearest_center(const double *centers, int k, double x)
{
    int best = 0;
    double bd = fabs(x - centers[0]);
    for (int j = 1; j < k; j++) {
        double d = fabs(x - centers[j]);
        if (d < bd) {
            bd = d;
            best = j;
        }
    }
    return best;
}

/* Lloyd iterations from the seeds, then weights, means and variances of the
 * hard clusters. An empty cluster gets weight 0 (it stays unused). */
static void kmeans_init(const bins *b, int k, double var_floor, rng *r,
                        mixture *mix)
{
    double centers[BGS_HIST_MAX_K];
    int assign[BGS_HIST_BINS];
    kmeanspp_seed(b, k, r, centers);
    for (int i = 0; i < b->n; i++)
        assign[i] = -1;
    for (int it = 0; it < KMEANS_MAX_ITER; it++) {
        int changed = 0;
        for (int i = 0; i < b->n; i++) {
            int a = nearest_center(centers, k, b->level[i]);
            changed |= a != assign[i];
            assign[i] = a;
        }
        if (!changed)
            break;
        double n[BGS_HIST_MAX_K] = {0}, s[BGS_HIST_MAX_K] = {0};
        for (int i = 0; i < b->n; i++) {
            n[assign[i]] += b->count[i];
            s[assign[i]] += b->count[i] * b->level[i];
        }
        for (int j = 0; j < k; j++)
            if (n[j] > 0.0)
                centers[j] = s[j] / n[j];
    }
    double n[BGS_HIST_MAX_K] = {0}, s[BGS_HIST_MAX_K] = {0};
    double ss[BGS_HIST_MAX_K] = {0};
    for (int i = 0; i < b->n; i++) {
        n[assign[i]] += b->count[i];
        s[assign[i]] += b->count[i] * b->level[i];
    }
    mix->k = k;
    for (int j = 0; j < k; j++)
        mix->m[j] = n[j] > 0.0 ? s[j] / n[j] : centers[j];
    for (int i = 0; i < b->n; i++) {
        double d = b->level[i] - mix->m[assign[i]];
        ss[assign[i]] += b->count[i] * d * d;
    }
    for (int j = 0; j < k; j++) {
        mix->w[j] = n[j] / b->total;
        double var = n[j] > 0.0 ? ss[j] / n[j] : var_floor;
        mix->var[j] = var > var_floor ? var : var_floor;
    }
}

/* ------------------------------------------------------------------------ */
/* EM                                                                       */
/* ------------------------------------------------------------------------ */

/* E-step: responsibilities resp[i * k + j] of every component for every
 * non-empty bin, in the log domain; returns the log-likelihood summed over
 * the pixels. */
static double e_step(const bins *b, const mixture *mix, double *resp)
{
    int k = mix->k;
    double logw[BGS_HIST_MAX_K], lognorm[BGS_HIST_MAX_K], inv2var[BGS_HIST_MAX_K];
    for (int j = 0; j < k; j++) {
        logw[j] = mix->w[j] > 0.0 ? log(mix->w[j]) : -INFINITY;
        lognorm[j] = -0.5 * (LOG_2PI + log(mix->var[j]));
        inv2var[j] = 1.0 / (2.0 * mix->var[j]);
    }
    double loglik = 0.0;
    for (int i = 0; i < b->n; i++) {
        double l[BGS_HIST_MAX_K], mx = -INFINITY;
        for (int j = 0; j < k; j++) {
            double d = b->level[i] - mix->m[j];
            l[j] = logw[j] + lognorm[j] - d * d * inv2var[j];
            if (l[j] > mx)
                mx = l[j];
        }
        /* mx is finite: the weights sum to 1, so one component is alive.
         * e[j] = exp(l[j] - mx) lies in [0, 1] and the largest is 1, so the
         * sum is >= 1 and e[j] / sum is the responsibility without a second
         * exp per component (the E-step is most of EM's cost). */
        double e[BGS_HIST_MAX_K], sum = 0.0;
        for (int j = 0; j < k; j++) {
            e[j] = l[j] == mx ? 1.0 : exp(l[j] - mx);
            sum += e[j];
        }
        double inv = 1.0 / sum;
        for (int j = 0; j < k; j++)
            resp[i * k + j] = e[j] * inv;
        loglik += b->count[i] * (mx + log(sum));
    }
    return loglik;
}

/* M-step with the variance floor (the floored variance is still the
 * constrained maximiser, so EM's likelihood stays non-decreasing). A
 * component with no responsibility left keeps weight 0 and its old mean
 * and variance. */
static void m_step(const bins *b, const double *resp, double var_floor,
                   mixture *mix)
{
    int k = mix->k;
    double n[BGS_HIST_MAX_K] = {0}, s[BGS_HIST_MAX_K] = {0};
    double ss[BGS_HIST_MAX_K] = {0};
    for (int i = 0; i < b->n; i++)
        for (int j = 0; j < k; j++) {
            double c = b->count[i] * resp[i * k + j];
            n[j] += c;
            s[j] += c * b->level[i];
        }
    double ntot = 0.0;
    for (int j = 0; j < k; j++) {
        if (n[j] > 0.0)
            mix->m[j] = s[j] / n[j];
        ntot += n[j];
    }
    for (int i = 0; i < b->n; i++)
        for (int j = 0; j < k; j++) {
            double d = b->level[i] - mix->m[j];
            ss[j] += b->count[i] * resp[i * k + j] * d * d;
        }
    for (int j = 0; j < k; j++) {
        mix->w[j] = n[j] / ntot;
        if (n[j] > 0.0) {
            double var = ss[j] / n[j];
            mix->var[j] = var > var_floor ? var : var_floor;
        }
    }
}

typedef struct em_run {
    mixture mix;
    int iterations;
    int converged;
    int n_loglik;
    double loglik[BGS_HIST_MAX_ITER + 1];
} em_run;

static void em(const bins *b, const bgs_hist_fit_params *p, em_run *run)
{
    double resp[BGS_HIST_BINS * BGS_HIST_MAX_K];
    run->iterations = 0;
    run->converged = 0;
    run->n_loglik = 0;
    for (;;) {
        double ll = e_step(b, &run->mix, resp);
        run->loglik[run->n_loglik++] = ll;
        if (run->n_loglik >= 2) {
            double gain = (ll - run->loglik[run->n_loglik - 2]) / b->total;
            if (gain <= p->tol) {
                run->converged = 1;
                break;
            }
        }
        if (run->iterations >= p->max_iter)
            break;
        m_step(b, resp, p->var_floor, &run->mix);
        run->iterations++;
    }
}

/* Classification entropy of the mixture, summed over the pixels (nats):
 * -sum_i count_i sum_j r_ij ln r_ij. ln r_ij is taken as l_ij - lse_i, not as
 * the log of a rounded responsibility, so a tiny r_ij still counts exactly;
 * a component of weight 0 (r_ij = 0) adds nothing. */
static double classification_entropy(const bins *b, const mixture *mix)
{
    int k = mix->k;
    double total = 0.0;
    for (int i = 0; i < b->n; i++) {
        double l[BGS_HIST_MAX_K], mx = -INFINITY;
        for (int j = 0; j < k; j++) {
            l[j] = log_weighted_density(mix->w[j], mix->m[j], mix->var[j], b->level[i]);
            if (l[j] > mx)
                mx = l[j];
        }
        double sum = 0.0;
        for (int j = 0; j < k; j++)
            sum += exp(l[j] - mx);
        double lse = mx + log(sum), h = 0.0;
        for (int j = 0; j < k; j++) {
            double r = exp(l[j] - lse);
            if (r > 0.0)
                h -= r * (l[j] - lse);
        }
        total += b->count[i] * h;
    }
    return total;
}

/* Sort components by mean (then sigma, then weight), for stable labels. */
static void sort_components(mixture *mix)
{
    for (int a = 1; a < mix->k; a++) {
        double w = mix->w[a], m = mix->m[a], v = mix->var[a];
        int j = a - 1;
        while (j >= 0 && (mix->m[j] > m ||
                          (mix->m[j] == m && (mix->var[j] > v ||
                                              (mix->var[j] == v && mix->w[j] < w))))) {
            mix->w[j + 1] = mix->w[j];
            mix->m[j + 1] = mix->m[j];
            mix->var[j + 1] = mix->var[j];
            j--;
        }
        mix->w[j + 1] = w;
        mix->m[j + 1] = m;
        mix->var[j + 1] = v;
    }
}

/* ------------------------------------------------------------------------ */
/* Decision thresholds                                                      */
/* ------------------------------------------------------------------------ */

#define THRESH_LO 0.0
#define THRESH_HI 255.0
/* The walk starts a little left of THRESH_LO so that a crossing exactly at
 * 0 is not missed; crossings below THRESH_LO are not reported. */
#define WALK_START (THRESH_LO - 1.0)
#define ROOT_EPS 1e-9

/* g(x) = log(w_i N_i(x)) - log(w_j N_j(x)) and its derivative. */
static double gdiff(const bgs_hist_fit_result *f, int i, int j, double x)
{
    double si = f->sigmas[i], sj = f->sigmas[j];
    double di = (x - f->means[i]) / si, dj = (x - f->means[j]) / sj;
    return log(f->weights[i] / f->weights[j]) + log(sj / si) -
           0.5 * (di * di - dj * dj);
}

static double gdiff_slope(const bgs_hist_fit_result *f, int i, int j, double x)
{
    double vi = f->sigmas[i] * f->sigmas[i], vj = f->sigmas[j] * f->sigmas[j];
    return -(x - f->means[i]) / vi + (x - f->means[j]) / vj;
}

/* Roots of g = 0 for components i and j: a x^2 + b x + c = 0, solved
 * without cancellation, then polished by Newton steps on g itself (better
 * conditioned than the expanded coefficients). Returns the root count. */
static int crossing_points(const bgs_hist_fit_result *f, int i, int j,
                           double roots[2])
{
    double mi = f->means[i], mj = f->means[j];
    double vi = f->sigmas[i] * f->sigmas[i], vj = f->sigmas[j] * f->sigmas[j];
    double a = 1.0 / (2.0 * vj) - 1.0 / (2.0 * vi);
    double b = mi / vi - mj / vj;
    double c = mj * mj / (2.0 * vj) - mi * mi / (2.0 * vi) +
               log(f->weights[i] / f->weights[j]) + log(f->sigmas[j] / f->sigmas[i]);
    int n = 0;
    if (a == 0.0) {
        if (b == 0.0)
            return 0; /* parallel or identical: never change hands */
        roots[n++] = -c / b;
    } else {
        double disc = b * b - 4.0 * a * c;
        if (disc < 0.0)
            return 0;
        double q = -0.5 * (b + copysign(sqrt(disc), b));
        if (q == 0.0) {
            roots[n++] = 0.0; /* b == 0 and c == 0 */
        } else {
            roots[n++] = q / a;
            roots[n++] = c / q;
        }
    }
    for (int r = 0; r < n; r++) {
        double x = roots[r], g = gdiff(f, i, j, x);
        for (int step = 0; step < 4 && g != 0.0; step++) {
            double slope = gdiff_slope(f, i, j, x);
            if (slope == 0.0)
                break;
            double nx = x - g / slope, ng = gdiff(f, i, j, nx);
            if (!(fabs(ng) < fabs(g)))
                break;
            x = nx;
            g = ng;
        }
        roots[r] = x;
    }
    return n;
}

static int winner_at(const bgs_hist_fit_result *f, double x)
{
    int best = -1;
    double bl = -INFINITY;
    for (int j = 0; j < f->k; j++) {
        double l = log_weighted_density(f->weights[j], f->means[j],
                                        f->sigmas[j] * f->sigmas[j], x);
        if (best < 0 || l > bl) {
            bl = l;
            best = j;
        }
    }
    return best;
}

static bgs_status check_mixture(const bgs_hist_fit_result *f)
{
    if (!f)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "histogram fit result is NULL");
    if (f->k < 1 || f->k > BGS_HIST_MAX_K)
        return bgs_fail(BGS_ERR_PARAMETER, "k = %d is outside 1..%d", f->k,
                        BGS_HIST_MAX_K);
    double wsum = 0.0;
    for (int j = 0; j < f->k; j++) {
        if (!(f->weights[j] >= 0.0 && isfinite(f->weights[j])))
            return bgs_fail(BGS_ERR_PARAMETER, "weight %d = %g is not >= 0", j,
                            f->weights[j]);
        if (!isfinite(f->means[j]))
            return bgs_fail(BGS_ERR_PARAMETER, "mean %d is not finite", j);
        if (!(f->sigmas[j] > 0.0 && isfinite(f->sigmas[j])))
            return bgs_fail(BGS_ERR_PARAMETER, "sigma %d = %g is not > 0", j,
                            f->sigmas[j]);
        wsum += f->weights[j];
    }
    if (!(wsum > 0.0))
        return bgs_fail(BGS_ERR_PARAMETER, "the weights are all 0");
    return BGS_OK;
}

/*
 * Walk the upper envelope of the K weighted log-densities from left to
 * right: from the current winner A at x, the next boundary is the first
 * crossing after x where some component j rises above A (g_Aj goes from +
 * to -). Each pair crosses at most twice, so this ends after at most
 * 2K - 2 boundaries.
 */
bgs_status bgs_hist_thresholds_ex(bgs_hist_fit_result *f, size_t fit_size)
{
    bgs_status st = check_result_size("bgs_hist_thresholds", fit_size);
    if (st == BGS_OK)
        st = check_mixture(f);
    if (st != BGS_OK)
        return st;
    double x = WALK_START;
    int a = winner_at(f, x);
    int n = 0;
    for (int guard = 0; guard < 4 * BGS_HIST_MAX_K * BGS_HIST_MAX_K; guard++) {
        double best_x = INFINITY, best_slope = 0.0;
        int best_j = -1;
        for (int j = 0; j < f->k; j++) {
            if (j == a || !(f->weights[j] > 0.0))
                continue;
            double roots[2];
            int nr = crossing_points(f, a, j, roots);
            for (int r = 0; r < nr; r++) {
                double rx = roots[r];
                if (!(rx > x + ROOT_EPS) || rx > THRESH_HI)
                    continue;
                double slope = gdiff_slope(f, a, j, rx);
                if (!(slope < 0.0))
                    continue; /* j falls below a here, or only touches it */
                if (rx < best_x - ROOT_EPS ||
                    (rx <= best_x + ROOT_EPS && slope < best_slope)) {
                    best_x = rx;
                    best_slope = slope;
                    best_j = j;
                }
            }
        }
        if (best_j < 0)
            break;
        if (best_x >= THRESH_LO) {
            f->region_labels[n] = a;
            f->thresholds[n] = best_x;
            n++;
        }
        a = best_j;
        x = best_x;
        if (n >= BGS_HIST_MAX_THRESHOLDS)
            break;
    }
    f->region_labels[n] = a;
    f->n_thresholds = n;
    return BGS_OK;
}

bgs_status bgs_hist_lut_ex(const bgs_hist_fit_result *fit, size_t fit_size,
                           uint8_t lut[BGS_HIST_BINS])
{
    bgs_status st = check_result_size("bgs_hist_lut", fit_size);
    if (st == BGS_OK)
        st = check_mixture(fit);
    if (st != BGS_OK)
        return st;
    if (!lut)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_lut: lut is NULL");
    for (int v = 0; v < BGS_HIST_BINS; v++)
        lut[v] = (uint8_t)winner_at(fit, v);
    return BGS_OK;
}

bgs_status bgs_hist_label(const uint8_t lut[BGS_HIST_BINS], int width,
                          int height, const uint8_t *gray,
                          ptrdiff_t gray_stride, uint8_t *out,
                          ptrdiff_t out_stride)
{
    if (!lut)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_label: lut is NULL");
    bgs_status st = check_image("bgs_hist_label input", width, height, gray,
                                gray_stride);
    if (st == BGS_OK)
        st = check_image("bgs_hist_label output", width, height, out, out_stride);
    if (st != BGS_OK)
        return st;
    for (int y = 0; y < height; y++) {
        const uint8_t *src = gray + (ptrdiff_t)y * gray_stride;
        uint8_t *dst = out + (ptrdiff_t)y * out_stride;
        for (int x = 0; x < width; x++)
            dst[x] = lut[src[x]];
    }
    return BGS_OK;
}

/* ------------------------------------------------------------------------ */
/* Fitting                                                                  */
/* ------------------------------------------------------------------------ */

/* The caller's buffer for the kept start's log-likelihood trace. */
typedef struct trace_buf {
    double *values; /* NULL: not wanted */
    size_t capacity;
} trace_buf;

static void fill_result(const bins *b, uint64_t pixels, const em_run *run,
                        int restart, bgs_hist_fit_result *res, trace_buf trace)
{
    memset(res, 0, sizeof *res);
    mixture mix = run->mix;
    sort_components(&mix);
    res->k = mix.k;
    for (int j = 0; j < mix.k; j++) {
        res->weights[j] = mix.w[j];
        res->means[j] = mix.m[j];
        res->sigmas[j] = sqrt(mix.var[j]);
    }
    res->pixels = pixels;
    res->log_likelihood = run->loglik[run->n_loglik - 1];
    res->bic = -2.0 * res->log_likelihood + (3.0 * mix.k - 1.0) * log(b->total);
    res->entropy = classification_entropy(b, &mix);
    res->icl = res->bic + 2.0 * res->entropy;
    res->iterations = run->iterations;
    res->converged = run->converged;
    res->restart = restart;
    res->n_loglik = run->n_loglik;
    if (trace.values) {
        size_t n = (size_t)run->n_loglik < trace.capacity ? (size_t)run->n_loglik
                                                           : trace.capacity;
        memcpy(trace.values, run->loglik, n * sizeof(double));
    }
    bgs_hist_thresholds(res); /* cannot fail on a fitted mixture */
}

static bgs_status check_hist(const char *what, const bgs_hist *hist,
                             const bgs_hist_fit_params *params, void *result,
                             size_t result_size)
{
    if (!hist || !params || !result)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: NULL argument", what);
    bgs_status st = check_result_size(what, result_size);
    if (st == BGS_OK)
        st = bgs_hist_fit_params_check(params);
    if (st != BGS_OK)
        return st;
    if (bgs_hist_total(hist) == 0)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: the histogram is empty",
                        what);
    return BGS_OK;
}

/* Best of params->restarts starts for k components. The two EM records
 * (about 8 KB each) live on the stack: static storage would not be
 * thread-safe. */
static void fit_k(const bins *b, uint64_t pixels,
                  const bgs_hist_fit_params *p, int k, bgs_hist_fit_result *res,
                  trace_buf trace)
{
    em_run run, best;
    int best_restart = -1;
    for (int s = 0; s < p->restarts; s++) {
        /* One PRNG stream per start, so a start does not depend on how
         * many numbers the previous ones drew. */
        rng r = {p->seed ^ (0xD1B54A32D192ED03ull * (uint64_t)(s + 1))};
        kmeans_init(b, k, p->var_floor, &r, &run.mix);
        em(b, p, &run);
        if (best_restart < 0 ||
            run.loglik[run.n_loglik - 1] > best.loglik[best.n_loglik - 1]) {
            best = run;
            best_restart = s;
        }
    }
    fill_result(b, pixels, &best, best_restart, res, trace);
}

bgs_status bgs_hist_fit_ex(const bgs_hist *hist,
                           const bgs_hist_fit_params *params,
                           bgs_hist_fit_result *result, size_t result_size,
                           double *loglik, size_t loglik_capacity)
{
    bgs_status st = check_hist("bgs_hist_fit", hist, params, result, result_size);
    if (st != BGS_OK)
        return st;
    bins b;
    bins_from_hist(&b, hist);
    trace_buf trace = {loglik, loglik_capacity};
    fit_k(&b, bgs_hist_total(hist), params, params->k, result, trace);
    return BGS_OK;
}

/* The value bgs_hist_fit_auto minimises. */
static double criterion_of(const bgs_hist_fit_result *r, bgs_hist_criterion c)
{
    return c == BGS_HIST_BIC ? r->bic : r->icl;
}

bgs_status bgs_hist_fit_auto_ex(const bgs_hist *hist,
                                const bgs_hist_fit_params *params, int kmax,
                                bgs_hist_fit_result *result, size_t result_size,
                                double *score_per_k, double *loglik,
                                size_t loglik_capacity)
{
    bgs_status st = check_hist("bgs_hist_fit_auto", hist, params, result,
                               result_size);
    if (st != BGS_OK)
        return st;
    if (kmax < 1 || kmax > BGS_HIST_MAX_K)
        return bgs_fail(BGS_ERR_PARAMETER, "kmax = %d is outside 1..%d", kmax,
                        BGS_HIST_MAX_K);
    bins b;
    bins_from_hist(&b, hist);
    bgs_hist_fit_result cur;
    double best = INFINITY;
    double cur_trace[BGS_HIST_MAX_ITER + 1]; /* the kept k's goes to loglik */
    trace_buf trace = {cur_trace, BGS_HIST_MAX_ITER + 1};
    for (int k = 1; k <= kmax; k++) {
        fit_k(&b, bgs_hist_total(hist), params, k, &cur, trace);
        double score = criterion_of(&cur, params->criterion);
        if (score_per_k)
            score_per_k[k - 1] = score;
        if (k == 1 || score < best) {
            best = score;
            *result = cur;
            if (loglik) {
                size_t n = (size_t)cur.n_loglik < loglik_capacity
                               ? (size_t)cur.n_loglik : loglik_capacity;
                memcpy(loglik, cur_trace, n * sizeof(double));
            }
        }
    }
    return BGS_OK;
}

/* ------------------------------------------------------------------------ */
/* Otsu                                                                     */
/* ------------------------------------------------------------------------ */

bgs_status bgs_hist_otsu(const bgs_hist *hist, int *threshold)
{
    if (!hist || !threshold)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_otsu: NULL argument");
    double n = 0.0, sum = 0.0;
    int lo = -1, hi = -1;
    for (int v = 0; v < BGS_HIST_BINS; v++) {
        if (!hist->count[v])
            continue;
        n += (double)hist->count[v];
        sum += (double)hist->count[v] * v;
        if (lo < 0)
            lo = v;
        hi = v;
    }
    if (lo < 0)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_hist_otsu: the histogram is empty");
    if (lo == hi) {
        *threshold = lo;
        return BGS_OK;
    }
    /* Between-class variance for "levels <= t" vs the rest, up to the
     * constant factor 1/n^2: (sum * n0 - n * s0)^2 / (n0 * (n - n0)). Over
     * a run of empty bins n0 and s0 do not change, so the value is
     * bit-for-bit equal and the plateau is found by ==. */
    double n0 = 0.0, s0 = 0.0, best = -1.0;
    int first = lo, last = lo;
    for (int t = lo; t < hi; t++) {
        n0 += (double)hist->count[t];
        s0 += (double)hist->count[t] * t;
        double d = sum * n0 - n * s0;
        double var = d * d / (n0 * (n - n0));
        if (var > best) {
            best = var;
            first = last = t;
        } else if (var == best && last == t - 1) {
            last = t;
        }
    }
    *threshold = first + (last - first) / 2;
    return BGS_OK;
}
