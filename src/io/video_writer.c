/*
 * video_writer.c - frames out to a video file (see video_writer.h).
 *
 * The encoder is chosen from the file name: the container comes from the
 * extension (av_guess_format), and the codec is the first of the kind's
 * candidates that this FFmpeg build has and that the container can hold.
 */
#include "io/io_util.h"
#include "io/output_avio.h"
#include "io/output_file.h"
#include "io/video_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/libav.h"

/* Overlay quality: x264's constant rate factor and MPEG-4's fixed
 * quantiser, both visually clean at the sizes bgsub sees. */
#define OVERLAY_X264_CRF "23"
#define OVERLAY_MPEG4_QSCALE 4
/* Used when the frame rate given cannot be expressed. */
#define FALLBACK_FPS 25

struct video_writer {
    char *path;       /* the final name */
    output_file *file; /* where it is written until finished */
    video_writer_kind kind;
    int width, height;         /* of the frames given */
    AVFormatContext *format;
    AVCodecContext *encoder;
    AVStream *stream;
    AVFrame *frame;
    AVPacket *packet;
    struct SwsContext *scaler; /* RGB24 to the encoder's format */
    long frames;
};

/* The encoder and pixel format picked for a file. */
typedef struct encoder_choice {
    const AVOutputFormat *container;
    const AVCodec *codec;
    enum AVPixelFormat pixel_format;
} encoder_choice;

static int fail_av(char *err, size_t errlen, const char *name,
                   const char *what, int code)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(code, reason, sizeof reason);
    return io_fail(err, errlen, name, "%s: %s", what, reason);
}

/* The extension of the last path component, without the dot ("" if none). */
static const char *extension_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot + 1 : "";
}

static int is_one_of(const char *ext, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(ext, *list) == 0)
            return 1;
    return 0;
}

static int supports_pixel_format(const AVCodec *codec, enum AVPixelFormat fmt)
{
    if (!codec->pix_fmts)
        return 0;
    for (const enum AVPixelFormat *p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
        if (*p == fmt)
            return 1;
    return 0;
}

static int container_takes(const AVOutputFormat *container, enum AVCodecID id)
{
    return avformat_query_codec(container, id, FF_COMPLIANCE_NORMAL) == 1;
}

static int choose_lossless_gray(const char *path, encoder_choice *c, char *err,
                                size_t errlen)
{
    static const char *const ffv1_names[] = {"mkv", "avi", "nut", NULL};
    static const char *const x264_names[] = {"mp4", "mov", NULL};
    const char *ext = extension_of(path);
    const char *encoder;
    if (is_one_of(ext, ffv1_names))
        encoder = "ffv1";
    else if (is_one_of(ext, x264_names))
        encoder = "libx264";
    else
        return io_fail(err, errlen, path,
                    "a lossless mask video must be .mkv, .avi or .nut (FFV1) "
                    "or .mp4 or .mov (H.264 with qp 0)");
    c->codec = avcodec_find_encoder_by_name(encoder);
    if (!c->codec)
        return io_fail(err, errlen, path,
                    "this FFmpeg has no %s encoder (use .mkv for FFV1)", encoder);
    c->pixel_format = AV_PIX_FMT_GRAY8;
    if (!supports_pixel_format(c->codec, c->pixel_format))
        return io_fail(err, errlen, path,
                    "this FFmpeg's %s encoder cannot store gray frames (use .mkv "
                    "for FFV1)", encoder);
    if (!container_takes(c->container, c->codec->id))
        return io_fail(err, errlen, path, "the %s format cannot hold %s video",
                    c->container->name, encoder);
    return 0;
}

static int choose_rgb(const char *path, encoder_choice *c, char *err,
                      size_t errlen)
{
    static const char *const candidates[] = {"libx264", "mpeg4", NULL};
    for (const char *const *name = candidates; *name; name++) {
        const AVCodec *codec = avcodec_find_encoder_by_name(*name);
        if (codec && supports_pixel_format(codec, AV_PIX_FMT_YUV420P) &&
            container_takes(c->container, codec->id)) {
            c->codec = codec;
            c->pixel_format = AV_PIX_FMT_YUV420P;
            return 0;
        }
    }
    return io_fail(err, errlen, path,
                "the %s format cannot hold H.264 or MPEG-4 video (use .mp4 or "
                ".mkv)", c->container->name);
}

static int choose_encoder(const char *path, video_writer_kind kind,
                          encoder_choice *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!path || !*path)
        return io_fail(err, errlen, "\"\"", "empty file name");
    char why[512];
    if (libav_load(why, sizeof why) < 0)
        return io_fail(err, errlen, path, "cannot load FFmpeg: %s", why);
    c->container = av_guess_format(NULL, path, NULL);
    if (!c->container || !*extension_of(path))
        return io_fail(err, errlen, path,
                    "cannot tell the video format from the name (use .mkv, "
                    ".mp4 or .avi)");
    /* image2 and friends write numbered image files, not one video. */
    if ((c->container->flags & AVFMT_NOFILE) ||
        strncmp(c->container->name, "image2", 6) == 0)
        return io_fail(err, errlen, path, "is an image name, not a video file");
    return kind == VIDEO_WRITER_LOSSLESS_GRAY
               ? choose_lossless_gray(path, c, err, errlen)
               : choose_rgb(path, c, err, errlen);
}

int video_writer_check(const char *path, video_writer_kind kind, char *err,
                       size_t errlen)
{
    encoder_choice c;
    return choose_encoder(path, kind, &c, err, errlen);
}

static void free_writer(video_writer *w)
{
    if (w->format) {
        output_avio_detach(w->format);
        avformat_free_context(w->format);
    }
    avcodec_free_context(&w->encoder);
    av_frame_free(&w->frame);
    av_packet_free(&w->packet);
    sws_freeContext(w->scaler);
    output_file_discard(w->file); /* NULL once committed */
    free(w->path);
    free(w);
}

void video_writer_discard(video_writer *w)
{
    if (w)
        free_writer(w);
}

static int open_encoder(video_writer *w, const encoder_choice *c, double fps,
                        char *err, size_t errlen)
{
    AVCodecContext *enc = avcodec_alloc_context3(c->codec);
    if (!enc)
        return io_fail(err, errlen, w->path, "out of memory");
    w->encoder = enc;
    /* 4:2:0 needs even sizes: the overlay drops an odd last column/row. */
    int even = c->pixel_format == AV_PIX_FMT_YUV420P;
    enc->width = even ? w->width & ~1 : w->width;
    enc->height = even ? w->height & ~1 : w->height;
    if (enc->width <= 0 || enc->height <= 0)
        return io_fail(err, errlen, w->path, "%d x %d frames are too small for %s",
                    w->width, w->height, c->codec->name);
    enc->pix_fmt = c->pixel_format;
    AVRational rate = av_d2q(fps > 0 ? fps : FALLBACK_FPS, 100000);
    if (rate.num <= 0 || rate.den <= 0)
        rate = (AVRational){FALLBACK_FPS, 1};
    enc->time_base = av_inv_q(rate);
    enc->framerate = rate;
    enc->gop_size = 250;
    if (w->format->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *options = NULL;
    if (strcmp(c->codec->name, "libx264") == 0) {
        av_dict_set(&options, "preset", "veryfast", 0);
        if (w->kind == VIDEO_WRITER_LOSSLESS_GRAY)
            av_dict_set(&options, "qp", "0", 0);
        else
            av_dict_set(&options, "crf", OVERLAY_X264_CRF, 0);
    } else if (c->codec->id == AV_CODEC_ID_MPEG4) {
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = FF_QP2LAMBDA * OVERLAY_MPEG4_QSCALE;
    }
    int ret = avcodec_open2(enc, c->codec, &options);
    av_dict_free(&options);
    if (ret < 0)
        return fail_av(err, errlen, w->path, "cannot open the encoder", ret);
    w->stream = avformat_new_stream(w->format, NULL);
    if (!w->stream)
        return io_fail(err, errlen, w->path, "out of memory");
    w->stream->time_base = enc->time_base;
    w->stream->avg_frame_rate = rate;
    ret = avcodec_parameters_from_context(w->stream->codecpar, enc);
    if (ret < 0)
        return fail_av(err, errlen, w->path, "bad encoder parameters", ret);
    w->frame = av_frame_alloc();
    w->packet = av_packet_alloc();
    if (!w->frame || !w->packet)
        return io_fail(err, errlen, w->path, "out of memory");
    w->frame->format = enc->pix_fmt;
    w->frame->width = enc->width;
    w->frame->height = enc->height;
    ret = av_frame_get_buffer(w->frame, 0);
    if (ret < 0)
        return fail_av(err, errlen, w->path, "cannot allocate a frame", ret);
    if (w->kind == VIDEO_WRITER_RGB) {
        w->scaler = sws_getContext(enc->width, enc->height, AV_PIX_FMT_RGB24,
                                   enc->width, enc->height, enc->pix_fmt,
                                   SWS_BILINEAR, NULL, NULL, NULL);
        if (!w->scaler)
            return io_fail(err, errlen, w->path, "cannot convert RGB to %s",
                        av_get_pix_fmt_name(enc->pix_fmt));
    }
    return 0;
}

video_writer *video_writer_open(const char *path, video_writer_kind kind,
                                int width, int height, double fps, int force,
                                char *err, size_t errlen)
{
    /* FFmpeg would print to stderr; reasons reach the caller through err. */
    av_log_set_level(AV_LOG_QUIET);
    encoder_choice choice;
    if (choose_encoder(path, kind, &choice, err, errlen) < 0)
        return NULL;
    video_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        io_fail(err, errlen, path, "out of memory");
        return NULL;
    }
    w->kind = kind;
    w->width = width;
    w->height = height;
    int ret = avformat_alloc_output_context2(&w->format, choice.container, NULL, path);
    if (ret < 0) {
        fail_av(err, errlen, path, "cannot set up the container", ret);
        free_writer(w);
        return NULL;
    }
    if (open_encoder(w, &choice, fps, err, errlen) < 0 ||
        !(w->file = output_file_open(path, force ? OUTPUT_FILE_FORCE : 0, err, errlen)) ||
        output_avio_attach(w->format, w->file, path, err, errlen) < 0) {
        free_writer(w);
        return NULL;
    }
    ret = avformat_write_header(w->format, NULL);
    if (ret < 0) {
        fail_av(err, errlen, path, "cannot write the header", ret);
        free_writer(w);
        return NULL;
    }
    return w;
}

/* Move every packet the encoder has ready into the file. */
static int drain_packets(video_writer *w, char *err, size_t errlen)
{
    for (;;) {
        int ret = avcodec_receive_packet(w->encoder, w->packet);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return fail_av(err, errlen, w->path, "encoding failed", ret);
        av_packet_rescale_ts(w->packet, w->encoder->time_base, w->stream->time_base);
        w->packet->stream_index = w->stream->index;
        ret = av_interleaved_write_frame(w->format, w->packet);
        if (ret < 0)
            return fail_av(err, errlen, w->path, "cannot write", ret);
    }
}

int video_writer_write(video_writer *w, const uint8_t *data, ptrdiff_t stride,
                       char *err, size_t errlen)
{
    int ret = av_frame_make_writable(w->frame);
    if (ret < 0)
        return fail_av(err, errlen, w->path, "cannot allocate a frame", ret);
    AVFrame *f = w->frame;
    if (w->kind == VIDEO_WRITER_LOSSLESS_GRAY) {
        for (int y = 0; y < f->height; y++)
            memcpy(f->data[0] + (ptrdiff_t)y * f->linesize[0], data + y * stride,
                   (size_t)f->width);
    } else {
        const uint8_t *src[4] = {data, NULL, NULL, NULL};
        int src_stride[4] = {(int)stride, 0, 0, 0};
        sws_scale(w->scaler, src, src_stride, 0, f->height, f->data, f->linesize);
    }
    f->pts = w->frames;
    ret = avcodec_send_frame(w->encoder, f);
    if (ret < 0)
        return fail_av(err, errlen, w->path, "encoding failed", ret);
    w->frames++;
    return drain_packets(w, err, errlen);
}

const char *video_writer_encoder(const video_writer *w)
{
    return w->encoder->codec->name;
}

int video_writer_finish(video_writer *w, char *err, size_t errlen)
{
    int ret = avcodec_send_frame(w->encoder, NULL); /* flush */
    if (ret < 0 && ret != AVERROR_EOF) {
        fail_av(err, errlen, w->path, "encoding failed", ret);
        video_writer_discard(w);
        return -1;
    }
    if (drain_packets(w, err, errlen) < 0) {
        video_writer_discard(w);
        return -1;
    }
    ret = av_write_trailer(w->format);
    /* A full disk may only show in the I/O context's sticky error. */
    int flushed = output_avio_detach(w->format);
    if (ret >= 0)
        ret = flushed;
    if (ret < 0) {
        fail_av(err, errlen, w->path, "cannot write", ret);
        video_writer_discard(w);
        return -1;
    }
    output_file *file = w->file;
    w->file = NULL;
    int rc = output_file_commit(file, err, errlen);
    free_writer(w);
    return rc;
}
