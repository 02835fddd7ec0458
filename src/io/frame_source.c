/*
 * frame_source.c - frames from a video (libavformat/libavcodec/libswscale),
 * a folder of images, a printf pattern of image names, or raw frames.
 *
 * A source decodes its first frame when it is opened, so the frame size is
 * known before the first read; that frame is then handed out by the first
 * frame_source_read. Folders and patterns are both "sequences": a list of
 * file names read one by one with image_load.
 */
#include "io/io_util.h"
#include "io/frame_source.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavdevice/version.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "io/image_io.h"

/* Frames handed out by a video source start on this boundary, which is
 * what sws_scale's fast paths want. */
#define VIDEO_ROW_ALIGN 64
/* sws_scale's x86 YUV -> RGB converters write whole groups of 16 pixels
 * and, when a row's stride has no room for the last group, leave the last
 * pixels unconverted (a width of 21 with a 64-byte stride loses 5 pixels):
 * rows get room for the width rounded up to this many pixels. */
#define VIDEO_ROW_PIXEL_GROUP 16

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
    uint8_t *target;          /* frame_source_read_into: convert here instead */
    ptrdiff_t target_stride;
    picture_pool pictures;
} video_state;

/* Raw frames read whole from a file or standard input. */
typedef struct raw_state {
    FILE *file;
    int owns_file;     /* opened here (not stdin): closed here */
    int in_channels;   /* 1 gray, 3 rgb24, as they arrive */
    size_t frame_bytes;
    uint8_t *bytes;    /* the frame as read */
    uint8_t *pixels;   /* converted to the source's channels, if they differ */
} raw_state;

typedef struct sequence_state {
    char **files;  /* folder: full paths in natural order */
    long *numbers; /* folder: each file's own number, or NULL (name_numbers) */
    char *pattern; /* pattern: the printf pattern */
    int first;     /* pattern: index of the first file */
    char *name;    /* pattern: the name built for the current frame */
    long next;     /* position of the next frame to load */
    image frame;
} sequence_state;

struct frame_source {
    frame_source_kind kind;
    char *input;      /* the name in messages ("stdin" for "-") */
    const char *url;  /* what libavformat opens: input, or "pipe:0" */
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
    int renumber;     /* frame_source_set_renumber: number by position */
    const volatile sig_atomic_t *interrupt; /* set: stop waiting for input */
    atomic_int cancelled; /* frame_source_cancel: stop waiting for input */
    video_state video;
    sequence_state seq;
    raw_state raw;
};

/* More consecutive failures than this end the stream even when skipping:
 * the input is broken, not a frame of it. */
#define MAX_BAD_IN_A_ROW 100

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
        return io_fail(err, errlen, dir, "cannot open folder: %s",
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
        return io_fail(err, errlen, dir, "out of memory");
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
        return io_fail(err, errlen, src->input,
                    "a pattern needs exactly one %%d conversion "
                    "(e.g. in%%06d.jpg)");
    seq->pattern = strdup(src->input);
    seq->name = malloc(strlen(src->input) + 80);
    if (!seq->pattern || !seq->name)
        return io_fail(err, errlen, src->input, "out of memory");
    src->frame_count = 0;
    for (seq->first = 0; seq->first <= 9; seq->first++) {
        if (is_regular_file(sequence_path(src, 0)))
            break;
    }
    if (seq->first > 9)
        return io_fail(err, errlen, src->input,
                    "no file matches the pattern (first index tried 0 to 9)");
    long count = 1;
    while (count < INT_MAX - seq->first &&
           is_regular_file(sequence_path(src, count)))
        count++;
    src->frame_count = count;
    return 0;
}

/* The number in a file name: its last run of digits before the extension
 * ("in001460.jpg" -> 1460), or -1 if it has none (or one too long). */
static long number_in_name(const char *path)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    const char *dot = strrchr(name, '.');
    const char *end = dot ? dot : name + strlen(name);
    const char *start = end;
    while (start > name && isdigit((unsigned char)start[-1]))
        start--;
    if (start == end || end - start > 9)
        return -1;
    long n = 0;
    for (const char *p = start; p < end; p++)
        n = n * 10 + (*p - '0');
    return n;
}

/* The files' own numbers, when every name has one and they increase in
 * natural order (so no two frames share a number); else NULL, and frames
 * are numbered by position. NULL also when out of memory: numbering by
 * position is a correct fallback. */
static long *name_numbers(char **files, long count)
{
    long *numbers = malloc(sizeof *numbers * (size_t)count);
    for (long i = 0; numbers && i < count; i++) {
        numbers[i] = number_in_name(files[i]);
        if (numbers[i] < 0 || (i > 0 && numbers[i] <= numbers[i - 1])) {
            free(numbers);
            return NULL;
        }
    }
    return numbers;
}

static int open_folder(frame_source *src, char *err, size_t errlen)
{
    /* A ChangeDetection.net sequence folder keeps its frames in input/. */
    char *inner = join_path(src->input, "input");
    if (!inner)
        return io_fail(err, errlen, src->input, "out of memory");
    const char *dir = is_directory(inner) ? inner : src->input;
    long count = list_images(dir, &src->seq.files, err, errlen);
    if (count == 0)
        io_fail(err, errlen, dir, "no PNG or JPEG images in folder");
    free(inner);
    if (count <= 0)
        return -1;
    src->frame_count = count;
    src->seq.numbers = name_numbers(src->seq.files, count);
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
        io_fail(err, errlen, path, "frame is %d x %d, the first frame was %d x %d",
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
    free(seq->numbers);
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
    return io_fail(err, errlen, name, "%s: %s", what, reason);
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
            return io_fail(err, errlen, src->input,
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
        return io_fail(err, errlen, src->input, "unsupported frame size %d x %d",
                    src->width, src->height);
    ptrdiff_t groups = (src->width + VIDEO_ROW_PIXEL_GROUP - 1) / VIDEO_ROW_PIXEL_GROUP;
    ptrdiff_t row = groups * VIDEO_ROW_PIXEL_GROUP * src->channels;
    v->pixels_stride = (row + VIDEO_ROW_ALIGN - 1) / VIDEO_ROW_ALIGN * VIDEO_ROW_ALIGN;
    v->pixels = frame_source_alloc((size_t)v->pixels_stride * (size_t)src->height);
    if (!v->pixels)
        return io_fail(err, errlen, src->input, "out of memory");
    src->data = v->pixels;
    src->stride = v->pixels_stride;
    return 0;
}

/* Convert v->frame to gray or RGB into the source's buffer, or straight
 * into the caller's (v->target, set by frame_source_read_into), which
 * saves copying every frame once more. */
static int video_convert(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    AVFrame *f = v->frame;
    if (f->width != src->width || f->height != src->height) {
        io_fail(err, errlen, src->input,
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
        io_fail(err, errlen, src->input, "cannot convert pixel format %s",
             name ? name : "unknown");
        av_frame_unref(f);
        return -1;
    }
    src->data = v->target ? v->target : v->pixels;
    src->stride = v->target ? v->target_stride : v->pixels_stride;
    uint8_t *dst[4] = {(uint8_t *)src->data, NULL, NULL, NULL};
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
    video_state *v = &src->video;
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

/* libavdevice is loaded only for a camera: linked in, it and the 80-odd
 * libraries it pulls in (X11, SDL, PulseAudio, ...) made every start of
 * bgsub some 0.05-0.08 s of CPU slower. Its devices become visible to
 * libavformat once registered, so the library stays loaded. */
static int register_devices(void)
{
    static const char library[] =
        "libavdevice.so." AV_STRINGIFY(LIBAVDEVICE_VERSION_MAJOR);
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return -1;
    void (*register_all)(void);
    *(void **)&register_all = dlsym(handle, "avdevice_register_all");
    if (!register_all)
        return -1;
    register_all();
    return 0;
}

/* Whether a wait for input should end: an interrupt (signal) or a cancel
 * from another thread. */
static int should_stop_waiting(frame_source *src)
{
    return (src->interrupt && *src->interrupt) || atomic_load(&src->cancelled);
}

/* libavformat calls this while it waits for data (network protocols poll
 * it every ~100 ms; a blocking read that a signal interrupts asks it
 * before retrying): nonzero ends the wait with AVERROR_EXIT. */
static int video_interrupt_callback(void *opaque)
{
    return should_stop_waiting(opaque);
}

static int open_video(frame_source *src, char *err, size_t errlen)
{
    video_state *v = &src->video;
    /* FFmpeg would print to stderr; reasons reach the caller through err. */
    av_log_set_level(AV_LOG_QUIET);
    struct stat st;
    if (stat(src->url, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        return io_fail(err, errlen, src->input, "empty file");
    /* A V4L2 camera (bgsub --show /dev/video0) is a libavdevice input that
     * probing does not find by itself: name the format. */
    const AVInputFormat *device = NULL;
    if (strncmp(src->input, "/dev/video", 10) == 0 && register_devices() == 0)
        device = av_find_input_format("video4linux2");
    v->format = avformat_alloc_context();
    if (!v->format)
        return io_fail(err, errlen, src->input, "out of memory");
    v->format->interrupt_callback.callback = video_interrupt_callback;
    v->format->interrupt_callback.opaque = src;
    int ret = avformat_open_input(&v->format, src->url, device, NULL);
    if (ret < 0)
        return fail_av(err, errlen, src->input, "cannot open", ret);
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
    return video_open_decoder(src, stream, codec, err, errlen);
}

static int video_open_first_frame(frame_source *src, char *err, size_t errlen)
{
    int ret = video_decode(src, err, errlen);
    if (ret < 0)
        return -1;
    if (ret == 0)
        return io_fail(err, errlen, src->input, "no video frames");
    if (video_allocate_output(src, err, errlen) < 0)
        return -1;
    return video_convert(src, err, errlen);
}

static void video_close(video_state *v)
{
    avcodec_free_context(&v->decoder);
    av_buffer_pool_uninit(&v->pictures.buffers);
    avformat_close_input(&v->format);
    av_packet_free(&v->packet);
    av_frame_free(&v->frame);
    sws_freeContext(v->scaler);
    free(v->pixels);
}

/* ------------------------------------------------------------------------ */
/* Raw frames                                                               */
/* ------------------------------------------------------------------------ */

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
    raw_state *r = &src->raw;
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
        if (should_stop_waiting(src))
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
    raw_state *r = &src->raw;
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

static int open_raw(frame_source *src, const frame_source_raw_format *format,
                    char *err, size_t errlen)
{
    raw_state *r = &src->raw;
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
        if (is_directory(src->url))
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

static void raw_close(raw_state *r)
{
    if (r->owns_file && r->file)
        fclose(r->file);
    if (r->pixels != r->bytes)
        free(r->pixels);
    free(r->bytes);
}

/* ------------------------------------------------------------------------ */
/* Public interface                                                         */
/* ------------------------------------------------------------------------ */

static frame_source_kind kind_of_input(const char *input)
{
    if (strcmp(input, FRAME_SOURCE_STDIN) == 0)
        return FRAME_SOURCE_VIDEO;
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

/* A source with its names set, not yet opened. */
static frame_source *new_source(const char *input, int channels, char *err,
                                size_t errlen)
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
    src->url = input;
    src->position = -1;
    src->channels = channels;
    return src;
}

frame_source *frame_source_open(const char *input, int channels, char *err,
                                size_t errlen)
{
    frame_source *src = new_source(input, channels, err, errlen);
    if (!src)
        return NULL;
    src->kind = kind_of_input(input);
    if (src->kind == FRAME_SOURCE_VIDEO && strcmp(input, FRAME_SOURCE_STDIN) == 0)
        src->url = "pipe:0";
    if (open_by_kind(src, err, errlen) < 0) {
        frame_source_close(src);
        return NULL;
    }
    src->url = NULL; /* the caller's string: not kept past open */
    src->pending = 1;
    return src;
}

frame_source *frame_source_open_raw(const char *input,
                                    const frame_source_raw_format *format,
                                    int channels, char *err, size_t errlen)
{
    frame_source *src = new_source(input, channels, err, errlen);
    if (!src)
        return NULL;
    src->kind = FRAME_SOURCE_RAW;
    src->current_name = src->input;
    if (open_raw(src, format, err, errlen) < 0) {
        frame_source_close(src);
        return NULL;
    }
    src->url = NULL;
    src->pending = 1;
    return src;
}

static int is_sequence(const frame_source *src)
{
    return src->kind == FRAME_SOURCE_FOLDER || src->kind == FRAME_SOURCE_PATTERN;
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
        int ret = src->kind == FRAME_SOURCE_VIDEO ? video_next(src, err, errlen)
                  : src->kind == FRAME_SOURCE_RAW ? raw_next(src, err, errlen)
                                                  : sequence_next_good(src, err, errlen);
        if (ret <= 0)
            return ret;
    }
    src->bad_in_a_row = 0;
    /* Sequences number frames by file, so a skipped file keeps its number;
     * a video (and raw frames) by decoded frame. */
    src->position = is_sequence(src) ? src->seq.next - 1 : src->position + 1;
    *data = src->data;
    *stride = src->stride;
    return 1;
}

int frame_source_read_into(frame_source *src, uint8_t *dst,
                           ptrdiff_t dst_stride, char *err, size_t errlen)
{
    const uint8_t *data;
    ptrdiff_t stride;
    if (src->kind == FRAME_SOURCE_VIDEO && dst_stride >= src->video.pixels_stride &&
        dst_stride <= INT_MAX) {
        src->video.target = dst;
        src->video.target_stride = dst_stride;
    }
    int ret = frame_source_read(src, &data, &stride, err, errlen);
    src->video.target = NULL;
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
    if (src->renumber || !is_sequence(src))
        return src->position + 1;
    if (src->kind == FRAME_SOURCE_PATTERN)
        return src->seq.first + src->position;
    return src->seq.numbers ? src->seq.numbers[src->position] : src->position + 1;
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
    if (is_sequence(src))
        return skipped + sequence_skip(src, n - skipped);
    long more = src->kind == FRAME_SOURCE_RAW ? raw_skip(src, n - skipped, err, errlen)
                                              : video_skip(src, n - skipped, err, errlen);
    if (more < 0)
        return -1;
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
    return posix_memalign(&buffer, VIDEO_ROW_ALIGN, bytes ? bytes : 1) == 0 ? buffer : NULL;
}

ptrdiff_t frame_source_stride(const frame_source *src)
{
    if (src->kind == FRAME_SOURCE_VIDEO)
        return src->video.pixels_stride;
    ptrdiff_t row = (ptrdiff_t)src->width * src->channels;
    return (row + VIDEO_ROW_ALIGN - 1) / VIDEO_ROW_ALIGN * VIDEO_ROW_ALIGN;
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
    else if (src->kind == FRAME_SOURCE_RAW)
        raw_close(&src->raw);
    else
        sequence_close(&src->seq, src->frame_count);
    free(src->input);
    free(src);
}
