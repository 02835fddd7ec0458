/*
 * stream_outputs.h - the outputs of `bgsub` that are one stream over the
 * whole run rather than a file per frame: raw masks on stdout (-o -), the
 * lossless mask video (--mask-video), the overlay video (--overlay-video)
 * and the blob list (--blobs).
 *
 * They are fed by the pipeline's stream thread (pipeline.h), frame after
 * frame in order; opened and finished on the main thread. Files are written
 * under a temporary name and renamed into place when finished, so a reader
 * sees no half-written file; finishing after an interrupt or an input error
 * keeps the frames done so far (like the mask PNGs), and an output error
 * removes the file.
 */
#ifndef BGSUB_STREAM_OUTPUTS_H
#define BGSUB_STREAM_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct stream_outputs stream_outputs;

typedef enum blob_format { BLOBS_JSON_LINES, BLOBS_CSV } blob_format;

typedef struct stream_outputs_config {
    int width, height, channels;   /* of the input frames (1 or 3)         */
    double fps;                    /* the input's rate, 0 unknown: the blob
                                      times are then null                  */
    double video_fps;              /* rate written into the videos (> 0)   */
    int masks_to_stdout;           /* -o -: raw masks, W·H bytes a frame   */
    const char *mask_video;        /* --mask-video FILE or NULL            */
    const char *overlay_video;     /* --overlay-video FILE or NULL         */
    const char *blobs_path;        /* --blobs FILE ("-": stdout) or NULL   */
    long min_blob_area;            /* --min-blob-area                      */
    int force;                     /* overwrite existing files             */
} stream_outputs_config;

/* The blob list's format from its name: .csv is CSV; .jsonl, .ndjson,
 * .json and "-" are JSON lines. -1 for any other name. */
int stream_outputs_blob_format(const char *path, blob_format *format);

/* True if config asks for any stream output. */
int stream_outputs_wanted(const stream_outputs_config *config);

/* Open every output config asks for (a file that exists is refused
 * without force). Returns 0 with *out set (NULL if none is wanted), or an
 * exit status with a one-line message in err; nothing is left behind. */
int stream_outputs_open(const stream_outputs_config *config,
                        stream_outputs **out, char *err, size_t errlen);

/* Whether the overlay needs the input frames (pipeline_config.stream_frames). */
int stream_outputs_wants_frames(const stream_outputs *s);

/* The pipeline's stream_writer: ctx is the stream_outputs. */
int stream_outputs_write(void *ctx, const uint8_t *mask, const uint8_t *frame,
                         long number, char *err, size_t errlen);

/* -v: one line per output, "bgsub: output: ..." on out. */
void stream_outputs_describe(const stream_outputs *s, FILE *out);

/* Finish every output and free s (NULL is fine): with keep, drain the
 * encoders, write the trailers and rename the files into place; without,
 * remove them. Returns 0 or an exit status with a message in err. */
int stream_outputs_finish(stream_outputs *s, int keep, char *err,
                          size_t errlen);

#endif
