/*
 * canvas.h - drawing into an RGB picture in memory, for every picture the
 * program makes: the live preview's window, the overlay video's frames and
 * the histogram plot of `bgsub segment --plot` (and tools/plot.c). Filled
 * rectangles, outlines, thick lines, text in one built-in 6x10 bitmap font
 * (printable ASCII, and α, λ and → for the preview), a frame copied in as
 * RGB, and the foreground tint of the overlay.
 *
 * No I/O: image_save_png (src/io) writes a canvas, SDL (src/cli/preview.c)
 * shows one. Coordinates are pixels from the top-left corner; anything
 * drawn outside the picture is clipped, never an error.
 */
#ifndef BGSUB_CANVAS_H
#define BGSUB_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#define CANVAS_FONT_W 6  /* advance per character at scale 1: 5 + 1 apart */
#define CANVAS_FONT_H 10 /* line height at scale 1: a blank top row, the
                            capitals in rows 1..7, descenders to row 9 */

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

/* Corners included: (x0, y0) to (x1, y1). */
void canvas_fill_rect(canvas *cv, int x0, int y0, int x1, int y1, canvas_rgb c);
/* A one-pixel outline of the w x h rectangle whose top-left is (x, y). */
void canvas_outline(canvas *cv, int x, int y, int w, int h, canvas_rgb c);
/* From (x0, y0) to (x1, y1), both ends drawn, with a square brush `width`
 * pixels across. */
void canvas_line(canvas *cv, int x0, int y0, int x1, int y1, int width,
                 canvas_rgb c);

/* Text (UTF-8) with the top-left corner of its first cell at (x, y), each
 * font pixel drawn as a scale x scale square; a character the font lacks
 * shows as '?'. Returns the x after the text. canvas_text_width is the
 * width it takes: CANVAS_FONT_W * scale per character. */
int canvas_text(canvas *cv, int x, int y, const char *text, int scale,
                canvas_rgb c);
int canvas_text_width(const char *text, int scale);
/* The same, but only the characters that fit whole left of max_x. */
int canvas_text_before(canvas *cv, int x, int y, const char *text, int scale,
                       canvas_rgb c, int max_x);
/* The same turned 90 degrees anticlockwise (reading upwards, as a vertical
 * axis title), its bottom-left corner at (x, y). */
void canvas_text_up(canvas *cv, int x, int y, const char *text, int scale,
                    canvas_rgb c);

/* The canvas's size of frame (1 gray or 3 RGB channels a pixel, rows
 * stride bytes apart), as RGB. */
void canvas_put_frame(canvas *cv, const uint8_t *frame, ptrdiff_t stride,
                      int channels);
/* cv = rgb (the canvas's size, packed; may be cv->px) with every pixel
 * where mask (rows mask_stride apart) is BGS_MASK_FOREGROUND tinted red:
 * half the input, half pure red. The overlay of the preview and of
 * --overlay-video. */
void canvas_tint(canvas *cv, const uint8_t *rgb, const uint8_t *mask,
                 ptrdiff_t mask_stride);

#endif
