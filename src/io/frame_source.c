/*
 * frame_source.c - frames from a video (libavformat/libavcodec/libswscale),
 * a folder of images or a printf pattern of image names.
 *
 * A source decodes its first frame when it is opened, so the frame size is
 * known before the first read; that frame is then handed out by the first
 * frame_source_read. Folders and patterns are both "sequences": a list of
 * file names read one by one with image_load.
 */
#include "io/frame_source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavdevice/avdevice.h>
#include <libavutil/pixdesc.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "io/image_io.h"

/* Frames handed out by a video source start on this boundary, which is
 * what sws_scale's fast paths want. */
#define VIDEO_ROW_ALIGN 64

typedef struct video_state {
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *scaler;
    int stream_index;
    int draining; /* the end of the file was reached, decoder being flushed */
    int truncated; /* ... and the file is shorter than its index says */
    uint8_t *pixels;
} video_state;

typedef struct sequence_state {
    char **files;  /* folder: full paths in natural order */
    char *pattern; /* pattern: the printf pattern */
    int first;     /* pattern: index of the first file */
    char *name;    /* pattern: the name built for the current frame */
    long next;     /* position of the next frame to load */
    image frame;
} sequence_state;

struct frame_source {
    frame_source_kind kind;
    char *input;
    int channels;
    int width, height;
    double fps;
    long frame_count;
    long frames_decoded;
    int pending; /* the frame decoded by open is still to be handed out */
    const uint8_t *data;
    ptrdiff_t stride;
    const char *current_name;
    int skip_bad;     /* --on-error skip: pass over frames that fail */
    long bad_frames;  /* frames passed over so far */
    int bad_in_a_row; /* a decoder that fails for ever must still stop */
    long position;    /* 0-based input position of the frame last returned */
    video_state video;
    sequence_state seq;
};

/* More consecutive failures than this end the stream even when skipping:
 * the input is broken, not a frame of it. */
#define MAX_BAD_IN_A_ROW 100

static int fail(char *err, size_t errlen, const char *name, const char *fmt,
                ...)
{
    if (!err || errlen == 0)
        return -1;
    int n = snprintf(err, errlen, "%s: ", name);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static char *join_path(const char *dir, const char *name)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s/%s", dir, name);
    return path;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ------------------------------------------------------------------------ */
/* Natural order and folder listing                                         */
/* ------------------------------------------------------------------------ */

/* Compare two runs of digits by value; *a and *b are moved past them. */
static int compare_numbers(const char **a, const char **b)
{
    while (**a == '0')
        (*a)++;
    while (**b == '0')
        (*b)++;
    size_t len_a = 0, len_b = 0;
    while (isdigit((unsigned char)(*a)[len_a]))
        len_a++;
    while (isdigit((unsigned char)(*b)[len_b]))
        len_b++;
    int order = len_a != len_b ? (len_a < len_b ? -1 : 1)
                               : memcmp(*a, *b, len_a);
    *a += len_a;
    *b += len_b;
    return order;
}

/* Natural order: digit runs compare as numbers ("in2" < "in10"), letters
 * ignore case; names that still tie are ordered bytewise. */
static int natural_compare(const char *a, const char *b)
{
    const char *pa = a, *pb = b;
    while (*pa && *pb) {
        int order;
        if (isdigit((unsigned char)*pa) && isdigit((unsigned char)*pb)) {
            order = compare_numbers(&pa, &pb);
        } else {
            order = tolower((unsigned char)*pa) - tolower((unsigned char)*pb);
            pa++;
            pb++;
        }
        if (order != 0)
            return order;
    }
    if (*pa || *pb)
        return *pa ? 1 : -1;
    return strcmp(a, b);
}

static int natural_compare_entries(const void *a, const void *b)
{
    return natural_compare(*(char *const *)a, *(char *const *)b);
}

static int has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".png") == 0 ||
                   strcasecmp(dot, ".jpg") == 0 ||
                   strcasecmp(dot, ".jpeg") == 0);
}

static void free_names(char **names, long count)
{
    for (long i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

/* Append a copy of name; -1 when out of memory. */
static int append_name(char ***names, long *count, long *capacity,
                       const char *name)
{
    if (*count == *capacity) {
        long grown = *capacity ? *capacity * 2 : 256;
        char **bigger = realloc(*names, sizeof(**names) * (size_t)grown);
        if (!bigger)
            return -1;
        *names = bigger;
        *capacity = grown;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    (*names)[(*count)++] = copy;
    return 0;
}

/* Full paths of the visible PNG/JPEG files of dir, in natural order. */
static long list_images(const char *dir, char ***out, char *err,
                        size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail(err, errlen, dir, "cannot open folder: %s",
                    strerror(errno));
    char **names = NULL;
    long count = 0, capacity = 0;
    int failed = 0;
    struct dirent *entry;
    while (!failed && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (name[0] == '.' || !has_image_extension(name))
            continue;
        char *path = join_path(dir, name);
        failed = !path;
        if (path && is_regular_file(path))
            failed = append_name(&names, &count, &capacity, path) < 0;
        free(path);
    }
    closedir(d);
    if (failed) {
        free_names(names, count);
        return fail(err, errlen, dir, "out of memory");
    }
    if (count > 0)
        qsort(names, (size_t)count, sizeof(*names), natural_compare_entries);
    *out = names;
    return count;
}

/* ------------------------------------------------------------------------ */
/* Image sequences                                                          */
/* ------------------------------------------------------------------------ */

/*
 * True when pattern holds exactly one integer conversion (%d, %i or %u,
 * optionally with flags and a width) besides "%%". Only then is it safe to
 * hand to snprintf with one int argument.
 */
static int pattern_is_valid(const char *pattern)
{
    int conversions = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        while (*p && strchr("0-+ ", *p))
            p++;
        int width = 0;
        while (isdigit((unsigned char)*p) && width <= 64)
            width = width * 10 + (*p++ - '0');
        if (width > 64 || (*p != 'd' && *p != 'i' && *p != 'u'))
            return 0;
        conversions++;
    }
    return conversions == 1;
}

/* Name of sequence frame i (0-based). For a pattern the name is built in
 * seq->name, which therefore holds the most recent one. */
static const char *sequence_path(frame_source *src, long i)
{
    sequence_state *seq = &src->seq;
    if (src->kind == FRAME_SOURCE_FOLDER)
        return seq->files[i];
    size_t size = strlen(seq->pattern) + 80;
    /* The pattern was checked by pattern_is_valid: one int conversion,
     * width at most 64, so it fits in size. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(seq->name, size, seq->pattern, (int)(seq->first + i));
#pragma GCC diagnostic pop
    return seq->name;
}

static int open_pattern(frame_source *src, char *err, size_t errlen)
{
    sequence_state *seq = &src->seq;
    if (!pattern_is_valid(src->input))
        return fail(err, errlen, src->input,
                    "a pattern needs exactly one %%d conversion "
                    "(e.g. in%%06d.jpg)");
    seq->pattern = strdup(src->input);
    seq->name = malloc(strlen(src->input) + 80);
    if (!seq->pattern || !seq->name)
        return fail(err, errlen, src->input, "out of memory");
    src->frame_count = 0;
    for (seq->first = 0; seq->first <= 9; seq->first++) {
        if (is_regular_file(sequence_path(src, 0)))
            break;
    }
    if (seq->first > 9)
        return fail(err, errlen, src->input,
                    "no file matches the pattern (first index tried 0 to 9)");
    long count = 1;
    while (count < INT_MAX - seq->first &&
           is_regular_file(sequence_path(src, count)))
        count++;
    src->frame_count = count;
    return 0;
}

static int open_folder(frame_source *src, char *err, size_t errlen)
{
    /* A ChangeDetection.net sequence folder keeps its frames in input/. */
    char *inner = join_path(src->input, "input");
    if (!inner)
        return fail(err, errlen, src->input, "out of memory");
    const char *dir = is_directory(inner) ? inner : src->input;
    long count = list_images(dir, &src->seq.files, err, errlen);
    if (count == 0)
        fail(err, errlen, dir, "no PNG or JPEG images in folder");
    free(inner);
    if (count <= 0)
        return -1;
    src->frame_count = count;
    return 0;
}

/* Load the next image of the sequence into seq->frame. 1, 0 at the end,
 * -1 on error. */
static int sequence_next(frame_source *src, char *err, size_t errlen)
{
    sequence_state *seq = &src->seq;
    if (seq->next >= src->frame_count)
        return 0;
    /* Move on before loading, so a caller that chooses to go past a broken
     * file (a later skip option) gets the following one. */
    const char *path = sequence_path(src, seq->next++);
    src->current_name = path;
    image img;
    if (image_load(path, src->channels, &img, err, errlen) < 0)
        return -1;
    if (src->width && (img.width != src->width || img.height != src->height)) {
        fail(err, errlen, path, "frame is %d x %d, the first frame was %d x %d",
             img.width, img.height, src->width, src->height);
        image_free(&img);
        return -1;
    }
    image_free(&seq->frame);
    seq->frame = img;
    src->data = img.data;
    src->stride = img.stride;
    return 1;
}

static long sequence_skip(frame_source *src, long n)
{
    long left = src->frame_count - src->seq.next;
    long skipped = n < left ? n : left;
    src->seq.next += skipped;
    return skipped;
}

static void sequence_close(sequence_state *seq, long count)
{
    free_names(seq->files, count);
    free(seq->pattern);
    free(seq->name);
    image_free(&seq->frame);
}

/* ------------------------------------------------------------------------ */
/* Video                                                                    */
/* ------------------------------------------------------------------------ */

static int fail_av(char *err, size_t errlen, const char *name,
                   const char *what, int code)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(code, reason, sizeof(reason));
    return fail(err, errlen, name, "%s: %s", what, reason);
}

/*
 * A decoding error in the middle of the stream. It stops the stream for
 * now; a later option to skip damaged frames would count the error here and
 * return 0 so that decoding carries on with the next packet.
 */
static int on_decode_error(frame_source *src, int code, char *err,
                           size_t errlen)
{
    if (src->skip_bad && src->bad_in_a_row < MAX_BAD_IN_A_ROW) {
        src->bad_frames++;
        src->bad_in_a_row++;
        return 0;
    }
    char what[64];
    /* With frame threading the failing packet is some frames ahead of the
     * last decoded frame, so only "after" is exact. */
    snprintf(what, sizeof(what), "decoding failed after %ld frames",
             src->frames_decoded);
    return fail_av(err, errlen, src->input, what, code);
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

/* Feed the decoder the next packet of our stream, or the end-of-stream
 * signal once the file is exhausted. */
static int video_feed(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    for (;;) {
        if (v->draining)
            return fail(err, errlen, src->input, "decoder wants data after end");
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
        ret = avcodec_send_packet(v->decoder, v->packet);
        av_packet_unref(v->packet);
        return ret < 0 ? on_decode_error(src, ret, err, errlen) : 0;
    }
}

/* Decode the next frame into v->frame. 1, 0 at the end, -1 on error. */
static int video_decode(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    for (;;) {
        int ret = avcodec_receive_frame(v->decoder, v->frame);
        if (ret == 0) {
            src->frames_decoded++;
            src->bad_in_a_row = 0;
            return 1;
        }
        if (ret == AVERROR_EOF && v->truncated)
            return fail(err, errlen, src->input,
                        "truncated: the file ends before the data its index "
                        "lists (%ld frames decoded)", src->frames_decoded);
        if (ret == AVERROR_EOF)
            return 0;
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
    video_state *v = &src->video;
    src->width = v->frame->width;
    src->height = v->frame->height;
    if (src->width <= 0 || src->height <= 0 ||
        (long long)src->width * src->height > IMAGE_MAX_PIXELS)
        return fail(err, errlen, src->input, "unsupported frame size %d x %d",
                    src->width, src->height);
    ptrdiff_t row = (ptrdiff_t)src->width * src->channels;
    src->stride = (row + VIDEO_ROW_ALIGN - 1) / VIDEO_ROW_ALIGN * VIDEO_ROW_ALIGN;
    v->pixels = av_malloc((size_t)src->stride * (size_t)src->height);
    if (!v->pixels)
        return fail(err, errlen, src->input, "out of memory");
    src->data = v->pixels;
    return 0;
}

/* Convert v->frame to gray or RGB into the source's buffer. */
static int video_convert(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    AVFrame *f = v->frame;
    if (f->width != src->width || f->height != src->height) {
        fail(err, errlen, src->input,
             "frame %ld is %d x %d, the first frame was %d x %d "
             "(size changes are not supported)",
             src->frames_decoded, f->width, f->height, src->width,
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
        fail(err, errlen, src->input, "cannot convert pixel format %s",
             name ? name : "unknown");
        av_frame_unref(f);
        return -1;
    }
    uint8_t *dst[4] = {v->pixels, NULL, NULL, NULL};
    int dst_stride[4] = {(int)src->stride, 0, 0, 0};
    sws_scale(v->scaler, (const uint8_t *const *)f->data, f->linesize, 0,
              f->height, dst, dst_stride);
    av_frame_unref(f);
    return 0;
}

static int video_next(frame_source *src, char *err, size_t errlen)
{
    int ret = video_decode(src, err, errlen);
    if (ret <= 0)
        return ret;
    return video_convert(src, err, errlen) < 0 ? -1 : 1;
}

static long video_skip(frame_source *src, long n, char *err, size_t errlen)
{
    long skipped = 0;
    while (skipped < n) {
        int ret = video_decode(src, err, errlen);
        if (ret < 0)
            return -1;
        if (ret == 0)
            break;
        av_frame_unref(src->video.frame);
        skipped++;
    }
    return skipped;
}

static double rational_to_double(AVRational r)
{
    return r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
}

/* Frame rate and frame count from the stream headers. */
static void video_read_timing(frame_source *src, AVStream *stream)
{
    AVFormatContext *format = src->video.format;
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

static int video_open_decoder(frame_source *src, AVStream *stream,
                              const AVCodec *codec, char *err, size_t errlen)
{
    video_state *v = &src->video;
    v->decoder = avcodec_alloc_context3(codec);
    if (!v->decoder)
        return fail(err, errlen, src->input, "out of memory");
    int ret = avcodec_parameters_to_context(v->decoder, stream->codecpar);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "bad codec parameters", ret);
    v->decoder->thread_count = 0; /* one thread per core */
    v->decoder->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ret = avcodec_open2(v->decoder, codec, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot open decoder", ret);
    v->packet = av_packet_alloc();
    v->frame = av_frame_alloc();
    if (!v->packet || !v->frame)
        return fail(err, errlen, src->input, "out of memory");
    return 0;
}

static int open_video(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    /* FFmpeg would print to stderr; reasons reach the caller through err. */
    av_log_set_level(AV_LOG_QUIET);
    struct stat st;
    if (stat(src->input, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        return fail(err, errlen, src->input, "empty file");
    /* A V4L2 camera (bgsub --show /dev/video0) is a libavdevice input that
     * probing does not find by itself: name the format. */
    const AVInputFormat *device = NULL;
    if (strncmp(src->input, "/dev/video", 10) == 0) {
        avdevice_register_all();
        device = av_find_input_format("video4linux2");
    }
    int ret = avformat_open_input(&v->format, src->input, device, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot open", ret);
    ret = avformat_find_stream_info(v->format, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot read stream info", ret);
    const AVCodec *codec = NULL;
    ret = av_find_best_stream(v->format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0)
        return fail(err, errlen, src->input,
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
    return video_open_decoder(src, stream, codec, err, errlen);
}

static int video_open_first_frame(frame_source *src, char *err, size_t errlen)
{
    int ret = video_decode(src, err, errlen);
    if (ret < 0)
        return -1;
    if (ret == 0)
        return fail(err, errlen, src->input, "no video frames");
    if (video_allocate_output(src, err, errlen) < 0)
        return -1;
    return video_convert(src, err, errlen);
}

static void video_close(video_state *v)
{
    avcodec_free_context(&v->decoder);
    avformat_close_input(&v->format);
    av_packet_free(&v->packet);
    av_frame_free(&v->frame);
    sws_freeContext(v->scaler);
    av_free(v->pixels);
}

/* ------------------------------------------------------------------------ */
/* Public interface                                                         */
/* ------------------------------------------------------------------------ */

static frame_source_kind kind_of_input(const char *input)
{
    if (is_directory(input))
        return FRAME_SOURCE_FOLDER;
    if (!is_regular_file(input) && strchr(input, '%'))
        return FRAME_SOURCE_PATTERN;
    return FRAME_SOURCE_VIDEO;
}

static int open_by_kind(frame_source *src, char *err, size_t errlen)
{
    if (src->kind == FRAME_SOURCE_VIDEO) {
        if (open_video(src, err, errlen) < 0)
            return -1;
        src->current_name = src->input;
        return video_open_first_frame(src, err, errlen);
    }
    int ret = src->kind == FRAME_SOURCE_FOLDER ? open_folder(src, err, errlen)
                                               : open_pattern(src, err, errlen);
    if (ret < 0 || sequence_next(src, err, errlen) < 0)
        return -1;
    src->width = src->seq.frame.width;
    src->height = src->seq.frame.height;
    return 0;
}

frame_source *frame_source_open(const char *input, int channels, char *err,
                                size_t errlen)
{
    if (!input || (channels != 1 && channels != 3)) {
        fail(err, errlen, input ? input : "(null)",
             "frames must have 1 or 3 channels, not %d", channels);
        return NULL;
    }
    frame_source *src = calloc(1, sizeof(*src));
    if (src)
        src->input = strdup(input);
    if (!src || !src->input) {
        free(src);
        fail(err, errlen, input, "out of memory");
        return NULL;
    }
    src->kind = kind_of_input(input);
    src->position = -1;
    src->channels = channels;
    if (open_by_kind(src, err, errlen) < 0) {
        frame_source_close(src);
        return NULL;
    }
    src->pending = 1;
    return src;
}

/* Next image of a sequence, passing over broken files when asked to. */
static int sequence_next_good(frame_source *src, char *err, size_t errlen)
{
    for (;;) {
        int ret = sequence_next(src, err, errlen);
        if (ret >= 0 || !src->skip_bad || src->bad_in_a_row >= MAX_BAD_IN_A_ROW)
            return ret;
        src->bad_frames++;
        src->bad_in_a_row++;
    }
}

int frame_source_read(frame_source *src, const uint8_t **data,
                      ptrdiff_t *stride, char *err, size_t errlen)
{
    if (src->pending) {
        src->pending = 0;
    } else {
        int ret = src->kind == FRAME_SOURCE_VIDEO
                      ? video_next(src, err, errlen)
                      : sequence_next_good(src, err, errlen);
        if (ret <= 0)
            return ret;
    }
    src->bad_in_a_row = 0;
    /* Sequences number frames by file, so a skipped file keeps its number;
     * a video by decoded frame. */
    src->position = src->kind == FRAME_SOURCE_VIDEO ? src->position + 1
                                                    : src->seq.next - 1;
    *data = src->data;
    *stride = src->stride;
    return 1;
}

void frame_source_set_skip_bad(frame_source *src, int skip) { src->skip_bad = skip; }
long frame_source_bad_frames(const frame_source *src) { return src->bad_frames; }
long frame_source_position(const frame_source *src) { return src->position; }

long frame_source_skip(frame_source *src, long n, char *err, size_t errlen)
{
    if (n <= 0)
        return 0;
    long skipped = 0;
    if (src->pending) {
        src->pending = 0;
        skipped = 1;
    }
    if (src->kind != FRAME_SOURCE_VIDEO)
        return skipped + sequence_skip(src, n - skipped);
    long more = video_skip(src, n - skipped, err, errlen);
    if (more < 0)
        return -1;
    src->position += skipped + more;
    return skipped + more;
}

int frame_source_width(const frame_source *src) { return src->width; }
int frame_source_height(const frame_source *src) { return src->height; }
int frame_source_channels(const frame_source *src) { return src->channels; }

frame_source_kind frame_source_get_kind(const frame_source *src)
{
    return src->kind;
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

void frame_source_close(frame_source *src)
{
    if (!src)
        return;
    if (src->kind == FRAME_SOURCE_VIDEO)
        video_close(&src->video);
    else
        sequence_close(&src->seq, src->frame_count);
    free(src->input);
    free(src);
}
