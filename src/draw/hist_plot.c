/*
 * hist_plot.c - the histogram fit drawn (see hist_plot.h).
 */
#include "draw/hist_plot.h"

#include <math.h>
#include <stdio.h>

enum {
    PLOT_W = 800, PLOT_H = 400,
    PLOT_LEFT = 40, PLOT_RIGHT = 16, PLOT_TOP = 16, PLOT_BOTTOM = 36,
};

/* A number centred at x, top at y. */
static void draw_number(canvas *cv, int x, int y, int value, canvas_rgb c)
{
    char text[16];
    snprintf(text, sizeof text, "%d", value);
    canvas_text(cv, x - canvas_text_width(text, 1) / 2, y, text, 1, c);
}

static double plot_x(double level)
{
    return PLOT_LEFT + (level + 0.5) * (PLOT_W - PLOT_LEFT - PLOT_RIGHT) / 256.0;
}

static int plot_y(double count, double ymax)
{
    double h = PLOT_H - PLOT_TOP - PLOT_BOTTOM;
    double y = PLOT_H - PLOT_BOTTOM - count / ymax * h;
    if (y < PLOT_TOP - 2)
        y = PLOT_TOP - 2;
    return (int)lround(y);
}

/* Expected count at gray level x of component j (j < 0: the mixture). */
static double model_count(const bgs_hist_fit_result *r, int j, double x,
                          double pixels)
{
    double sum = 0.0;
    for (int i = 0; i < r->k; i++) {
        if (j >= 0 && i != j)
            continue;
        double z = (x - r->means[i]) / r->sigmas[i];
        sum += r->weights[i] * exp(-0.5 * z * z) /
               (r->sigmas[i] * 2.5066282746310002);
    }
    return sum * pixels;
}

static void draw_curve(canvas *cv, const bgs_hist_fit_result *r, int j,
                       double pixels, double ymax, int width, canvas_rgb c)
{
    int px0 = (int)plot_x(-0.5), px1 = (int)plot_x(255.5);
    double scale = 256.0 / (PLOT_W - PLOT_LEFT - PLOT_RIGHT);
    int prev_y = 0;
    for (int px = px0; px <= px1; px++) {
        double level = (px - PLOT_LEFT) * scale - 0.5;
        int y = plot_y(model_count(r, j, level, pixels), ymax);
        if (px > px0)
            canvas_line(cv, px - 1, prev_y, px, y, width, c);
        prev_y = y;
    }
}

static void draw_vertical_dashes(canvas *cv, double level, int on, int off,
                                 canvas_rgb c)
{
    int x = (int)lround(plot_x(level));
    for (int y = PLOT_TOP; y < PLOT_H - PLOT_BOTTOM; y++)
        if ((y - PLOT_TOP) % (on + off) < on)
            canvas_fill_rect(cv, x, y, x + 1, y, c);
}

int hist_plot_draw(canvas *cv, const bgs_hist *hist,
                   const bgs_hist_fit_result *fit, int otsu)
{
    static const canvas_rgb palette[BGS_HIST_MAX_K] = {
        {31, 119, 180}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189},
        {23, 190, 207}, {140, 86, 75}, {227, 119, 194}, {188, 189, 34},
    };
    const canvas_rgb white = {255, 255, 255}, black = {0, 0, 0}, bar = {190, 190, 190};
    const canvas_rgb clipped = {110, 110, 110}, red = {214, 39, 40}, magenta = {200, 0, 200};
    const bgs_hist_fit_result *r = fit;
    double pixels = (double)bgs_hist_total(hist);
    if (canvas_init(cv, PLOT_W, PLOT_H, white) != 0)
        return -1;
    /* Vertical scale: the mixture's peak, or the tallest bar if that is not
     * far above it (a spike of saturated pixels would flatten the rest). */
    double hmax = 1.0, peak = 0.0;
    for (int v = 0; v < BGS_HIST_BINS; v++)
        hmax = fmax(hmax, (double)hist->count[v]);
    if (r)
        for (double x = 0.0; x <= 255.0; x += 0.25)
            peak = fmax(peak, model_count(r, -1, x, pixels));
    double ymax = 1.05 * (r ? fmax(peak, fmin(hmax, 1.5 * peak)) : hmax);

    for (int v = 0; v < BGS_HIST_BINS; v++) {
        if (!hist->count[v])
            continue;
        int x0 = (int)lround(plot_x(v - 0.5)), x1 = (int)lround(plot_x(v + 0.5)) - 1;
        int y = plot_y((double)hist->count[v], ymax);
        canvas_fill_rect(cv, x0, y, x1, PLOT_H - PLOT_BOTTOM - 1, bar);
        if ((double)hist->count[v] > ymax) /* clipped bar */
            canvas_fill_rect(cv, x0, y, x1, y + 3, clipped);
    }
    if (r) {
        /* The mixture under the components, so that both show. */
        if (r->k > 1)
            draw_curve(cv, r, -1, pixels, ymax, 4, red);
        for (int j = 0; j < r->k; j++)
            if (r->weights[j] > 0.0)
                draw_curve(cv, r, j, pixels, ymax, 2, palette[j]);
        for (int i = 0; i < r->n_thresholds; i++)
            draw_vertical_dashes(cv, r->thresholds[i], 8, 5, black);
    }
    draw_vertical_dashes(cv, otsu + 0.5, 2, 4, magenta);

    /* Axes, ticks every 32 levels, labels every 64. */
    int base = PLOT_H - PLOT_BOTTOM;
    canvas_line(cv, PLOT_LEFT - 1, PLOT_TOP, PLOT_LEFT - 1, base, 1, black);
    canvas_line(cv, PLOT_LEFT - 1, base, PLOT_W - PLOT_RIGHT, base, 1, black);
    for (int v = 0; v <= 256; v += 32) {
        int level = v == 256 ? 255 : v;
        int x = (int)lround(plot_x(level));
        canvas_line(cv, x, base, x, base + 5, 1, black);
        if (v % 64 == 0 || v == 256)
            draw_number(cv, x, base + 10, level, black);
    }
    return 0;
}
