/*
 * stream_outputs.c - raw masks on stdout, mask and overlay videos, blob
 * lists (see stream_outputs.h). Runs on the pipeline's stream thread, so
 * encoding never holds up the model.
 */
#include "cli/stream_outputs.h"

#include "bgsub.h"
#include "cli/cli.h"
#include "draw/canvas.h"
#include "io/output_file.h"
#include "io/video_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Blob boxes in the overlay video: green, beside the red tint. */
static const canvas_rgb BOX_COLOUR = {0, 255, 0};

struct stream_outputs {
    stream_outputs_config cfg;
    video_writer *mask_video;
    video_writer *overlay_video;
    canvas overlay;            /* one RGB24 frame being drawn */
    bgs_postproc *postproc;    /* blob finder, for --blobs and the boxes */
    FILE *blobs;               /* the blob list (stdout for "-") */
    output_file *blobs_file;   /* where it goes, NULL for stdout */
    blob_format blobs_format;
    long frames;
};

static int ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    return n > m && strcasecmp(name + n - m, suffix) == 0;
}

int stream_outputs_blob_format(const char *path, blob_format *format)
{
    if (strcmp(path, "-") == 0 || ends_with(path, ".jsonl") ||
        ends_with(path, ".ndjson") || ends_with(path, ".json")) {
        *format = BLOBS_JSON_LINES;
        return 0;
    }
    if (ends_with(path, ".csv")) {
        *format = BLOBS_CSV;
        return 0;
    }
    return -1;
}

int stream_outputs_wanted(const stream_outputs_config *c)
{
    return c->masks_to_stdout || c->mask_video || c->overlay_video || c->blobs_path;
}

int stream_outputs_wants_frames(const stream_outputs *s)
{
    return s && s->overlay_video;
}

/* The blob list: stdout for "-", else a file by the file policy. */
static int open_blobs(stream_outputs *s, char *err, size_t errlen)
{
    const char *path = s->cfg.blobs_path;
    stream_outputs_blob_format(path, &s->blobs_format);
    if (strcmp(path, "-") == 0) {
        s->blobs = stdout;
    } else if (!(s->blobs_file = output_file_open(path, s->cfg.force, err, errlen)) ||
               !(s->blobs = output_file_stream(s->blobs_file, err, errlen))) {
        return EXIT_OUTPUT;
    }
    if (s->blobs_format == BLOBS_CSV)
        fputs("frame,time,id,x,y,width,height,area,cx,cy\n", s->blobs);
    return 0;
}

static int open_outputs(stream_outputs *s, char *err, size_t errlen)
{
    const stream_outputs_config *c = &s->cfg;
    if (c->overlay_video || c->blobs_path) {
        s->postproc = bgs_postproc_create(c->width, c->height);
        if (!s->postproc) {
            snprintf(err, errlen, "blobs: %s", bgs_last_error());
            return EXIT_FAILURE_STATUS;
        }
    }
    if (c->overlay_video &&
        canvas_init(&s->overlay, c->width, c->height, (canvas_rgb){0, 0, 0}) != 0) {
        snprintf(err, errlen, "%s: out of memory", c->overlay_video);
        return EXIT_FAILURE_STATUS;
    }
    if (c->mask_video &&
        !(s->mask_video = video_writer_open(c->mask_video, VIDEO_WRITER_LOSSLESS_GRAY,
                                            c->width, c->height, c->video_fps,
                                            c->force, err, errlen)))
        return EXIT_OUTPUT;
    if (c->overlay_video &&
        !(s->overlay_video = video_writer_open(c->overlay_video, VIDEO_WRITER_RGB,
                                               c->width, c->height, c->video_fps,
                                               c->force, err, errlen)))
        return EXIT_OUTPUT;
    if (c->blobs_path)
        return open_blobs(s, err, errlen);
    return 0;
}

int stream_outputs_open(const stream_outputs_config *config,
                        stream_outputs **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!stream_outputs_wanted(config))
        return 0;
    stream_outputs *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return EXIT_FAILURE_STATUS;
    }
    s->cfg = *config;
    int status = open_outputs(s, err, errlen);
    if (status) {
        stream_outputs_finish(s, 0, NULL, 0);
        return status;
    }
    *out = s;
    return 0;
}

/* -o -: the mask's bytes, all of them, to stdout. */
static int write_stdout(const uint8_t *mask, size_t size, long number,
                        char *err, size_t errlen)
{
    while (size > 0) {
        ssize_t wrote = write(STDOUT_FILENO, mask, size);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0) {
            snprintf(err, errlen, "stdout: cannot write the mask of frame %ld: %s",
                     number, wrote < 0 ? strerror(errno) : "nothing written");
            return EXIT_OUTPUT;
        }
        mask += wrote;
        size -= (size_t)wrote;
    }
    return 0;
}

static int finish_blobs(stream_outputs *s, int keep, char *err, size_t errlen);

/* One line per blob. The time is the frame's (its input number - 1 over
 * the frame rate), null / empty when the input has no rate. */
static int write_blobs(stream_outputs *s, const bgs_blob *blobs, size_t count,
                       long number, char *err, size_t errlen)
{
    char time[32] = "";
    if (s->cfg.fps > 0)
        snprintf(time, sizeof time, "%.4f", (double)(number - 1) / s->cfg.fps);
    for (size_t i = 0; i < count; i++) {
        const bgs_blob *b = &blobs[i];
        if (s->blobs_format == BLOBS_CSV)
            fprintf(s->blobs, "%ld,%s,%zu,%d,%d,%d,%d,%ld,%.2f,%.2f\n", number, time,
                    i + 1, b->x, b->y, b->width, b->height, b->area, b->cx, b->cy);
        else
            fprintf(s->blobs,
                    "{\"frame\": %ld, \"time\": %s, \"id\": %zu, \"x\": %d, \"y\": %d, "
                    "\"width\": %d, \"height\": %d, \"area\": %ld, \"cx\": %.2f, "
                    "\"cy\": %.2f}\n", number, *time ? time : "null", i + 1, b->x,
                    b->y, b->width, b->height, b->area, b->cx, b->cy);
    }
    /* A pipe reader wants each frame's lines as they come. */
    if ((s->blobs == stdout && fflush(stdout) != 0) || ferror(s->blobs)) {
        snprintf(err, errlen, "%s: cannot write the blob list: %s",
                 s->blobs == stdout ? "stdout" : s->cfg.blobs_path, strerror(errno));
        return EXIT_OUTPUT;
    }
    return 0;
}

/* The input in RGB with the foreground tinted and the blobs boxed. */
static void draw_overlay(stream_outputs *s, const uint8_t *mask,
                         const uint8_t *frame, const bgs_blob *blobs,
                         size_t count)
{
    canvas *cv = &s->overlay;
    canvas_put_frame(cv, frame, (ptrdiff_t)cv->width * s->cfg.channels, s->cfg.channels);
    canvas_tint(cv, cv->px, mask, cv->width);
    for (size_t i = 0; i < count; i++)
        canvas_outline(cv, blobs[i].x, blobs[i].y, blobs[i].width, blobs[i].height,
                       BOX_COLOUR);
}

int stream_outputs_write(void *ctx, const uint8_t *mask, const uint8_t *frame,
                         long number, char *err, size_t errlen)
{
    stream_outputs *s = ctx;
    int w = s->cfg.width, h = s->cfg.height;
    int status = 0;
    if (s->cfg.masks_to_stdout)
        status = write_stdout(mask, (size_t)w * h, number, err, errlen);
    if (status == 0 && s->mask_video &&
        video_writer_write(s->mask_video, mask, w, err, errlen) != 0) {
        video_writer_discard(s->mask_video); /* a broken file is not kept */
        s->mask_video = NULL;
        status = EXIT_OUTPUT;
    }
    const bgs_blob *blobs = NULL;
    size_t count = 0;
    if (status == 0 && s->postproc &&
        bgs_postproc_blobs(s->postproc, mask, w, s->cfg.min_blob_area, &blobs,
                           &count) != BGS_OK) {
        snprintf(err, errlen, "blobs of frame %ld: %s", number, bgs_last_error());
        status = EXIT_FAILURE_STATUS;
    }
    if (status == 0 && s->blobs) {
        status = write_blobs(s, blobs, count, number, err, errlen);
        if (status)
            finish_blobs(s, 0, NULL, 0);
    }
    if (status == 0 && s->overlay_video && frame) {
        draw_overlay(s, mask, frame, blobs, count);
        if (video_writer_write(s->overlay_video, s->overlay.px, (ptrdiff_t)w * 3, err,
                               errlen) != 0) {
            video_writer_discard(s->overlay_video);
            s->overlay_video = NULL;
            status = EXIT_OUTPUT;
        }
    }
    if (status == 0)
        s->frames++;
    return status;
}

void stream_outputs_describe(const stream_outputs *s, FILE *out)
{
    if (!s)
        return;
    if (s->cfg.masks_to_stdout)
        fprintf(out, "bgsub: output: raw masks on stdout, %dx%d bytes a frame\n",
                s->cfg.width, s->cfg.height);
    if (s->mask_video)
        fprintf(out, "bgsub: output: mask video %s (%s, lossless, %.2f frames/s)\n",
                s->cfg.mask_video, video_writer_encoder(s->mask_video), s->cfg.video_fps);
    if (s->overlay_video)
        fprintf(out, "bgsub: output: overlay video %s (%s, %.2f frames/s)\n",
                s->cfg.overlay_video, video_writer_encoder(s->overlay_video),
                s->cfg.video_fps);
    if (s->blobs)
        fprintf(out, "bgsub: output: blobs %s (%s, area >= %ld)\n",
                s->blobs == stdout ? "on stdout" : s->cfg.blobs_path,
                s->blobs_format == BLOBS_CSV ? "CSV" : "JSON lines",
                s->cfg.min_blob_area);
}

/* The blob list: flushed and renamed into place (keep), or removed. */
static int finish_blobs(stream_outputs *s, int keep, char *err, size_t errlen)
{
    output_file *file = s->blobs_file;
    s->blobs = NULL;
    s->blobs_file = NULL;
    if (!file)
        return 0; /* stdout, flushed frame by frame */
    if (!keep) {
        output_file_discard(file);
        return 0;
    }
    return output_file_commit(file, err, errlen) != 0 ? EXIT_OUTPUT : 0;
}

static int finish_video(video_writer *w, int keep, int status, char *err,
                        size_t errlen)
{
    if (!w)
        return status;
    if (!keep || status) {
        /* After another output failed, finishing this one is still worth
         * it (the frames done so far), but its own error would be a second
         * message: keep only the first. */
        if (keep) {
            char ignored[512];
            video_writer_finish(w, ignored, sizeof ignored);
        } else {
            video_writer_discard(w);
        }
        return status;
    }
    return video_writer_finish(w, err, errlen) != 0 ? EXIT_OUTPUT : 0;
}

int stream_outputs_finish(stream_outputs *s, int keep, char *err, size_t errlen)
{
    if (!s)
        return 0;
    char scratch[512];
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    int status = finish_blobs(s, keep, err, errlen);
    status = finish_video(s->mask_video, keep, status, err, errlen);
    status = finish_video(s->overlay_video, keep, status, err, errlen);
    bgs_postproc_free(s->postproc);
    canvas_free(&s->overlay);
    free(s);
    return status;
}
