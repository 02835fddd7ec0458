/*
 * events_boxes.c - boxes around the moving blobs of the events' clips (see
 * events_boxes.h).
 */
#include "cli/events_boxes.h"

#include <stdlib.h>

int events_boxes_init(events_boxes *b, int width, int height, int scale)
{
    *b = (events_boxes){.scale = scale};
    b->min_area = (long)width * height / 1000;
    if (b->min_area < 4)
        b->min_area = 4;
    b->pp = bgs_postproc_create(width, height);
    return b->pp ? 0 : -1;
}

void events_boxes_free(events_boxes *b)
{
    bgs_postproc_free(b->pp);
    free(b->box);
    *b = (events_boxes){0};
}

int events_boxes_add(events_boxes *b, long position, const uint8_t *mask, ptrdiff_t stride)
{
    const bgs_blob *blobs;
    size_t n;
    if (bgs_postproc_blobs(b->pp, mask, stride, b->min_area, &blobs, &n) != BGS_OK)
        return -1;
    /* The largest EVENTS_BOXES_PER_FRAME: picked by area, one pass each. */
    unsigned char taken[4096] = {0};
    if (n > sizeof taken)
        n = sizeof taken; /* blobs of 1/1000 of the frame: at most 1000 */
    for (int k = 0; k < EVENTS_BOXES_PER_FRAME; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!taken[i] && (best == n || blobs[i].area > blobs[best].area))
                best = i;
        if (best == n)
            break;
        taken[best] = 1;
        if (b->count == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 256;
            events_box *box = realloc(b->box, cap * sizeof *box);
            if (!box)
                return -1;
            b->box = box;
            b->cap = cap;
        }
        const bgs_blob *o = &blobs[best];
        b->box[b->count++] = (events_box){position, o->x * b->scale, o->y * b->scale,
                                          o->width * b->scale, o->height * b->scale};
    }
    return 0;
}

void events_boxes_draw(const events_boxes *b, long position, canvas *cv)
{
    /* The first box of the frame: binary search on position. */
    size_t lo = 0, hi = b->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->box[mid].position < position)
            lo = mid + 1;
        else
            hi = mid;
    }
    int thick = cv->width > 640 ? (cv->width + 319) / 320 : 2;
    const canvas_rgb yellow = {255, 220, 0};
    for (size_t i = lo; i < b->count && b->box[i].position == position; i++) {
        const events_box *o = &b->box[i];
        /* Outward from the blob's edge, so the blob itself stays seen. */
        for (int t = 0; t < thick; t++)
            canvas_outline(cv, o->x - 1 - t, o->y - 1 - t, o->w + 2 + 2 * t,
                           o->h + 2 + 2 * t, yellow);
    }
}
