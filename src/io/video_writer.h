/*
 * video_writer.h - frames out to a video file through libavformat and
 * libavcodec: the lossless mask video and the overlay video of bgsub.
 *
 * Part of the bgsub program, not of libbgsub. The file is written by the
 * file policy (io/output_file.h): under a temporary name beside the final
 * one, renamed into place by video_writer_finish after the encoder is
 * drained and the container's trailer written, so a reader never sees a
 * half-written video; a device or FIFO is written in place.
 * Errors: -1 / NULL with a one-line reason naming the file in err.
 */
#ifndef BGSUB_VIDEO_WRITER_H
#define BGSUB_VIDEO_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct video_writer video_writer;

typedef enum video_writer_kind {
    /* 8-bit gray frames stored losslessly: FFV1 in .mkv, .avi or .nut;
     * H.264 with qp 0 (libx264, gray) in .mp4 or .mov. Decoding gives
     * back every byte. */
    VIDEO_WRITER_LOSSLESS_GRAY,
    /* RGB24 frames for watching: H.264 (libx264) where the encoder exists
     * and the container takes it, else MPEG-4 part 2; 4:2:0, so an odd
     * width or height loses its last column or row. */
    VIDEO_WRITER_RGB,
} video_writer_kind;

/* Whether path's name (its extension) gives a container and an encoder
 * for kind, without touching the disk. 0, or -1 with the reason in err. */
int video_writer_check(const char *path, video_writer_kind kind, char *err,
                       size_t errlen);

/* Create the temporary file, open the encoder and write the header.
 * fps > 0 is the frame rate of the video; an existing file is replaced
 * only with force. */
video_writer *video_writer_open(const char *path, video_writer_kind kind,
                                int width, int height, double fps, int force,
                                char *err, size_t errlen);

/* Encode one frame: width x height pixels, 1 byte (gray) or 3 (RGB24) per
 * pixel as the kind says, rows stride bytes apart. */
int video_writer_write(video_writer *w, const uint8_t *data, ptrdiff_t stride,
                       char *err, size_t errlen);

/* The encoder's name ("ffv1", "libx264", "mpeg4"), for messages. */
const char *video_writer_encoder(const video_writer *w);

/* Drain the encoder, write the trailer, close the file and rename it into
 * place; frees w either way (on failure the temporary file is removed). */
int video_writer_finish(video_writer *w, char *err, size_t errlen);

/* Remove the temporary file and free w, leaving no output. NULL is fine. */
void video_writer_discard(video_writer *w);

#endif
