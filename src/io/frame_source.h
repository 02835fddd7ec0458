/*
 * frame_source.h - a stream of decoded frames from a video file, a folder of
 * images, or a printf pattern of image names.
 *
 * Part of the bgsub program, not of libbgsub. Errors: -1 / NULL with a
 * one-line reason naming the file in err.
 */
#ifndef BGSUB_FRAME_SOURCE_H
#define BGSUB_FRAME_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct frame_source frame_source;

typedef enum frame_source_kind {
    FRAME_SOURCE_VIDEO,    /* anything libavformat opens                     */
    FRAME_SOURCE_FOLDER,   /* a folder of PNG/JPEG files, in natural order   */
    FRAME_SOURCE_PATTERN,  /* a printf pattern such as in%06d.jpg            */
} frame_source_kind;

/*
 * Open input. channels: 1 = deliver gray frames, 3 = deliver RGB24.
 * A folder is read as an image sequence; if it holds an "input" sub-folder
 * (a ChangeDetection.net sequence folder) that sub-folder is used. A name
 * with a '%' conversion is a pattern, numbered from the first index among
 * 0..9 that exists, then consecutively until the first missing index.
 * Anything else is opened with libavformat.
 */
frame_source *frame_source_open(const char *input, int channels, char *err,
                                size_t errlen);

/*
 * Next frame. Returns 1 with *data / *stride pointing at a frame owned by the
 * source (valid until the next call), 0 at the end, -1 on error. Every frame
 * has the size of the first one; a frame of another size is an error.
 */
int frame_source_read(frame_source *src, const uint8_t **data,
                      ptrdiff_t *stride, char *err, size_t errlen);

/* Skip n frames cheaply where possible (no decode for image sequences).
 * Returns the number skipped (less than n at the end), -1 on error. */
long frame_source_skip(frame_source *src, long n, char *err, size_t errlen);

int frame_source_width(const frame_source *src);
int frame_source_height(const frame_source *src);
int frame_source_channels(const frame_source *src);
frame_source_kind frame_source_get_kind(const frame_source *src);
/* Frames per second: the stream's rate for a video, 0 if unknown. */
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

/* 0-based position in the input of the frame last returned: in an image
 * sequence the file's index (skipped and broken files count), in a video
 * the decoded frame's (frames skipped with frame_source_skip count). */
long frame_source_position(const frame_source *src);

void frame_source_close(frame_source *src);

#endif
