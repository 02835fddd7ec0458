/*
 * clip_encode.h - cuts of frame ranges of an input into clips of their
 * own by decoding and encoding again (bgsub events --clip-mode encode):
 * each clip holds exactly the frames asked for, whatever the input's
 * keyframes, at the cost of a second decoding pass and an encoding.
 *
 * Part of the bgsub program, not of libbgsub. The clips are written by
 * io/video_writer.h (H.264 with libx264 where FFmpeg has it, else MPEG-4
 * part 2; video only, no audio), each by the file policy: under a
 * temporary name, renamed into place when it is complete. Errors: -1 with
 * a one-line reason naming the file in err.
 */
#ifndef BGSUB_CLIP_ENCODE_H
#define BGSUB_CLIP_ENCODE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Frames first..last (0-based positions in the input, inclusive) into
 * path. The ranges must be in order and must not overlap. */
typedef struct clip_range {
    long first, last;
    const char *path;
} clip_range;

typedef struct clip_encode_config {
    const char *input;
    const clip_range *clips;
    long count;
    double fps;          /* the clips' frame rate (> 0) */
    int force;           /* replace clips that exist */
    const volatile sig_atomic_t *stop; /* set: give up, leaving no half clip */
    /* Called after each frame read (position, the clip it went to or -1);
     * may be NULL. */
    void (*progress)(void *ctx, long position, long clip);
    /* Called on a copy of each frame of a clip before it is encoded (RGB,
     * rows w * 3 bytes apart, position as above) to draw on it; may be
     * NULL. */
    void (*draw)(void *ctx, long position, uint8_t *rgb, int w, int h);
    void *ctx;
} clip_encode_config;

/* Read the input once from its start and write every clip. 0 when all are
 * written; -1 with the reason in err (the clips finished before stay, the
 * one being written is removed), also when stopped. *encoder (may be NULL)
 * is set to the encoder's name ("libx264") once a clip is opened. */
int clip_encode_run(const clip_encode_config *cfg, const char **encoder, char *err,
                    size_t errlen);

#endif
