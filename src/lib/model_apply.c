/*
 * model_apply.c - applying a frame: the kernels over stripes of rows on the
 * thread pool, the passes of the rules, the shift in and out, the mask
 * clean-up, the global-change rule and the counts.
 */
#include "lib/model_frame.h"
#include "lib/pixfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Runs the kernel over pixels [x0, x0 + width) of row y; x0 is a multiple of
 * BLOCK. Returns the pixels it marked foreground. */
static int run_kernel(const bgs_model *m, int y, int x0, int width,
                      const apply_job *job)
{
    const model_shape *s = &m->shape;
    model_shape part = *s;
    part.width = width;
    part.blocks_per_row = (width + BLOCK - 1) / BLOCK;
    uint16_t *state = m->state +
                      ((size_t)y * s->blocks_per_row + (size_t)(x0 / BLOCK)) * s->block_u16;
    uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride + x0 : NULL;
    const uint8_t *row = job->frame + y * job->frame_stride + (size_t)x0 * s->channels;
    return m->row_fn(&part, state, row, mask_row, &job->rates);
}

/*
 * A row under a region of interest: blocks wholly outside are skipped, runs
 * of blocks wholly inside go to the kernel at once, and a block partly
 * inside is run alone with the state of its outside lanes put back after.
 * Returns the pixels inside it marked foreground.
 */
static long apply_row_roi(const bgs_model *m, int y, const apply_job *job)
{
    const model_shape *s = &m->shape;
    const uint8_t *cover = m->roi_blocks + (size_t)y * s->blocks_per_row;
    const uint8_t *inside = m->roi + (size_t)y * s->width;
    const uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride : NULL;
    uint16_t saved[(BGS_MAX_COMPONENTS * 5 + 1) * BLOCK];
    long foreground = 0;
    for (int b = 0; b < s->blocks_per_row;) {
        if (cover[b] == BLOCK_OUTSIDE) {
            b++;
            continue;
        }
        int x0 = b * BLOCK;
        if (cover[b] == BLOCK_INSIDE) {
            int end = b;
            while (end < s->blocks_per_row && cover[end] == BLOCK_INSIDE)
                end++;
            int x1 = end * BLOCK < s->width ? end * BLOCK : s->width;
            foreground += run_kernel(m, y, x0, x1 - x0, job);
            b = end;
            continue;
        }
        uint16_t *block = m->state + ((size_t)y * s->blocks_per_row + b) * s->block_u16;
        int lanes = s->width - x0 < BLOCK ? s->width - x0 : BLOCK;
        memcpy(saved, block, s->block_u16 * sizeof *block);
        run_kernel(m, y, x0, lanes, job);
        for (int lane = 0; lane < lanes; lane++) {
            if (inside[x0 + lane])
                foreground += mask_row && mask_row[x0 + lane] != BGS_MASK_BACKGROUND;
            else
                for (size_t f = 0; f < s->block_u16; f += BLOCK)
                    block[f + lane] = saved[f + lane];
        }
        b++;
    }
    return foreground;
}

/* Rows [y0, y1) of stripe `part` of `parts`. */
static void stripe_rows(const bgs_model *m, int part, int parts, int *y0, int *y1)
{
    *y0 = (int)((long)m->height * part / parts);
    *y1 = (int)((long)m->height * (part + 1) / parts);
}

static void pack_for_cleanup(bgs_model *m, const apply_job *job, int y0, int y1)
{
    if (job->cleanup)
        postproc_pack_rows(m->postproc, job->out_mask, job->out_stride,
                           postproc_layer(m->postproc, 0), y0, y1);
}

/* Rows [y0, y1) of the frame shifted into the model's place: model pixel
 * (x, y) gets frame pixel (x + dx, y + dy), the frame's edge repeated
 * beyond it. */
static void shift_frame_rows(const bgs_model *m, const apply_job *job, int y0, int y1)
{
    const int W = m->shape.width, C = m->shape.channels, dx = job->shift_x;
    for (int y = y0; y < y1; y++) {
        int sy = y + job->shift_y;
        sy = sy < 0 ? 0 : sy >= m->height ? m->height - 1 : sy;
        const uint8_t *src = job->in_frame + sy * job->in_stride;
        uint8_t *dst = m->shifted + (size_t)y * W * C;
        int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? W - dx : W; /* src in range */
        if (x1 > x0)
            memcpy(dst + (size_t)x0 * C, src + (size_t)(x0 + dx) * C, (size_t)(x1 - x0) * C);
        for (int x = 0; x < x0 && x < W; x++)
            memcpy(dst + (size_t)x * C, src, (size_t)C);
        for (int x = x1 > 0 ? x1 : 0; x < W; x++)
            memcpy(dst + (size_t)x * C, src + (size_t)(W - 1) * C, (size_t)C);
    }
}


/* The kernel pass on one stripe (and, without a decide step, the settle
 * step and the packing of the mask for the clean-up). */
static void apply_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    const model_shape *s = &m->shape;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    if (job->shift_x || job->shift_y)
        shift_frame_rows(m, job, y0, y1);
    long foreground = 0;
    for (int y = y0; y < y1; y++) {
        uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride : NULL;
        /* As the kernel marked them, shadow or not (such a pixel matched no
         * background component, and a global darkening is a global change
         * too): the count for the global-change rule. */
        long marked;
        if (m->roi) {
            marked = apply_row_roi(m, y, job);
            if (mask_row) /* outside: background, whatever the kernel wrote */
                for (int x = 0; x < s->width; x++)
                    mask_row[x] = m->roi[(size_t)y * s->width + x] ? mask_row[x] : 0;
        } else {
            marked = run_kernel(m, y, 0, s->width, job);
        }
        m->row_marked[y] = (int)marked;
        if (job->rates.illumination)
            model_count_tile_row(m, y, mask_row, marked);
        foreground += marked;
    }
    job->foreground[part] = foreground;
    if (job->last_pass == PASS_APPLY)
        pack_for_cleanup(m, job, y0, y1);
}

static void decide_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++)
        m->row_decided[y] = m->row_marked[y] > 0 ? model_decide_row(m, y, job) : 0;
}

static void settle_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++)
        if (m->row_decided[y] > 0)
            model_settle_row(m, y, job);
    if (job->last_pass == PASS_SETTLE)
        pack_for_cleanup(m, job, y0, y1);
}

/* Packs the mask for the clean-up, when no other pass did. */
static void pack_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    int y0, y1;
    stripe_rows(job->model, part, parts, &y0, &y1);
    pack_for_cleanup(job->model, job, y0, y1);
}

/* The mask in the frame's place: frame pixel (x, y) gets model pixel
 * (x - dx, y - dy), background where that is outside the frame or the
 * region of interest. */
static void shift_out_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    const int W = m->shape.width;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++) {
        uint8_t *out = job->out_mask + y * job->out_stride;
        int sy = y - job->shift_y;
        if (sy < 0 || sy >= m->height) {
            memset(out, BGS_MASK_BACKGROUND, (size_t)W);
            continue;
        }
        const uint8_t *in = job->mask + sy * job->mask_stride;
        for (int x = 0; x < W; x++) {
            int sx = x - job->shift_x;
            out[x] = sx >= 0 && sx < W ? in[sx] : BGS_MASK_BACKGROUND;
        }
        if (m->roi)
            for (int x = 0; x < W; x++)
                out[x] = m->roi[(size_t)y * W + x] ? out[x] : BGS_MASK_BACKGROUND;
    }
    pack_for_cleanup(m, job, y0, y1);
}

/* Buffers for a shifted frame and the mask in the model's place. */
static bgs_status prepare_shift(bgs_model *m)
{
    size_t pixels = (size_t)m->shape.width * m->height;
    if (!m->shifted && !(m->shifted = malloc(pixels * m->shape.channels)))
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    if (!m->model_mask && !(m->model_mask = malloc(pixels)))
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    return BGS_OK;
}

/* Pixels in a part of a frame at least (about 30 microseconds of the
 * model on one core): claiming a part and waiting for the last one cost a
 * few microseconds, which parts of 320x240 / 32 pixels would not repay. */
#define MIN_PART_PIXELS 16384

/* Parts a frame is cut into on the pool: up to pool_parts, fewer for small
 * frames, at least one per thread, except that a frame smaller than two
 * parts runs whole on the caller's thread: there the other threads' waking,
 * spinning and waiting cost more CPU than they save (3000 frames of a
 * 160x120 video: 1.8 s of CPU against 1.8-2.4 s cut in two, at the same
 * wall time, three runs each in turns). */
static int model_parts(const bgs_model *m)
{
    if (!m->pool)
        return 1;
    long by_size = (long)m->shape.width * m->height / MIN_PART_PIXELS;
    if (by_size < 2)
        return 1;
    int threads = pool_threads(m->pool), most = pool_parts(m->pool);
    long parts = by_size < threads ? threads : by_size > most ? most : by_size;
    return parts < m->height ? (int)parts : m->height;
}

/* The clean-up the parameters ask for, in pixels of this frame. */
static bgs_cleanup model_cleanup(const bgs_model *m)
{
    const bgs_params *p = &m->params;
    double pixels = (double)m->shape.width * m->height;
    bgs_cleanup cleanup = {sizeof cleanup, p->median, p->open_radius,
                           p->close_radius, (long)(p->fill_holes * pixels + 0.5),
                           (long)(p->min_area * pixels + 0.5)};
    return cleanup;
}

/* Makes the clean-up workspace ready for a frame cut into `parts` stripes. */
static bgs_status prepare_cleanup(bgs_model *m, const bgs_cleanup *cleanup,
                                  int parts)
{
    if (!m->postproc && !(m->postproc = bgs_postproc_create(m->shape.width, m->height)))
        return BGS_ERR_NO_MEMORY;
    return postproc_prepare(m->postproc, cleanup, parts);
}

static void run_pass(bgs_model *m, int parts, void (*pass)(void *, int, int),
                     apply_job *job)
{
    if (m->pool)
        pool_run_parts(m->pool, parts, pass, job);
    else
        pass(job, 0, 1);
}

/* BGS_MASK_FOREGROUND bytes of a mask. Blocks of a fixed length counted
 * in a byte-wide sum, which the compiler turns into vector compares. */
static long count_foreground(const uint8_t *mask, ptrdiff_t stride, int width, int height)
{
    long count = 0;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = mask + y * stride;
        int x = 0;
        for (; x + 64 <= width; x += 64) {
            uint8_t block = 0;
            for (int j = 0; j < 64; j++)
                block += row[x + j] == BGS_MASK_FOREGROUND;
            count += block;
        }
        for (; x < width; x++)
            count += row[x] == BGS_MASK_FOREGROUND;
    }
    return count;
}

/* frame/frame_stride in the model's own layout; learning_rate < 0: the
 * model's schedule. */
static bgs_status apply_in_turn(bgs_model *m, const uint8_t *frame,
                                ptrdiff_t frame_stride, uint8_t *mask,
                                ptrdiff_t mask_stride, float learning_rate)
{
    apply_job job = {.model = m, .frame = frame, .frame_stride = frame_stride,
                     .mask = mask, .mask_stride = mask_stride,
                     .in_frame = frame, .in_stride = frame_stride,
                     .out_mask = mask, .out_stride = mask_stride,
                     .rates = model_rates_for_frame(m, mask != NULL, learning_rate)};
    int dx = 0, dy = 0;
    if (m->params.max_shift > 0 && job.rates.update && m->startup >= SHIFT_MIN_FRAMES)
        model_estimate_shift(m, frame, frame_stride, &dx, &dy);
    m->shift_x = job.shift_x = dx;
    m->shift_y = job.shift_y = dy;
    if (dx || dy) {
        bgs_status st = prepare_shift(m);
        if (st != BGS_OK)
            return st;
        job.frame = m->shifted;
        job.frame_stride = (ptrdiff_t)m->shape.width * m->shape.channels;
        if (mask) {
            job.mask = m->model_mask;
            job.mask_stride = m->shape.width;
        }
    }
    int parts = model_parts(m);
    if (parts > m->foreground_parts) {
        long *counts = realloc(m->foreground, (size_t)parts * sizeof *counts);
        if (!counts)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->foreground = counts;
        m->foreground_parts = parts;
    }
    job.foreground = m->foreground;
    bgs_cleanup cleanup = model_cleanup(m);
    if (job.rates.detect && mask && !postproc_is_noop(&cleanup)) {
        bgs_status st = prepare_cleanup(m, &cleanup, parts);
        if (st != BGS_OK)
            return st;
        job.cleanup = &cleanup;
    }
    /* The kernels, then (when a rule reads neighbouring pixels) the decide
     * and settle steps, each over the whole frame before the next. */
    /* The kernels; then, when a rule reads neighbouring pixels, the decide
     * and settle steps; with a shift, the mask back in the frame's place;
     * each over the whole frame before the next. The last pass that writes
     * the mask packs it for the clean-up (a pass of its own if none). */
    int shift_out = mask && (dx || dy);
    int maybe = model_may_decide(&job);
    job.last_pass = shift_out ? PASS_SHIFT_OUT : maybe ? PASS_NONE : PASS_APPLY;
    run_pass(m, parts, apply_stripe, &job);
    if (maybe) {
        if (job.rates.illumination) {
            long marked = 0;
            for (int i = 0; i < parts; i++)
                marked += job.foreground[i];
            model_find_light_changes(m, &job, marked);
        }
        if (job.rates.stationary_at > 0.0f) {
            bgs_status st = model_find_ghosts(m, &job);
            if (st != BGS_OK)
                return st;
        }
        int decide = model_needs_decide(&job);
        if (!shift_out)
            job.last_pass = decide ? PASS_SETTLE : PASS_PACK;
        if (decide) {
            run_pass(m, parts, decide_stripe, &job);
            run_pass(m, parts, settle_stripe, &job);
        }
    }
    if (shift_out)
        run_pass(m, parts, shift_out_stripe, &job);
    else if (job.last_pass == PASS_PACK && job.cleanup)
        run_pass(m, parts, pack_stripe, &job);
    long foreground = 0;
    for (int p = 0; p < parts; p++)
        foreground += job.foreground[p];

    m->frames++;
    if (job.rates.update) /* a frozen frame leaves no trace in the model */
        m->startup++;
    m->relearning = m->blank_left > 0;
    if (m->blank_left > 0)
        m->blank_left--;
    long pixels = m->roi ? m->roi_pixels : (long)m->shape.width * m->height;
    const bgs_params *p = &m->params;
    /* Only a model that has learnt relearn_frames frames since its (re)start
     * can tell a global change: before that, a frame of unknown values is
     * simply new. */
    /* A frozen model does not re-learn either. */
    if (job.rates.detect && job.rates.update && mask && p->relearn_fraction > 0.0f &&
        m->startup > p->relearn_frames &&
        (double)foreground > (double)p->relearn_fraction * (double)pixels) {
        /* A global change, not objects: report nothing and restart the
         * start-up schedule, so the next frame is learnt at rate 1 and the
         * following ones as running averages. */
        for (int y = 0; y < m->height; y++)
            memset(mask + y * mask_stride, BGS_MASK_BACKGROUND, (size_t)m->shape.width);
        m->startup = 0;
        m->blank_left = p->relearn_frames;
        m->relearns++;
        m->relearning = 1;
        m->last_foreground = 0;
    } else if (job.cleanup) {
        bgs_status st = postproc_clean_packed(m->postproc, job.cleanup, mask,
                                              mask_stride, m->pool, parts);
        if (st != BGS_OK)
            return st;
        /* The mask's 255s are the set bits of the clean-up's result. */
        m->last_foreground = postproc_count(m->postproc, 1);
    } else {
        m->last_foreground = mask ? count_foreground(mask, mask_stride, m->shape.width,
                                                     m->height) : 0;
    }
    return BGS_OK;
}

/* The whole frame (its passes and the mask clean-up's) is one turn on a
 * shared pool. */
static bgs_status apply_turn(bgs_model *m, const uint8_t *frame,
                             ptrdiff_t frame_stride, uint8_t *mask,
                             ptrdiff_t mask_stride, float learning_rate)
{
    if (m->pool)
        pool_enter(m->pool);
    bgs_status st = apply_in_turn(m, frame, frame_stride, mask, mask_stride,
                                  learning_rate);
    if (m->pool)
        pool_leave(m->pool);
    return st;
}

bgs_status bgs_model_apply(bgs_model *m, const uint8_t *frame,
                           ptrdiff_t frame_stride, uint8_t *mask,
                           ptrdiff_t mask_stride)
{
    if (!m || !frame)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no frame given");
    if (frame_stride < (ptrdiff_t)m->shape.width * m->shape.channels ||
        (mask && mask_stride < m->shape.width))
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "row stride shorter than a row of %d pixels", m->shape.width);
    return apply_turn(m, frame, frame_stride, mask, mask_stride, BGS_LEARNING_RATE_AUTO);
}

/* A frame in another pixel format, converted into the model's layout: the
 * rules around the mixture read neighbouring rows and the whole frame (the
 * shift estimate), so the conversion is done once for the frame. */
static bgs_status convert_frame(bgs_model *m, const bgs_frame *frame)
{
    const int C = m->shape.channels;
    size_t row_bytes = (size_t)m->shape.width * C;
    size_t need = row_bytes * (size_t)m->height;
    if (need > m->converted_size) {
        uint8_t *buf = realloc(m->converted, need);
        if (!buf)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->converted = buf;
        m->converted_size = need;
    }
    for (int y = 0; y < m->height; y++) {
        uint8_t *dst = m->converted + (size_t)y * row_bytes;
        const uint8_t *row = pixfmt_row(frame, y, C, dst);
        if (row != dst)
            memcpy(dst, row, row_bytes);
    }
    return BGS_OK;
}

bgs_status bgs_model_apply_frame(bgs_model *m, const bgs_frame *frame,
                                 uint8_t *mask, ptrdiff_t mask_stride,
                                 float learning_rate)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    bgs_status st = pixfmt_check(frame, m->shape.width, m->height, m->shape.channels);
    if (st != BGS_OK)
        return st;
    if (mask && mask_stride < m->shape.width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "mask row stride %td shorter than a row of %d pixels",
                        mask_stride, m->shape.width);
    if (!(learning_rate <= 1.0f)) /* NaN too */
        return bgs_fail(BGS_ERR_PARAMETER,
                        "learning rate %g: negative (the model's schedule), 0 "
                        "(frozen) or up to 1", learning_rate);
    if (pixfmt_is_native(frame->format, m->shape.channels))
        return apply_turn(m, frame->planes[0], frame->strides[0], mask, mask_stride,
                          learning_rate);
    st = convert_frame(m, frame);
    if (st != BGS_OK)
        return st;
    return apply_turn(m, m->converted, (ptrdiff_t)m->shape.width * m->shape.channels,
                      mask, mask_stride, learning_rate);
}

long bgs_model_foreground(const bgs_model *m) { return m ? m->last_foreground : 0; }

