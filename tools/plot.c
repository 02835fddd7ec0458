/*
 * plot.c - a tiny line-plot maker for the parameter sweeps (tools/sweep.sh):
 * reads points "SERIES,X,Y" and draws one line per series, with axes, tick
 * labels, a legend and a title, into a PNG. No plotting library is needed:
 * it draws with src/draw/canvas.c (the same code as `bgsub segment --plot`)
 * and writes with image_save_png (atomically).
 *
 *   plot -o f_alpha.png --title "F vs alpha" --xlabel alpha --ylabel F \
 *        --bold mean points.csv
 *
 * Input: one point a line, "SERIES,X,Y" (the series name may itself hold
 * commas: X and Y are the last two fields); blank lines and lines starting
 * with '#' are skipped, and so is a first line "series,x,y". Y is a number,
 * or empty / "nan" for a missing point (the line has a gap there). X is a
 * number, or if any X is not, every X is a category, placed evenly in the
 * order first seen. Numeric X goes on a logarithmic axis when every X is
 * positive and the largest is at least 20 times the smallest (--linear
 * turns that off); the ticks are the X values themselves, since in a sweep
 * those are the values that were run.
 *
 * Exit status: 0 written, 2 bad arguments, 3 input unreadable or malformed,
 * 4 output not written.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/canvas.h"
#include "io/image_io.h"

#define MAX_SERIES 32
#define MAX_X 256
#define NAME_MAX_LEN 80
#define LINE_MAX_LEN 1024

static const char usage[] =
    "usage: plot -o OUT.png [options] DATA\n"
    "Draws the points of DATA (\"SERIES,X,Y\" a line, '-' for stdin) as one line\n"
    "per series into a PNG.\n"
    "\n"
    "  -o, --output FILE  the PNG to write (replaced atomically)\n"
    "  --title TEXT       title above the plot\n"
    "  --xlabel TEXT      x axis title\n"
    "  --ylabel TEXT      y axis title\n"
    "  --bold SERIES      draw this series thick and black (e.g. the mean)\n"
    "  --ymin Y, --ymax Y y range (default: from the data, padded)\n"
    "  --linear           keep a numeric x axis linear (default: logarithmic\n"
    "                     when every x > 0 and max/min >= 20)\n"
    "  --size WxH         picture size, 320x200..4000x4000 (default 800x480)\n"
    "  -h, --help         show this help\n"
    "\n"
    "X values that are not all numbers are categories, placed evenly in the\n"
    "order first seen. A Y of \"nan\" or empty is a gap in its line.\n"
    "Exit status: 0 written, 2 bad arguments, 3 bad input, 4 not written.\n";

typedef struct plot_options {
    const char *out, *data, *title, *xlabel, *ylabel, *bold;
    double ymin, ymax; /* NAN: from the data */
    int linear, width, height;
} plot_options;

/* The points as a table: y[series][x index], NAN where there is none. */
typedef struct plot_data {
    int nseries, nx;
    char series[MAX_SERIES][NAME_MAX_LEN];
    char xtext[MAX_X][NAME_MAX_LEN];
    double xvalue[MAX_X];
    int numeric;   /* every x is a number */
    double y[MAX_SERIES][MAX_X];
} plot_data;

/* ------------------------------------------------------------------------ */
/* Arguments                                                                */
/* ------------------------------------------------------------------------ */

/* One line on stderr; returns 2, the status for bad arguments. */
static int bad_arg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "plot: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see --help)\n");
    va_end(ap);
    return 2;
}

static int parse_number(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
        return bad_arg("%s: expected a number, got '%s'", opt, s);
    *out = v;
    return 0;
}

static int parse_size(const char *s, int *w, int *h)
{
    char tail;
    if (sscanf(s, "%d x %d%c", w, h, &tail) != 2 || *w < 320 || *h < 200 ||
        *w > 4000 || *h > 4000)
        return bad_arg("--size: expected WxH from 320x200 to 4000x4000, got '%s'", s);
    return 0;
}

static int parse_args(int argc, char **argv, plot_options *o)
{
    *o = (plot_options){ .ymin = NAN, .ymax = NAN, .width = 800, .height = 480 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--linear") == 0) {
            o->linear = 1;
            continue;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->data != NULL)
                return bad_arg("%s: only one DATA file", a);
            o->data = a;
            continue;
        }
        if (i + 1 >= argc)
            return bad_arg("%s needs a value", a);
        const char *v = argv[++i];
        int rc = 0;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            o->out = v;
        else if (strcmp(a, "--title") == 0)
            o->title = v;
        else if (strcmp(a, "--xlabel") == 0)
            o->xlabel = v;
        else if (strcmp(a, "--ylabel") == 0)
            o->ylabel = v;
        else if (strcmp(a, "--bold") == 0)
            o->bold = v;
        else if (strcmp(a, "--ymin") == 0)
            rc = parse_number(a, v, &o->ymin);
        else if (strcmp(a, "--ymax") == 0)
            rc = parse_number(a, v, &o->ymax);
        else if (strcmp(a, "--size") == 0)
            rc = parse_size(v, &o->width, &o->height);
        else
            return bad_arg("unknown option '%s'", a);
        if (rc != 0)
            return rc;
    }
    if (o->out == NULL || *o->out == '\0')
        return bad_arg("no output file given (-o OUT.png)");
    if (o->data == NULL)
        return bad_arg("no DATA file given");
    if (!isnan(o->ymin) && !isnan(o->ymax) && !(o->ymin < o->ymax))
        return bad_arg("--ymin must be less than --ymax");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

static int is_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s != '\0' && *end == '\0' && errno == 0 && isfinite(*v);
}

/* Index of name in names[0..*n), added at the end if new; -1 when full. */
static int intern(char names[][NAME_MAX_LEN], int *n, int cap, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    if (*n == cap)
        return -1;
    snprintf(names[*n], NAME_MAX_LEN, "%s", name);
    return (*n)++;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static int data_error(const char *file, int line, const char *what)
{
    fprintf(stderr, "plot: %s:%d: %s\n", file, line, what);
    return 3;
}

/* One "SERIES,X,Y" line into the table. Returns 0 or an exit status. */
static int add_point(plot_data *d, char *text, const char *file, int line)
{
    char *yfield = strrchr(text, ',');
    if (yfield == NULL)
        return data_error(file, line, "expected SERIES,X,Y");
    *yfield++ = '\0';
    char *xfield = strrchr(text, ',');
    if (xfield == NULL || xfield == text)
        return data_error(file, line, "expected SERIES,X,Y");
    *xfield++ = '\0';
    if (strlen(text) >= NAME_MAX_LEN || strlen(xfield) >= NAME_MAX_LEN || *xfield == '\0')
        return data_error(file, line, "series name or x value empty or too long");
    double y;
    if (*yfield == '\0' || strcmp(yfield, "nan") == 0 || strcmp(yfield, "NaN") == 0)
        y = NAN;
    else if (!is_number(yfield, &y))
        return data_error(file, line, "y is not a number");
    int s = intern(d->series, &d->nseries, MAX_SERIES, text);
    int x = intern(d->xtext, &d->nx, MAX_X, xfield);
    if (s < 0 || x < 0)
        return data_error(file, line, s < 0 ? "more than 32 series" : "more than 256 x values");
    d->y[s][x] = y;
    return 0;
}

static int read_data(const char *file, plot_data *d)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "plot: cannot read %s: %s\n", file, strerror(errno));
        return 3;
    }
    memset(d, 0, sizeof *d);
    for (int s = 0; s < MAX_SERIES; s++)
        for (int x = 0; x < MAX_X; x++)
            d->y[s][x] = NAN;
    char text[LINE_MAX_LEN];
    int line = 0, rc = 0;
    while (rc == 0 && fgets(text, sizeof text, f) != NULL) {
        line++;
        if (strchr(text, '\n') == NULL && !feof(f))
            rc = data_error(file, line, "line too long");
        trim(text);
        if (rc != 0 || text[0] == '\0' || text[0] == '#' ||
            (line == 1 && strcmp(text, "series,x,y") == 0))
            continue;
        rc = add_point(d, text, file, line);
    }
    if (rc == 0 && ferror(f))
        rc = data_error(file, line, "read error");
    if (f != stdin)
        fclose(f);
    if (rc == 0 && d->nx == 0)
        rc = data_error(file, line, "no points");
    if (rc != 0)
        return rc;
    d->numeric = 1;
    for (int x = 0; x < d->nx; x++)
        d->numeric &= is_number(d->xtext[x], &d->xvalue[x]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Drawing                                                                  */
/* ------------------------------------------------------------------------ */

/* Where the plot area is, and how values map into it. */
typedef struct frame {
    int left, right, top, bottom; /* pixel bounds of the plot area */
    double x0, x1, y0, y1;        /* value range (x in log10 if logx) */
    int logx, categories;
} frame;

static double frame_x(const frame *f, const plot_data *d, int xi)
{
    double v = f->categories ? xi : f->logx ? log10(d->xvalue[xi]) : d->xvalue[xi];
    return f->left + (v - f->x0) / (f->x1 - f->x0) * (f->right - f->left);
}

static double frame_y(const frame *f, double y)
{
    return f->bottom - (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

/* A round tick step giving about `want` intervals over span: 1, 2 or 5
 * times a power of ten. */
static double nice_step(double span, int want)
{
    double raw = span / want, p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

static void y_range(const plot_options *o, const plot_data *d, double *lo, double *hi)
{
    double mn = INFINITY, mx = -INFINITY;
    for (int s = 0; s < d->nseries; s++)
        for (int x = 0; x < d->nx; x++)
            if (!isnan(d->y[s][x])) {
                mn = fmin(mn, d->y[s][x]);
                mx = fmax(mx, d->y[s][x]);
            }
    if (!isfinite(mn)) /* no y at all: an empty unit range */
        mn = 0.0, mx = 1.0;
    double pad = mx > mn ? 0.06 * (mx - mn) : fmax(0.05 * fabs(mx), 0.05);
    *lo = isnan(o->ymin) ? mn - pad : o->ymin;
    *hi = isnan(o->ymax) ? mx + pad : o->ymax;
    if (!(*hi > *lo))
        *hi = *lo + 1.0;
}

static const canvas_rgb black = { 0, 0, 0 }, grid = { 225, 225, 225 };
static const canvas_rgb white = { 255, 255, 255 };
static const canvas_rgb palette[] = {
    { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 },  { 214, 39, 40 },
    { 148, 103, 189 }, { 140, 86, 75 }, { 227, 119, 194 }, { 127, 127, 127 },
    { 188, 189, 34 },  { 23, 190, 207 },
};
#define PALETTE_SIZE (int)(sizeof palette / sizeof palette[0])

static canvas_rgb series_colour(const plot_options *o, const plot_data *d, int s)
{
    if (o->bold && strcmp(d->series[s], o->bold) == 0)
        return black;
    return palette[s % PALETTE_SIZE];
}

static void draw_y_axis(canvas *cv, const frame *f)
{
    double step = nice_step(f->y1 - f->y0, 6);
    int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    double first = ceil(f->y0 / step);
    /* counted, not accumulated: at huge values v += step may not move v */
    for (int k = 0; k <= 50; k++) {
        double v = (first + k) * step;
        if (v > f->y1 + step * 1e-9)
            break;
        int y = (int)lround(frame_y(f, v));
        char text[32];
        snprintf(text, sizeof text, "%.*f", decimals, fabs(v) < step * 1e-9 ? 0.0 : v);
        canvas_line(cv, f->left + 1, y, f->right, y, 1, grid);
        canvas_line(cv, f->left - 5, y, f->left, y, 1, black);
        canvas_text(cv, f->left - 8 - canvas_text_width(text, 1), y - 4, text, 1, black);
    }
}

/* order[] = the x indices from left to right (insertion sort: few values). */
static void sort_by_position(const frame *f, const plot_data *d, int *order)
{
    for (int i = 0; i < d->nx; i++)
        order[i] = i;
    for (int i = 1; i < d->nx; i++)
        for (int j = i; j > 0 && frame_x(f, d, order[j]) < frame_x(f, d, order[j - 1]); j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* Ticks at the data's x values; a label that would run into the one before
 * is left out. */
static void draw_x_axis(canvas *cv, const frame *f, const plot_data *d)
{
    int order[MAX_X], last_end = -1000;
    sort_by_position(f, d, order);
    for (int i = 0; i < d->nx; i++) {
        int x = (int)lround(frame_x(f, d, order[i]));
        const char *text = d->xtext[order[i]];
        int w = canvas_text_width(text, 1);
        canvas_line(cv, x, f->top, x, f->bottom - 1, 1, grid);
        canvas_line(cv, x, f->bottom, x, f->bottom + 5, 1, black);
        if (x - w / 2 > last_end + 4) {
            canvas_text(cv, x - w / 2, f->bottom + 9, text, 1, black);
            last_end = x - w / 2 + w;
        }
    }
}

static void draw_series(canvas *cv, const frame *f, const plot_options *o,
                        const plot_data *d, int s)
{
    int bold = o->bold && strcmp(d->series[s], o->bold) == 0;
    canvas_rgb c = series_colour(o, d, s);
    int prev_x = 0, prev_y = 0, have_prev = 0, order[MAX_X];
    sort_by_position(f, d, order); /* lines join neighbours on the axis */
    for (int i = 0; i < d->nx; i++) {
        double v = d->y[s][order[i]];
        if (isnan(v)) {
            have_prev = 0;
            continue;
        }
        int x = (int)lround(frame_x(f, d, order[i])), y = (int)lround(frame_y(f, v));
        if (have_prev)
            canvas_line(cv, prev_x, prev_y, x, y, bold ? 3 : 2, c);
        int m = bold ? 4 : 3;
        canvas_fill_rect(cv, x - m, y - m, x + m, y + m, c);
        prev_x = x, prev_y = y, have_prev = 1;
    }
}

static void draw_legend(canvas *cv, const frame *f, const plot_options *o,
                        const plot_data *d)
{
    int x = f->right + 16, y = f->top;
    for (int s = 0; s < d->nseries; s++, y += 16) {
        canvas_rgb c = series_colour(o, d, s);
        int bold = o->bold && strcmp(d->series[s], o->bold) == 0;
        canvas_line(cv, x, y + 4, x + 18, y + 4, bold ? 3 : 2, c);
        canvas_fill_rect(cv, x + 6, y + 1, x + 12, y + 7, c);
        canvas_text(cv, x + 24, y, d->series[s], 1, black);
    }
}

static int legend_width(const plot_data *d)
{
    int w = 0;
    for (int s = 0; s < d->nseries; s++) {
        int t = canvas_text_width(d->series[s], 1);
        w = t > w ? t : w;
    }
    return w + 24 + 16 + 8;
}

static void render(canvas *cv, const plot_options *o, const plot_data *d)
{
    frame f = { 0 };
    f.categories = !d->numeric;
    double xmin = INFINITY, xmax = -INFINITY;
    for (int x = 0; x < d->nx && d->numeric; x++) {
        xmin = fmin(xmin, d->xvalue[x]);
        xmax = fmax(xmax, d->xvalue[x]);
    }
    f.logx = d->numeric && !o->linear && xmin > 0.0 && xmax >= 20.0 * xmin;
    if (f.categories)
        f.x0 = 0.0, f.x1 = d->nx - 1.0;
    else if (f.logx)
        f.x0 = log10(xmin), f.x1 = log10(xmax);
    else
        f.x0 = xmin, f.x1 = xmax;
    if (!(f.x1 > f.x0)) /* one x: centre it */
        f.x0 -= 1.0, f.x1 += 1.0;
    double margin = 0.04 * (f.x1 - f.x0);
    f.x0 -= margin, f.x1 += margin;
    y_range(o, d, &f.y0, &f.y1);

    f.left = 72;
    f.top = o->title ? 44 : 16;
    f.bottom = cv->height - 48;
    f.right = cv->width - legend_width(d);
    if (f.right < f.left + 100)
        f.right = f.left + 100;

    if (o->title)
        canvas_text(cv, (cv->width - canvas_text_width(o->title, 2)) / 2, 10, o->title, 2, black);
    char xtitle[256];
    snprintf(xtitle, sizeof xtitle, "%s%s", o->xlabel ? o->xlabel : "",
             f.logx ? (o->xlabel ? " (log scale)" : "(log scale)") : "");
    canvas_text(cv, (f.left + f.right - canvas_text_width(xtitle, 1)) / 2,
                cv->height - 18, xtitle, 1, black);
    if (o->ylabel)
        canvas_text_up(cv, 8, (f.top + f.bottom + canvas_text_width(o->ylabel, 1)) / 2,
                       o->ylabel, 1, black);
    draw_y_axis(cv, &f);
    draw_x_axis(cv, &f, d);
    canvas_line(cv, f.left, f.top, f.left, f.bottom, 1, black);
    canvas_line(cv, f.left, f.bottom, f.right, f.bottom, 1, black);
    for (int s = 0; s < d->nseries; s++) /* the bold one last, on top */
        if (!(o->bold && strcmp(d->series[s], o->bold) == 0))
            draw_series(cv, &f, o, d, s);
    for (int s = 0; s < d->nseries; s++)
        if (o->bold && strcmp(d->series[s], o->bold) == 0)
            draw_series(cv, &f, o, d, s);
    draw_legend(cv, &f, o, d);
}

int main(int argc, char **argv)
{
    plot_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    plot_data *d = malloc(sizeof *d);
    canvas cv;
    if (d == NULL || canvas_init(&cv, o.width, o.height, white) != 0) {
        fprintf(stderr, "plot: out of memory\n");
        free(d);
        return 1;
    }
    rc = read_data(o.data, d);
    if (rc == 0) {
        char err[512];
        render(&cv, &o, d);
        if (image_save_png(o.out, cv.px, cv.width, cv.height, 3, (ptrdiff_t)cv.width * 3,
                           6, 1, err, sizeof err) != 0) {
            fprintf(stderr, "plot: %s\n", err);
            rc = 4;
        }
    }
    canvas_free(&cv);
    free(d);
    return rc;
}
