/*
 * segment_report.c - what `bgsub segment` reports of a fit: the JSON of
 * --json and the figure of --plot (drawn by src/draw/hist_plot.c). See
 * segment.h.
 */
#include "cli/segment.h"

#include "cli/cli.h"
#include "draw/canvas.h"
#include "draw/hist_plot.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PLOT_COMPRESSION 6

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

static void json_number(FILE *out, const char *fmt, double v)
{
    if (isfinite(v))
        fprintf(out, fmt, v);
    else
        fputs("null", out);
}

static void json_array(FILE *out, const char *key, const double *v, int n,
                       const char *fmt, const char *indent)
{
    fprintf(out, "%s\"%s\": [", indent, key);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", out);
        json_number(out, fmt, v[i]);
    }
    fputs("]", out);
}

/* "key": number, on a line of its own (a comma after it unless last). */
static void json_line(FILE *out, const char *in, const char *key, const char *fmt,
                      double v, int last)
{
    fprintf(out, "%s\"%s\": ", in, key);
    json_number(out, fmt, v);
    fputs(last ? "\n" : ",\n", out);
}

static const char *criterion_name(bgs_hist_criterion c)
{
    return c == BGS_HIST_BIC ? "bic" : "icl";
}

/* A mixture's fields (global mode's fit, or local mode's "global_fit"). */
static void json_gmm(FILE *out, const seg_options *o, const seg_fit *f, int k_auto,
                     const char *in)
{
    const bgs_hist_fit_result *r = &f->gmm;
    double regions[BGS_HIST_MAX_THRESHOLDS + 1];
    for (int i = 0; i <= r->n_thresholds; i++)
        regions[i] = r->region_labels[i];
    fprintf(out, "%s\"pixels\": %llu,\n", in, (unsigned long long)bgs_hist_total(&f->hist));
    fprintf(out, "%s\"method\": \"gmm\",\n", in);
    fprintf(out, "%s\"k\": %d,\n", in, r->k);
    fprintf(out, "%s\"k_auto\": %s,\n", in, k_auto ? "true" : "false");
    json_array(out, "weights", r->weights, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "means", r->means, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "sigmas", r->sigmas, r->k, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "thresholds", r->thresholds, r->n_thresholds, "%.10g", in);
    fputs(",\n", out);
    json_array(out, "region_labels", regions, r->n_thresholds + 1, "%.0f", in);
    fputs(",\n", out);
    fprintf(out, "%s\"otsu_threshold\": %d,\n", in, f->otsu);
    json_line(out, in, "log_likelihood", "%.17g", r->log_likelihood, 0);
    json_line(out, in, "bic", "%.17g", r->bic, 0);
    json_line(out, in, "entropy", "%.17g", r->entropy, 0);
    json_line(out, in, "icl", "%.17g", r->icl, 0);
    fprintf(out, "%s\"iterations\": %d,\n", in, r->iterations);
    fprintf(out, "%s\"converged\": %s,\n", in, r->converged ? "true" : "false");
    fprintf(out, "%s\"stop\": \"%s\",\n", in, r->converged ? "tolerance" : "max_iter");
    fprintf(out, "%s\"restart\": %d", in, r->restart);
    if (o->trace) {
        fputs(",\n", out);
        json_array(out, "loglik", f->loglik, r->n_loglik, "%.17g", in);
    }
    if (k_auto) {
        fprintf(out, ",\n%s\"criterion\": \"%s\",\n%s\"per_k\": [", in,
                criterion_name(o->fit.criterion), in);
        for (int i = 0; i < f->n_per_k; i++) {
            const bgs_hist_fit_result *p = &f->per_k[i];
            fprintf(out, "%s\n%s  {\"k\": %d, \"log_likelihood\": ", i ? "," : "", in, p->k);
            json_number(out, "%.17g", p->log_likelihood);
            fputs(", \"bic\": ", out);
            json_number(out, "%.17g", p->bic);
            fputs(", \"icl\": ", out);
            json_number(out, "%.17g", p->icl);
            fputs(", \"entropy\": ", out);
            json_number(out, "%.17g", p->entropy);
            fputs("}", out);
        }
        fprintf(out, "%s%s]", f->n_per_k ? "\n" : "", f->n_per_k ? in : "");
    }
    fputs("\n", out);
}

static const char *tile_source_name(bgs_hist_tile_source s)
{
    return s == BGS_TILE_FITTED ? "fitted" : s == BGS_TILE_BORROWED ? "borrowed" : "global";
}

/* One tile on one line. */
static void json_tile(FILE *out, const bgs_hist_tile *t, int col, int row)
{
    fprintf(out,
            "{\"col\": %d, \"row\": %d, \"x\": %d, \"y\": %d, \"width\": %d, "
            "\"height\": %d, \"window\": [%d, %d, %d, %d], \"source\": \"%s\", "
            "\"threshold\": ",
            col, row, t->x, t->y, t->width, t->height, t->window_x, t->window_y,
            t->window_width, t->window_height, tile_source_name(t->source));
    json_number(out, "%.10g", t->threshold);
    fputs(", \"level\": ", out);
    json_number(out, "%.10g", t->level);
    json_array(out, "weights", t->weights, 2, "%.10g", ", ");
    json_array(out, "means", t->means, 2, "%.10g", ", ");
    json_array(out, "sigmas", t->sigmas, 2, "%.10g", ", ");
    fputs(", \"own_threshold\": ", out);
    json_number(out, "%.10g", t->own_threshold);
    fputs(", \"separation\": ", out);
    json_number(out, "%.10g", t->separation);
    fputs(", \"icl_gain\": ", out);
    json_number(out, "%.10g", t->icl_gain);
    fprintf(out, ", \"iterations\": %d, \"converged\": %s, \"distance\": %d, \"donors\": %d}",
            t->iterations, t->converged ? "true" : "false", t->distance, t->donors);
}

static void json_local(FILE *out, const seg_options *o, const seg_fit *f, const char *in)
{
    int cols, rows, n[3] = {0, 0, 0};
    const bgs_hist_tile *tiles = bgs_hist_local_tiles(f->local, &cols, &rows);
    for (int i = 0; i < cols * rows; i++)
        if ((unsigned)tiles[i].source < 3)
            n[tiles[i].source]++;
    fprintf(out, "%s\"cols\": %d,\n%s\"rows\": %d,\n", in, cols, in, rows);
    fprintf(out, "%s\"tiles_fitted\": %d,\n%s\"tiles_borrowed\": %d,\n%s\"tiles_global\": %d,\n",
            in, n[BGS_TILE_FITTED], in, n[BGS_TILE_BORROWED], in, n[BGS_TILE_GLOBAL]);
    fprintf(out, "%s\"tiles\": [", in);
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < cols; i++) {
            fprintf(out, "%s\n%s  ", i || j ? "," : "", in);
            json_tile(out, &tiles[j * cols + i], i, j);
        }
    fprintf(out, "\n%s]", in);
    if (f->have_gmm) {
        char deeper[64];
        snprintf(deeper, sizeof deeper, "%s  ", in);
        fprintf(out, ",\n%s\"global_fit\": {\n", in);
        json_gmm(out, o, f, 0, deeper);
        fprintf(out, "%s}", in);
    }
    fputs("\n", out);
}

void seg_json_fit(FILE *out, const seg_options *o, const seg_fit *f, const char *in)
{
    if (o->local) {
        json_local(out, o, f, in);
        return;
    }
    if (f->method == METHOD_OTSU) {
        double cut = f->otsu + 0.5;
        fprintf(out, "%s\"pixels\": %llu,\n", in,
                (unsigned long long)bgs_hist_total(&f->hist));
        fprintf(out, "%s\"method\": \"otsu\",\n", in);
        fprintf(out, "%s\"threshold\": %d,\n", in, f->otsu);
        json_array(out, "thresholds", &cut, 1, "%.1f", in);
        fputs("\n", out);
        return;
    }
    json_gmm(out, o, f, o->k_auto, in);
}

void seg_json_params(FILE *out, const seg_options *o, const char *in)
{
    fprintf(out,
            "%s\"params\": {\"restarts\": %d, \"max_iter\": %d, \"tol\": %.10g, "
            "\"var_floor\": %.10g, \"seed\": %llu, \"kmax\": %d},\n",
            in, o->fit.restarts, o->fit.max_iter, o->fit.tol, o->fit.var_floor,
            (unsigned long long)o->fit.seed, o->kmax);
    fprintf(out, "%s\"scope\": \"%s\",\n", in, o->local ? "local" : "global");
    if (!o->local)
        return;
    const bgs_hist_local_params *p = &o->local_params;
    fprintf(out,
            "%s\"local\": {\"tile_size\": %d, \"cols\": %d, \"rows\": %d, "
            "\"overlap\": %.10g, \"min_separation\": %.10g, \"min_weight\": %.10g, "
            "\"min_contrast\": %.10g, \"extrapolate\": %s, \"restarts\": %d, "
            "\"max_iter\": %d, \"tol\": %.10g, \"var_floor\": %.10g, \"seed\": %llu},\n",
            in, p->tile_size, p->cols, p->rows, p->overlap, p->min_separation,
            p->min_weight, p->min_contrast, p->extrapolate ? "true" : "false",
            p->fit.restarts, p->fit.max_iter, p->fit.tol, p->fit.var_floor,
            (unsigned long long)p->fit.seed);
}

/* ------------------------------------------------------------------------ */
/* The figure                                                               */
/* ------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

int seg_write_plot(const seg_options *o, const seg_fit *f, const char *name,
                   const uint8_t *map, int width, int height)
{
    char err[512], title[256], subtitle[256];
    const char *shown = base_name(name);
    const bgs_hist_fit_result *r = f->have_gmm ? &f->gmm : NULL;
    hist_plot_local lc = {0};
    if (o->local) {
        int cols, rows;
        const bgs_hist_tile *tiles = bgs_hist_local_tiles(f->local, &cols, &rows);
        lc = (hist_plot_local){tiles, cols, rows, map, width, height, width};
        snprintf(title, sizeof title, "%s: local thresholds, %dx%d tiles, K = 2", shown, cols,
                 rows);
        snprintf(subtitle, sizeof subtitle,
                 "Every pixel has its own threshold (the map, right). The histogram is the "
                 "whole image's, with its own K = 2 fit for comparison.");
    } else if (f->method == METHOD_OTSU) {
        snprintf(title, sizeof title, "%s: Otsu's threshold %d", shown, f->otsu);
        snprintf(subtitle, sizeof subtitle,
                 "Global: one threshold for the whole image (maximal between-class "
                 "variance).");
    } else {
        if (o->k_auto)
            snprintf(title, sizeof title, "%s: K = %d, chosen by %s among K = 1..%d", shown,
                     r->k, o->fit.criterion == BGS_HIST_BIC ? "BIC" : "ICL", o->kmax);
        else
            snprintf(title, sizeof title, "%s: K = %d (given), mixture fit", shown, r->k);
        snprintf(subtitle, sizeof subtitle,
                 "Global: the Gaussian mixture fitted to the histogram by EM; each gray "
                 "level goes to its most probable component.");
    }
    double scores[BGS_HIST_MAX_K];
    int n_scores = 0;
    if (o->k_auto && f->have_gmm && f->n_per_k > 0) {
        double pixels = (double)bgs_hist_total(&f->hist);
        for (int k = 0; k < f->n_per_k; k++)
            scores[k] = (o->fit.criterion == BGS_HIST_BIC ? f->per_k[k].bic
                                                          : f->per_k[k].icl) / pixels;
        n_scores = f->n_per_k;
    }
    hist_plot_info info = {
        .title = title,
        .subtitle = subtitle,
        .hist = &f->hist,
        .fit = r,
        .otsu = f->method == METHOD_OTSU || o->plot_otsu ? f->otsu : -1,
        .score_name = o->fit.criterion == BGS_HIST_BIC ? "BIC" : "ICL",
        .n_scores = n_scores,
        .scores = scores,
        .local = o->local ? &lc : NULL,
    };
    canvas cv;
    if (hist_plot_draw(&cv, &info) != 0) {
        cli_error("out of memory for the plot");
        return EXIT_FAILURE_STATUS;
    }
    int rc = image_save_png(o->plot, cv.px, cv.width, cv.height, 3, (ptrdiff_t)cv.width * 3,
                            PLOT_COMPRESSION, o->force ? OUTPUT_FILE_FORCE : 0, err,
                            sizeof err);
    canvas_free(&cv);
    if (rc != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}
