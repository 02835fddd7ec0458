/*
 * hist_plot.c - the histogram fit drawn as a figure (see hist_plot.h).
 */
#include "draw/hist_plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LEVEL_W 3 /* pixels per gray level */
#define PLOT_RIGHT (HIST_PLOT_LEFT + LEVEL_W * BGS_HIST_BINS) /* first x right of it */
#define LEGEND_RIGHT (HIST_PLOT_WIDTH - 10)
#define SWATCH_W 28
#define SQRT_2PI 2.5066282746310002

static const canvas_rgb white = {255, 255, 255}, black = {0, 0, 0};
static const canvas_rgb grid = {232, 232, 232}, text_gray = {90, 90, 90};
static const canvas_rgb bar = {HIST_PLOT_BAR}, clipped = {HIST_PLOT_CLIPPED};
static const canvas_rgb red = {HIST_PLOT_MIXTURE}, magenta = {HIST_PLOT_OTSU};
static const canvas_rgb band = {HIST_PLOT_BAND}, fitted = {HIST_PLOT_FITTED};
static const canvas_rgb borrowed = {HIST_PLOT_BORROWED}, global = {HIST_PLOT_GLOBAL};

canvas_rgb hist_plot_component_colour(int j)
{
    static const canvas_rgb palette[BGS_HIST_MAX_K] = {
        {31, 119, 180}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189},
        {23, 190, 207}, {140, 86, 75}, {227, 119, 194}, {188, 189, 34},
    };
    return palette[(j % BGS_HIST_MAX_K + BGS_HIST_MAX_K) % BGS_HIST_MAX_K];
}

/* ------------------------------------------------------------------------ */
/* Coordinates                                                              */
/* ------------------------------------------------------------------------ */

/* x of a gray level (a real number: level v's bar is centred on v). */
static double plot_x(double level)
{
    return HIST_PLOT_LEFT + LEVEL_W * (level + 0.5) - 0.5;
}

/* y of a count; a count above ymax sits just above the frame's top. */
static int plot_y(double count, double ymax)
{
    double h = HIST_PLOT_BOTTOM - 1 - HIST_PLOT_TOP;
    double y = HIST_PLOT_BOTTOM - 1 - count / ymax * h;
    if (y < HIST_PLOT_TOP - 2)
        y = HIST_PLOT_TOP - 2;
    return (int)lround(y);
}

/* Expected count at gray level x of component j (j < 0: the mixture). */
static double model_count(const bgs_hist_fit_result *r, int j, double x,
                          double pixels)
{
    double sum = 0.0;
    for (int i = 0; i < r->k; i++) {
        if ((j >= 0 && i != j) || !(r->weights[i] > 0.0))
            continue;
        double z = (x - r->means[i]) / r->sigmas[i];
        sum += r->weights[i] * exp(-0.5 * z * z) / (r->sigmas[i] * SQRT_2PI);
    }
    return sum * pixels;
}

/* A round step giving about `want` intervals over span: 1, 2 or 5 times a
 * power of ten (never below 1: counts are whole). */
static double nice_step(double span, int want)
{
    double raw = span / want;
    if (raw <= 1.0)
        return 1.0;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

/* A count as a tick label: 500, 2k, 1.5k, 2M (step decides the unit). */
static void count_label(char *text, size_t size, double v, double step)
{
    if (v == 0.0)
        snprintf(text, size, "0");
    else if (step >= 1e6 - 0.5)
        snprintf(text, size, "%gM", v / 1e6);
    else if (step >= 1e3 - 0.5)
        snprintf(text, size, "%gk", v / 1e3);
    else
        snprintf(text, size, "%.0f", v);
}

/* ------------------------------------------------------------------------ */
/* The pieces                                                               */
/* ------------------------------------------------------------------------ */

static void draw_curve(canvas *cv, const bgs_hist_fit_result *r, int j,
                       double pixels, double ymax, int width, canvas_rgb c)
{
    int prev_y = 0;
    for (int px = HIST_PLOT_LEFT; px < PLOT_RIGHT; px++) {
        double level = (px + 0.5 - HIST_PLOT_LEFT) / LEVEL_W - 0.5;
        int y = plot_y(model_count(r, j, level, pixels), ymax);
        if (px > HIST_PLOT_LEFT)
            canvas_line(cv, px - 1, prev_y, px, y, width, c);
        prev_y = y;
    }
}

/* A vertical line of dashes `on` pixels long, `off` apart, 2 pixels wide,
 * at a gray level, over the frame's height. */
static void draw_dashes(canvas *cv, double level, int on, int off, canvas_rgb c)
{
    int x = (int)lround(plot_x(level));
    for (int y = HIST_PLOT_TOP; y < HIST_PLOT_BOTTOM; y++)
        if ((y - HIST_PLOT_TOP) % (on + off) < on)
            canvas_fill_rect(cv, x, y, x + 1, y, c);
}

/* Labels at the top of the vertical lines, each right of its line, moved
 * down a row when it would run into one already placed. */
typedef struct line_labels {
    int n;
    int x0[BGS_HIST_MAX_THRESHOLDS + 2], x1[BGS_HIST_MAX_THRESHOLDS + 2];
    int row[BGS_HIST_MAX_THRESHOLDS + 2];
} line_labels;

static void label_line(canvas *cv, line_labels *ll, double level, const char *text,
                       canvas_rgb c)
{
    int x = (int)lround(plot_x(level)) + 4, w = canvas_text_width(text, 1);
    if (x + w > PLOT_RIGHT - 2) /* no room on the right: on the left */
        x = (int)lround(plot_x(level)) - 3 - w;
    int row = 0;
    for (int again = 1; again && row < 8;) {
        again = 0;
        for (int i = 0; i < ll->n; i++)
            if (ll->row[i] == row && x < ll->x1[i] + 4 && x + w + 4 > ll->x0[i]) {
                row++;
                again = 1;
                break;
            }
    }
    int y = HIST_PLOT_TOP + 3 + row * 12;
    canvas_fill_rect(cv, x - 1, y - 1, x + w, y + CANVAS_FONT_H - 2, white);
    canvas_text(cv, x, y, text, 1, c);
    if (ll->n < (int)(sizeof ll->row / sizeof ll->row[0])) {
        ll->x0[ll->n] = x;
        ll->x1[ll->n] = x + w;
        ll->row[ll->n] = row;
        ll->n++;
    }
}

static void draw_axes(canvas *cv, double ymax)
{
    int base = HIST_PLOT_BOTTOM, left = HIST_PLOT_LEFT - 1;
    /* y: about 5 round steps, a light grid line at each. */
    double step = nice_step(ymax, 5);
    for (int k = 0; k <= 40; k++) {
        double v = k * step;
        if (v > ymax)
            break;
        int y = plot_y(v, ymax);
        char text[32];
        count_label(text, sizeof text, v, step);
        if (k > 0)
            canvas_line(cv, left - 5, y, left - 1, y, 1, black);
        canvas_text(cv, left - 8 - canvas_text_width(text, 1), y - 4, text, 1, black);
    }
    /* x: a tick every 16 levels, labels every 32, and 255. */
    for (int v = 0; v <= 256; v += 16) {
        int level = v == 256 ? 255 : v;
        int x = (int)lround(plot_x(level));
        int major = v % 32 == 0 || v == 256;
        canvas_line(cv, x, base + 1, x, base + (major ? 5 : 3), 1, black);
        if (major) {
            char text[8];
            snprintf(text, sizeof text, "%d", level);
            canvas_text(cv, x - canvas_text_width(text, 1) / 2, base + 9, text, 1, black);
        }
    }
    canvas_line(cv, left, HIST_PLOT_TOP, left, base, 1, black);
    canvas_line(cv, left, base, PLOT_RIGHT, base, 1, black);
    const char *xt = "gray level", *yt = "pixels";
    canvas_text(cv, (HIST_PLOT_LEFT + PLOT_RIGHT - canvas_text_width(xt, 1)) / 2, base + 26,
                xt, 1, black);
    canvas_text_up(cv, 10, (HIST_PLOT_TOP + base + canvas_text_width(yt, 1)) / 2, yt, 1,
                   black);
}

static void draw_grid(canvas *cv, double ymax)
{
    double step = nice_step(ymax, 5);
    for (int k = 1; k <= 40 && k * step <= ymax; k++) {
        int y = plot_y(k * step, ymax);
        canvas_line(cv, HIST_PLOT_LEFT, y, PLOT_RIGHT - 1, y, 1, grid);
    }
    for (int v = 32; v < 256; v += 32) {
        int x = (int)lround(plot_x(v));
        canvas_line(cv, x, HIST_PLOT_TOP, x, HIST_PLOT_BOTTOM - 1, 1, grid);
    }
}

/* Bars; returns how many were clipped (taller than the frame). */
static int draw_bars(canvas *cv, const bgs_hist *hist, double ymax)
{
    int n = 0;
    for (int v = 0; v < BGS_HIST_BINS; v++) {
        if (!hist->count[v])
            continue;
        int x0 = HIST_PLOT_LEFT + LEVEL_W * v, x1 = x0 + LEVEL_W - 1;
        int y = plot_y((double)hist->count[v], ymax);
        canvas_fill_rect(cv, x0, y, x1, HIST_PLOT_BOTTOM - 1, bar);
        if ((double)hist->count[v] > ymax) {
            canvas_fill_rect(cv, x0, y, x1, y + 4, clipped);
            n++;
        }
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Legend                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum swatch { SW_NONE, SW_BOX, SW_CAP, SW_LINE, SW_DASH, SW_DOTS, SW_RUG } swatch;

typedef struct legend {
    canvas *cv;
    int y;     /* top of the next entry */
    int limit; /* no entry may start below this */
    int full;  /* an entry was left out for want of room */
} legend;

static void legend_entry(legend *lg, swatch kind, int width, canvas_rgb c,
                         const char *text)
{
    if (lg->y + HIST_PLOT_LEGEND_LINE > lg->limit) {
        if (!lg->full)
            canvas_text(lg->cv, HIST_PLOT_LEGEND_X + SWATCH_W + 6, lg->y, "...", 1, black);
        lg->full = 1;
        return;
    }
    int x = HIST_PLOT_LEGEND_X, y = lg->y, mid = y + 4;
    switch (kind) {
    case SW_NONE: break;
    case SW_BOX: canvas_fill_rect(lg->cv, x + 4, y, x + SWATCH_W - 4, y + 8, c); break;
    case SW_CAP:
        canvas_fill_rect(lg->cv, x + 4, y, x + SWATCH_W - 4, y + 8, bar);
        canvas_fill_rect(lg->cv, x + 4, y, x + SWATCH_W - 4, y + 3, c);
        break;
    case SW_LINE: canvas_line(lg->cv, x, mid, x + SWATCH_W - 1, mid, width, c); break;
    case SW_DASH:
    case SW_DOTS:
        for (int dx = 0; dx < SWATCH_W; dx++)
            if (kind == SW_DASH ? dx % 13 < 8 : dx % 6 < 2)
                canvas_fill_rect(lg->cv, x + dx, mid - 1, x + dx, mid, c);
        break;
    case SW_RUG:
        for (int dx = 4; dx < SWATCH_W - 4; dx += 6)
            canvas_fill_rect(lg->cv, x + dx, y, x + dx + 1, y + 8, c);
        break;
    }
    canvas_text_before(lg->cv, x + SWATCH_W + 6, y, text, 1, black, LEGEND_RIGHT);
    lg->y += HIST_PLOT_LEGEND_LINE;
}

/* A whole number with its thousands grouped: 1,234,567. */
static void group_digits(char *text, size_t size, double v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            text[o++] = ',';
        text[o++] = digits[i];
    }
    text[o] = '\0';
}

/* "1.5", "12.3", "203.0": one decimal. */
static void fmt_level(char *text, size_t size, double v)
{
    snprintf(text, size, "%.1f", v);
}

static void legend_fit(legend *lg, const hist_plot_info *in, double pixels,
                       int n_clipped)
{
    const bgs_hist_fit_result *r = in->fit;
    char text[128];
    char count[32];
    group_digits(count, sizeof count, pixels);
    snprintf(text, sizeof text, "histogram: %s pixels", count);
    legend_entry(lg, SW_BOX, 0, bar, text);
    if (n_clipped)
        legend_entry(lg, SW_CAP, 0, clipped, n_clipped == 1 ? "bar clipped (taller than shown)"
                                                            : "bars clipped (taller than shown)");
    if (r) {
        for (int j = 0; j < r->k; j++) {
            if (r->weights[j] > 0.0)
                snprintf(text, sizeof text, "component %d: w %.2f, mean %.1f, sd %.1f", j + 1,
                         r->weights[j], r->means[j], r->sigmas[j]);
            else
                snprintf(text, sizeof text, "component %d: unused (w 0)", j + 1);
            legend_entry(lg, SW_LINE, 2, hist_plot_component_colour(j), text);
        }
        if (r->k > 1) {
            snprintf(text, sizeof text, "mixture (K = %d)", r->k);
            legend_entry(lg, SW_LINE, 3, red, text);
        }
        for (int i = 0; i < r->n_thresholds; i++) {
            char t[32];
            fmt_level(t, sizeof t, r->thresholds[i]);
            snprintf(text, sizeof text, "%sthreshold %s: %d | %d",
                     in->local ? "global " : "", t, r->region_labels[i] + 1,
                     r->region_labels[i + 1] + 1);
            legend_entry(lg, SW_DASH, 0, black, text);
        }
        if (r->k > 1 && r->n_thresholds == 0)
            legend_entry(lg, SW_DASH, 0, white, "no threshold: one component wins");
    }
}

/* Why this K: the criterion of every K, the lowest chosen. */
static void legend_scores(legend *lg, const hist_plot_info *in)
{
    char text[128];
    if (!in->fit || in->n_scores <= 0 || !in->scores)
        return;
    lg->y += 6;
    snprintf(text, sizeof text, "%s per pixel (lowest wins):", in->score_name);
    legend_entry(lg, SW_NONE, 0, black, text);
    for (int k = 1; k <= in->n_scores; k++) {
        snprintf(text, sizeof text, "K = %d: %.4f%s", k, in->scores[k - 1],
                 k == in->fit->k ? "  <- chosen" : "");
        legend_entry(lg, SW_NONE, 0, black, text);
    }
}

/* ------------------------------------------------------------------------ */
/* Local fit: the tiles' thresholds and the threshold map                   */
/* ------------------------------------------------------------------------ */

/* A tile's colour by its source. */
static canvas_rgb tile_colour(const bgs_hist_tile *t)
{
    return t->source == BGS_TILE_FITTED ? fitted
           : t->source == BGS_TILE_BORROWED ? borrowed : global;
}

/* The range of the tiles' thresholds, and how many tiles of each source
 * (n[BGS_TILE_FITTED], n[BGS_TILE_BORROWED], n[BGS_TILE_GLOBAL]). */
static void tile_range(const hist_plot_local *lc, double *lo, double *hi, int n[3])
{
    *lo = INFINITY, *hi = -INFINITY;
    n[0] = n[1] = n[2] = 0;
    for (int i = 0; i < lc->cols * lc->rows; i++) {
        double t = lc->tiles[i].threshold;
        if ((unsigned)lc->tiles[i].source < 3)
            n[lc->tiles[i].source]++;
        if (!isfinite(t))
            continue;
        *lo = fmin(*lo, t);
        *hi = fmax(*hi, t);
    }
}

/* The band from the lowest to the highest tile threshold, behind the bars. */
static void draw_band(canvas *cv, const hist_plot_local *lc)
{
    double lo, hi;
    int n[3];
    tile_range(lc, &lo, &hi, n);
    if (!(hi >= lo))
        return;
    int x0 = (int)lround(plot_x(lo)), x1 = (int)lround(plot_x(hi));
    canvas_fill_rect(cv, x0, HIST_PLOT_TOP, x1 + 1, HIST_PLOT_BOTTOM - 1, band);
}

/* One short tick a tile along the x axis at its threshold (a rug):
 * fitted tiles on top of borrowed ones. */
static void draw_rug(canvas *cv, const hist_plot_local *lc)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < lc->cols * lc->rows; i++) {
            const bgs_hist_tile *t = &lc->tiles[i];
            int is_fitted = t->source == BGS_TILE_FITTED;
            if (is_fitted != pass || !isfinite(t->threshold))
                continue;
            int x = (int)lround(plot_x(t->threshold));
            canvas_fill_rect(cv, x, HIST_PLOT_BOTTOM - 12, x + 1, HIST_PLOT_BOTTOM - 1,
                             tile_colour(t));
        }
}

static void legend_local(legend *lg, const hist_plot_local *lc)
{
    double lo, hi;
    int n[3];
    char text[128];
    tile_range(lc, &lo, &hi, n);
    if (!(hi >= lo))
        return;
    snprintf(text, sizeof text, "tile thresholds: %.1f..%.1f", lo, hi);
    legend_entry(lg, SW_BOX, 0, band, text);
    snprintf(text, sizeof text, "fitted tile's threshold (%d)", n[BGS_TILE_FITTED]);
    legend_entry(lg, SW_RUG, 0, fitted, text);
    snprintf(text, sizeof text, "borrowed tile's threshold (%d)", n[BGS_TILE_BORROWED]);
    legend_entry(lg, SW_RUG, 0, borrowed, text);
    if (n[BGS_TILE_GLOBAL] > 0) {
        snprintf(text, sizeof text, "whole image's threshold (%d tiles)", n[BGS_TILE_GLOBAL]);
        legend_entry(lg, SW_RUG, 0, global, text);
    }
}

/* The threshold map (gray = the threshold there) scaled into the box whose
 * top-left is (x, y), at most w x h, with the tiles' centres marked; a
 * caption above. */
static void draw_map(canvas *cv, const hist_plot_local *lc, int x, int y, int w, int h)
{
    canvas_text(cv, x, y, "threshold map (black 0, white 255):", 1, black);
    y += 14;
    h -= 14 + 14;
    if (w < 8 || h < 8 || lc->width < 1 || lc->height < 1)
        return;
    double s = fmin((double)w / lc->width, (double)h / lc->height);
    int mw = (int)fmax(1.0, floor(lc->width * s)), mh = (int)fmax(1.0, floor(lc->height * s));
    for (int j = 0; j < mh; j++) {
        int sy = (int)((j + 0.5) * lc->height / mh);
        const uint8_t *row = lc->map + (ptrdiff_t)sy * lc->stride;
        for (int i = 0; i < mw; i++) {
            uint8_t v = row[(int)((i + 0.5) * lc->width / mw)];
            canvas_rgb c = {v, v, v};
            canvas_fill_rect(cv, x + i, y + j, x + i, y + j, c);
        }
    }
    canvas_outline(cv, x - 1, y - 1, mw + 2, mh + 2, black);
    for (int k = 0; k < lc->cols * lc->rows; k++) {
        const bgs_hist_tile *t = &lc->tiles[k];
        int cx = x + (int)((t->x + t->width / 2.0) * mw / lc->width);
        int cy = y + (int)((t->y + t->height / 2.0) * mh / lc->height);
        canvas_fill_rect(cv, cx - 1, cy - 1, cx + 1, cy + 1, tile_colour(t));
    }
    char text[96];
    snprintf(text, sizeof text, "%dx%d tiles, centres: ", lc->cols, lc->rows);
    int tx = canvas_text_before(cv, x, y + mh + 4, text, 1, text_gray, LEGEND_RIGHT);
    tx = canvas_text_before(cv, tx, y + mh + 4, "fitted", 1, fitted, LEGEND_RIGHT);
    tx = canvas_text_before(cv, tx, y + mh + 4, ", ", 1, text_gray, LEGEND_RIGHT);
    tx = canvas_text_before(cv, tx, y + mh + 4, "borrowed", 1, borrowed, LEGEND_RIGHT);
    int n[3];
    double lo, hi;
    tile_range(lc, &lo, &hi, n);
    if (n[BGS_TILE_GLOBAL] > 0) {
        tx = canvas_text_before(cv, tx, y + mh + 4, ", ", 1, text_gray, LEGEND_RIGHT);
        canvas_text_before(cv, tx, y + mh + 4, "global", 1, global, LEGEND_RIGHT);
    }
}

/* ------------------------------------------------------------------------ */
/* The figure                                                               */
/* ------------------------------------------------------------------------ */

int hist_plot_draw(canvas *cv, const hist_plot_info *in)
{
    const bgs_hist_fit_result *r = in->fit;
    const bgs_hist *hist = in->hist;
    double pixels = (double)bgs_hist_total(hist);
    if (canvas_init(cv, HIST_PLOT_WIDTH, HIST_PLOT_HEIGHT, white) != 0)
        return -1;
    /* Vertical scale: the mixture's peak, or the tallest bar if that is not
     * far above it (a spike of saturated pixels would flatten the rest). */
    double hmax = 1.0, peak = 0.0;
    for (int v = 0; v < BGS_HIST_BINS; v++)
        hmax = fmax(hmax, (double)hist->count[v]);
    if (r)
        for (double x = 0.0; x <= 255.0; x += 0.25)
            peak = fmax(peak, model_count(r, -1, x, pixels));
    double ymax = 1.05 * (r && peak > 0.0 ? fmax(peak, fmin(hmax, 1.5 * peak)) : hmax);

    if (in->title)
        canvas_text_before(cv, 12, 10, in->title, 2, black, HIST_PLOT_WIDTH - 12);
    if (in->subtitle)
        canvas_text_before(cv, 12, 36, in->subtitle, 1, text_gray, HIST_PLOT_WIDTH - 12);

    if (in->local)
        draw_band(cv, in->local);
    draw_grid(cv, ymax);
    int n_clipped = draw_bars(cv, hist, ymax);
    if (r) {
        /* The mixture under the components, so that both show. */
        if (r->k > 1)
            draw_curve(cv, r, -1, pixels, ymax, 3, red);
        for (int j = 0; j < r->k; j++)
            if (r->weights[j] > 0.0)
                draw_curve(cv, r, j, pixels, ymax, 2, hist_plot_component_colour(j));
    }
    if (in->local)
        draw_rug(cv, in->local);
    /* The frame is cleared above its top, where clipped bars and curves
     * may reach, before the lines and their labels. */
    canvas_fill_rect(cv, HIST_PLOT_LEFT - 1, HIST_PLOT_TOP - 4, PLOT_RIGHT + 3,
                     HIST_PLOT_TOP - 1, white);
    line_labels ll = {0};
    if (r)
        for (int i = 0; i < r->n_thresholds; i++)
            draw_dashes(cv, r->thresholds[i], 8, 5, black);
    if (in->otsu >= 0)
        draw_dashes(cv, in->otsu + 0.5, 2, 4, magenta);
    if (r)
        for (int i = 0; i < r->n_thresholds; i++) {
            char t[32];
            fmt_level(t, sizeof t, r->thresholds[i]);
            label_line(cv, &ll, r->thresholds[i], t, black);
        }
    if (in->otsu >= 0) {
        char t[32];
        snprintf(t, sizeof t, "Otsu %d", in->otsu);
        label_line(cv, &ll, in->otsu + 0.5, t, magenta);
    }
    draw_axes(cv, ymax);

    legend lg = {cv, HIST_PLOT_TOP, HIST_PLOT_BOTTOM, 0};
    if (in->local) /* room for the map under the legend */
        lg.limit = HIST_PLOT_TOP + 11 * HIST_PLOT_LEGEND_LINE;
    legend_fit(&lg, in, pixels, n_clipped);
    if (in->otsu >= 0) {
        char text[64];
        snprintf(text, sizeof text, "Otsu's threshold: %d", in->otsu);
        legend_entry(&lg, SW_DOTS, 0, magenta, text);
    }
    legend_scores(&lg, in);
    if (in->local) {
        legend_local(&lg, in->local);
        int top = lg.y + 10;
        draw_map(cv, in->local, HIST_PLOT_LEGEND_X, top, LEGEND_RIGHT - HIST_PLOT_LEGEND_X,
                 HIST_PLOT_HEIGHT - 8 - top);
    }
    return 0;
}
