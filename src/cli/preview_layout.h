/*
 * preview_layout.h - where the live preview (preview.c) puts its panes in
 * the window, and which source pixel each window pixel shows.
 *
 * Pure integer arithmetic, no SDL: the test helper tests/tools/panecheck.c
 * includes this header to find the panes in a snapshot by the very rules
 * the window uses. Everything is static inline for that reason.
 *
 * The window, top to bottom: a status line (13 font pixels high), then the
 * panes. Each pane is a caption line (11 font pixels) above the frame,
 * scaled with its aspect ratio kept. Layout 0 puts the four panes side by
 * side, equal (two by two instead when the window is tall enough for that
 * to make them larger); layout 1 + p shows pane p large on the left and the
 * three others stacked on the right. Font pixels are 2 window pixels wide
 * when the window is at least PREVIEW_FONT2_MIN_WIDTH wide, else 1.
 */
#ifndef BGSUB_PREVIEW_LAYOUT_H
#define BGSUB_PREVIEW_LAYOUT_H

enum {
    PREVIEW_PANE_INPUT = 0,
    PREVIEW_PANE_MASK,
    PREVIEW_PANE_BACKGROUND,
    PREVIEW_PANE_OVERLAY,
    PREVIEW_PANES,
    PREVIEW_LAYOUTS = PREVIEW_PANES + 1 /* row of equals, then one large each */
};

#define PREVIEW_GAP 4                /* window pixels around and between panes */
#define PREVIEW_FONT2_MIN_WIDTH 640
/* Text (draw/canvas.h's font) is 9 font pixels high: 7 for the capitals,
 * 2 for descenders. */
#define PREVIEW_STATUS_H 13          /* font pixels: 2 + 9 text + 2 */
#define PREVIEW_CAPTION_H 11         /* font pixels: 1 + 9 text + 1 */

typedef struct preview_rect {
    int x, y, w, h;
} preview_rect;

typedef struct preview_layout {
    int font_scale;                       /* window pixels per font pixel */
    preview_rect status;                  /* the text line along the top  */
    preview_rect caption[PREVIEW_PANES];  /* pane names, above each image */
    preview_rect image[PREVIEW_PANES];    /* the scaled frames            */
} preview_layout;

static inline int preview_font_scale(int window_w)
{
    return window_w >= PREVIEW_FONT2_MIN_WIDTH ? 2 : 1;
}

/* The largest frame_w:frame_h rectangle inside box_w x box_h, placed at the
 * top of the box (under its caption) and centred across. */
static inline preview_rect preview_fit(int box_x, int box_y, int box_w,
                                       int box_h, int frame_w, int frame_h)
{
    preview_rect r = {box_x, box_y, 0, 0};
    if (box_w <= 0 || box_h <= 0 || frame_w <= 0 || frame_h <= 0)
        return r;
    if ((long long)box_w * frame_h <= (long long)box_h * frame_w) {
        r.w = box_w;
        r.h = (int)(((long long)box_w * frame_h + frame_w / 2) / frame_w);
    } else {
        r.h = box_h;
        r.w = (int)(((long long)box_h * frame_w + frame_h / 2) / frame_h);
    }
    if (r.w < 1 || r.h < 1)
        r.w = r.h = 0;
    r.x = box_x + (box_w - r.w) / 2;
    return r;
}

/* Put pane `pane` (caption above, image below) in the cell at x, y of
 * w x h window pixels. */
static inline void preview_place(preview_layout *l, int pane, int x, int y,
                                 int w, int h, int frame_w, int frame_h)
{
    int caption_h = PREVIEW_CAPTION_H * l->font_scale;
    preview_rect img = preview_fit(x, y + caption_h, w, h - caption_h,
                                   frame_w, frame_h);
    l->image[pane] = img;
    preview_rect cap = {img.x, y, img.w > 0 ? img.w : w, caption_h};
    l->caption[pane] = cap;
}

/* Layout of a window_w x window_h window showing frame_w x frame_h frames
 * in layout `mode` (0 .. PREVIEW_LAYOUTS - 1). */
static inline void preview_layout_compute(preview_layout *l, int window_w,
                                          int window_h, int frame_w,
                                          int frame_h, int mode)
{
    const int g = PREVIEW_GAP;
    l->font_scale = preview_font_scale(window_w);
    int status_h = PREVIEW_STATUS_H * l->font_scale;
    preview_rect status = {0, 0, window_w, status_h};
    l->status = status;
    int top = status_h;
    int area_h = window_h - top - g; /* bottom margin */
    if (mode <= 0 || mode >= PREVIEW_LAYOUTS) {
        /* Side by side; or two by two where that makes the panes larger
         * (a tall window). */
        int caption_h = PREVIEW_CAPTION_H * l->font_scale;
        int row_w = (window_w - (PREVIEW_PANES + 1) * g) / PREVIEW_PANES;
        int grid_w = (window_w - 3 * g) / 2, grid_h = (area_h - g) / 2;
        preview_rect in_row = preview_fit(0, 0, row_w, area_h - caption_h,
                                          frame_w, frame_h);
        preview_rect in_grid = preview_fit(0, 0, grid_w, grid_h - caption_h,
                                           frame_w, frame_h);
        for (int p = 0; p < PREVIEW_PANES; p++) {
            if (in_grid.w > in_row.w)
                preview_place(l, p, g + (p % 2) * (grid_w + g),
                              top + (p / 2) * (grid_h + g), grid_w, grid_h,
                              frame_w, frame_h);
            else
                preview_place(l, p, g + p * (row_w + g), top, row_w, area_h,
                              frame_w, frame_h);
        }
        return;
    }
    /* One pane large on the left, the others stacked on the right; the
     * column is as wide as the height allows (at most a quarter of the
     * window), and the pair is centred across the window. */
    int large = mode - 1;
    int caption_h = PREVIEW_CAPTION_H * l->font_scale;
    int slot_h = (area_h + g) / (PREVIEW_PANES - 1); /* cell + gap below */
    int small_h = slot_h - g - caption_h;
    int small_w = frame_h > 0 ? (int)((long long)small_h * frame_w / frame_h) : 0;
    if (small_w > (window_w - 3 * g) / 4)
        small_w = (window_w - 3 * g) / 4;
    if (small_w < 0)
        small_w = 0;
    preview_rect big = preview_fit(0, 0, window_w - 3 * g - small_w,
                                   area_h - caption_h, frame_w, frame_h);
    int left = (window_w - big.w - small_w - 3 * g) / 2 + g;
    preview_place(l, large, left, top, big.w, area_h, frame_w, frame_h);
    int row = 0;
    for (int p = 0; p < PREVIEW_PANES; p++) {
        if (p == large)
            continue;
        preview_place(l, p, left + big.w + g, top + row * slot_h, small_w,
                      slot_h - g, frame_w, frame_h);
        row++;
    }
}

/* Window size at which layout 0 shows the frames zoom times their size. */
static inline void preview_window_size(int frame_w, int frame_h, double zoom,
                                       int *window_w, int *window_h)
{
    const int g = PREVIEW_GAP;
    int pane_w = (int)(frame_w * zoom + 0.5), pane_h = (int)(frame_h * zoom + 0.5);
    if (pane_w < 1)
        pane_w = 1;
    if (pane_h < 1)
        pane_h = 1;
    *window_w = PREVIEW_PANES * pane_w + (PREVIEW_PANES + 1) * g;
    int scale = preview_font_scale(*window_w);
    *window_h = (PREVIEW_STATUS_H + PREVIEW_CAPTION_H) * scale + pane_h + g;
}

/* Source coordinate shown at destination coordinate d of a pane dst_len
 * pixels long that shows src_len source pixels (nearest neighbour, pixel
 * centres). */
static inline int preview_source_coord(int d, int dst_len, int src_len)
{
    return (int)(((2LL * d + 1) * src_len) / (2LL * dst_len));
}

#endif
