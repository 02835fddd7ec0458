/*
 * frame_source.h - a stream of decoded frames from a video file, a folder of
 * images, or a printf pattern of image names.
 *
 * Part of the bgsub program, not of libbgsub. Errors: -1 / NULL with a
 * one-line reason naming the file in err.
 */
#ifndef BGSUB_FRAME_SOURCE_H
#define BGSUB_FRAME_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct frame_source frame_source;

typedef enum frame_source_kind {
    FRAME_SOURCE_VIDEO,    /* anything libavformat opens                     */
    FRAME_SOURCE_FOLDER,   /* a folder of PNG/JPEG files, in natural order   */
    FRAME_SOURCE_PATTERN,  /* a printf pattern such as in%06d.jpg            */
    FRAME_SOURCE_RAW,      /* raw frames of a given size (frame_source_open_raw) */
} frame_source_kind;

/* The name that stands for standard input, as INPUT and in messages. */
#define FRAME_SOURCE_STDIN "-"
#define FRAME_SOURCE_STDIN_NAME "stdin"

/* Raw frames: width x height pixels of 1 (gray) or 3 (RGB24) bytes each,
 * rows packed, frames back to back, no header. */
typedef struct frame_source_raw_format {
    int width, height;
    int channels;          /* 1 gray, 3 rgb24 */
    double fps;            /* 0 if unknown */
} frame_source_raw_format;

/*
 * Open input. channels: 1 = deliver gray frames, 3 = deliver RGB24.
 * A folder is read as an image sequence; if it holds an "input" sub-folder
 * (a ChangeDetection.net sequence folder) that sub-folder is used. A name
 * with a '%' conversion is a pattern, numbered from the first index among
 * 0..9 that exists, then consecutively until the first missing index.
 * "-" is standard input, read by libavformat as a container stream
 * ("pipe:0"; it must be a format that needs no seeking, such as Matroska,
 * MPEG-TS or NUT, not an MP4 whose index is at its end); messages call it
 * "stdin". Anything else is opened with libavformat.
 */
frame_source *frame_source_open(const char *input, int channels, char *err,
                                size_t errlen);

/*
 * What the user tells libavformat about an input, and how a network stream
 * is watched (frame_source_open_with). The caller keeps it (and the strings
 * it points to) alive as long as the source.
 */
typedef struct frame_source_options {
    const char *format;         /* --input-format: a demuxer or device name
                                   (mpegts, rawvideo, v4l2); NULL: probe */
    const char *const *options; /* --input-option: "KEY=VALUE" strings,
                                   handed to avformat_open_input */
    int option_count;
    /* A network stream (frame_source_is_network) that sends nothing for
     * this many seconds while a frame is awaited, opening included, has
     * stalled: it ends (or reconnects). 0: wait for ever. */
    double timeout;
    /* A network stream that ends, breaks or stalls is opened again, after
     * 0.5 s, then 1, 2, 4 ... up to 30 s between tries, until it answers
     * or the read is interrupted; frames go on being numbered from where
     * they were. */
    int reconnect;
    /* Told what happens to a network stream, in one line each ("the stream
     * ended ...; reconnecting in 0.5 s"). May be NULL. Called on the
     * thread that reads. */
    void (*notice)(void *ctx, const char *message);
    void *notice_ctx;
} frame_source_options;

/* The read timeout of network streams when none is given, in seconds. */
#define FRAME_SOURCE_DEFAULT_TIMEOUT 10.0

/* frame_source_open, with options (NULL: none). Options are for what
 * libavformat opens (videos, streams, cameras, stdin); a folder or pattern
 * of images takes none. An option that no part of libavformat knows is an
 * error; one that this input's demuxer and protocol do not take is passed
 * over with a notice (options apply to every input of a run). */
frame_source *frame_source_open_with(const char *input, int channels,
                                     const frame_source_options *options,
                                     char *err, size_t errlen);

/* frame_source_open_with with frame_source_set_skip_bad(src, 1) from the
 * start, so that a first frame that cannot be decoded is passed over too. */
frame_source *frame_source_open_skipping(const char *input, int channels,
                                         const frame_source_options *options,
                                         char *err, size_t errlen);

/* Checks --input-format and --input-option values before any work: the
 * format exists, each option is KEY=VALUE with a KEY that libavformat
 * knows (a demuxer's, a protocol's or a generic one). 0, or -1 with a
 * one-line reason in err. Loads FFmpeg. */
int frame_source_check_options(const frame_source_options *options, char *err,
                               size_t errlen);

/* Whether input is a network stream: a URL whose protocol is not file: or
 * pipe: (rtsp://, http://, tcp://, udp://, srt://, ...). */
int frame_source_is_network(const char *input);
/* Whether input is live: a network stream or a camera (/dev/video*). Live
 * inputs do not end by themselves, so several run at the same time. */
int frame_source_is_live(const char *input);

/*
 * Open raw frames of the given format from a file, or from standard input
 * for "-". Each read takes exactly one frame's bytes; a last frame cut short
 * is an error that gives the bytes read. Frames are converted to channels
 * (RGB24 to gray with the BT.601 weights of image_load).
 */
frame_source *frame_source_open_raw(const char *input,
                                    const frame_source_raw_format *format,
                                    int channels, char *err, size_t errlen);

/* Parse "WxH:gray" or "WxH:rgb24" into format (fps left as it was). 0, or -1
 * with the reason in err. */
int frame_source_parse_raw_spec(const char *spec,
                                frame_source_raw_format *format, char *err,
                                size_t errlen);

/*
 * Next frame. Returns 1 with *data / *stride pointing at a frame owned by the
 * source (valid until the next call), 0 at the end, -1 on error. Every frame
 * has the size of the first one; a frame of another size is an error.
 */
int frame_source_read(frame_source *src, const uint8_t **data,
                      ptrdiff_t *stride, char *err, size_t errlen);

/*
 * Next frame, like frame_source_read, but written into dst (width·channels
 * bytes a row, rows dst_stride apart; the bytes between rows may be
 * overwritten) instead of lent. With dst_stride >= frame_source_stride() a
 * video frame is converted straight into dst, which saves a copy of every
 * frame; otherwise it is copied there.
 */
int frame_source_read_into(frame_source *src, uint8_t *dst,
                           ptrdiff_t dst_stride, char *err, size_t errlen);

/* Skip n frames cheaply where possible (no decode for image sequences).
 * Returns the number skipped (less than n at the end), -1 on error. */
long frame_source_skip(frame_source *src, long n, char *err, size_t errlen);

/* A buffer for whole frames or masks (bytes long, e.g. for
 * frame_source_read_into), 64-byte aligned; NULL when out of memory; freed
 * with free(). Big ones start on a 2 MB boundary and ask for transparent
 * huge pages (Linux): a 1080p frame is then set up with some 50 page faults
 * instead of 1 500 (about 40 ms in a virtual machine) and streamed with
 * fewer TLB misses. */
void *frame_source_alloc(size_t bytes);

/* A row stride for frame_source_read_into buffers that lets frames be
 * converted straight into them: at least width·channels, a multiple of 64. */
ptrdiff_t frame_source_stride(const frame_source *src);
int frame_source_width(const frame_source *src);
int frame_source_height(const frame_source *src);
int frame_source_channels(const frame_source *src);
frame_source_kind frame_source_get_kind(const frame_source *src);
/* Frames per second: the stream's rate for a video, the given one for raw
 * frames, 0 if unknown. */
double frame_source_fps(const frame_source *src);
/* Total frames if known (image sequences, most videos), else -1. */
long frame_source_frame_count(const frame_source *src);
/* Name of the file or stream the last frame came from (for messages). */
const char *frame_source_current_name(const frame_source *src);

/* --on-error skip: a frame that cannot be decoded (a broken image file in a
 * sequence, a damaged packet in a video) is counted and passed over instead
 * of ending the stream with an error. 100 failures in a row still stop it. */
void frame_source_set_skip_bad(frame_source *src, int skip);
long frame_source_bad_frames(const frame_source *src);

/* A read waiting for input gives up once *stop is set (by a signal
 * handler), so an interrupt is not held up by a pipe whose writer has
 * stalled: raw frames end as at the end of the input; a video's read
 * fails (a stream waiting on the network at once; a blocking read of a
 * pipe once a signal interrupts it). Image sequences never wait. */
void frame_source_set_interrupt(frame_source *src, const volatile sig_atomic_t *stop);
/* From any thread: a read waiting for input (raw data, a stalled stream or
 * pipe) gives up as soon as it can (a blocking read() only when a signal
 * interrupts it; see pipeline.c), and reads fail from then on. */
void frame_source_cancel(frame_source *src);

/* After frame_source_read returned 0: NULL when the input ended as it
 * should (the end of a file, of a transfer of known length), else why a
 * network stream ended without an end of stream, as one line: "the stream
 * ended after 412 frames (the connection closed)", "... broke after 412
 * frames (cannot read: Connection reset by peer)", "no data for 2 s
 * (--timeout 2) after 412 frames". A network stream has no end of its own
 * (MPEG-TS over TCP, RTSP, a camera's HTTP stream), so any end of one
 * that is not a transfer of known length read to its end counts. */
const char *frame_source_end_problem(const frame_source *src);
/* Times a network stream was opened again (frame_source_options.reconnect)
 * and the seconds it sent no frame in all, from its end to its first frame
 * after each reconnection. */
long frame_source_reconnects(const frame_source *src);
double frame_source_gap_seconds(const frame_source *src);

/* 0-based position in the input of the frame last returned: in an image
 * sequence the file's index (skipped and broken files count), in a video
 * the decoded frame's (frames skipped with frame_source_skip count). */
long frame_source_position(const frame_source *src);

/* The number the frame last returned goes by (mask bin%06d.png, stats): in
 * an image sequence the file's own number ("in001460.jpg" is 1460: the
 * last run of digits in the name, used when every file has one and they
 * increase; a pattern's index, 0 for a pattern that starts at 0), else, or
 * after frame_source_set_renumber(src, 1), the position counted from 1. */
long frame_source_number(const frame_source *src);
void frame_source_set_renumber(frame_source *src, int renumber);

void frame_source_close(frame_source *src);

#endif
