/*
 * frame_source.c - a stream of frames from a video, a folder of images, a
 * printf pattern of image names, or raw frames (see frame_source.h).
 *
 * Each kind of input is a backend behind a small table of operations
 * (frame_source_impl.h; source_video.c, source_sequence.c, source_raw.c).
 * A backend decodes its first frame when it is opened, so the frame size is
 * known before the first read; that frame is then handed out by the first
 * frame_source_read. What every kind shares is here: the pending first
 * frame, positions and numbers, skipping, reading into the caller's
 * buffer, and the getters.
 */
#include "io/frame_source_impl.h"

#include "io/io_util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

int frame_source_is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int frame_source_is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int frame_source_should_stop(frame_source *src)
{
    return (src->interrupt && *src->interrupt) || atomic_load(&src->cancelled);
}

/* Which backend reads input: stdin is a video stream, a folder a sequence,
 * a name with a '%' that is no file a pattern, anything else a video. */
static const frame_source_ops *backend_of(const char *input)
{
    if (strcmp(input, FRAME_SOURCE_STDIN) == 0)
        return &frame_source_video;
    if (frame_source_is_directory(input))
        return &frame_source_folder;
    if (!frame_source_is_regular_file(input) && strchr(input, '%'))
        return &frame_source_pattern;
    return &frame_source_video;
}

/* A source of the backend ops, opened (its first frame decoded), or NULL. */
static frame_source *open_source(const frame_source_ops *ops, const char *input,
                                 const frame_source_raw_format *format,
                                 const frame_source_options *options,
                                 int channels, int skip_bad, char *err, size_t errlen)
{
    if (!input || (channels != 1 && channels != 3)) {
        io_fail(err, errlen, input ? input : "(null)",
                "frames must have 1 or 3 channels, not %d", channels);
        return NULL;
    }
    int is_stdin = strcmp(input, FRAME_SOURCE_STDIN) == 0;
    frame_source *src = calloc(1, sizeof(*src));
    if (src)
        src->input = strdup(is_stdin ? FRAME_SOURCE_STDIN_NAME : input);
    if (!src || !src->input) {
        free(src);
        io_fail(err, errlen, input, "out of memory");
        return NULL;
    }
    src->ops = ops;
    src->url = input;
    src->position = -1;
    src->channels = channels;
    src->skip_bad = skip_bad;
    src->options = options;
    if (frame_source_live_init(src, input) < 0) {
        io_fail(err, errlen, input, "out of memory");
        frame_source_close(src);
        return NULL;
    }
    frame_source_live_arm(src);
    if (ops->open(src, format, err, errlen) < 0) {
        if (atomic_load(&src->live.stalled))
            io_fail(err, errlen, src->input, "cannot open: no data for %g s (--timeout)",
                    src->live.timeout);
        frame_source_close(src);
        return NULL;
    }
    src->url = NULL; /* the caller's string: not kept past open */
    src->pending = 1;
    return src;
}

frame_source *frame_source_open(const char *input, int channels, char *err,
                                size_t errlen)
{
    return frame_source_open_with(input, channels, NULL, err, errlen);
}

frame_source *frame_source_open_with(const char *input, int channels,
                                     const frame_source_options *options,
                                     char *err, size_t errlen)
{
    return open_source(backend_of(input ? input : ""), input, NULL, options, channels, 0,
                       err, errlen);
}

frame_source *frame_source_open_skipping(const char *input, int channels,
                                         const frame_source_options *options,
                                         char *err, size_t errlen)
{
    return open_source(backend_of(input ? input : ""), input, NULL, options, channels, 1,
                       err, errlen);
}

frame_source *frame_source_open_raw(const char *input,
                                    const frame_source_raw_format *format,
                                    int channels, char *err, size_t errlen)
{
    return open_source(&frame_source_raw, input, format, NULL, channels, 0, err, errlen);
}

int frame_source_read(frame_source *src, const uint8_t **data,
                      ptrdiff_t *stride, char *err, size_t errlen)
{
    if (src->pending) {
        src->pending = 0;
    } else {
        frame_source_live_arm(src);
        int ret = src->ops->next(src, err, errlen);
        if (ret <= 0 && src->live.network) /* the end of a stream: ended, or cut? */
            ret = frame_source_live_after_end(src, ret, err, errlen);
        if (ret <= 0)
            return ret;
    }
    src->bad_in_a_row = 0;
    /* Sequences number frames by file, so a skipped file keeps its number;
     * a video (and raw frames) by decoded frame. */
    src->position = src->ops->position ? src->ops->position(src) : src->position + 1;
    *data = src->data;
    *stride = src->stride;
    return 1;
}

int frame_source_read_into(frame_source *src, uint8_t *dst,
                           ptrdiff_t dst_stride, char *err, size_t errlen)
{
    const uint8_t *data;
    ptrdiff_t stride;
    if (dst_stride >= frame_source_stride(src) && dst_stride <= INT_MAX) {
        src->target = dst; /* a backend that can converts straight into it */
        src->target_stride = dst_stride;
    }
    int ret = frame_source_read(src, &data, &stride, err, errlen);
    src->target = NULL;
    if (ret == 1 && data != dst) {
        size_t row = (size_t)src->width * (size_t)src->channels;
        for (int y = 0; y < src->height; y++)
            memcpy(dst + dst_stride * y, data + stride * y, row);
    }
    return ret;
}

void frame_source_set_skip_bad(frame_source *src, int skip) { src->skip_bad = skip; }

void frame_source_set_interrupt(frame_source *src, const volatile sig_atomic_t *stop)
{
    src->interrupt = stop;
}

void frame_source_cancel(frame_source *src)
{
    atomic_store(&src->cancelled, 1);
}
long frame_source_bad_frames(const frame_source *src) { return src->bad_frames; }
long frame_source_position(const frame_source *src) { return src->position; }

void frame_source_set_renumber(frame_source *src, int renumber)
{
    src->renumber = renumber;
}

long frame_source_number(const frame_source *src)
{
    if (src->renumber || !src->ops->number)
        return src->position + 1;
    return src->ops->number(src);
}

long frame_source_skip(frame_source *src, long n, char *err, size_t errlen)
{
    if (n <= 0)
        return 0;
    long skipped = 0;
    if (src->pending) {
        src->pending = 0;
        skipped = 1;
    }
    long more = src->ops->skip(src, n - skipped, err, errlen);
    if (more < 0)
        return -1;
    if (!src->ops->position) /* else the next read says where it is */
        src->position += skipped + more;
    return skipped + more;
}

void *frame_source_alloc(size_t bytes)
{
    void *buffer = NULL;
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)2 << 20;
    if (bytes >= huge / 2) {
        /* Whole huge pages; the last one only if mostly used (a 1080p
         * mask of 2 073 600 bytes gets one, a 6.2 MB frame three and a
         * tail of small pages). */
        size_t rounded = (bytes + huge - 1) / huge * huge;
        size_t size = rounded - bytes <= bytes / 8 ? rounded : bytes;
        if (posix_memalign(&buffer, huge, size) != 0)
            return NULL;
        madvise(buffer, size / huge * huge, MADV_HUGEPAGE); /* advice: may be refused */
        return buffer;
    }
#endif
    return posix_memalign(&buffer, FRAME_ROW_ALIGN, bytes ? bytes : 1) == 0 ? buffer : NULL;
}

ptrdiff_t frame_source_stride(const frame_source *src)
{
    if (src->ops->stride)
        return src->ops->stride(src);
    ptrdiff_t row = (ptrdiff_t)src->width * src->channels;
    return (row + FRAME_ROW_ALIGN - 1) / FRAME_ROW_ALIGN * FRAME_ROW_ALIGN;
}

int frame_source_width(const frame_source *src) { return src->width; }
int frame_source_height(const frame_source *src) { return src->height; }
int frame_source_channels(const frame_source *src) { return src->channels; }

frame_source_kind frame_source_get_kind(const frame_source *src)
{
    return src->ops->kind;
}

double frame_source_fps(const frame_source *src) { return src->fps; }

long frame_source_frame_count(const frame_source *src)
{
    return src->frame_count;
}

const char *frame_source_current_name(const frame_source *src)
{
    return src->current_name ? src->current_name : src->input;
}

const char *frame_source_end_problem(const frame_source *src)
{
    return src->live.problem[0] ? src->live.problem : NULL;
}

long frame_source_reconnects(const frame_source *src) { return src->live.reconnects; }
double frame_source_gap_seconds(const frame_source *src) { return src->live.gap_seconds; }

void frame_source_close(frame_source *src)
{
    if (!src)
        return;
    src->ops->close(src);
    frame_source_live_free(src);
    free(src->input);
    free(src);
}
