/*
 * events_boxes.h - the boxes `bgsub events --boxes` draws around what moved
 * in the clips it encodes (--clip-mode encode): found in the pass that finds
 * the events (the blobs of each frame's mask), kept by frame position, drawn
 * on the frames of the clips in the pass that cuts them.
 *
 * Per frame at most EVENTS_BOXES_PER_FRAME boxes are kept, the largest, and
 * only blobs of at least 1/1000 of the model's frame (4 pixels at least):
 * a few dozen bytes a frame, whatever the frame's size.
 */
#ifndef BGSUB_EVENTS_BOXES_H
#define BGSUB_EVENTS_BOXES_H

#include "bgsub.h"
#include "draw/canvas.h"

#define EVENTS_BOXES_PER_FRAME 8

typedef struct events_box {
    long position;     /* the frame's position in the input (0-based) */
    int x, y, w, h;    /* in the input's pixels (the model's times scale) */
} events_box;

typedef struct events_boxes {
    bgs_postproc *pp;  /* the model's size */
    long min_area;     /* in the model's pixels */
    int scale;         /* --scale: model pixels to input pixels */
    events_box *box;   /* in order of position */
    size_t count, cap;
} events_boxes;

/* For masks of width x height (the model's), drawn on frames scale times
 * larger. 0, or -1 when out of memory. */
int events_boxes_init(events_boxes *b, int width, int height, int scale);
void events_boxes_free(events_boxes *b);
/* The boxes of the mask of the frame at position (positions increasing
 * from call to call). 0, or -1 when out of memory. */
int events_boxes_add(events_boxes *b, long position, const uint8_t *mask, ptrdiff_t stride);
/* Outlines of the boxes of the frame at position on cv (the input's size):
 * 2 pixels wide (more on frames wider than 640), yellow. */
void events_boxes_draw(const events_boxes *b, long position, canvas *cv);

#endif
