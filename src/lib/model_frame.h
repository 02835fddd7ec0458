/*
 * model_frame.h - the model's private state and what the passes of one
 * frame share (model.c: life cycle, rates and the scalar kernel;
 * model_apply.c: the passes over a frame; model_rules.c: the decisions
 * around the mixture; model_shift.c: camera shake). Not public.
 */
#ifndef BGSUB_MODEL_FRAME_H
#define BGSUB_MODEL_FRAME_H

#include "lib/model_impl.h"
#include "lib/pool.h"
#include "lib/postproc.h"

/* Tiles of the test of changes of light: TILE x TILE pixels (a multiple of
 * BLOCK), sampled every LIGHT_STEP pixels in both directions. A tile is
 * tested when at least LIGHT_DENSITY of its pixels are foreground, and is
 * a change of light when at least LIGHT_INLIERS of its samples (those with
 * a settled first component) match it once divided by the tile's gain. */
#define TILE 32
#define LIGHT_STEP 4
#define LIGHT_DENSITY 0.10
#define LIGHT_INLIERS 0.70
#define LIGHT_MIN_SAMPLES 16
#define LIGHT_SETTLED_WEIGHT 0.5f
/* ... and, where the background's brightness over the samples varies by a
 * standard deviation of LIGHT_MIN_TEXTURE or more, when the frame's is
 * correlated with it by LIGHT_MIN_CORRELATION or more. */
#define LIGHT_MIN_TEXTURE 4.0
/* A change of light is a gain at least this far from 1 in some channel:
 * within it, the model's own tolerance covers the change. */
#define LIGHT_MIN_CHANGE 0.08
/* A change of light found in a tile is held this long (pixels that show up
 * later are explained by it). */
#define LIGHT_MEMORY_SECONDS 4.0
#define LIGHT_MIN_CORRELATION 0.8
/* Light changes are large: tiles found to change, joined with their
 * 4-neighbours whose gains agree within LIGHT_GAIN_AGREE, count only in
 * groups that cover at least LIGHT_MIN_AREA of the frame (a car on a plain
 * road can look like a darker road over a few tiles). */
#define LIGHT_GAIN_AGREE 0.10f
#define LIGHT_MIN_AREA 0.05

struct bgs_model {
    model_shape shape;
    int height;
    bgs_params params;
    long frames;            /* frames applied so far */
    long startup;           /* frames since the start-up schedule (re)began */
    long blank_left;        /* blank-mask frames left after a global change */
    long relearns;          /* global changes re-learnt from */
    int relearning;         /* the last frame was a global change or blank */
    double frame_rate;      /* frames per second, for times in seconds */
    uint16_t *state;        /* height · blocks_per_row blocks */
    int *row_marked;        /* per row: pixels the kernel marked foreground */
    /* Changes of light: tiles of TILE x TILE pixels, tiles_x per row of
     * tiles. tile_marked[y · tiles_x + t]: pixels of row y in tile column t
     * the kernel marked foreground; per tile, whether the last frame found
     * a change of light there and its gain per channel. */
    int tiles_x, tiles_y;
    int *tile_marked;
    uint8_t *tile_light;    /* this frame: 1 a change of light found */
    uint8_t *tile_unknown;  /* this frame: dense, but no change of light */
    float *tile_found;      /* this frame: the gain tile_is_light found */
    /* Kept from frame to frame: the gain of the last change of light found
     * in the tile (3 floats a tile), and the frame count up to which it
     * holds (0: none): pixels that show up after the change (behind an
     * object that moves away, a mode of a rippling surface) are explained
     * by it too. */
    float *tile_gain;
    long *tile_until;
    int *tile_queue;        /* tiles_x · tiles_y, for keep_large_light_changes */
    /* Camera shake: the shift of the last frame (model pixel (x, y) saw
     * frame pixel (x + shift_x, y + shift_y)), and, made on the first
     * shifted frame, the frame shifted into the model's place and the mask
     * in the model's place. */
    int shift_x, shift_y;
    uint8_t *shifted;
    uint8_t *model_mask;
    uint8_t *ghost_seen;    /* find_ghosts: pixels flooded (cleared after) */
    uint32_t *ghost_queue;  /* find_ghosts: the pixels of the regions */
    int *row_decided;       /* per row: pixels the decide step marked */
    /* The points the shift is estimated at (estimate_shift), read from the
     * model at frame shift_refreshed (-1: never) for max_shift
     * shift_points_for. */
    shift_point *shift_points;
    int shift_npoints, shift_points_for;
    long shift_refreshed;
    int shift_nflat;        /* plain points among them */
    float shift_flat_sum;   /* 1 + the background's sum over the plain points */
    /* Region of interest, NULL for the whole frame: a copy of the caller's
     * bytes (0 = outside), the block coverage (BLOCK_*) per block, and the
     * number of pixels inside. */
    uint8_t *roi;
    uint8_t *roi_blocks;
    long roi_pixels;
    bgs_kernel kernel;      /* the kernel in use (never AUTO) */
    model_row_fn row_fn;
    task_pool *pool;        /* NULL until more than one thread is asked for */
    bgs_postproc *postproc; /* mask clean-up workspace, made on first use */
    long *foreground;       /* per-part counts of the last frame */
    int foreground_parts;
    uint8_t *converted;     /* a frame in another pixel format, converted */
    size_t converted_size;
    long last_foreground;   /* BGS_MASK_FOREGROUND pixels of the last mask */
};

/* Region-of-interest coverage of a block of BLOCK pixels. */
enum { BLOCK_OUTSIDE = 0, BLOCK_PARTLY = 1, BLOCK_INSIDE = 2 };

typedef struct apply_job {
    bgs_model *model;
    const uint8_t *frame;   /* as the model sees it (shifted, if it is) */
    ptrdiff_t frame_stride;
    uint8_t *mask;          /* in the model's place */
    ptrdiff_t mask_stride;
    /* The caller's frame and mask; with a shift, frame and mask above are
     * the model's buffers, and the passes copy from and to these. */
    const uint8_t *in_frame;
    ptrdiff_t in_stride;
    uint8_t *out_mask;
    ptrdiff_t out_stride;
    int shift_x, shift_y;
    int last_pass;          /* PASS_*: the pass that packs the final mask */
    int light;              /* find_light_changes found a change of light */
    frame_rates rates;
    long *foreground;       /* pixels matching no background, per part */
    /* The clean-up to run on this frame's mask, or NULL; each stripe packs
     * its rows of the mask for it while they are in the cache. */
    const bgs_cleanup *cleanup;
} apply_job;

enum { PASS_APPLY = 0, PASS_DECIDE, PASS_SETTLE, PASS_SHIFT_OUT, PASS_PACK, PASS_NONE };

/* A pixel's model unpacked to floats. */
typedef struct pixel_model {
    float weight[BGS_MAX_COMPONENTS];
    float var[BGS_MAX_COMPONENTS];
    float mean[BGS_MAX_COMPONENTS][3];
} pixel_model;

/* Fields of a pixel, read one at a time. */
static inline float weight_at(const uint16_t *f) { return (float)f[0] * (1.0f / WEIGHT_SCALE); }
static inline float mean_at(const uint16_t *f) { return (float)f[0] * (1.0f / MEAN_SCALE); }

/* Fields of pixel (x, y): its block plus its lane. */
static inline uint16_t *pixel_fields(const bgs_model *m, int x, int y)
{
    const model_shape *s = &m->shape;
    return m->state + ((size_t)y * s->blocks_per_row + (size_t)(x / BLOCK)) * s->block_u16 +
           x % BLOCK;
}

/* A pixel's background brightness: the mean over channels of its first
 * component's mean as stored, rounded. The rules that compare textures
 * read it here, from the state after the kernels' update and before the
 * settle step (nothing changes the state in between), only at the pixels
 * they look at: the kernels computing it for every pixel cost more. */
static inline uint8_t background_at(const bgs_model *m, int x, int y)
{
    const int C = m->shape.channels;
    const uint16_t *f = pixel_fields(m, x, y);
    float sum = 0.0f;
    for (int c = 0; c < C; c++)
        sum = sum + mean_at(f + field_offset(C, 0, FIELD_MEAN + c));
    return (uint8_t)(int)(sum * (1.0f / (float)C) + 0.5f);
}

/* Frames a model has learnt before its shift is estimated. */
#define SHIFT_MIN_FRAMES 10

/* model.c */
void model_unpack_pixel(const model_shape *s, const uint16_t *block, int lane,
                         pixel_model *px);
void model_pack_pixel(const model_shape *s, uint16_t *block, int lane,
                       const pixel_model *px);
void model_absorb_pixel(pixel_model *px, int K, int C, const float x[3],
                         const frame_rates *r);
int model_update_pixel(pixel_model *px, int K, int C, const float x[3],
                        const frame_rates *r, float count);
frame_rates model_rates_for_frame(const bgs_model *m, int have_mask, float learning_rate);

/* model_rules.c */
void model_count_tile_row(bgs_model *m, int y, const uint8_t *mask_row, long marked);
void model_find_light_changes(bgs_model *m, apply_job *job, long marked_total);
bgs_status model_find_ghosts(bgs_model *m, apply_job *job);
int model_decide_row(const bgs_model *m, int y, const apply_job *job);
void model_settle_row(const bgs_model *m, int y, const apply_job *job);
int model_needs_decide(const apply_job *job);
int model_may_decide(const apply_job *job);

/* model_shift.c */
void model_shift_sums(bgs_model *m);
void model_estimate_shift(bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                           int *dx, int *dy);


#endif
