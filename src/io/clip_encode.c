/*
 * clip_encode.c - clips cut at exact frames by encoding (see clip_encode.h).
 *
 * One pass over the input: frames before a clip are passed over
 * (frame_source_skip: decoded but not converted), the frames of a clip
 * are read as RGB and handed to a video_writer, which is finished (and
 * renamed into place) at the clip's last frame. Positions are the
 * source's (frame_source_position), the same numbering as the pass that
 * found the events.
 */
#include "io/clip_encode.h"

#include "io/frame_source.h"
#include "io/video_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Skip to position `to` (the next frame read is `to`). 0, or -1. */
static int skip_to(frame_source *src, long next, long to, char *err, size_t errlen)
{
    if (to <= next)
        return 0;
    long skipped = frame_source_skip(src, to - next, err, errlen);
    if (skipped < 0)
        return -1;
    if (skipped < to - next) {
        snprintf(err, errlen, "the input ended at frame %ld, before the clip's first "
                 "frame %ld", next + skipped, to + 1);
        return -1;
    }
    return 0;
}

static int write_clips(const clip_encode_config *cfg, frame_source *src, uint8_t *copy,
                       const char **encoder, char *err, size_t errlen)
{
    int w = frame_source_width(src), h = frame_source_height(src);
    long next = 0; /* position of the next frame to read */
    for (long c = 0; c < cfg->count; c++) {
        const clip_range *clip = &cfg->clips[c];
        if (skip_to(src, next, clip->first, err, errlen) != 0)
            return -1;
        next = clip->first > next ? clip->first : next;
        video_writer *out = video_writer_open(clip->path, VIDEO_WRITER_RGB, w, h, cfg->fps,
                                              cfg->force, err, errlen);
        if (!out)
            return -1;
        if (encoder)
            *encoder = video_writer_encoder(out);
        while (next <= clip->last) {
            const uint8_t *data;
            ptrdiff_t stride;
            int got = cfg->stop && *cfg->stop ? -1 : frame_source_read(src, &data, &stride,
                                                                         err, errlen);
            if (got == 0)
                snprintf(err, errlen, "the input ended at frame %ld, before the clip's "
                         "last frame %ld", next, clip->last + 1);
            if (got == 1 && copy) { /* drawn on a copy: the source's is read-only */
                for (int y = 0; y < h; y++)
                    memcpy(copy + (size_t)y * w * 3, data + y * stride, (size_t)w * 3);
                cfg->draw(cfg->ctx, frame_source_position(src), copy, w, h);
                data = copy;
                stride = (ptrdiff_t)w * 3;
            }
            if (got == 1 && video_writer_write(out, data, stride, err, errlen) == 0) {
                next = frame_source_position(src) + 1;
                if (cfg->progress)
                    cfg->progress(cfg->ctx, next - 1, c);
                continue;
            }
            if (got < 0 && cfg->stop && *cfg->stop)
                snprintf(err, errlen, "%s: interrupted", clip->path);
            video_writer_discard(out);
            return -1;
        }
        if (video_writer_finish(out, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int clip_encode_run(const clip_encode_config *cfg, const char **encoder, char *err,
                    size_t errlen)
{
    for (long c = 0; c < cfg->count; c++) {
        const clip_range *clip = &cfg->clips[c];
        if (clip->first < 0 || clip->last < clip->first ||
            (c > 0 && clip->first <= cfg->clips[c - 1].last)) {
            snprintf(err, errlen, "%s: frames %ld to %ld are not a range after the "
                     "clip before (internal error)", clip->path, clip->first + 1,
                     clip->last + 1);
            return -1;
        }
        if (video_writer_check(clip->path, VIDEO_WRITER_RGB, err, errlen) != 0)
            return -1;
    }
    if (cfg->count == 0)
        return 0;
    frame_source *src = frame_source_open(cfg->input, 3, err, errlen);
    if (!src)
        return -1;
    if (cfg->stop)
        frame_source_set_interrupt(src, cfg->stop);
    uint8_t *copy = NULL;
    if (cfg->draw) {
        copy = malloc((size_t)frame_source_width(src) * frame_source_height(src) * 3);
        if (!copy) {
            snprintf(err, errlen, "%s: out of memory for a frame to draw on", cfg->input);
            frame_source_close(src);
            return -1;
        }
    }
    int status = write_clips(cfg, src, copy, encoder, err, errlen);
    free(copy);
    frame_source_close(src);
    return status;
}
