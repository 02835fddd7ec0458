/*
 * canvas.h - an RGB picture in memory to draw plots into: filled
 * rectangles, thick lines and text in a built-in 6x10 bitmap font
 * (printable ASCII). `bgsub segment --plot` and tools/plot.c draw with it;
 * image_save_png writes the result.
 *
 * Coordinates are pixels from the top-left corner; anything drawn outside
 * the picture is clipped, never an error.
 */
#ifndef BGSUB_CANVAS_H
#define BGSUB_CANVAS_H

#include <stdint.h>

#define CANVAS_FONT_W 6  /* advance per character at scale 1 */
#define CANVAS_FONT_H 10 /* line height at scale 1; the capitals are 7 */

typedef struct canvas_rgb {
    uint8_t r, g, b;
} canvas_rgb;

/* px holds width * height RGB triplets, rows top to bottom, no padding
 * (stride width * 3), as image_save_png takes them. */
typedef struct canvas {
    int width, height;
    uint8_t *px;
} canvas;

/* Allocates the picture filled with one colour: 0, or -1 when out of memory
 * or the size is not positive (cv is then empty, canvas_free is safe). */
int canvas_init(canvas *cv, int width, int height, canvas_rgb fill);
void canvas_free(canvas *cv);

void canvas_put(canvas *cv, int x, int y, canvas_rgb c);
/* Corners included: (x0, y0) to (x1, y1). */
void canvas_fill_rect(canvas *cv, int x0, int y0, int x1, int y1, canvas_rgb c);
/* From (x0, y0) to (x1, y1), both ends drawn, with a square brush `width`
 * pixels across. */
void canvas_line(canvas *cv, int x0, int y0, int x1, int y1, int width,
                 canvas_rgb c);

/* Text with its top-left corner at (x, y), each font pixel drawn as a
 * scale x scale square; characters outside printable ASCII show as '?'.
 * canvas_text_width is the width it takes: CANVAS_FONT_W * scale per char. */
void canvas_text(canvas *cv, int x, int y, const char *text, int scale,
                 canvas_rgb c);
int canvas_text_width(const char *text, int scale);
/* The same turned 90 degrees anticlockwise (reading upwards, as a vertical
 * axis title), its bottom-left corner at (x, y). */
void canvas_text_up(canvas *cv, int x, int y, const char *text, int scale,
                    canvas_rgb c);

#endif
