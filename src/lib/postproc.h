/*
 * postproc.h - internal entry points of the mask clean-up (postproc.c), for
 * running it in stripes of rows on a thread pool (e.g. from bgs_model_apply).
 *
 * The simplest use is postproc_clean_pool(), which runs every step with the
 * local filters striped over a task_pool. The pieces below are for callers
 * that schedule the stripes themselves.
 *
 * The clean-up works on bit planes of the frame size: one bit per pixel
 * (1 = foreground), rows of postproc_words(pp) 64-bit words, bit i of word k
 * is pixel 64 k + i, bits past the width are 0. postproc_reserve() makes
 * three planes (postproc_layer 0..2) and per-thread scratch. The chain is:
 *   pack the mask into plane 0 (the original, kept for the merge), by
 *   stripes (postproc_pack_rows);
 *   the local filters of each stripe, one after the other, into plane 1
 *   (postproc_local_rows: one pass over the stripes for all of them);
 *   global steps on plane 1, in place (components labelled in stripes,
 *   joined at the stripe borders on one thread);
 *   merge: write into the mask only the pixels whose bit differs from
 *   plane 0 (255 if they joined the foreground, 0 if they left it), so
 *   every other value stays.
 * Stripes are rows [height * part / parts, height * (part + 1) / parts).
 *
 * Row-range functions write rows [y0, y1) of their output and read any
 * rows of their input, so stripes of one step can run in parallel once the
 * previous step is done everywhere; input and output must differ. A call
 * uses the scratch of one thread (postproc_scratch(pp, part)); results do
 * not depend on how the frame is cut into stripes.
 */
#ifndef BGSUB_POSTPROC_H
#define BGSUB_POSTPROC_H

#include "bgsub.h"
#include "lib/pool.h"

/* 64-bit words per row of a bit plane. */
int postproc_words(const bgs_postproc *pp);
/* Hole filling and the blob minimum label components in stripes of at
 * least this many pixels (default 65536; tests set 1 to cut small planes
 * into many stripes). */
void postproc_set_label_part_pixels(bgs_postproc *pp, long pixels);
/* Allocate the three planes (once) and scratch for `threads` threads. */
bgs_status postproc_reserve(bgs_postproc *pp, int threads);
uint64_t *postproc_layer(bgs_postproc *pp, int index);
uint64_t *postproc_scratch(bgs_postproc *pp, int part);
size_t postproc_scratch_words(const bgs_postproc *pp);

/* plane rows [y0, y1) = (mask == 255). */
void postproc_pack_rows(const bgs_postproc *pp, const uint8_t *mask,
                        ptrdiff_t stride, uint64_t *plane, int y0, int y1);

/* Binary median: set where at least (size^2 + 1) / 2 pixels of the
 * size x size window (3 or 5) are set, edge pixels replicated. */
void postproc_median_rows(bgs_postproc *pp, const uint64_t *src,
                          uint64_t *dst, int size, int y0, int y1,
                          uint64_t *scratch);

/* Erosion / dilation with a (2 radius + 1) square, radius
 * 1..BGS_CLEANUP_MAX_RADIUS, the window clipped to the frame. */
void postproc_erode_rows(bgs_postproc *pp, const uint64_t *src, uint64_t *dst,
                         int radius, int y0, int y1, uint64_t *scratch);
void postproc_dilate_rows(bgs_postproc *pp, const uint64_t *src,
                          uint64_t *dst, int radius, int y0, int y1,
                          uint64_t *scratch);

/* Whole-plane steps, in place, their connected components labelled in
 * `parts` stripes on pool's threads (pool may be NULL: one stripe). Fail
 * only for lack of memory. */
bgs_status postproc_fill_holes(bgs_postproc *pp, uint64_t *plane,
                               long max_area, task_pool *pool, int parts);
bgs_status postproc_remove_small(bgs_postproc *pp, uint64_t *plane,
                                 long min_area, task_pool *pool, int parts);

/* mask rows [y0, y1): 255 where a bit of `after` is set and the one of
 * `before` is not, 0 where the reverse; other pixels untouched. */
void postproc_merge_rows(const bgs_postproc *pp, const uint64_t *before,
                         const uint64_t *after, uint8_t *mask,
                         ptrdiff_t stride, int y0, int y1);

/* Allocate the planes, scratch and per-stripe windows for cutting frames
 * into `parts` stripes with clean-up c. */
bgs_status postproc_prepare(bgs_postproc *pp, const bgs_cleanup *c, int parts);
/* 1 if c does nothing. */
int postproc_is_noop(const bgs_cleanup *c);
/* The set bits of plane `index` (its pixels that are 1), the bits past the
 * width left out. */
long postproc_count(bgs_postproc *pp, int index);
/* Stripe `part` of `parts`: the local steps of c from plane 0 into plane 1,
 * reading the rows around the stripe (plane 0 must be complete); when c has
 * no global steps, also the merge of the stripe into the mask. */
void postproc_local_rows(bgs_postproc *pp, const bgs_cleanup *c, uint8_t *mask,
                         ptrdiff_t stride, int part, int parts);
/* The clean-up after plane 0 holds the packed mask, the frame cut into
 * `parts` stripes (as given to postproc_prepare; pool may be NULL): local
 * steps, global steps, merge. */
bgs_status postproc_clean_packed(bgs_postproc *pp, const bgs_cleanup *c,
                                 uint8_t *mask, ptrdiff_t stride,
                                 task_pool *pool, int parts);

/* The whole clean-up with the row-range steps striped over pool's threads
 * (pool may be NULL: the calling thread does everything). Same result as
 * bgs_postproc_clean, which is this with pool NULL after checking the
 * arguments; cleanup must have passed bgs_cleanup_check. */
bgs_status postproc_clean_pool(bgs_postproc *pp, const bgs_cleanup *cleanup,
                               uint8_t *mask, ptrdiff_t stride,
                               task_pool *pool);

#endif
