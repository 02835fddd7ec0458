/*
 * heatmap.c - a motion heat map (see heatmap.h).
 *
 * The picture is the background turned gray and dimmed, so that colour
 * means motion and nothing else; each pixel that moved gets the colour of
 * its share of frames on the Turbo scale (blue rare, red often), blended
 * in more strongly the more often it moved. Shares go through a square
 * root before the colour scale: motion is rare in most of a scene and
 * frequent on a few paths, and a linear scale shows only the paths. The
 * colour bar below uses the same mapping, its ticks placed where their
 * shares fall.
 */
#include "draw/heatmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pictures narrower than this are enlarged (up to MAX_ZOOM times). */
#define MIN_WIDTH 640
#define MAX_ZOOM 4
/* The share whose colours blend least / most (alpha). */
#define ALPHA_MIN 0.45
#define ALPHA_MAX 0.85
/* The gray background: dimmed to this fraction, plus this offset. */
#define BACKGROUND_GAIN 0.55
#define BACKGROUND_LIFT 12

int heatmap_init(heatmap *h, int width, int height)
{
    memset(h, 0, sizeof *h);
    if (width <= 0 || height <= 0)
        return -1;
    h->counts = calloc((size_t)width * (size_t)height, sizeof *h->counts);
    if (!h->counts)
        return -1;
    h->width = width;
    h->height = height;
    return 0;
}

void heatmap_free(heatmap *h)
{
    free(h->counts);
    memset(h, 0, sizeof *h);
}

void heatmap_add(heatmap *h, const uint8_t *mask, ptrdiff_t stride)
{
    for (int y = 0; y < h->height; y++) {
        const uint8_t *row = mask + stride * y;
        uint32_t *count = h->counts + (size_t)y * h->width;
        for (int x = 0; x < h->width; x++)
            count[x] += row[x] == 255;
    }
    h->frames++;
}

double heatmap_share(const heatmap *h, int x, int y)
{
    if (h->frames <= 0)
        return 0;
    return (double)h->counts[(size_t)y * h->width + x] / (double)h->frames;
}

static int compare_counts(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* 1, 2 or 5 times a power of ten, at least v. */
static double nice_above(double v)
{
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= v * (1 - 1e-9))
            return steps[i] * p;
    return 10 * p;
}

double heatmap_scale_top(const heatmap *h)
{
    size_t n = (size_t)h->width * h->height, moved = 0;
    uint32_t *values = malloc(n * sizeof *values);
    if (!values || h->frames <= 0) {
        free(values);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (h->counts[i])
            values[moved++] = h->counts[i];
    double top = 0;
    if (moved) {
        qsort(values, moved, sizeof *values, compare_counts);
        size_t at = (size_t)floor(0.995 * (double)(moved - 1));
        top = nice_above((double)values[at] / (double)h->frames);
    }
    free(values);
    return top > 1 ? 1 : top;
}

canvas_rgb heatmap_colour(double t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double r = 0.13572138 + t * (4.61539260 + t * (-42.66032258 + t * (132.13108234 +
               t * (-152.94239396 + t * 59.28637943))));
    double g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 +
               t * (4.27729857 + t * 2.82956604))));
    double b = 0.10667330 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 +
               t * (-89.90310912 + t * 27.34824973))));
#define TO_BYTE(v) (uint8_t)((v) <= 0 ? 0 : (v) >= 1 ? 255 : (v) * 255 + 0.5)
    return (canvas_rgb){TO_BYTE(r), TO_BYTE(g), TO_BYTE(b)};
#undef TO_BYTE
}

/* Position on the colour scale (0..1) of a share, scale top `top`. */
static double scale_position(double share, double top)
{
    return top > 0 ? sqrt(share / top > 1 ? 1 : share / top) : 0;
}

/* Bilinear sample of a plane of doubles (w x h) at (fx, fy). */
static double sample(const double *plane, int w, int h, double fx, double fy)
{
    fx = fx < 0 ? 0 : fx > w - 1 ? w - 1 : fx;
    fy = fy < 0 ? 0 : fy > h - 1 ? h - 1 : fy;
    int x0 = (int)fx, y0 = (int)fy;
    int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    double ax = fx - x0, ay = fy - y0;
    double top = plane[(size_t)y0 * w + x0] * (1 - ax) + plane[(size_t)y0 * w + x1] * ax;
    double bottom = plane[(size_t)y1 * w + x0] * (1 - ax) + plane[(size_t)y1 * w + x1] * ax;
    return top * (1 - ay) + bottom * ay;
}

static uint8_t blend(uint8_t under, uint8_t over, double alpha)
{
    return (uint8_t)(under * (1 - alpha) + over * alpha + 0.5);
}

/* The picture part: background gray and shares, enlarged zoom times. */
static void draw_scene(canvas *cv, const heatmap *h, const double *gray,
                       const double *share, int zoom, double top)
{
    for (int y = 0; y < h->height * zoom; y++) {
        double fy = (y + 0.5) / zoom - 0.5;
        for (int x = 0; x < h->width * zoom; x++) {
            double fx = (x + 0.5) / zoom - 0.5;
            double g = sample(gray, h->width, h->height, fx, fy);
            double s = sample(share, h->width, h->height, fx, fy);
            uint8_t v = (uint8_t)(g * BACKGROUND_GAIN + BACKGROUND_LIFT);
            uint8_t *px = cv->px + ((size_t)y * cv->width + x) * 3;
            px[0] = px[1] = px[2] = v;
            if (s <= 0 || top <= 0)
                continue;
            double t = scale_position(s, top);
            canvas_rgb c = heatmap_colour(t);
            /* Faint where a pixel moved once in a long while. */
            double alpha = ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * t;
            if (s * h->frames < 1.5) /* bilinear edges of a single frame */
                alpha *= s * h->frames / 1.5;
            px[0] = blend(v, c.r, alpha);
            px[1] = blend(v, c.g, alpha);
            px[2] = blend(v, c.b, alpha);
        }
    }
}

/* "12.5%" without trailing zeros. */
static void format_percent(double share, char *buf, size_t size)
{
    snprintf(buf, size, "%.3g%%", 100 * share);
}

/* The colour bar and its ticks, in the band from y0 to the bottom. */
static void draw_legend(canvas *cv, int y0, int scale, double top, long frames,
                        const char *title)
{
    const canvas_rgb text = {235, 235, 235}, dim = {150, 150, 150};
    int margin = 12 * scale;
    int bar_x0 = margin, bar_x1 = cv->width - margin - 1;
    int line = CANVAS_FONT_H * scale;
    char caption[512];
    snprintf(caption, sizeof caption, "%s%sshare of the %ld frames in which each pixel moved",
             title && *title ? title : "", title && *title ? ": " : "", frames);
    canvas_text_before(cv, margin, y0 + 6 * scale, caption, scale, text, cv->width - margin);
    int bar_y0 = y0 + 6 * scale + line + 4 * scale, bar_y1 = bar_y0 + 10 * scale;
    if (top <= 0) {
        canvas_text(cv, margin, bar_y0, "no motion", scale, dim);
        return;
    }
    for (int x = bar_x0; x <= bar_x1; x++) {
        canvas_rgb c = heatmap_colour((double)(x - bar_x0) / (bar_x1 - bar_x0));
        canvas_fill_rect(cv, x, bar_y0, x, bar_y1, c);
    }
    canvas_outline(cv, bar_x0 - 1, bar_y0 - 1, bar_x1 - bar_x0 + 3, bar_y1 - bar_y0 + 3, dim);
    /* Ticks at a tenth, a quarter, half and the top of the scale, and 0;
     * the square root puts the small ones apart. */
    static const double fractions[] = {0, 0.05, 0.2, 0.5, 1};
    int last_right = -1000;
    for (size_t i = 0; i < sizeof fractions / sizeof fractions[0]; i++) {
        double share = top * fractions[i];
        int x = bar_x0 + (int)lround(scale_position(share, top) * (bar_x1 - bar_x0));
        char label[32];
        format_percent(share, label, sizeof label);
        if (i + 1 == sizeof fractions / sizeof fractions[0] && top < 1)
            snprintf(label + strlen(label), sizeof label - strlen(label), " or more");
        int w = canvas_text_width(label, scale);
        int lx = x - w / 2;
        if (lx < bar_x0)
            lx = bar_x0;
        if (lx + w > bar_x1 + 1)
            lx = bar_x1 + 1 - w;
        if (lx < last_right + 4 * scale)
            continue;
        canvas_fill_rect(cv, x, bar_y1 + 1, x, bar_y1 + 3 * scale, text);
        canvas_text(cv, lx, bar_y1 + 4 * scale, label, scale, text);
        last_right = lx + w;
    }
}

int heatmap_render(const heatmap *h, const uint8_t *background, ptrdiff_t stride,
                   int channels, const char *title, canvas *cv)
{
    memset(cv, 0, sizeof *cv);
    size_t n = (size_t)h->width * h->height;
    double *gray = malloc(n * sizeof *gray), *share = malloc(n * sizeof *share);
    if (!gray || !share) {
        free(gray);
        free(share);
        return -1;
    }
    for (int y = 0; y < h->height; y++)
        for (int x = 0; x < h->width; x++) {
            const uint8_t *p = background + stride * y + (ptrdiff_t)x * channels;
            size_t i = (size_t)y * h->width + x;
            gray[i] = channels == 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
            share[i] = heatmap_share(h, x, y);
        }
    int zoom = 1;
    while (h->width * zoom < MIN_WIDTH && zoom < MAX_ZOOM)
        zoom++;
    int width = h->width * zoom, scene_h = h->height * zoom;
    int text_scale = width >= 960 ? 2 : 1;
    int legend_h = (6 + CANVAS_FONT_H + 4 + 10 + 4 + CANVAS_FONT_H + 8) * text_scale;
    double top = heatmap_scale_top(h);
    int status = canvas_init(cv, width, scene_h + legend_h, (canvas_rgb){24, 24, 28});
    if (status == 0) {
        draw_scene(cv, h, gray, share, zoom, top);
        draw_legend(cv, scene_h, text_scale, top, h->frames, title);
    }
    free(gray);
    free(share);
    return status;
}
