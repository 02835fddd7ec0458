/*
 * preview.h - the live preview window of `bgsub --show` (SDL2).
 *
 * preview.c owns everything SDL: the window, the texture, the key and window
 * events, pause and single-stepping, pacing at the source's frame rate, the
 * status line (drawn with src/draw/canvas.c) and snapshots. The
 * rest of the program only calls the functions below, and only when --show
 * was given: without it SDL is never initialised.
 *
 * Errors: NULL / -1 with a one-line reason in err (without the "bgsub: "
 * prefix), like the rest of the program.
 */
#ifndef BGSUB_PREVIEW_H
#define BGSUB_PREVIEW_H

#include "bgsub.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct preview preview;

typedef struct preview_config {
    const char *title;          /* shown in the window title (the input)      */
    int realtime;               /* pace frames at the source's frame rate     */
    double default_fps;         /* rate when the source has none (0: no pacing) */
    long snapshot_at;           /* save snapshot_path once this frame number is
                                   shown (0 = never)                          */
    const char *snapshot_path;
    const char *snapshot_dir;   /* where the s key saves (NULL: current folder) */
    int quiet;                  /* no "snapshot saved" lines on stderr        */
    volatile sig_atomic_t *stop; /* set by a signal handler: stop waiting      */
} preview_config;

/* What preview_frame needs to draw one frame. */
typedef struct preview_frame_info {
    long number;                /* frame number, as in the mask names         */
    const uint8_t *frame;       /* the input frame, model's channels          */
    ptrdiff_t frame_stride;
    const uint8_t *mask;        /* its mask (0 / 255), one byte per pixel     */
    ptrdiff_t mask_stride;
    const bgs_model *model;     /* after the frame was applied: background,
                                   learning state                             */
} preview_frame_info;

typedef enum preview_action {
    PREVIEW_CONTINUE = 0,       /* go on with the next frame                  */
    PREVIEW_PARAMS_CHANGED,     /* go on; *live_params were changed by keys   */
    PREVIEW_QUIT,               /* q, Esc, window closed, or *stop was set    */
    PREVIEW_FAILED,             /* the --snapshot-at file could not be written */
} preview_action;

/*
 * Initialise SDL video and create the (still hidden) window. Fails early,
 * with "cannot open a window: ..." in err, when there is no display: neither
 * DISPLAY nor WAYLAND_DISPLAY is set (unless SDL_VIDEODRIVER names another
 * driver) or SDL cannot open one.
 */
preview *preview_open(const preview_config *config, char *err, size_t errlen);

/* Size the window for width x height frames of 1 or 3 channels and show it.
 * fps: the source's rate (0 unknown); total_frames: -1 if unknown. */
int preview_begin(preview *p, int width, int height, int channels, double fps,
                  long total_frames, char *err, size_t errlen);

/*
 * Show one frame: wait until it is due (--realtime), draw it, save the
 * --snapshot-at file if this is that frame, and handle the keys. While
 * paused this call blocks, redrawing and handling keys, until the user
 * resumes, steps or quits (or *stop is set). Key changes to alpha and
 * lambda are made in *live_params (kept inside their bounds) and reported
 * as PREVIEW_PARAMS_CHANGED; the caller gives them to the model before the
 * next frame. On PREVIEW_FAILED the reason is in err.
 */
preview_action preview_frame(preview *p, const preview_frame_info *info,
                             bgs_params *live_params, char *err,
                             size_t errlen);

/* The last frame number preview_frame showed (0 if none). */
long preview_last_frame(const preview *p);

/* Close the window and shut SDL down. NULL is fine. */
void preview_close(preview *p);

#endif
