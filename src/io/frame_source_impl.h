/*
 * frame_source_impl.h - inside frame_source (not for its users): the state
 * every source shares, and the small table of operations each backend
 * fills, one file each: source_video.c (anything libavformat opens),
 * source_sequence.c (a folder of images, a printf pattern of names) and
 * source_raw.c (raw frames). frame_source.c holds what is common: the first
 * frame handed out, positions and numbers, skipping, the getters.
 */
#ifndef BGSUB_FRAME_SOURCE_IMPL_H
#define BGSUB_FRAME_SOURCE_IMPL_H

#include "io/frame_source.h"

#include <stdatomic.h>

/* Frames handed out by a source start on this boundary, which is what
 * sws_scale's fast paths want. */
#define FRAME_ROW_ALIGN 64

/* More consecutive failures than this end the stream even when skipping:
 * the input is broken, not a frame of it. */
#define MAX_BAD_IN_A_ROW 100

typedef struct frame_source_ops {
    frame_source_kind kind;
    /* Opens src->url (src->input names it in messages; format is the raw
     * one, NULL for the others) and decodes the first frame: sets
     * src->width, height, fps, frame_count, data and stride. 0 or -1. */
    int (*open)(frame_source *src, const frame_source_raw_format *format,
                char *err, size_t errlen);
    /* The next frame into src->data and stride (straight into src->target
     * where the backend can): 1, 0 at the end, -1 on error. */
    int (*next)(frame_source *src, char *err, size_t errlen);
    /* Passes over up to n frames: how many, or -1 on error. */
    long (*skip)(frame_source *src, long n, char *err, size_t errlen);
    /* The position of the frame next gave, NULL: one after the last one
     * (skipped frames counted). */
    long (*position)(const frame_source *src);
    /* The number the frame at src->position goes by, NULL: position + 1. */
    long (*number)(const frame_source *src);
    /* The row stride of frames it can convert straight into a caller's
     * buffer, NULL: none wider than the row rounded to FRAME_ROW_ALIGN. */
    ptrdiff_t (*stride)(const frame_source *src);
    void (*close)(frame_source *src);
    /* After next gave 0: whether the input ended where it said it would
     * (see frame_source_end_problem). NULL: every end is. */
    int (*end_is_proper)(const frame_source *src);
} frame_source_ops;

extern const frame_source_ops frame_source_video, frame_source_folder,
    frame_source_pattern, frame_source_raw;

/* A network stream, watched (source_live.c): its read timeout, how it
 * ended, its reconnections. */
typedef struct frame_source_live {
    int network;          /* frame_source_is_network(input) */
    char *url;            /* kept to open it again */
    double timeout;       /* seconds; 0: none */
    int reconnect;
    double waiting_since; /* when the read now waiting last saw data */
    long long seen_at;    /* the input position it last saw (bytes) */
    atomic_int stalled;   /* the read gave up: nothing for timeout s */
    char problem[1024];   /* frame_source_end_problem, "" if none */
    long reconnects;
    double gap_seconds;
} frame_source_live;

struct frame_source {
    const frame_source_ops *ops;
    void *state;      /* the backend's own, made by its open */
    char *input;      /* the name in messages ("stdin" for "-") */
    const char *url;  /* what open opens: the caller's string */
    int channels;
    int width, height;
    double fps;
    long frame_count;
    long frames_decoded;
    int pending; /* the frame decoded by open is still to be handed out */
    const uint8_t *data;
    ptrdiff_t stride;
    uint8_t *target;          /* frame_source_read_into: convert here if you can */
    ptrdiff_t target_stride;
    const char *current_name;
    int skip_bad;     /* --on-error skip: pass over frames that fail */
    long bad_frames;  /* frames passed over so far */
    int bad_in_a_row; /* a decoder that fails for ever must still stop */
    long position;    /* 0-based input position of the frame last returned */
    int renumber;     /* frame_source_set_renumber: number by position */
    const volatile sig_atomic_t *interrupt; /* set: stop waiting for input */
    atomic_int cancelled; /* frame_source_cancel: stop waiting for input */
    const frame_source_options *options; /* frame_source_open_with's, or NULL */
    frame_source_live live;
};

/* Whether a wait for input should end: an interrupt (signal) or a cancel
 * from another thread. */
int frame_source_should_stop(frame_source *src);

/* source_live.c, for frame_source.c: set up from the options (0, or -1
 * when out of memory); a read is about to wait; what to do when next gave
 * ret <= 0 (a network stream's end or failure becomes a problem, or a
 * reconnection: the first frame of the new connection is then in
 * src->data, and 1 comes back); the source is closed. */
int frame_source_live_init(frame_source *src, const char *input);
void frame_source_live_arm(frame_source *src);
int frame_source_live_after_end(frame_source *src, int ret, char *err, size_t errlen);
void frame_source_live_free(frame_source *src);
/* For the wait of a network read (source_video.c's interrupt callback):
 * position is how far the input has been read (bytes, -1 if unknown); 1
 * once nothing has come for the timeout. */
int frame_source_live_stalled(frame_source *src, long long position);

/* stat() says: a folder, a regular file. */
int frame_source_is_directory(const char *path);
int frame_source_is_regular_file(const char *path);

#endif
