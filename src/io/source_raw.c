/*
 * source_raw.c - frame_source's backend for raw frames: width x height
 * pixels of gray or RGB24, back to back, no header, from a file or from
 * standard input ("-"); converted to the channels asked for. A wait for
 * input polls, so an interrupt ends it (see frame_source_set_interrupt).
 */
#include "io/frame_source_impl.h"

#include "io/image_io.h"
#include "io/io_util.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Raw frames read whole from a file or standard input. */
typedef struct raw_state {
    FILE *file;
    int owns_file;     /* opened here (not stdin): closed here */
    int in_channels;   /* 1 gray, 3 rgb24, as they arrive */
    size_t frame_bytes;
    uint8_t *bytes;    /* the frame as read */
    uint8_t *pixels;   /* converted to the source's channels, if they differ */
} raw_state;

int frame_source_parse_raw_spec(const char *spec,
                                frame_source_raw_format *format, char *err,
                                size_t errlen)
{
    const char *why = "expected WxH:gray or WxH:rgb24, e.g. 320x240:rgb24";
    char *end;
    errno = 0;
    long width = isdigit((unsigned char)spec[0]) ? strtol(spec, &end, 10) : 0;
    if (width <= 0 || errno || *end != 'x')
        return io_fail(err, errlen, spec, "%s", why);
    const char *rest = end + 1;
    long height = isdigit((unsigned char)rest[0]) ? strtol(rest, &end, 10) : 0;
    if (height <= 0 || errno || *end != ':')
        return io_fail(err, errlen, spec, "%s", why);
    int channels;
    if (strcmp(end + 1, "gray") == 0)
        channels = 1;
    else if (strcmp(end + 1, "rgb24") == 0)
        channels = 3;
    else
        return io_fail(err, errlen, spec, "unknown pixel format '%s' (gray or rgb24)",
                    end + 1);
    if (width > IMAGE_MAX_PIXELS || height > IMAGE_MAX_PIXELS ||
        width * height > IMAGE_MAX_PIXELS)
        return io_fail(err, errlen, spec, "%ld x %ld frames are larger than %ld pixels",
                    width, height, (long)IMAGE_MAX_PIXELS);
    format->width = (int)width;
    format->height = (int)height;
    format->channels = channels;
    return 0;
}

/* The same BT.601 weights as image_io.c's luma (16-bit fixed point, adding
 * up to 65536), so raw RGB and an RGB image file give the same gray. */
static uint8_t raw_luma(const uint8_t *rgb)
{
    return (uint8_t)((19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] +
                      32768u) >> 16);
}

static void raw_convert(frame_source *src)
{
    raw_state *r = src->state;
    size_t pixels = (size_t)src->width * (size_t)src->height;
    if (r->in_channels == src->channels)
        return;
    for (size_t i = 0; i < pixels; i++) {
        if (src->channels == 1)
            r->pixels[i] = raw_luma(r->bytes + 3 * i);
        else
            r->pixels[3 * i] = r->pixels[3 * i + 1] = r->pixels[3 * i + 2] =
                r->bytes[i];
    }
}

/* Up to n bytes from fd: read's result, or -2 once *src->interrupt is set.
 * Waiting in poll with a timeout (not in read) is what lets an interrupt
 * end the wait for a pipe whose writer has stalled. */
static ssize_t raw_read_some(frame_source *src, int fd, uint8_t *buf, size_t n)
{
    for (;;) {
        if (frame_source_should_stop(src))
            return -2;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, 100);
        if (ready == 0 || (ready < 0 && errno == EINTR))
            continue;
        ssize_t got = read(fd, buf, n);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        return got;
    }
}

/* Read exactly one frame. 1, 0 at a clean end (or interrupted), -1 on a
 * read error or a frame cut short. */
static int raw_read_frame(frame_source *src, char *err, size_t errlen)
{
    raw_state *r = src->state;
    int fd = fileno(r->file);
    size_t got = 0;
    while (got < r->frame_bytes) {
        ssize_t n = raw_read_some(src, fd, r->bytes + got, r->frame_bytes - got);
        if (n == -2)
            return 0;
        if (n < 0)
            return io_fail(err, errlen, src->input, "cannot read: %s", strerror(errno));
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got == r->frame_bytes)
        return 1;
    if (got == 0)
        return 0;
    return io_fail(err, errlen, src->input,
                "truncated raw frame %ld: %zu of %zu bytes (%d x %d %s frames)",
                src->frames_decoded + 1, got, r->frame_bytes, src->width,
                src->height, r->in_channels == 1 ? "gray" : "rgb24");
}

static int raw_next(frame_source *src, char *err, size_t errlen)
{
    int ret = raw_read_frame(src, err, errlen);
    if (ret <= 0)
        return ret;
    src->frames_decoded++;
    raw_convert(src);
    return 1;
}

static long raw_skip(frame_source *src, long n, char *err, size_t errlen)
{
    long skipped = 0;
    while (skipped < n) {
        int ret = raw_read_frame(src, err, errlen);
        if (ret < 0)
            return -1;
        if (ret == 0)
            break;
        src->frames_decoded++;
        skipped++;
    }
    return skipped;
}

static int raw_open(frame_source *src, const frame_source_raw_format *format,
                    char *err, size_t errlen)
{
    raw_state *r = calloc(1, sizeof *r);
    src->state = r;
    src->current_name = src->input;
    if (!r)
        return io_fail(err, errlen, src->input, "out of memory");
    if (format->width <= 0 || format->height <= 0 ||
        (long long)format->width * format->height > IMAGE_MAX_PIXELS ||
        (format->channels != 1 && format->channels != 3))
        return io_fail(err, errlen, src->input, "bad raw frame format %d x %d x %d",
                    format->width, format->height, format->channels);
    src->width = format->width;
    src->height = format->height;
    src->fps = format->fps > 0 ? format->fps : 0;
    r->in_channels = format->channels;
    r->frame_bytes = (size_t)format->width * format->height * format->channels;
    if (strcmp(src->url, FRAME_SOURCE_STDIN) == 0) {
        r->file = stdin;
    } else {
        if (frame_source_is_directory(src->url))
            return io_fail(err, errlen, src->input, "is a folder, not raw frames");
        r->file = fopen(src->url, "rb");
        if (!r->file)
            return io_fail(err, errlen, src->input, "cannot open: %s", strerror(errno));
        r->owns_file = 1;
    }
    /* A regular file (also stdin redirected from one) has a known length. */
    struct stat st;
    src->frame_count = -1;
    if (fstat(fileno(r->file), &st) == 0 && S_ISREG(st.st_mode))
        src->frame_count = (long)((size_t)st.st_size / r->frame_bytes);
    size_t pixel_bytes = (size_t)format->width * format->height * src->channels;
    r->bytes = malloc(r->frame_bytes);
    r->pixels = r->in_channels == src->channels ? r->bytes : malloc(pixel_bytes);
    if (!r->bytes || !r->pixels)
        return io_fail(err, errlen, src->input, "out of memory");
    src->data = r->pixels;
    src->stride = (ptrdiff_t)format->width * src->channels;
    int ret = raw_next(src, err, errlen);
    if (ret == 0)
        return io_fail(err, errlen, src->input, "no raw frames (empty input)");
    return ret < 0 ? -1 : 0;
}

static void raw_close(frame_source *src)
{
    raw_state *r = src->state;
    if (!r)
        return;
    if (r->owns_file && r->file)
        fclose(r->file);
    if (r->pixels != r->bytes)
        free(r->pixels);
    free(r->bytes);
    free(r);
}

const frame_source_ops frame_source_raw = {
    .kind = FRAME_SOURCE_RAW, .open = raw_open, .next = raw_next, .skip = raw_skip,
    .close = raw_close,
};
