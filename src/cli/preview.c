/*
 * preview.c - the live preview window of `bgsub --show` (see preview.h).
 *
 * Everything SDL lives here. Each frame is composed on the CPU into one
 * RGB24 canvas the size of the window (status line, four captioned panes:
 * input, foreground mask, background image, input with the foreground
 * tinted red), uploaded into one streaming texture and presented. Snapshots
 * read the rendered picture back (SDL_RenderReadPixels), so they hold what
 * is on screen; the layout rules are shared with the tests through
 * preview_layout.h.
 */
#include "cli/preview.h"
#include "cli/libsdl.h"
#include "cli/preview_layout.h"
#include "draw/canvas.h"
#include "io/image_io.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SNAPSHOT_PATTERN "preview%06d.png"
#define SNAPSHOT_COMPRESSION 6
#define MESSAGE_SECONDS 3.0
#define ALPHA_FACTOR 1.25    /* + and - multiply / divide alpha by this */
#define LAMBDA_STEP 0.1      /* [ and ] subtract / add this to lambda */
#define PAUSED_WAIT_MS 100   /* event wait while paused (checks *stop) */
#define LATE_RESYNC 0.25     /* seconds behind schedule before giving up */
#define MIN_WIDE_WINDOW 800  /* small frames are zoomed up to about this */
#define MAX_ZOOM 4
/* The background image changes slowly (that is the point of it) but costs
 * about as much as a model update to compute: refresh it at most this often
 * while playing, and always for a paused frame or a snapshot. */
#define BACKGROUND_REFRESH 0.2

/* UTF-8 of the three non-ASCII glyphs of the font. */
#define U_ALPHA "\xce\xb1"
#define U_LAMBDA "\xce\xbb"
#define U_RIGHT "\xe2\x86\x92"

static const canvas_rgb COLOR_WINDOW = {24, 24, 24};
static const canvas_rgb COLOR_STATUS = {44, 44, 48};
static const canvas_rgb COLOR_TEXT = {235, 235, 235};
static const canvas_rgb COLOR_DIM = {150, 150, 155};
static const canvas_rgb COLOR_NOTE = {255, 210, 80};

/* Text is placed by the top of its capitals; the font's cell has a blank
 * row above them, and the capitals and descenders take the rows below. */
#define TEXT_H (CANVAS_FONT_H - 1)

static const char *const PANE_NAMES[PREVIEW_PANES] = {
    "input", "foreground mask", "background", "overlay"};

/* ------------------------------------------------------------------------ */
/* The preview                                                              */
/* ------------------------------------------------------------------------ */

struct preview {
    preview_config cfg;
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;

    canvas cv; /* what is on screen, the window's size */
    int *xmap; /* source column (x 3) of each column of the pane drawn */
    preview_layout layout;
    int mode;  /* 0 .. PREVIEW_LAYOUTS - 1 */

    /* The source and the last frame's panes, RGB24 width x height each. */
    int width, height, channels;
    double fps;
    long total_frames;
    uint8_t *pane[PREVIEW_PANES];
    uint8_t *background; /* the model's channels */
    const bgs_model *model;   /* of the last frame, for the background */
    double background_time;   /* when the background pane was computed */
    long background_frame;    /* ... and after which frame */

    /* State shown in the status line. */
    long number;
    int learning;
    long learnt;
    bgs_params params;
    double shown_fps;
    double rate_start;
    long rate_frames;
    char message[200];
    double message_until;

    /* Control. */
    int paused, step, quit, snapshot_requested;
    double thawed_alpha; /* α before `f` froze the model (α 0), else 0 */
    double due; /* when the next frame may be shown (0: now) */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void set_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void set_message(preview *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_message(preview *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    p->message_until = now_seconds() + MESSAGE_SECONDS;
}

static int stopped(const preview *p)
{
    return p->quit || (p->cfg.stop && *p->cfg.stop);
}

static int is_set(const char *value)
{
    return value && *value;
}

/*
 * Fails early, before SDL looks for a display on its own, where there
 * clearly is none; and points SDL at the display that is there, so it does
 * not wander to another driver (Debian's SDL would settle for an invisible
 * "offscreen" window, and its Wayland probe prints to stderr).
 */
static int choose_video_driver(char *err, size_t errlen)
{
    const char *driver = getenv("SDL_VIDEODRIVER");
    int x11 = is_set(getenv("DISPLAY"));
    int wayland = is_set(getenv("WAYLAND_DISPLAY"));
    if (is_set(driver) && strcmp(driver, "x11") != 0 &&
        strcmp(driver, "wayland") != 0)
        return 0; /* another driver asked for (kmsdrm, offscreen, ...) */
    if (is_set(driver) ? (strcmp(driver, "x11") == 0 ? x11 : wayland)
                       : x11 || wayland) {
        if (!is_set(driver) && x11 != wayland)
            SDL_SetHint(SDL_HINT_VIDEODRIVER, x11 ? "x11" : "wayland");
        return 0;
    }
    set_error(err, errlen, "cannot open a window: no display (%s is not set)",
              is_set(driver) && strcmp(driver, "wayland") == 0
                  ? "WAYLAND_DISPLAY" : "DISPLAY");
    return -1;
}

/* A window nobody can see is no preview: refuse the headless drivers SDL
 * falls back on, unless SDL_VIDEODRIVER asked for them. */
static int check_video_driver(char *err, size_t errlen)
{
    const char *current = SDL_GetCurrentVideoDriver();
    if (is_set(getenv("SDL_VIDEODRIVER")) || !current ||
        (strcmp(current, "offscreen") != 0 && strcmp(current, "dummy") != 0))
        return 0;
    set_error(err, errlen, "cannot open a window: no usable display (SDL "
              "found only its \"%s\" driver)", current);
    return -1;
}

/* "cannot open a window: [what: ]<SDL's reason> (DISPLAY=...)" */
static void sdl_failed(char *err, size_t errlen, const char *what)
{
    const char *display = getenv("DISPLAY");
    set_error(err, errlen, "cannot open a window: %s%s%s%s%s%s", what,
              *what ? ": " : "", SDL_GetError(),
              is_set(display) ? " (DISPLAY=" : "", is_set(display) ? display : "",
              is_set(display) ? ")" : "");
}

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <link.h>

static int pin_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    if (info->dlpi_name && info->dlpi_name[0])
        dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
    return 0;
}

/* Sanitizer builds only: SDL dlopens its X11 and GL libraries and unloads
 * them at SDL_Quit, after which LeakSanitizer reports what they keep for
 * the life of the process as "<unknown module>", out of reach of the
 * suppressions (tests/lsan.supp) that name those libraries. Keeping every
 * loaded library resident lets the report name them. */
static void keep_libraries_for_leak_reports(void)
{
    dl_iterate_phdr(pin_library, NULL);
}
#else
static void keep_libraries_for_leak_reports(void) {}
#endif

preview *preview_open(const preview_config *config, char *err, size_t errlen)
{
    char why[512];
    if (libsdl_load(why, sizeof why) != 0) {
        set_error(err, errlen, "cannot open a window: SDL2 cannot be loaded (%s; "
                  "Debian's package libsdl2-2.0-0 has it)", why);
        return NULL;
    }
    if (choose_video_driver(err, errlen) != 0)
        return NULL;
    /* Our SIGINT/SIGTERM handlers stay in place; SDL must not take them. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        sdl_failed(err, errlen, "");
        return NULL;
    }
    if (check_video_driver(err, errlen) != 0) {
        SDL_Quit();
        return NULL;
    }
    preview *p = calloc(1, sizeof *p);
    if (!p) {
        SDL_Quit();
        set_error(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *config;
    char title[256];
    snprintf(title, sizeof title, "bgsub - %s",
             config->title ? config->title : "preview");
    p->window = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED,
                                 SDL_WINDOWPOS_CENTERED, 640, 360,
                                 SDL_WINDOW_HIDDEN | SDL_WINDOW_RESIZABLE);
    if (!p->window) {
        sdl_failed(err, errlen, "window");
        preview_close(p);
        return NULL;
    }
    p->renderer = SDL_CreateRenderer(p->window, -1, 0);
    if (!p->renderer)
        p->renderer = SDL_CreateRenderer(p->window, -1, SDL_RENDERER_SOFTWARE);
    if (!p->renderer) {
        sdl_failed(err, errlen, "renderer");
        preview_close(p);
        return NULL;
    }
    SDL_SetWindowMinimumSize(p->window, 320, 160);
    SDL_StartTextInput(); /* + - [ ] b s q arrive as text, whatever the layout */
    keep_libraries_for_leak_reports();
    return p;
}

/* Zoom for the first window: frames at 1x, or up to MAX_ZOOM x for small
 * ones, or smaller so the window fits in 90% of the usable screen. */
static double initial_zoom(const preview *p)
{
    SDL_Rect usable;
    int display = SDL_GetWindowDisplayIndex(p->window);
    if (SDL_GetDisplayUsableBounds(display < 0 ? 0 : display, &usable) != 0) {
        usable.w = 1280;
        usable.h = 720;
    }
    int max_w = usable.w * 9 / 10, max_h = usable.h * 9 / 10;
    double zoom = 1;
    int w, h;
    preview_window_size(p->width, p->height, zoom, &w, &h);
    while (zoom < MAX_ZOOM && w < MIN_WIDE_WINDOW) {
        int w2, h2;
        preview_window_size(p->width, p->height, zoom + 1, &w2, &h2);
        if (w2 > max_w || h2 > max_h)
            break;
        zoom += 1;
        w = w2;
        h = h2;
    }
    while (zoom > 0.05 && (w > max_w || h > max_h)) {
        zoom *= 0.98;
        preview_window_size(p->width, p->height, zoom, &w, &h);
    }
    return zoom;
}

int preview_begin(preview *p, int width, int height, int channels, double fps,
                  long total_frames, char *err, size_t errlen)
{
    p->width = width;
    p->height = height;
    p->channels = channels;
    p->fps = fps;
    p->total_frames = total_frames;
    size_t pixels = (size_t)width * height;
    for (int i = 0; i < PREVIEW_PANES; i++) {
        p->pane[i] = calloc(pixels, 3);
        if (!p->pane[i]) {
            set_error(err, errlen, "out of memory for the preview");
            return -1;
        }
    }
    p->background = malloc(pixels * channels);
    if (!p->background) {
        set_error(err, errlen, "out of memory for the preview");
        return -1;
    }
    int w, h;
    preview_window_size(width, height, initial_zoom(p), &w, &h);
    SDL_SetWindowSize(p->window, w, h);
    SDL_SetWindowPosition(p->window, SDL_WINDOWPOS_CENTERED,
                          SDL_WINDOWPOS_CENTERED);
    SDL_ShowWindow(p->window);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Panes                                                                    */
/* ------------------------------------------------------------------------ */

/* Pane i as a canvas. */
static canvas pane_canvas(const preview *p, int i)
{
    return (canvas){p->width, p->height, p->pane[i]};
}

/* The background pane, from the model as it is after frame p->number;
 * unless fresh enough (force: recompute anyway if it is not of this frame). */
static void refresh_background(preview *p, int force)
{
    double now = now_seconds();
    if (!p->model || p->background_frame == p->number ||
        (!force && now - p->background_time < BACKGROUND_REFRESH))
        return;
    int w = p->width, ch = p->channels;
    bgs_model_background(p->model, p->background, (ptrdiff_t)w * ch);
    canvas bg = pane_canvas(p, PREVIEW_PANE_BACKGROUND);
    canvas_put_frame(&bg, p->background, (ptrdiff_t)w * ch, ch);
    p->background_time = now;
    p->background_frame = p->number;
}

static void update_panes(preview *p, const preview_frame_info *info)
{
    canvas input = pane_canvas(p, PREVIEW_PANE_INPUT);
    canvas mask = pane_canvas(p, PREVIEW_PANE_MASK);
    canvas overlay = pane_canvas(p, PREVIEW_PANE_OVERLAY);
    canvas_put_frame(&input, info->frame, info->frame_stride, p->channels);
    canvas_put_frame(&mask, info->mask, info->mask_stride, 1);
    canvas_tint(&overlay, input.px, info->mask, info->mask_stride);
    p->number = info->number;
    p->model = info->model;
    refresh_background(p, p->paused || info->number == p->cfg.snapshot_at);
    /* The mask of the frame just applied was blank if it was learnt. */
    p->learnt = bgs_model_frame_count(info->model);
    p->learning = p->learnt <= p->params.learning_frames;
}

/* ------------------------------------------------------------------------ */
/* Drawing on the canvas                                                    */
/* ------------------------------------------------------------------------ */

static void fill_rect(preview *p, preview_rect r, canvas_rgb c)
{
    canvas_fill_rect(&p->cv, r.x, r.y, r.x + r.w - 1, r.y + r.h - 1, c);
}

/* Draw text with the top of its capitals at x, y, the characters that fit
 * whole left of max_x (and of the window's edge). Returns the x after it. */
static int draw_text(preview *p, int x, int y, int scale, int max_x,
                     canvas_rgb c, const char *text)
{
    if (max_x > p->cv.width)
        max_x = p->cv.width;
    return canvas_text_before(&p->cv, x, y - scale, text, scale, c, max_x);
}

/* Nearest-neighbour copy of one pane into its image rectangle. */
static void draw_pane(preview *p, int pane)
{
    preview_rect r = p->layout.image[pane];
    if (r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 ||
        r.x + r.w > p->cv.width || r.y + r.h > p->cv.height)
        return;
    for (int x = 0; x < r.w; x++)
        p->xmap[x] = 3 * preview_source_coord(x, r.w, p->width);
    const uint8_t *src = p->pane[pane];
    for (int y = 0; y < r.h; y++) {
        int sy = preview_source_coord(y, r.h, p->height);
        const uint8_t *s = src + (size_t)sy * p->width * 3;
        uint8_t *d = p->cv.px + ((size_t)(r.y + y) * p->cv.width + r.x) * 3;
        for (int x = 0; x < r.w; x++, d += 3) {
            const uint8_t *px = s + p->xmap[x];
            d[0] = px[0];
            d[1] = px[1];
            d[2] = px[2];
        }
    }
}

static void format_status(const preview *p, char *buf, size_t size)
{
    char total[32] = "";
    if (p->total_frames > 0)
        snprintf(total, sizeof total, "/%ld", p->total_frames);
    snprintf(buf, size,
             "frame %ld%s  %.1f fps  " U_ALPHA " %.3g  " U_LAMBDA " %.2f  T %.2f  K %d",
             p->number, total, p->shown_fps, p->params.alpha,
             p->params.match_sigmas, p->params.bg_ratio, p->params.components);
}

static void draw_status(preview *p)
{
    preview_rect bar = p->layout.status;
    int s = p->layout.font_scale;
    fill_rect(p, bar, COLOR_STATUS);
    int y = bar.y + 2 * s, margin = 2 * PREVIEW_GAP;
    char text[256];
    format_status(p, text, sizeof text);
    int x = draw_text(p, margin, y, s, bar.w, COLOR_TEXT, text);
    const char *note = NULL;
    if (p->message[0] && now_seconds() < p->message_until)
        note = p->message;
    else if (p->paused)
        note = "paused";
    if (note)
        x = draw_text(p, x + 3 * CANVAS_FONT_W * s, y, s, bar.w, COLOR_NOTE, note);
    static const char keys[] = "space pause  " U_RIGHT " step  +- " U_ALPHA
                               "  f freeze  [] " U_LAMBDA "  b pane  s save  q quit";
    /* The key list on the right, in small type if need be, if it fits. */
    for (int ks = s; ks >= 1; ks--) {
        int keys_x = bar.w - margin - canvas_text_width(keys, ks);
        if (keys_x >= x + 3 * CANVAS_FONT_W * s) {
            int keys_y = bar.y + (bar.h - TEXT_H * ks) / 2 + (s - ks);
            draw_text(p, keys_x, keys_y, ks, bar.w, COLOR_DIM, keys);
            break;
        }
    }
}

static void draw_caption(preview *p, int pane)
{
    preview_rect r = p->layout.caption[pane];
    int s = p->layout.font_scale;
    char text[96];
    if (pane == PREVIEW_PANE_MASK && p->learning)
        snprintf(text, sizeof text, "%s (learning %ld/%d)", PANE_NAMES[pane],
                 p->learnt, p->params.learning_frames);
    else
        snprintf(text, sizeof text, "%s", PANE_NAMES[pane]);
    canvas_rgb color = pane == PREVIEW_PANE_MASK && p->learning ? COLOR_NOTE : COLOR_TEXT;
    /* Small type where the pane is too narrow for the caption. */
    if (s > 1 && canvas_text_width(text, s) > r.w)
        draw_text(p, r.x, r.y + r.h - (TEXT_H + 1), 1, r.x + r.w, color, text);
    else
        draw_text(p, r.x, r.y + s, s, r.x + r.w, color, text);
}

static void compose(preview *p)
{
    preview_layout_compute(&p->layout, p->cv.width, p->cv.height, p->width,
                           p->height, p->mode);
    preview_rect all = {0, 0, p->cv.width, p->cv.height};
    fill_rect(p, all, COLOR_WINDOW);
    draw_status(p);
    for (int pane = 0; pane < PREVIEW_PANES; pane++) {
        draw_caption(p, pane);
        draw_pane(p, pane);
    }
}

/* ------------------------------------------------------------------------ */
/* Rendering and snapshots                                                  */
/* ------------------------------------------------------------------------ */

/* Canvas and texture the size of the renderer's output. */
static int fit_canvas(preview *p, int w, int h)
{
    if (w == p->cv.width && h == p->cv.height && p->cv.px)
        return 0;
    canvas fresh;
    int *xmap = malloc((size_t)w * sizeof *xmap);
    if (!xmap || canvas_init(&fresh, w, h, COLOR_WINDOW) != 0) {
        free(xmap);
        return -1;
    }
    canvas_free(&p->cv);
    free(p->xmap);
    p->cv = fresh;
    p->xmap = xmap;
    if (p->texture)
        SDL_DestroyTexture(p->texture);
    p->texture = SDL_CreateTexture(p->renderer, SDL_PIXELFORMAT_RGB24,
                                   SDL_TEXTUREACCESS_STREAMING, w, h);
    return p->texture ? 0 : -1;
}

/* Save what was just rendered (read back from the renderer; the canvas if
 * the renderer cannot read back). */
static int save_rendered(preview *p, const char *path, char *err, size_t errlen)
{
    size_t size = (size_t)p->cv.width * p->cv.height * 3;
    uint8_t *shot = malloc(size);
    const uint8_t *pixels = p->cv.px;
    if (shot && SDL_RenderReadPixels(p->renderer, NULL, SDL_PIXELFORMAT_RGB24,
                                     shot, p->cv.width * 3) == 0)
        pixels = shot;
    int ret = image_save_png(path, pixels, p->cv.width, p->cv.height, 3,
                             (ptrdiff_t)p->cv.width * 3, SNAPSHOT_COMPRESSION, 1,
                             err, errlen);
    free(shot);
    return ret;
}

/* Name for the s key: DIR/preview<frame>.png, -2, -3, ... if taken. */
static int snapshot_name(const preview *p, char *path, size_t size)
{
    const char *dir = p->cfg.snapshot_dir ? p->cfg.snapshot_dir : ".";
    char name[64];
    snprintf(name, sizeof name, SNAPSHOT_PATTERN, (int)p->number);
    for (int n = 1; n < 1000; n++) {
        int len = n == 1 ? snprintf(path, size, "%s/%s", dir, name)
                         : snprintf(path, size, "%s/%.*s-%d.png", dir,
                                    (int)strlen(name) - 4, name, n);
        if (len < 0 || (size_t)len >= size)
            return -1;
        if (access(path, F_OK) != 0)
            return 0;
    }
    return -1;
}

static void snapshot_by_key(preview *p)
{
    char path[PATH_MAX], err[512];
    if (snapshot_name(p, path, sizeof path) != 0) {
        set_message(p, "snapshot: no free file name");
        if (!p->cfg.quiet)
            fprintf(stderr, "bgsub: snapshot: no free file name\n");
        return;
    }
    if (save_rendered(p, path, err, sizeof err) != 0) {
        set_message(p, "snapshot failed");
        if (!p->cfg.quiet)
            fprintf(stderr, "bgsub: %s\n", err);
        return;
    }
    set_message(p, "saved %s", path);
    if (!p->cfg.quiet)
        fprintf(stderr, "bgsub: snapshot of frame %ld saved to %s\n", p->number,
                path);
}

/* Compose, show, and save what is shown: to capture_path if not NULL, and
 * by the s key if it was pressed. -1 only when capture_path fails. */
static int render(preview *p, const char *capture_path, char *err,
                  size_t errlen)
{
    int w, h;
    if (SDL_GetRendererOutputSize(p->renderer, &w, &h) != 0 || w <= 0 || h <= 0)
        SDL_GetWindowSize(p->window, &w, &h);
    if (fit_canvas(p, w, h) != 0) {
        if (capture_path) {
            set_error(err, errlen, "%s: out of memory for the preview", capture_path);
            return -1;
        }
        return 0;
    }
    if (capture_path || p->snapshot_requested || p->paused)
        refresh_background(p, 1); /* what is kept or looked at is exact */
    compose(p);
    SDL_UpdateTexture(p->texture, NULL, p->cv.px, p->cv.width * 3);
    SDL_RenderClear(p->renderer);
    SDL_RenderCopy(p->renderer, p->texture, NULL, NULL);
    int ret = 0;
    if (capture_path) {
        ret = save_rendered(p, capture_path, err, errlen);
        if (ret == 0 && !p->cfg.quiet)
            fprintf(stderr, "bgsub: snapshot of frame %ld saved to %s\n",
                    p->number, capture_path);
    }
    if (p->snapshot_requested) {
        p->snapshot_requested = 0;
        snapshot_by_key(p);
    }
    SDL_RenderPresent(p->renderer);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* Keys and window events                                                   */
/* ------------------------------------------------------------------------ */

/* Set a parameter from a key, clamped to its bounds, and say so on the top
 * line. */
static void set_from_key(preview *p, bgs_params *params, bgs_param key,
                         double v, const char *label, const char *fmt)
{
    const bgs_param_info *info = bgs_param_get_info(key);
    if (v < info->min_value)
        v = info->min_value;
    if (v > info->max_value)
        v = info->max_value;
    bgs_params_set(params, key, v);
    char value[32];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(value, sizeof value, fmt, v);
#pragma GCC diagnostic pop
    set_message(p, "%s %s from the next frame%s", label, value,
                v == info->min_value || v == info->max_value ? " (limit)" : "");
}

/* `f`: α 0 (the model stops learning, detection goes on), and back to the
 * α it had. */
static void toggle_freeze(preview *p, bgs_params *params)
{
    if (params->alpha > 0.0f) {
        p->thawed_alpha = params->alpha;
        bgs_params_set(params, BGS_PARAM_ALPHA, 0.0);
        set_message(p, "model frozen (" U_ALPHA " 0) from the next frame; f thaws");
        return;
    }
    double alpha = p->thawed_alpha > 0.0
        ? p->thawed_alpha : bgs_param_get_info(BGS_PARAM_ALPHA)->default_value;
    set_from_key(p, params, BGS_PARAM_ALPHA, alpha, U_ALPHA, "%.3g");
}

static void change_alpha(preview *p, bgs_params *params, double factor)
{
    if (params->alpha == 0.0f) { /* frozen: + and - thaw it first */
        toggle_freeze(p, params);
        return;
    }
    set_from_key(p, params, BGS_PARAM_ALPHA, params->alpha * factor, U_ALPHA, "%.3g");
}

static void change_lambda(preview *p, bgs_params *params, double step)
{
    /* Stay on the 0.1 grid so repeated presses do not drift. */
    double v = floor((params->match_sigmas + step) * 10 + 0.5) / 10;
    set_from_key(p, params, BGS_PARAM_MATCH_SIGMAS, v, U_LAMBDA, "%.2f");
}

/* The character keys (from text input, so any keyboard layout works).
 * Returns 1 if params changed. */
static int handle_text(preview *p, const char *text, bgs_params *params)
{
    switch (text[0]) {
    case '+':
    case '=': /* + without shift on many layouts */
        change_alpha(p, params, ALPHA_FACTOR);
        return 1;
    case '-': change_alpha(p, params, 1 / ALPHA_FACTOR); return 1;
    case '[': change_lambda(p, params, -LAMBDA_STEP); return 1;
    case ']': change_lambda(p, params, LAMBDA_STEP); return 1;
    case 'f': case 'F': toggle_freeze(p, params); return 1;
    case 'b': case 'B': p->mode = (p->mode + 1) % PREVIEW_LAYOUTS; return 0;
    case 's': case 'S': p->snapshot_requested = 1; return 0;
    case 'q': case 'Q': p->quit = 1; return 0;
    default: return 0;
    }
}

static void handle_key(preview *p, SDL_Keycode key)
{
    switch (key) {
    case SDLK_ESCAPE:
    case SDLK_q: /* also as a key, in case text input is unavailable */
        p->quit = 1;
        break;
    case SDLK_SPACE:
        p->paused = !p->paused;
        p->due = 0;
        p->rate_frames = 0;
        break;
    case SDLK_RIGHT:
        if (p->paused)
            p->step = 1;
        else
            p->paused = 1; /* the first press pauses, later ones step */
        break;
    default:
        break;
    }
}

/* Handle one event; *changed is set if the parameters changed. */
static void handle_event(preview *p, const SDL_Event *e, bgs_params *params,
                         int *changed)
{
    switch (e->type) {
    case SDL_QUIT:
        p->quit = 1;
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_CLOSE)
            p->quit = 1;
        break;
    case SDL_KEYDOWN:
        handle_key(p, e->key.keysym.sym);
        break;
    case SDL_TEXTINPUT:
        if (handle_text(p, e->text.text, params)) {
            *changed = 1;
            p->params = *params;
        }
        break;
    default:
        break;
    }
}

static void pump_events(preview *p, bgs_params *params, int *changed)
{
    SDL_Event e;
    while (SDL_PollEvent(&e))
        handle_event(p, &e, params, changed);
}

/* Wait up to ms for an event, then handle all that are pending. */
static void wait_events(preview *p, int ms, bgs_params *params, int *changed)
{
    SDL_Event e;
    if (SDL_WaitEventTimeout(&e, ms)) {
        handle_event(p, &e, params, changed);
        pump_events(p, params, changed);
    }
}

/* --realtime: hold the frame until its time, handling keys meanwhile. */
static void wait_until_due(preview *p, bgs_params *params, int *changed)
{
    double fps = p->fps > 0 ? p->fps : p->cfg.default_fps;
    if (!p->cfg.realtime || fps <= 0)
        return;
    double now = now_seconds();
    if (p->due == 0 || now > p->due + LATE_RESYNC)
        p->due = now; /* first frame, after a pause, or too late to catch up */
    while (!stopped(p) && !p->paused && now < p->due) {
        int ms = (int)((p->due - now) * 1000);
        if (ms < 1)
            break;
        wait_events(p, ms, params, changed);
        now = now_seconds();
    }
    p->due += 1.0 / fps;
}

/* Frames per second actually shown, over about half a second. */
static void count_shown(preview *p)
{
    double now = now_seconds();
    if (p->rate_frames == 0)
        p->rate_start = now;
    p->rate_frames++;
    double elapsed = now - p->rate_start;
    if (elapsed >= 0.5) {
        p->shown_fps = (p->rate_frames - 1) / elapsed;
        p->rate_frames = 1;
        p->rate_start = now;
    }
}

/* Paused: keep the window alive, redrawn (for window changes, keys and
 * expiring messages) after each event or PAUSED_WAIT_MS, until space, the
 * right arrow, quit or *stop. */
static void pause_loop(preview *p, bgs_params *params, int *changed)
{
    char err[512];
    while (p->paused && !p->step && !stopped(p)) {
        render(p, NULL, err, sizeof err);
        wait_events(p, PAUSED_WAIT_MS, params, changed);
    }
    p->step = 0;
    p->due = 0;
    p->rate_frames = 0;
}

preview_action preview_frame(preview *p, const preview_frame_info *info,
                             bgs_params *live_params, char *err, size_t errlen)
{
    int changed = 0;
    p->params = *live_params;
    update_panes(p, info);
    wait_until_due(p, live_params, &changed);
    count_shown(p);
    const char *capture = p->cfg.snapshot_at == info->number
                              ? p->cfg.snapshot_path : NULL;
    if (render(p, capture, err, errlen) != 0)
        return PREVIEW_FAILED;
    pump_events(p, live_params, &changed);
    if (p->paused && !stopped(p))
        pause_loop(p, live_params, &changed);
    if (stopped(p))
        return PREVIEW_QUIT;
    return changed ? PREVIEW_PARAMS_CHANGED : PREVIEW_CONTINUE;
}

long preview_last_frame(const preview *p)
{
    return p->number;
}

void preview_close(preview *p)
{
    if (!p)
        return;
    if (p->texture)
        SDL_DestroyTexture(p->texture);
    if (p->renderer)
        SDL_DestroyRenderer(p->renderer);
    if (p->window)
        SDL_DestroyWindow(p->window);
    SDL_Quit();
    canvas_free(&p->cv);
    free(p->xmap);
    for (int i = 0; i < PREVIEW_PANES; i++)
        free(p->pane[i]);
    free(p->background);
    free(p);
}
