/*
 * hist_plot.h - the picture of a histogram fit (`bgsub segment --plot`):
 * the histogram in gray bars, each component of the mixture in its own
 * colour, the mixture in red, its thresholds as black dashes and Otsu's
 * threshold as magenta dots, on 0..255 axes. No I/O.
 */
#ifndef BGSUB_HIST_PLOT_H
#define BGSUB_HIST_PLOT_H

#include "bgsub.h"
#include "draw/canvas.h"

/* Makes cv (800 x 400, canvas_init: free it with canvas_free) and draws the
 * plot of hist with its fit (NULL: Otsu's threshold alone) into it. 0, or
 * -1 when out of memory. */
int hist_plot_draw(canvas *cv, const bgs_hist *hist,
                   const bgs_hist_fit_result *fit, int otsu);

#endif
