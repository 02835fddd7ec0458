/*
 * out_video.c - output kinds: the masks as a lossless video (--mask-video)
 * and the input with the foreground tinted red and the blobs boxed in green
 * (--overlay-video), encoded frame after frame on the pipeline's stream
 * thread (see outputs.h, io/video_writer.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "draw/canvas.h"
#include "io/video_writer.h"
#include "io/io_util.h"

#include <string.h>

/* Blob boxes in the overlay video: green, beside the red tint. */
static const canvas_rgb BOX_COLOUR = {0, 255, 0};

typedef struct video_output {
    video_writer *writer;
    canvas overlay;          /* the overlay's frame being drawn */
} video_output;

static video_writer_kind kind_of(const output *out)
{
    return out->kind->flags & OUTPUT_NEEDS_FRAME ? VIDEO_WRITER_RGB
                                                 : VIDEO_WRITER_LOSSLESS_GRAY;
}

static int check_name(const char *path, const char *name, video_writer_kind kind)
{
    char err[512];
    if (strcmp(path, "-") == 0) {
        cli_error("%s needs a file name, not - (use -o - for raw masks on stdout)", name);
        return EXIT_USAGE;
    }
    if (video_writer_check(path, kind, err, sizeof err)) {
        cli_error("%s %s", name, err);
        return EXIT_USAGE;
    }
    return 0;
}

static int check_mask_video(const char *path)
{
    return check_name(path, "--mask-video", VIDEO_WRITER_LOSSLESS_GRAY);
}

static int check_overlay_video(const char *path)
{
    return check_name(path, "--overlay-video", VIDEO_WRITER_RGB);
}

static int video_open(output *out, char *err, size_t errlen)
{
    video_output *v = out->state;
    const output_setup *s = out->setup;
    if (kind_of(out) == VIDEO_WRITER_RGB &&
        canvas_init(&v->overlay, s->width, s->height, (canvas_rgb){0, 0, 0}) != 0) {
        io_fail(err, errlen, out->path, "out of memory");
        return EXIT_FAILURE_STATUS;
    }
    v->writer = video_writer_open(out->path, kind_of(out), s->width, s->height,
                                  s->video_fps, s->opt->force, err, errlen);
    if (!v->writer) {
        canvas_free(&v->overlay);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int mask_video_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    video_output *v = out->state;
    return video_writer_write(v->writer, f->mask, out->setup->width, err, errlen) != 0
               ? EXIT_OUTPUT : 0;
}

/* The input in RGB with the foreground tinted and the blobs boxed. */
static int overlay_video_frame(output *out, const output_frame *f, char *err,
                               size_t errlen)
{
    video_output *v = out->state;
    canvas *cv = &v->overlay;
    int channels = out->setup->channels;
    if (!f->frame)
        return 0;
    canvas_put_frame(cv, f->frame, (ptrdiff_t)cv->width * channels, channels);
    canvas_tint(cv, cv->px, f->mask, cv->width);
    for (size_t i = 0; i < f->blob_count; i++)
        canvas_outline(cv, f->blobs[i].x, f->blobs[i].y, f->blobs[i].width,
                       f->blobs[i].height, BOX_COLOUR);
    return video_writer_write(v->writer, cv->px, (ptrdiff_t)cv->width * 3, err, errlen) != 0
               ? EXIT_OUTPUT : 0;
}

static int video_finish(output *out, int keep, const output_end *end, char *err,
                        size_t errlen)
{
    (void)end;
    video_output *v = out->state;
    int status = 0;
    if (keep)
        status = video_writer_finish(v->writer, err, errlen) != 0 ? EXIT_OUTPUT : 0;
    else
        video_writer_discard(v->writer);
    v->writer = NULL;
    canvas_free(&v->overlay);
    return status;
}

static void mask_video_describe(const output *out, FILE *to)
{
    const video_output *v = out->state;
    fprintf(to, "bgsub: output: mask video %s (%s, lossless, %.2f frames/s)\n", out->path,
            video_writer_encoder(v->writer), out->setup->video_fps);
}

static void overlay_video_describe(const output *out, FILE *to)
{
    const video_output *v = out->state;
    fprintf(to, "bgsub: output: overlay video %s (%s, %.2f frames/s)\n", out->path,
            video_writer_encoder(v->writer), out->setup->video_fps);
}

static void mask_video_summary(const output *out, char *buf, size_t size)
{
    snprintf(buf, size, "mask video %s", out->path);
}

static void overlay_video_summary(const output *out, char *buf, size_t size)
{
    snprintf(buf, size, "overlay video %s", out->path);
}

const output_kind output_mask_video = {
    .name = "--mask-video", .option = "mask-video", .stage = OUTPUT_IN_ORDER,
    .state_size = sizeof(video_output), .check = check_mask_video, .open = video_open,
    .frame = mask_video_frame, .finish = video_finish, .describe = mask_video_describe,
    .summary = mask_video_summary,
};

const output_kind output_overlay_video = {
    .name = "--overlay-video", .option = "overlay-video", .stage = OUTPUT_IN_ORDER,
    .flags = OUTPUT_NEEDS_FRAME | OUTPUT_NEEDS_BLOBS, .state_size = sizeof(video_output),
    .check = check_overlay_video, .open = video_open, .frame = overlay_video_frame,
    .finish = video_finish, .describe = overlay_video_describe,
    .summary = overlay_video_summary,
};
