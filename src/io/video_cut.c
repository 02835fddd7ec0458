/*
 * video_cut.c - the frame list of a video file read from its packets, and
 * stream-copy cuts (libavformat only: nothing is decoded or encoded).
 */
#include "io/io_util.h"
#include "io/output_avio.h"
#include "io/output_file.h"
#include "io/video_cut.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/libav.h"

typedef struct index_entry {
    int64_t pts;      /* stream time base; the dts where a packet has no pts */
    int64_t duration; /* stream time base, 0 if the packet gives none */
    long order;       /* position in decode order, to keep ties stable */
    int key;
} index_entry;

struct video_index {
    int stream_index;
    AVRational time_base;
    double fps;
    int has_times;
    long count, capacity;
    index_entry *frames;
};

static int fail_av(char *err, size_t errlen, const char *name, const char *what,
                   int code)
{
    char reason[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(code, reason, sizeof reason);
    return io_fail(err, errlen, name, "%s: %s", what, reason);
}

/* Open path and find the video stream the way frame_source does (the
 * "best" one with a decoder), so both number the same frames. */
static int open_video_input(const char *path, AVFormatContext **in, int *stream,
                            char *err, size_t errlen)
{
    av_log_set_level(AV_LOG_QUIET); /* reasons reach the caller through err */
    char local[PATH_MAX + 8];
    int ret = avformat_open_input(in, io_libav_url(path, local, sizeof local), NULL, NULL);
    if (ret < 0)
        return fail_av(err, errlen, path, "cannot open", ret);
    ret = avformat_find_stream_info(*in, NULL);
    if (ret < 0)
        return fail_av(err, errlen, path, "cannot read stream info", ret);
    const AVCodec *codec = NULL;
    ret = av_find_best_stream(*in, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret < 0)
        return io_fail(err, errlen, path, "no video stream");
    *stream = ret;
    return 0;
}

static int64_t packet_time(const AVPacket *pkt)
{
    return pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
}

static int compare_entries(const void *a, const void *b)
{
    const index_entry *x = a, *y = b;
    if (x->pts != y->pts)
        return x->pts < y->pts ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int append_entry(video_index *index, const AVPacket *pkt)
{
    if (index->count == index->capacity) {
        long capacity = index->capacity ? 2 * index->capacity : 4096;
        void *grown = realloc(index->frames, (size_t)capacity * sizeof *index->frames);
        if (!grown)
            return -1;
        index->frames = grown;
        index->capacity = capacity;
    }
    int64_t t = packet_time(pkt);
    if (t == AV_NOPTS_VALUE)
        index->has_times = 0;
    index->frames[index->count] = (index_entry){
        .pts = t, .duration = pkt->duration > 0 ? pkt->duration : 0,
        .order = index->count, .key = (pkt->flags & AV_PKT_FLAG_KEY) != 0};
    index->count++;
    return 0;
}

static double rational_to_double(AVRational r)
{
    return r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
}

video_index *video_index_build(const char *path, char *err, size_t errlen)
{
    char why[512];
    if (libav_load(why, sizeof why) < 0) {
        io_fail(err, errlen, path, "cannot load FFmpeg: %s", why);
        return NULL;
    }
    video_index *index = calloc(1, sizeof *index);
    AVFormatContext *in = NULL;
    AVPacket *pkt = av_packet_alloc();
    if (!index || !pkt) {
        io_fail(err, errlen, path, "out of memory");
        goto failed;
    }
    if (open_video_input(path, &in, &index->stream_index, err, errlen) < 0)
        goto failed;
    AVStream *stream = in->streams[index->stream_index];
    for (unsigned i = 0; i < in->nb_streams; i++)
        if ((int)i != index->stream_index)
            in->streams[i]->discard = AVDISCARD_ALL;
    index->time_base = stream->time_base;
    index->fps = rational_to_double(stream->avg_frame_rate);
    if (index->fps <= 0)
        index->fps = rational_to_double(stream->r_frame_rate);
    index->has_times = 1;
    int seen_key = 0, ret;
    while ((ret = av_read_frame(in, pkt)) >= 0) {
        /* A decoder shows nothing before the first keyframe, and drops the
         * frames of packets the demuxer marks as discarded (edit lists). */
        int keep = pkt->stream_index == index->stream_index &&
                   !(pkt->flags & AV_PKT_FLAG_DISCARD) &&
                   (seen_key |= (pkt->flags & AV_PKT_FLAG_KEY) != 0);
        int failed = keep && append_entry(index, pkt) < 0;
        av_packet_unref(pkt);
        if (failed) {
            io_fail(err, errlen, path, "out of memory for the frame index");
            goto failed;
        }
    }
    if (ret != AVERROR_EOF) {
        fail_av(err, errlen, path, "cannot read", ret);
        goto failed;
    }
    if (index->has_times)
        qsort(index->frames, (size_t)index->count, sizeof *index->frames,
              compare_entries);
    av_packet_free(&pkt);
    avformat_close_input(&in);
    return index;
failed:
    av_packet_free(&pkt);
    avformat_close_input(&in);
    video_index_free(index);
    return NULL;
}

void video_index_free(video_index *index)
{
    if (!index)
        return;
    free(index->frames);
    free(index);
}

long video_index_frames(const video_index *index) { return index->count; }
int video_index_has_times(const video_index *index) { return index->has_times; }
double video_index_time(const video_index *index, long i)
{
    if (!index->has_times || index->count == 0)
        return index->fps > 0 ? i / index->fps : 0;
    return (double)(index->frames[i].pts - index->frames[0].pts) *
           av_q2d(index->time_base);
}

double video_index_frame_duration(const video_index *index, long i)
{
    double nominal = index->fps > 0 ? 1.0 / index->fps : 0;
    if (!index->has_times)
        return nominal;
    if (i + 1 < index->count)
        return video_index_time(index, i + 1) - video_index_time(index, i);
    if (index->frames[i].duration > 0)
        return (double)index->frames[i].duration * av_q2d(index->time_base);
    return nominal;
}

long video_index_keyframe_before(const video_index *index, long i)
{
    for (; i > 0; i--)
        if (index->frames[i].key)
            return i;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Stream-copy cuts                                                         */
/* ------------------------------------------------------------------------ */

/* One cut: the input, the output being written and what to copy. */
typedef struct cut {
    const char *input, *output;
    const video_index *index;
    AVFormatContext *in, *out;
    int *map;              /* input stream -> output stream, -1 = dropped */
    int video;             /* input stream index of the video */
    int64_t start, end;    /* video time base: the first frame's time stamp,
                              the last frame's */
    int64_t end_of_last;   /* ... and where the last frame ends */
    int video_started, video_done;
    int audio_streams, audio_done;
    int *stream_done;
    long packets_written;
} cut;

/* Streams the cut leaves out are not even demuxed. */
static void cut_discard_unmapped(cut *c)
{
    for (unsigned i = 0; i < c->in->nb_streams; i++)
        if (c->map[i] < 0)
            c->in->streams[i]->discard = AVDISCARD_ALL;
}

/* Map the video and every audio stream the output container can hold. */
static int cut_add_streams(cut *c, char *err, size_t errlen)
{
    c->map = malloc(c->in->nb_streams * sizeof *c->map);
    c->stream_done = calloc(c->in->nb_streams, sizeof *c->stream_done);
    if (!c->map || !c->stream_done)
        return io_fail(err, errlen, c->output, "out of memory");
    for (unsigned i = 0; i < c->in->nb_streams; i++) {
        AVStream *from = c->in->streams[i];
        enum AVMediaType type = from->codecpar->codec_type;
        c->map[i] = -1;
        int is_video = (int)i == c->video;
        if (!is_video && (type != AVMEDIA_TYPE_AUDIO ||
                          avformat_query_codec(c->out->oformat,
                                               from->codecpar->codec_id,
                                               FF_COMPLIANCE_NORMAL) != 1))
            continue;
        AVStream *to = avformat_new_stream(c->out, NULL);
        if (!to)
            return io_fail(err, errlen, c->output, "out of memory");
        int ret = avcodec_parameters_copy(to->codecpar, from->codecpar);
        if (ret < 0)
            return fail_av(err, errlen, c->output, "cannot copy stream parameters", ret);
        /* The tag belongs to the input container; let the muxer choose. */
        to->codecpar->codec_tag = 0;
        to->time_base = from->time_base;
        to->avg_frame_rate = from->avg_frame_rate;
        to->r_frame_rate = from->r_frame_rate;
        to->sample_aspect_ratio = from->sample_aspect_ratio;
        c->map[i] = to->index;
        c->audio_streams += !is_video;
    }
    cut_discard_unmapped(c);
    return 0;
}

/* Shift to the clip's time line (the first frame at 0) and write. */
static int cut_write(cut *c, AVPacket *pkt, char *err, size_t errlen)
{
    AVStream *from = c->in->streams[pkt->stream_index];
    AVStream *to = c->out->streams[c->map[pkt->stream_index]];
    int64_t shift = av_rescale_q(c->start, c->in->streams[c->video]->time_base,
                                 from->time_base);
    if (pkt->pts != AV_NOPTS_VALUE)
        pkt->pts -= shift;
    if (pkt->dts != AV_NOPTS_VALUE)
        pkt->dts -= shift;
    av_packet_rescale_ts(pkt, from->time_base, to->time_base);
    pkt->stream_index = to->index;
    pkt->pos = -1;
    int ret = av_interleaved_write_frame(c->out, pkt); /* takes the packet */
    if (ret < 0)
        return fail_av(err, errlen, c->output, "cannot write", ret);
    c->packets_written++;
    return 0;
}

/* 1 to write the packet, 0 to pass over it. */
static int cut_wants(cut *c, const AVPacket *pkt)
{
    int64_t t = packet_time(pkt);
    if (pkt->stream_index == c->video) {
        if (c->video_done)
            return 0;
        if (!c->video_started) {
            if (!(pkt->flags & AV_PKT_FLAG_KEY) || t != c->start)
                return 0;
            c->video_started = 1;
        }
        /* In decode order: a frame shown up to `end` and every frame it
         * refers to are decoded no later than `end`. */
        int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : t;
        if (dts > c->end) {
            c->video_done = 1;
            return 0;
        }
        /* After an open-GOP keyframe come B-frames shown before it, which
         * refer to the GOP before: they cannot be decoded in the clip. */
        return t == AV_NOPTS_VALUE || t >= c->start;
    }
    if (c->stream_done[pkt->stream_index] || t == AV_NOPTS_VALUE)
        return 0;
    AVRational video_tb = c->in->streams[c->video]->time_base;
    int64_t at = av_rescale_q(t, c->in->streams[pkt->stream_index]->time_base, video_tb);
    if (at >= c->end_of_last) {
        c->stream_done[pkt->stream_index] = 1;
        c->audio_done++;
        return 0;
    }
    return at >= c->start;
}

static int cut_copy_packets(cut *c, char *err, size_t errlen)
{
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return io_fail(err, errlen, c->output, "out of memory");
    int ret, status = 0;
    while (!(c->video_done && c->audio_done == c->audio_streams) &&
           (ret = av_read_frame(c->in, pkt)) >= 0) {
        if (c->map[pkt->stream_index] >= 0 && cut_wants(c, pkt))
            status = cut_write(c, pkt, err, errlen);
        av_packet_unref(pkt);
        if (status)
            break;
    }
    av_packet_free(&pkt);
    if (status)
        return status;
    if (!c->video_started)
        return io_fail(err, errlen, c->input, "keyframe at %.3f s not found",
                    (double)c->start * av_q2d(c->in->streams[c->video]->time_base));
    return 0;
}

/* 1 if the next video packet is at or before the keyframe (or there is
 * none), 0 if a seek went past it. */
static int cut_not_past_start(cut *c)
{
    AVPacket *pkt = av_packet_alloc();
    int fine = pkt != NULL;
    while (pkt && av_read_frame(c->in, pkt) >= 0) {
        int is_video = pkt->stream_index == c->video;
        fine = !is_video || packet_time(pkt) <= c->start;
        av_packet_unref(pkt);
        if (is_video)
            break;
    }
    av_packet_free(&pkt);
    return fine;
}

/* Position the input at or before the keyframe. Demuxers seek by their
 * index, which may land past the keyframe; then the input is opened again
 * and read from its start, which is always right, only slower. */
static int cut_seek(cut *c, char *err, size_t errlen)
{
    if (av_seek_frame(c->in, c->video, c->start, AVSEEK_FLAG_BACKWARD) >= 0 &&
        cut_not_past_start(c) &&
        av_seek_frame(c->in, c->video, c->start, AVSEEK_FLAG_BACKWARD) >= 0)
        return 0;
    avformat_close_input(&c->in);
    int video = -1;
    if (open_video_input(c->input, &c->in, &video, err, errlen) < 0)
        return -1;
    cut_discard_unmapped(c);
    return 0;
}

static int cut_run(cut *c, output_file *file, char *err, size_t errlen)
{
    if (open_video_input(c->input, &c->in, &c->video, err, errlen) < 0)
        return -1;
    if (c->video != c->index->stream_index)
        return io_fail(err, errlen, c->input, "video stream changed since it was read");
    int ret = avformat_alloc_output_context2(&c->out, NULL, NULL, c->output);
    if (ret < 0 || !c->out)
        return io_fail(err, errlen, c->output, "no container format for this file name");
    if (cut_add_streams(c, err, errlen) < 0)
        return -1;
    if (avformat_query_codec(c->out->oformat,
                             c->in->streams[c->video]->codecpar->codec_id,
                             FF_COMPLIANCE_NORMAL) == 0)
        return io_fail(err, errlen, c->output, "this container cannot hold the video's codec");
    if (output_avio_attach(c->out, file, c->output, err, errlen) < 0)
        return -1;
    ret = avformat_write_header(c->out, NULL);
    if (ret < 0)
        return fail_av(err, errlen, c->output, "cannot write", ret);
    if (cut_seek(c, err, errlen) < 0 || cut_copy_packets(c, err, errlen) < 0)
        return -1;
    ret = av_write_trailer(c->out);
    int flushed = output_avio_detach(c->out);
    if (ret >= 0)
        ret = flushed;
    if (ret < 0)
        return fail_av(err, errlen, c->output, "cannot write", ret);
    return 0;
}

int video_cut_copy(const char *input, const video_index *index, long first,
                   long last, const char *output, int force, char *err,
                   size_t errlen)
{
    char why[512];
    if (libav_load(why, sizeof why) < 0)
        return io_fail(err, errlen, input, "cannot load FFmpeg: %s", why);
    if (!index->has_times)
        return io_fail(err, errlen, input, "frames without time stamps cannot be cut");
    if (first < 0 || last < first || last >= index->count || !index->frames[first].key)
        return io_fail(err, errlen, input, "bad cut %ld..%ld (internal error)", first, last);
    output_file *file = output_file_open(output, force ? OUTPUT_FILE_FORCE : 0, err, errlen);
    if (!file)
        return -1;
    cut c = {.input = input, .output = output, .index = index,
             .start = index->frames[first].pts, .end = index->frames[last].pts};
    int64_t last_duration = index->frames[last].duration;
    if (last + 1 < index->count)
        last_duration = index->frames[last + 1].pts - index->frames[last].pts;
    c.end_of_last = c.end + (last_duration > 0 ? last_duration : 1);
    int status = cut_run(&c, file, err, errlen);
    if (c.out)
        output_avio_detach(c.out);
    avformat_free_context(c.out);
    avformat_close_input(&c.in);
    free(c.map);
    free(c.stream_done);
    if (status == 0)
        return output_file_commit(file, err, errlen);
    output_file_discard(file);
    return status;
}
