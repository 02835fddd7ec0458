/*
 * hist_plot.h - the figure of a histogram fit (`bgsub segment --plot`): a
 * title, the histogram as gray bars on axes with ticks and titles ("gray
 * level", "pixels"), each component of the mixture in its own colour, the
 * mixture in red, its thresholds as labelled black dashes, Otsu's
 * threshold as magenta dots (when asked), and a legend naming each of
 * them. For the local fit, the spread of the tiles' thresholds over the
 * histogram and, under the legend, the threshold map. No I/O.
 *
 * The layout is fixed (the tests look for the legend where it is):
 *
 *   +------------------------------------------------------------------+
 *   | title (2x font), subtitle                                        |
 *   |      +-------------------------------+  legend: one entry a      |
 *   | pix- |  histogram, curves, lines     |  line, HIST_PLOT_LEGEND_X |
 *   | els  |  x: 3 pixels per gray level   |  and right of it          |
 *   |      +-------------------------------+  (local: the threshold    |
 *   |        0  32 ...  gray level   255      map under the legend)    |
 *   +------------------------------------------------------------------+
 */
#ifndef BGSUB_HIST_PLOT_H
#define BGSUB_HIST_PLOT_H

#include "bgsub.h"
#include "draw/canvas.h"

#define HIST_PLOT_WIDTH 1200
#define HIST_PLOT_HEIGHT 490
/* The histogram's frame: x of gray level v's bar is
 * HIST_PLOT_LEFT + 3 v .. HIST_PLOT_LEFT + 3 v + 2. */
#define HIST_PLOT_LEFT 80
#define HIST_PLOT_TOP 62
#define HIST_PLOT_BOTTOM 440 /* the x axis's row */
/* The legend: entries from (HIST_PLOT_LEGEND_X, HIST_PLOT_TOP) down, each
 * a 28-pixel swatch and its text, HIST_PLOT_LEGEND_LINE pixels apart. */
#define HIST_PLOT_LEGEND_X 868
#define HIST_PLOT_LEGEND_LINE 15

/* Colours, for the tests and for anyone matching the figure. */
#define HIST_PLOT_BAR 190, 190, 190
#define HIST_PLOT_CLIPPED 100, 100, 100
#define HIST_PLOT_MIXTURE 214, 39, 40
#define HIST_PLOT_OTSU 200, 0, 200
#define HIST_PLOT_BAND 255, 238, 185      /* local: tile thresholds' range */
#define HIST_PLOT_FITTED 204, 102, 0      /* local: a fitted tile         */
#define HIST_PLOT_BORROWED 120, 150, 220  /* local: a borrowed tile       */
#define HIST_PLOT_GLOBAL 0, 150, 130     /* local: a tile on the whole
                                           * image's fit (none showed two
                                           * classes)                     */
/* Component j (0-based) of the mixture: hist_plot_component_colour(j). */
canvas_rgb hist_plot_component_colour(int j);

/* The local fit, for the figure of `segment --local`. */
typedef struct hist_plot_local {
    const bgs_hist_tile *tiles; /* cols * rows, row by row */
    int cols, rows;
    const uint8_t *map;         /* 8-bit threshold map, width x height */
    int width, height;
    ptrdiff_t stride;
} hist_plot_local;

typedef struct hist_plot_info {
    const char *title;    /* first line, large (e.g. the image and K)     */
    const char *subtitle; /* second line, or NULL                         */
    const bgs_hist *hist;
    /* The mixture (NULL: none, e.g. Otsu's method alone). Its thresholds
     * are drawn and named "threshold", or "global threshold" with local. */
    const bgs_hist_fit_result *fit;
    int otsu;             /* Otsu's threshold, drawn when >= 0            */
    /* K chosen by a criterion: its value for K = 1..n_scores (scores[K-1],
     * per pixel), listed in the legend under score_name, fit->k marked as
     * the chosen one. n_scores 0: K was given. */
    const char *score_name;
    int n_scores;
    const double *scores;
    const hist_plot_local *local; /* NULL: a global segmentation          */
} hist_plot_info;

/* Makes cv (HIST_PLOT_WIDTH x HIST_PLOT_HEIGHT, canvas_init: free it with
 * canvas_free) and draws the figure into it. 0, or -1 when out of memory. */
int hist_plot_draw(canvas *cv, const hist_plot_info *info);

#endif
