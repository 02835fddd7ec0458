/*
 * segment_study.c - the measurements behind docs/segment.md ("Local
 * thresholds" and "Choosing K"), and the benchmark of the local fit.
 *
 *   segment_study --synthetic [--size N]   pixel error per synthetic case and
 *                                           method (tests/unit/segment_cases.h)
 *   segment_study --natural DIR [--out DIR] chosen K per criterion, and the
 *                                           global / local mask pictures, for
 *                                           camera, coins, moon, page, text
 *   segment_study --bench [--reps N]       4K local fit on one core
 *
 * Local-fit options for all three: --tiles CxR, --tile N, --overlap F,
 * --min-separation D, --min-weight W, --min-contrast C, --hold (no
 * extrapolation).
 * Prints Markdown tables on stdout. Exit status 1 on any failure.
 */
#include "bgsub.h"
#include "io/image_io.h"
#include "io/output_file.h"
#include "../tests/unit/segment_cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct options {
    int synthetic, bench, size, reps, dump, seed;
    const char *natural, *out;
    bgs_hist_local_params local;
} options;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------ */
/* Methods on one gray image                                                */
/* ------------------------------------------------------------------------ */

static int mask_global_otsu(const uint8_t *img, int w, int h, uint8_t *mask, int *t)
{
    bgs_hist hist;
    if (bgs_hist_build(&hist, w, h, img, w) != BGS_OK || bgs_hist_otsu(&hist, t) != BGS_OK)
        return -1;
    for (size_t i = 0; i < (size_t)w * h; i++)
        mask[i] = img[i] > *t ? 255 : 0;
    return 0;
}

/* K = 2 mixture over the whole image: bright component = 255. */
static int mask_global_gmm(const uint8_t *img, int w, int h, uint8_t *mask,
                           bgs_hist_fit_result *r)
{
    bgs_hist hist;
    bgs_hist_fit_params p;
    bgs_hist_fit_params_default(&p);
    uint8_t lut[256];
    if (bgs_hist_build(&hist, w, h, img, w) != BGS_OK || bgs_hist_fit(&hist, &p, r) != BGS_OK ||
        bgs_hist_lut(r, lut) != BGS_OK)
        return -1;
    for (size_t i = 0; i < (size_t)w * h; i++)
        mask[i] = lut[img[i]] ? 255 : 0;
    return 0;
}

static int mask_local_gmm(const uint8_t *img, int w, int h, const bgs_hist_local_params *p,
                          uint8_t *mask, uint8_t *map8, int *fitted, int *tiles)
{
    bgs_hist_local *loc = bgs_hist_local_create(w, h, p);
    if (!loc || bgs_hist_local_fit(loc, img, w) != BGS_OK ||
        bgs_hist_local_mask(loc, img, w, mask, w) != BGS_OK ||
        (map8 && bgs_hist_local_threshold_map8(loc, map8, w) != BGS_OK)) {
        fprintf(stderr, "segment_study: local fit: %s\n", bgs_last_error());
        bgs_hist_local_free(loc);
        return -1;
    }
    int cols, rows;
    const bgs_hist_tile *t = bgs_hist_local_tiles(loc, &cols, &rows);
    *tiles = cols * rows;
    *fitted = 0;
    for (int k = 0; k < cols * rows; k++)
        *fitted += t[k].source == BGS_TILE_FITTED;
    bgs_hist_local_free(loc);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Synthetic cases                                                          */
/* ------------------------------------------------------------------------ */

static int run_synthetic(const options *o)
{
    int n = o->size;
    uint8_t *mask = malloc((size_t)n * n);
    if (!mask)
        return -1;
    bgs_hist_local *probe = bgs_hist_local_create(n, n, &o->local);
    if (!probe) {
        fprintf(stderr, "segment_study: %s\n", bgs_last_error());
        return -1;
    }
    int cols, rows;
    bgs_hist_local_tiles(probe, &cols, &rows);
    bgs_hist_local_free(probe);
    printf("Synthetic %dx%d, background N(80, 10), objects N(150, 12), local grid %dx%d, "
           "overlap %.2f. Pixel error in %%.\n\n", n, n, cols, rows, o->local.overlap);
    printf("| case | global Otsu | global mixture | local Otsu | Sauvola | local mixture "
           "| tiles fitted | Bayes (known light) |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    double worst_margin = INFINITY;
    for (size_t c = 0; c < SC_NCASES; c++) {
        const sc_case *cs = &sc_cases[c];
        sc_image s;
        if (sc_make(&s, cs, n, n, (o->seed ? o->seed : 7000) + c) != 0)
            return -1;
        int t, fitted, tiles;
        bgs_hist_fit_result *r = malloc(sizeof *r);
        double e[6];
        if (!r || mask_global_otsu(s.img, n, n, mask, &t) != 0)
            return -1;
        e[0] = sc_error(&s, mask);
        if (mask_global_gmm(s.img, n, n, mask, r) != 0)
            return -1;
        e[1] = sc_error(&s, mask);
        sc_mask_local_otsu(&s, cols, rows, o->local.overlap, mask);
        e[2] = sc_error(&s, mask);
        sc_mask_sauvola(&s, 2 * (n / cols) + 1, 0.2, 1, mask);
        e[3] = sc_error(&s, mask);
        if (mask_local_gmm(s.img, n, n, &o->local, mask, NULL, &fitted, &tiles) != 0)
            return -1;
        e[4] = sc_error(&s, mask);
        sc_mask_bayes(&s, cs, mask);
        e[5] = sc_error(&s, mask);
        printf("| %s | %.2f | %.2f | %.2f | %.2f | **%.2f** | %d / %d | %.2f |\n", cs->name,
               100 * e[0], 100 * e[1], 100 * e[2], 100 * e[3], 100 * e[4], fitted, tiles,
               100 * e[5]);
        double best_other = fmin(fmin(e[0], e[1]), fmin(e[2], e[3]));
        if (best_other - e[4] < worst_margin)
            worst_margin = best_other - e[4];
        free(r);
        sc_free(&s);
    }
    printf("\nSmallest lead of the local mixture over the best other method: %.3f "
           "percentage points.\n", 100 * worst_margin);
    free(mask);
    return 0;
}

/* The tile grid of one synthetic case: per tile F (fitted) / B (borrowed)
 * / G (global), its threshold, and the Bayes threshold at its centre. */
static int dump_case(const options *o, int which)
{
    int n = o->size;
    const sc_case *cs = &sc_cases[which];
    sc_image s;
    if (sc_make(&s, cs, n, n, (o->seed ? o->seed : 7000) + which) != 0)
        return -1;
    bgs_hist_local *loc = bgs_hist_local_create(n, n, &o->local);
    if (!loc || bgs_hist_local_fit(loc, s.img, n) != BGS_OK)
        return -1;
    int cols, rows;
    const bgs_hist_tile *t = bgs_hist_local_tiles(loc, &cols, &rows);
    printf("%s: source threshold (Bayes at centre) separation icl_gain w_min\n", cs->name);
    for (int j = 0; j < rows; j++) {
        for (int i = 0; i < cols; i++) {
            const bgs_hist_tile *q = &t[j * cols + i];
            int cx = q->x + q->width / 2, cy = q->y + q->height / 2;
            double g, off;
            sc_light_at(cs, n, n, cx, cy, &g, &off);
            double b = sc_boundary(1 - cs->fraction, g * cs->bg_mean + off, cs->bg_sigma,
                                   cs->fraction, g * cs->obj_mean + off, cs->obj_sigma);
            printf(" %c%5.1f(%5.1f) %4.1f %5.2f %.2f |", "FBG"[q->source], q->threshold, b,
                   q->separation, q->icl_gain, fmin(q->weights[0], q->weights[1]));
        }
        printf("\n");
    }
    bgs_hist_local_free(loc);
    sc_free(&s);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Natural images                                                           */
/* ------------------------------------------------------------------------ */

static const char *natural_names[] = {"camera", "coins", "moon", "page", "text"};

/* Per K: mean log-likelihood and classification entropy per pixel, BIC and
 * ICL; the K each criterion picks and the reason in one line. */
static void choose_k(const char *name, const bgs_hist *h)
{
    enum { KMAX = 6 };
    bgs_hist_fit_params p;
    bgs_hist_fit_params_default(&p);
    bgs_hist_fit_result *r = malloc(sizeof *r);
    double ll[KMAX], en[KMAX], bic[KMAX], icl[KMAX];
    double n = (double)bgs_hist_total(h);
    int kb = 1, ki = 1;
    for (int k = 1; k <= KMAX; k++) {
        p.k = k;
        bgs_hist_fit(h, &p, r);
        ll[k - 1] = r->log_likelihood / n;
        en[k - 1] = r->entropy / n;
        bic[k - 1] = r->bic;
        icl[k - 1] = r->icl;
        if (bic[k - 1] < bic[kb - 1])
            kb = k;
        if (icl[k - 1] < icl[ki - 1])
            ki = k;
    }
    printf("| %s | %d | %d |", name, kb, ki);
    for (int k = 1; k <= KMAX; k++)
        printf(" %+.3f / %.3f |", ll[k - 1] - ll[0], en[k - 1]);
    /* Why ICL stopped: the next K's likelihood gain against its entropy. */
    if (ki < KMAX)
        printf(" K=%d: +%.3f nats/px of fit, +%.3f of entropy |\n", ki + 1,
               ll[ki] - ll[ki - 1], en[ki] - en[ki - 1]);
    else
        printf(" |\n");
    free(r);
}

/* Side by side: the image, the global mixture's mask, the local mixture's
 * mask and the local threshold map, with 4-pixel gray gaps. */
static int write_panel(const char *path, const image *im, const uint8_t *g,
                       const uint8_t *l, const uint8_t *map)
{
    int w = im->width, h = im->height, gap = 4, pw = 4 * w + 3 * gap;
    uint8_t *p = malloc((size_t)pw * h);
    if (!p)
        return -1;
    memset(p, 128, (size_t)pw * h);
    for (int y = 0; y < h; y++) {
        memcpy(p + (size_t)y * pw, im->data + y * im->stride, w);
        memcpy(p + (size_t)y * pw + w + gap, g + (size_t)y * w, w);
        memcpy(p + (size_t)y * pw + 2 * (w + gap), l + (size_t)y * w, w);
        memcpy(p + (size_t)y * pw + 3 * (w + gap), map + (size_t)y * w, w);
    }
    char err[512];
    int rc = image_save_png(path, p, pw, h, 1, pw, 6, OUTPUT_FILE_FORCE, err, sizeof err);
    if (rc)
        fprintf(stderr, "segment_study: %s\n", err);
    free(p);
    return rc;
}

static int run_natural(const options *o)
{
    printf("Chosen K (1..6) and, per K, the gain in mean log-likelihood over K = 1 / the "
           "classification entropy, nats per pixel.\n\n");
    printf("| image | BIC picks | ICL picks | K=1 | K=2 | K=3 | K=4 | K=5 | K=6 | why ICL "
           "stops |\n|---|---:|---:|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < 5; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.png", o->natural, natural_names[i]);
        image im;
        char err[512];
        if (image_load(path, 1, &im, err, sizeof err) != 0) {
            fprintf(stderr, "segment_study: %s\n", err);
            return -1;
        }
        bgs_hist h;
        bgs_hist_build(&h, im.width, im.height, im.data, im.stride);
        choose_k(natural_names[i], &h);
        image_free(&im);
    }
    printf("\n| image | size | global mixture threshold | Otsu | local grid | tiles fitted "
           "| dark pixels global / local |\n|---|---|---:|---:|---|---:|---|\n");
    for (size_t i = 0; i < 5; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.png", o->natural, natural_names[i]);
        image im;
        char err[512];
        if (image_load(path, 1, &im, err, sizeof err) != 0)
            return -1;
        int w = im.width, h = im.height;
        uint8_t *img = malloc((size_t)w * h), *g = malloc((size_t)w * h);
        uint8_t *l = malloc((size_t)w * h), *map = malloc((size_t)w * h);
        bgs_hist_fit_result *r = malloc(sizeof *r);
        for (int y = 0; y < h; y++)
            memcpy(img + (size_t)y * w, im.data + y * im.stride, w);
        int fitted, tiles, t;
        bgs_hist hist;
        if (mask_global_gmm(img, w, h, g, r) != 0 ||
            mask_local_gmm(img, w, h, &o->local, l, map, &fitted, &tiles) != 0 ||
            bgs_hist_build(&hist, w, h, img, w) != BGS_OK || bgs_hist_otsu(&hist, &t) != BGS_OK)
            return -1;
        size_t dg = 0, dl = 0;
        for (size_t k = 0; k < (size_t)w * h; k++) {
            dg += g[k] == 0;
            dl += l[k] == 0;
        }
        double thr = NAN;
        for (int j = 0; j < r->n_thresholds; j++)
            if (r->thresholds[j] > r->means[0] && r->thresholds[j] < r->means[1])
                thr = r->thresholds[j];
        bgs_hist_local *probe = bgs_hist_local_create(w, h, &o->local);
        int cols = 0, rows = 0;
        bgs_hist_local_tiles(probe, &cols, &rows);
        bgs_hist_local_free(probe);
        printf("| %s | %dx%d | %.1f | %d | %dx%d | %d / %d | %.1f %% / %.1f %% |\n",
               natural_names[i], w, h, thr, t, cols, rows, fitted, tiles,
               100.0 * dg / ((double)w * h), 100.0 * dl / ((double)w * h));
        if (o->out) {
            snprintf(path, sizeof path, "%s/%s.png", o->out, natural_names[i]);
            if (write_panel(path, &im, g, l, map) != 0)
                return -1;
        }
        free(img);
        free(g);
        free(l);
        free(map);
        free(r);
        image_free(&im);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Benchmark                                                                */
/* ------------------------------------------------------------------------ */

static int run_bench(const options *o)
{
    enum { W = 3840, H = 2160 };
    const sc_case *cs = &sc_cases[7]; /* radial 0.5, 10 % objects */
    sc_image s;
    if (sc_make(&s, cs, W, H, 4) != 0)
        return -1;
    uint8_t *mask = malloc((size_t)W * H);
    bgs_hist_local *loc = bgs_hist_local_create(W, H, &o->local);
    bgs_hist *hist = malloc(sizeof *hist);
    bgs_hist_fit_result *r = malloc(sizeof *r);
    if (!mask || !loc || !hist || !r)
        return -1;
    double best_fit = INFINITY, best_mask = INFINITY, best_h = INFINITY, best_g = INFINITY;
    bgs_hist_fit_params gp;
    bgs_hist_fit_params_default(&gp);
    for (int rep = 0; rep < o->reps; rep++) {
        double t0 = now();
        if (bgs_hist_local_fit(loc, s.img, W) != BGS_OK)
            return -1;
        double t1 = now();
        bgs_hist_local_mask(loc, s.img, W, mask, W);
        double t2 = now();
        bgs_hist_build(hist, W, H, s.img, W);
        double t3 = now();
        bgs_hist_fit(hist, &gp, r);
        double t4 = now();
        best_fit = fmin(best_fit, t1 - t0);
        best_mask = fmin(best_mask, t2 - t1);
        best_h = fmin(best_h, t3 - t2);
        best_g = fmin(best_g, t4 - t3);
    }
    int cols, rows, fitted = 0, iters = 0;
    const bgs_hist_tile *t = bgs_hist_local_tiles(loc, &cols, &rows);
    for (int k = 0; k < cols * rows; k++) {
        fitted += t[k].source == BGS_TILE_FITTED;
        iters += t[k].iterations;
    }
    printf("4K (%dx%d) gray, case \"%s\", one thread, best of %d:\n", W, H, cs->name, o->reps);
    printf("  local fit   %dx%d tiles (%d fitted, %d EM iterations in all), overlap %.2f: "
           "%.1f ms\n", cols, rows, fitted, iters, o->local.overlap, 1e3 * best_fit);
    printf("  local mask  %.1f ms\n", 1e3 * best_mask);
    printf("  local total %.1f ms\n", 1e3 * (best_fit + best_mask));
    printf("  global: histogram %.2f ms + EM fit (k=2, %d restarts, %d iterations kept) "
           "%.2f ms\n", 1e3 * best_h, gp.restarts, r->iterations, 1e3 * best_g);
    bgs_hist_local_free(loc);
    free(mask);
    free(hist);
    free(r);
    sc_free(&s);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f, "usage: segment_study [--synthetic] [--natural DIR [--out DIR]] [--bench]\n"
               "       [--size N] [--reps N] [--tiles CxR | --tile N] [--overlap F]\n"
               "       [--min-separation D] [--min-weight W] [--min-contrast C] [--hold]\n");
}

static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->size = 512;
    o->reps = 10;
    bgs_hist_local_params_default(&o->local);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--synthetic"))
            o->synthetic = 1, takes = 0;
        else if (!strcmp(a, "--bench"))
            o->bench = 1, takes = 0;
        else if (!strcmp(a, "--hold"))
            o->local.extrapolate = 0, takes = 0;
        else if (!v)
            return -1;
        else if (!strcmp(a, "--natural"))
            o->natural = v;
        else if (!strcmp(a, "--out"))
            o->out = v;
        else if (!strcmp(a, "--seed"))
            o->seed = atoi(v);
        else if (!strcmp(a, "--case"))
            o->dump = atoi(v) + 1;
        else if (!strcmp(a, "--size"))
            o->size = atoi(v);
        else if (!strcmp(a, "--reps"))
            o->reps = atoi(v);
        else if (!strcmp(a, "--tile"))
            o->local.tile_size = atoi(v), o->local.cols = o->local.rows = 0;
        else if (!strcmp(a, "--tiles")) {
            if (sscanf(v, "%dx%d", &o->local.cols, &o->local.rows) != 2)
                return -1;
            o->local.tile_size = 0;
        } else if (!strcmp(a, "--overlap"))
            o->local.overlap = atof(v);
        else if (!strcmp(a, "--min-separation"))
            o->local.min_separation = atof(v);
        else if (!strcmp(a, "--min-contrast"))
            o->local.min_contrast = atof(v);
        else if (!strcmp(a, "--min-weight"))
            o->local.min_weight = atof(v);
        else
            return -1;
        i += takes;
    }
    if (bgs_hist_local_params_check(&o->local) != BGS_OK) {
        fprintf(stderr, "segment_study: %s\n", bgs_last_error());
        return -1;
    }
    return o->synthetic || o->natural || o->bench || o->dump ? 0 : -1;
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o) != 0 || o.size < 16 || o.reps < 1) {
        usage(stderr);
        return 2;
    }
    if (o.dump && dump_case(&o, o.dump - 1) != 0)
        return 1;
    if (o.synthetic && run_synthetic(&o) != 0)
        return 1;
    if (o.natural && run_natural(&o) != 0)
        return 1;
    if (o.bench && run_bench(&o) != 0)
        return 1;
    return 0;
}
