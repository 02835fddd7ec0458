/*
 * pipeline.h - decoding, the model and mask writing overlapped on threads.
 *
 * A reader thread decodes frames ahead into a few frame buffers; the caller
 * (the main thread, which also owns the model and any preview window) takes
 * them in order; writer threads encode and write the masks the caller hands
 * back, and one stream thread hands every mask, in frame order, to the
 * outputs that are one stream (raw masks on stdout, videos, blob lists).
 * Buffers are recycled through bounded queues, so memory stays flat however
 * long the input is.
 */
#ifndef BGSUB_PIPELINE_H
#define BGSUB_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "io/frame_source.h"

typedef struct pipeline pipeline;

/* Writes one mask; returns 0, or an exit status with a one-line message in
 * err. Called on a writer thread. */
typedef int (*mask_writer)(void *ctx, const uint8_t *mask, long number,
                           char *err, size_t errlen);

/* Takes one mask for the ordered outputs; returns 0, or an exit status with
 * a one-line message in err. Called on the stream thread, frame after frame
 * in the order they were read. frame is the input frame (width·channels
 * bytes a row, packed) when the config asks for it, else NULL; position is
 * the frame's 0-based place in the input (frame_source_position). */
typedef int (*stream_writer)(void *ctx, const uint8_t *mask,
                             const uint8_t *frame, long number, long position,
                             char *err, size_t errlen);

typedef struct pipeline_config {
    frame_source *src;     /* opened; read only by the reader thread       */
    long max_frames;       /* stop after this many frames, 0 = all          */
    int writers;           /* writer threads (>= 1; none if write is NULL)  */
    mask_writer write;     /* per-mask files (PNG), any order; or NULL      */
    void *write_ctx;
    stream_writer stream;  /* ordered outputs on one thread; or NULL        */
    void *stream_ctx;
    int stream_frames;     /* give stream the input frame too (a copy)      */
    /* Set by a signal handler: pipeline_next stops waiting for a frame and
     * the reader's wait for input is broken off. May be NULL. */
    const volatile sig_atomic_t *interrupt;
} pipeline_config;

typedef struct pipeline_frame {
    const uint8_t *data;   /* width·channels bytes a row, rows stride apart */
    ptrdiff_t stride;
    long index;            /* 0 for the first frame read                    */
    long position;         /* frame_source_position: 0-based in the input   */
    long number;           /* frame_source_number: what its mask is named by */
    char name[256];        /* where it came from, for messages              */
} pipeline_frame;

/* Starts the threads. NULL with a message in err on failure. */
pipeline *pipeline_start(const pipeline_config *config, char *err,
                         size_t errlen);

/* The next frame in order: 1, 0 at the end, -1 on a read error (the
 * message is then in pipeline_error). Return it with pipeline_release. */
int pipeline_next(pipeline *p, pipeline_frame **frame);
void pipeline_release(pipeline *p, pipeline_frame *frame);

/* A free mask buffer (width·height bytes), waiting if all are queued. */
uint8_t *pipeline_mask_buffer(pipeline *p);
/* Queues a filled mask for writing as frame number; frame is the input it
 * came from (copied when the stream writer wants frames). Returns 0, or the
 * exit status of an earlier failed write (the mask is then dropped). */
int pipeline_write(pipeline *p, uint8_t *mask, long number,
                   const pipeline_frame *frame);

/* Asks the reader to stop early (interrupted); frames already decoded are
 * dropped, masks already queued are still written. */
void pipeline_stop_reading(pipeline *p);

/* Writes every queued mask, joins the threads, frees everything. Returns 0
 * or the first write failure's exit status (message in err). */
int pipeline_finish(pipeline *p, char *err, size_t errlen);

/* The reader's error message, after pipeline_next returned -1. */
const char *pipeline_error(const pipeline *p);

#endif
