/*
 * source_video.c - frame_source's backend for anything libavformat opens:
 * video files, streams (rtsp://, http://), standard input as a container
 * stream ("-"), and a V4L2 camera (/dev/video0, through libavdevice loaded
 * at run time). Frames are decoded with libavcodec (frame threads) into
 * pictures on huge pages and converted with libswscale, straight into the
 * caller's buffer where it allows.
 */
#include "io/frame_source_impl.h"

#include "io/image_io.h"
#include "io/input_options.h"
#include "io/io_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/libav.h"

/* sws_scale's x86 YUV -> RGB converters write whole groups of 16 pixels
 * and, when a row's stride has no room for the last group, leave the last
 * pixels unconverted (a width of 21 with a 64-byte stride loses 5 pixels):
 * rows get room for the width rounded up to this many pixels. */
#define VIDEO_ROW_PIXEL_GROUP 16

/* A sign of damage (a packet the demuxer marks corrupt, a decoding error,
 * a frame the decoder found errors in) makes gaps in the time stamps of
 * the frames decoded in the next DAMAGE_WINDOW count as lost frames: more
 * than any decoder's delay (16 reordered frames, plus one per thread). A
 * gap elsewhere is a variable frame rate, not a loss. */
#define DAMAGE_WINDOW 64
/* A gap in the time stamps longer than this is the clock jumping, not a
 * loss. */
#define MAX_LOST_SECONDS 10

/* Where the decoder's pictures are allocated (see get_picture). */
typedef struct picture_pool {
    AVBufferPool *buffers;    /* whole pictures, all planes in one buffer;
                               * NULL: libavcodec's own allocator */
    int width, height, format; /* the pictures the layout below is for */
    int linesize[4];
    size_t offset[4];         /* of each plane in a buffer; 0: no plane */
    int planes;
} picture_pool;

typedef struct video_state {
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *scaler;
    int stream_index;
    int draining; /* the end of the file was reached, decoder being flushed */
    int truncated; /* ... and the file is shorter than its index says */
    uint8_t *pixels;          /* the source's own frame buffer */
    ptrdiff_t pixels_stride;
    picture_pool pictures;
    /* Damage (see judge_frame): frames are numbered by their place in the
     * input, so a lost frame's number is skipped, not reused. */
    long position;            /* of the frame in v->frame, lost ones counted */
    int held;                 /* video_skip decoded the next frame to give */
    int64_t last_pts;         /* time stamp of the frame before, or none */
    double frame_ticks;       /* one frame in the stream's time base, 0: unknown */
    int64_t start_pts;        /* the stream's first time stamp, or none */
    long damage_until;        /* frames_decoded up to which a time stamp gap
                               * counts as lost frames */
    long errors_since_frame;  /* decoding errors skipped since the last frame */
    int64_t fed_pts[DAMAGE_WINDOW]; /* time stamps of the last packets fed, */
    unsigned long fed_count;  /* a ring: a packet fed whose frame never came
                               * is damage the decoder kept quiet about */
} video_state;

static int fail_av(char *err, size_t errlen, const char *name,
                   const char *what, int code)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(code, reason, sizeof(reason));
    return io_fail(err, errlen, name, "%s: %s", what, reason);
}

/*
 * A decoding error in the middle of the stream. Stopping (the default), it
 * ends the stream. Skipping, it is counted and decoding carries on with the
 * next packet; the frame it cost is counted by the gap it leaves in the
 * time stamps, or, without time stamps, as one lost frame (judge_frame).
 */
static int on_decode_error(frame_source *src, int code, char *err,
                           size_t errlen)
{
    video_state *v = src->state;
    v->damage_until = src->frames_decoded + DAMAGE_WINDOW;
    if (src->skip_bad && src->bad_in_a_row < MAX_BAD_IN_A_ROW) {
        src->bad_in_a_row++;
        v->errors_since_frame++;
        return 0;
    }
    char what[64];
    /* With frame threading the failing packet is some frames ahead of the
     * last decoded frame, so only "after" is exact. */
    snprintf(what, sizeof(what), "decoding failed after frame %ld",
             v->position + 1);
    return fail_av(err, errlen, src->input, what, code);
}

/* The demuxer marked a packet corrupt (transport packets lost or
 * damaged). Which frame it hurt is not sure (the MPEG-TS demuxer marks the
 * packet it was finishing when it noticed), nor that one did (a stream
 * whose counters restart, as two files joined end to end): the decoder's
 * flags and the time stamps tell. */
static void note_corrupt_packet(frame_source *src)
{
    video_state *v = src->state;
    v->damage_until = src->frames_decoded + DAMAGE_WINDOW;
}

/* True when the stream's index (e.g. an MP4's sample table) points at data
 * past the end of the file: the file was cut short, and the demuxer only
 * reports the end of the file. */
static int index_points_past_end(const video_state *v)
{
    AVStream *stream = v->format->streams[v->stream_index];
    int64_t size = v->format->pb ? avio_size(v->format->pb) : -1;
    if (size <= 0)
        return 0;
    int n = avformat_index_get_entries_count(stream);
    for (int i = n - 1; i >= 0; i--) {
        const AVIndexEntry *e = avformat_index_get_entry(stream, i);
        if (e && e->pos + e->size > size)
            return 1;
    }
    return 0;
}

/* True when a packet with a time stamp in [from, to) was fed lately: the
 * decoder swallowed a frame without a word (a damaged header). */
static int fed_between(const video_state *v, int64_t from, int64_t to)
{
    unsigned long n = v->fed_count < DAMAGE_WINDOW ? v->fed_count : DAMAGE_WINDOW;
    for (unsigned long i = 0; i < n; i++)
        if (v->fed_pts[i] >= from && v->fed_pts[i] < to)
            return 1;
    return 0;
}

/* Frames missing before one at time stamp pts: the gap since the frame
 * before (since the stream's start for the first one) in whole frames,
 * when damage was seen lately or a packet in the gap was fed and gave no
 * frame; the errors skipped when there are no time
 * stamps to tell. A gap of more than MAX_LOST_SECONDS is the clock
 * jumping (two recordings joined), not a loss. */
static long lost_before(frame_source *src, int64_t pts)
{
    video_state *v = src->state;
    long errors = v->errors_since_frame;
    v->errors_since_frame = 0;
    int recent = src->frames_decoded <= v->damage_until;
    int64_t expected = v->last_pts != AV_NOPTS_VALUE
                           ? v->last_pts + (int64_t)llround(v->frame_ticks)
                           : v->start_pts;
    if (pts == AV_NOPTS_VALUE || v->frame_ticks <= 0 || expected == AV_NOPTS_VALUE)
        return recent ? errors : 0;
    if (pts <= expected || (!recent && !fed_between(v, expected, pts)))
        return 0;
    double frames = floor((double)(pts - expected) / v->frame_ticks + 0.5);
    return frames <= MAX_LOST_SECONDS * src->fps ? (long)frames : 0;
}

/* Stopping at damage: the message naming the frame. */
static int stop_at_damage(frame_source *src, long first, long lost, const char *why,
                          char *err, size_t errlen)
{
    video_state *v = src->state;
    if (index_points_past_end(v))
        return io_fail(err, errlen, src->input, "truncated: the file ends before "
                       "the data its index lists (frame %ld is cut short)", first);
    if (lost > 1)
        return io_fail(err, errlen, src->input, "frames %ld to %ld are lost: the "
                       "data around them is damaged", first, first + lost - 1);
    return io_fail(err, errlen, src->input, "frame %ld is %s", first, why);
}

/*
 * The frame just decoded: 1 to give it, 0 to pass over it (damaged, with
 * --on-error skip), -1 to stop (damaged or frames lost before it, the
 * default), with the message naming the frame. Lost frames move the
 * position on, so numbers stay those of the input.
 */
static int judge_frame(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    AVFrame *f = v->frame;
    int64_t pts = f->best_effort_timestamp;
    int recent = src->frames_decoded <= v->damage_until;
    /* Back in time: after damage, a frame the decoder gives late, whose
     * place was counted as lost, unless it is a keyframe (the clock
     * starting again, as where two files are joined). */
    if (recent && !f->key_frame && pts != AV_NOPTS_VALUE &&
        v->last_pts != AV_NOPTS_VALUE && pts <= v->last_pts) {
        av_frame_unref(f);
        return 0;
    }
    long lost = lost_before(src, pts);
    int damaged = f->decode_error_flags != 0 || (f->flags & AV_FRAME_FLAG_CORRUPT);
    if (damaged)
        v->damage_until = src->frames_decoded + DAMAGE_WINDOW;
    if (!src->skip_bad && lost > 0) {
        av_frame_unref(f);
        return stop_at_damage(src, v->position + 2, lost, "lost: the data around "
                              "it is damaged", err, errlen);
    }
    src->bad_frames += lost;
    v->position += lost + 1;
    if (pts != AV_NOPTS_VALUE)
        v->last_pts = pts;
    if (!damaged)
        return 1;
    av_frame_unref(f);
    if (!src->skip_bad || src->bad_in_a_row >= MAX_BAD_IN_A_ROW)
        return stop_at_damage(src, v->position + 1, 1, "damaged (the decoder "
                              "found errors in it)", err, errlen);
    src->bad_frames++;
    src->bad_in_a_row++;
    return 0;
}

/* Feed the decoder the next packet of our stream, or the end-of-stream
 * signal once the file is exhausted. */
static int video_feed(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    for (;;) {
        if (v->draining)
            return io_fail(err, errlen, src->input, "decoder wants data after end");
        int ret = av_read_frame(v->format, v->packet);
        if (ret == AVERROR_EOF) {
            v->draining = 1;
            v->truncated = index_points_past_end(v);
            ret = avcodec_send_packet(v->decoder, NULL);
            return ret < 0 ? on_decode_error(src, ret, err, errlen) : 0;
        }
        if (ret < 0)
            return fail_av(err, errlen, src->input, "cannot read", ret);
        if (v->packet->stream_index != v->stream_index) {
            av_packet_unref(v->packet);
            continue;
        }
        if (v->packet->flags & AV_PKT_FLAG_CORRUPT)
            note_corrupt_packet(src);
        if (v->packet->pts != AV_NOPTS_VALUE && !(v->packet->flags & AV_PKT_FLAG_DISCARD))
            v->fed_pts[v->fed_count++ % DAMAGE_WINDOW] = v->packet->pts;
        ret = avcodec_send_packet(v->decoder, v->packet);
        av_packet_unref(v->packet);
        return ret < 0 ? on_decode_error(src, ret, err, errlen) : 0;
    }
}

/* Decode the next frame into v->frame. 1, 0 at the end, -1 on error. */
static int video_decode(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    for (;;) {
        int ret = avcodec_receive_frame(v->decoder, v->frame);
        if (ret == 0) {
            src->frames_decoded++;
            int verdict = judge_frame(src, err, errlen);
            if (verdict < 0)
                return -1;
            if (verdict == 0)
                continue;
            src->bad_in_a_row = 0;
            return 1;
        }
        if (ret == AVERROR_EOF && v->truncated)
            return io_fail(err, errlen, src->input,
                        "truncated: the file ends before the data its index "
                        "lists (%ld frames decoded)", src->frames_decoded);
        if (ret == AVERROR_EOF) {
            src->bad_frames += v->errors_since_frame; /* lost at the end */
            v->errors_since_frame = 0;
            return 0;
        }
        if (ret != AVERROR(EAGAIN)) {
            if (on_decode_error(src, ret, err, errlen) < 0)
                return -1;
            continue; /* skipping: the decoder goes on with what follows */
        }
        if (video_feed(src, err, errlen) < 0)
            return -1;
    }
}

static int video_allocate_output(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    src->width = v->frame->width;
    src->height = v->frame->height;
    if (src->width <= 0 || src->height <= 0 ||
        (long long)src->width * src->height > IMAGE_MAX_PIXELS)
        return io_fail(err, errlen, src->input, "unsupported frame size %d x %d",
                    src->width, src->height);
    ptrdiff_t groups = (src->width + VIDEO_ROW_PIXEL_GROUP - 1) / VIDEO_ROW_PIXEL_GROUP;
    ptrdiff_t row = groups * VIDEO_ROW_PIXEL_GROUP * src->channels;
    v->pixels_stride = (row + FRAME_ROW_ALIGN - 1) / FRAME_ROW_ALIGN * FRAME_ROW_ALIGN;
    v->pixels = frame_source_alloc((size_t)v->pixels_stride * (size_t)src->height);
    if (!v->pixels)
        return io_fail(err, errlen, src->input, "out of memory");
    src->data = v->pixels;
    src->stride = v->pixels_stride;
    return 0;
}

/* Convert v->frame to gray or RGB into the source's buffer, or straight
 * into the caller's (src->target, set by frame_source_read_into), which
 * saves copying every frame once more. */
static int video_convert(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    AVFrame *f = v->frame;
    if (f->width != src->width || f->height != src->height) {
        io_fail(err, errlen, src->input,
             "frame %ld is %d x %d, the first frame was %d x %d "
             "(size changes are not supported)",
             v->position + 1, f->width, f->height, src->width,
             src->height);
        av_frame_unref(f);
        return -1;
    }
    enum AVPixelFormat out = src->channels == 1 ? AV_PIX_FMT_GRAY8
                                                : AV_PIX_FMT_RGB24;
    v->scaler = sws_getCachedContext(v->scaler, f->width, f->height,
                                     f->format, f->width, f->height, out,
                                     SWS_BILINEAR, NULL, NULL, NULL);
    if (!v->scaler) {
        const char *name = av_get_pix_fmt_name(f->format);
        io_fail(err, errlen, src->input, "cannot convert pixel format %s",
             name ? name : "unknown");
        av_frame_unref(f);
        return -1;
    }
    src->data = src->target ? src->target : v->pixels;
    src->stride = src->target ? src->target_stride : v->pixels_stride;
    uint8_t *dst[4] = {(uint8_t *)src->data, NULL, NULL, NULL};
    int dst_stride[4] = {(int)src->stride, 0, 0, 0};
    sws_scale(v->scaler, (const uint8_t *const *)f->data, f->linesize, 0,
              f->height, dst, dst_stride);
    av_frame_unref(f);
    return 0;
}

static int video_next(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    if (v->held) {
        v->held = 0;
    } else {
        int ret = video_decode(src, err, errlen);
        if (ret <= 0)
            return ret;
    }
    return video_convert(src, err, errlen) < 0 ? -1 : 1;
}

/* Passes over the frames at the next n positions (lost ones count); a frame
 * decoded past them is held for video_next. An interrupt ends it early. */
static long video_skip(frame_source *src, long n, char *err, size_t errlen)
{
    video_state *v = src->state;
    long from = v->position, keep_from = v->position + 1 + n;
    while (!frame_source_should_stop(src)) {
        int ret = video_decode(src, err, errlen);
        if (ret < 0)
            return -1;
        if (ret == 0)
            return v->position - from;
        if (v->position >= keep_from) {
            v->held = 1;
            return n;
        }
        av_frame_unref(v->frame);
    }
    return v->position - from;
}

static long video_position(const frame_source *src)
{
    const video_state *v = src->state;
    return v->position;
}

static double rational_to_double(AVRational r)
{
    return r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
}

/* Frame rate and frame count from the stream headers. */
static void video_read_timing(frame_source *src, AVStream *stream)
{
    AVFormatContext *format = ((video_state *)src->state)->format;
    src->fps = rational_to_double(stream->avg_frame_rate);
    if (src->fps <= 0)
        src->fps = rational_to_double(stream->r_frame_rate);
    src->frame_count = -1;
    if (stream->nb_frames > 0) {
        src->frame_count = (long)stream->nb_frames;
        return;
    }
    double seconds = 0;
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
        seconds = (double)stream->duration * av_q2d(stream->time_base);
    else if (format->duration != AV_NOPTS_VALUE && format->duration > 0)
        seconds = (double)format->duration / AV_TIME_BASE;
    if (seconds > 0 && src->fps > 0)
        src->frame_count = (long)(seconds * src->fps + 0.5);
}

/*
 * The decoder's pictures on huge pages. libavcodec's own allocator gives
 * every plane of every picture a buffer of small pages; a 1080p decoder
 * holds a dozen pictures, and in a virtual machine the first touch of
 * each 4 KB page costs some 25 microseconds: about 0.1 s of every run.
 * The layout is libavcodec's (avcodec_get_buffer2's: dimensions and line
 * sizes aligned as the decoder asks, each plane followed by padding), only
 * all planes of a picture share one buffer from frame_source_alloc, zeroed
 * as libavcodec's are. Formats with a palette or a hardware surface are
 * left to the default.
 */
#define PICTURE_PLANE_ALIGN 64
#define PICTURE_PLANE_PADDING (16 + 64 - 1)

static void free_picture(void *opaque, uint8_t *data)
{
    (void)opaque;
    free(data);
}

static AVBufferRef *alloc_picture(void *opaque, size_t size)
{
    (void)opaque;
    uint8_t *data = frame_source_alloc(size);
    if (!data)
        return NULL;
    memset(data, 0, size);
    AVBufferRef *ref = av_buffer_create(data, size, free_picture, NULL, 0);
    if (!ref)
        free(data);
    return ref;
}

/* Lays out pictures of frame's size and format, in pool->buffers; leaves
 * that NULL for a format not to handle here. */
static void picture_pool_setup(picture_pool *pool, AVCodecContext *decoder,
                               const AVFrame *frame)
{
    av_buffer_pool_uninit(&pool->buffers); /* frees once its pictures are */
    pool->width = frame->width;
    pool->height = frame->height;
    pool->format = frame->format;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(frame->format);
    if (!desc || (desc->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL)))
        return;
    int w = frame->width, h = frame->height, align[AV_NUM_DATA_POINTERS];
    avcodec_align_dimensions2(decoder, &w, &h, align);
    int unaligned;
    do { /* as libavcodec does: widen until every line size is aligned */
        if (av_image_fill_linesizes(pool->linesize, frame->format, w) < 0)
            return;
        w += w & ~(w - 1);
        unaligned = 0;
        for (int i = 0; i < 4; i++)
            unaligned |= pool->linesize[i] % align[i];
    } while (unaligned);
    ptrdiff_t linesize[4];
    size_t size[4];
    for (int i = 0; i < 4; i++)
        linesize[i] = pool->linesize[i];
    if (av_image_fill_plane_sizes(size, frame->format, h, linesize) < 0)
        return;
    size_t total = 0;
    pool->planes = 0;
    for (int i = 0; i < 4 && size[i]; i++) {
        pool->offset[i] = total;
        total += (size[i] + PICTURE_PLANE_PADDING + PICTURE_PLANE_ALIGN - 1) /
                 PICTURE_PLANE_ALIGN * PICTURE_PLANE_ALIGN;
        pool->planes = i + 1;
    }
    if (pool->planes > 0 && total <= INT_MAX)
        pool->buffers = av_buffer_pool_init2(total, NULL, alloc_picture, NULL);
}

static int get_picture(AVCodecContext *decoder, AVFrame *frame, int flags)
{
    picture_pool *pool = decoder->opaque;
    if (frame->width != pool->width || frame->height != pool->height ||
        frame->format != pool->format)
        picture_pool_setup(pool, decoder, frame);
    if (!pool->buffers)
        return avcodec_default_get_buffer2(decoder, frame, flags);
    AVBufferRef *buffer = av_buffer_pool_get(pool->buffers);
    if (!buffer)
        return AVERROR(ENOMEM);
    frame->buf[0] = buffer;
    for (int i = 0; i < AV_NUM_DATA_POINTERS; i++) {
        frame->data[i] = i < pool->planes ? buffer->data + pool->offset[i] : NULL;
        frame->linesize[i] = i < pool->planes ? pool->linesize[i] : 0;
    }
    frame->extended_data = frame->data;
    return 0;
}

static int video_open_decoder(frame_source *src, AVStream *stream,
                              const AVCodec *codec, char *err, size_t errlen)
{
    video_state *v = src->state;
    v->decoder = avcodec_alloc_context3(codec);
    if (!v->decoder)
        return io_fail(err, errlen, src->input, "out of memory");
    int ret = avcodec_parameters_to_context(v->decoder, stream->codecpar);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "bad codec parameters", ret);
    v->decoder->thread_count = 0; /* one thread per core */
    v->decoder->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (codec->capabilities & AV_CODEC_CAP_DR1) {
        v->pictures.width = -1;
        v->decoder->opaque = &v->pictures;
        v->decoder->get_buffer2 = get_picture;
#if LIBAVCODEC_VERSION_MAJOR < 60
        /* get_picture may be called from the decoding threads (one at a
         * time); otherwise they would hand every call to the reader thread.
         * From libavcodec 60 on this is always so and the field is gone. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        v->decoder->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
    }
    ret = avcodec_open2(v->decoder, codec, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot open decoder", ret);
    v->packet = av_packet_alloc();
    v->frame = av_frame_alloc();
    if (!v->packet || !v->frame)
        return io_fail(err, errlen, src->input, "out of memory");
    return 0;
}

/* libavformat calls this while it waits for data (network protocols poll
 * it every ~100 ms; a blocking read that a signal interrupts asks it
 * before retrying): nonzero ends the wait with AVERROR_EXIT. A network
 * stream's wait also ends once nothing has come for its timeout (how far
 * the input has been read tells whether data came). */
static int video_interrupt_callback(void *opaque)
{
    frame_source *src = opaque;
    const video_state *v = src->state;
    const AVIOContext *pb = v && v->format ? v->format->pb : NULL;
    return frame_source_should_stop(src) ||
           frame_source_live_stalled(src, pb ? (long long)pb->pos : -1);
}

/* A network stream ends where it should only as a transfer of a known
 * length read to its end (HTTP with a Content-Length): MPEG-TS over TCP,
 * RTSP or a camera's stream have no end of their own. */
static int video_end_is_proper(const frame_source *src)
{
    const video_state *v = src->state;
    const AVIOContext *pb = v && v->format ? v->format->pb : NULL;
    if (!src->live.network)
        return 1;
    int64_t size = pb ? avio_size((AVIOContext *)pb) : -1;
    return size > 0 && pb->pos >= size;
}

static int open_video(frame_source *src, char *err, size_t errlen)
{
    video_state *v = src->state;
    /* FFmpeg would print to stderr; reasons reach the caller through err. */
    av_log_set_level(AV_LOG_QUIET);
    /* Standard input is read as a container stream. */
    int is_stdin = strcmp(src->url, FRAME_SOURCE_STDIN) == 0;
    char local[PATH_MAX + 8];
    const char *url = is_stdin ? "pipe:0" : io_libav_url(src->url, local, sizeof local);
    struct stat st;
    int regular = !is_stdin && stat(src->url, &st) == 0 && S_ISREG(st.st_mode);
    if (regular && st.st_size == 0)
        return io_fail(err, errlen, src->input, "empty file");
    /* A V4L2 camera (bgsub --show /dev/video0) is a libavdevice input that
     * probing does not find by itself: name the format. */
    const AVInputFormat *device = NULL;
    if (strncmp(src->input, "/dev/video", 10) == 0 && libav_register_devices() == 0)
        device = av_find_input_format("video4linux2");
    /* --input-format and --input-option. */
    AVDictionary *options = NULL;
    if (input_options_apply(src, &options, &device, err, errlen) < 0)
        return -1;
    v->format = avformat_alloc_context();
    if (!v->format) {
        av_dict_free(&options);
        return io_fail(err, errlen, src->input, "out of memory");
    }
    v->format->interrupt_callback.callback = video_interrupt_callback;
    v->format->interrupt_callback.opaque = src;
    /* An existing file is that file, never a pattern of image names:
     * "img%d.png" is read as one image, not as img0.png, img1.png, ...
     * (unless --input-option pattern_type=... says otherwise). */
    int our_pattern_type = regular && !av_dict_get(options, "pattern_type", NULL, 0);
    if (our_pattern_type)
        av_dict_set(&options, "pattern_type", "none", 0);
    int ret = avformat_open_input(&v->format, url, device, &options);
    if (our_pattern_type) /* not the user's: no notice when a demuxer leaves it */
        av_dict_set(&options, "pattern_type", NULL, 0);
    if (ret < 0) {
        av_dict_free(&options);
        return fail_av(err, errlen, src->input, "cannot open", ret);
    }
    input_options_leftovers(src, options, v->format);
    ret = avformat_find_stream_info(v->format, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot read stream info", ret);
    const AVCodec *codec = NULL;
    ret = av_find_best_stream(v->format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0)
        return io_fail(err, errlen, src->input,
                    ret == AVERROR_DECODER_NOT_FOUND
                        ? "no decoder for the video stream"
                        : "no video stream");
    v->stream_index = ret;
    /* Let the demuxer drop audio and other streams early. */
    for (unsigned i = 0; i < v->format->nb_streams; i++) {
        if ((int)i != v->stream_index)
            v->format->streams[i]->discard = AVDISCARD_ALL;
    }
    AVStream *stream = v->format->streams[v->stream_index];
    video_read_timing(src, stream);
    /* -1 before the first frame; a stream opened again (--reconnect) goes
     * on from the last frame's position, so its numbers are not reused. */
    v->position = src->position;
    v->last_pts = AV_NOPTS_VALUE;
    v->start_pts = stream->start_time;
    double tick = rational_to_double(stream->time_base);
    v->frame_ticks = src->fps > 0 && tick > 0 ? 1 / (src->fps * tick) : 0;
    return video_open_decoder(src, stream, codec, err, errlen);
}

static int video_open(frame_source *src, const frame_source_raw_format *format,
                      char *err, size_t errlen)
{
    (void)format;
    char why[512];
    if (libav_load(why, sizeof why) < 0)
        return io_fail(err, errlen, src->input, "cannot load FFmpeg: %s", why);
    if (!(src->state = calloc(1, sizeof(video_state))))
        return io_fail(err, errlen, src->input, "out of memory");
    src->current_name = src->input;
    if (open_video(src, err, errlen) < 0)
        return -1;
    int ret = video_decode(src, err, errlen);
    if (ret < 0)
        return -1;
    if (ret == 0)
        return io_fail(err, errlen, src->input, "no video frames");
    if (video_allocate_output(src, err, errlen) < 0)
        return -1;
    return video_convert(src, err, errlen);
}

static ptrdiff_t video_stride(const frame_source *src)
{
    const video_state *v = src->state;
    return v->pixels_stride;
}

static void video_close(frame_source *src)
{
    video_state *v = src->state;
    if (!v)
        return;
    avcodec_free_context(&v->decoder);
    av_buffer_pool_uninit(&v->pictures.buffers);
    avformat_close_input(&v->format);
    av_packet_free(&v->packet);
    av_frame_free(&v->frame);
    sws_freeContext(v->scaler);
    free(v->pixels);
    free(v);
}

const frame_source_ops frame_source_video = {
    .kind = FRAME_SOURCE_VIDEO, .open = video_open, .next = video_next,
    .skip = video_skip, .position = video_position, .stride = video_stride,
    .close = video_close, .end_is_proper = video_end_is_proper,
};
