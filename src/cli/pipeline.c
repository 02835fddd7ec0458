/*
 * pipeline.c - reader thread, bounded queues and writer threads around the
 * caller's model loop (see pipeline.h).
 */
#include "cli/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Frames decoded ahead: enough to hide the decoder's jitter; each is a
 * whole frame, so not more. */
#define FRAME_SLOTS 4

/* How often a wait for the reader looks at the interrupt flag. */
#define WAIT_SLICE_MS 100

/*
 * Stopping a reader that waits for input. A stalled network stream ends
 * its wait by itself once frame_source_cancel (or the interrupt flag) is
 * set; a read() of a pipe whose writer stalls does not, until a signal
 * interrupts it. So the thread that stops the pipeline sends the reader
 * WAKE_SIGNAL, whose handler does nothing and is installed without
 * SA_RESTART: the read fails with EINTR, and the decoder then asks
 * frame_source whether to go on. The signal is sent again every slice
 * until the reader has ended (it may arrive just before the read starts).
 */
#define WAKE_SIGNAL SIGUSR2

static void on_wake_signal(int sig)
{
    (void)sig;
}

static void install_wake_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_wake_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(WAKE_SIGNAL, &sa, NULL);
}

static struct timespec slice_from_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += WAIT_SLICE_MS * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}


/* ------------------------------------------------------------------------ */
/* A blocking queue of pointers with a fixed capacity                       */
/* ------------------------------------------------------------------------ */

typedef struct ptr_queue {
    void **items;
    int capacity, head, count;
    int closed;
    pthread_mutex_t lock;
    pthread_cond_t changed;
} ptr_queue;

static int queue_init(ptr_queue *q, int capacity)
{
    memset(q, 0, sizeof *q);
    q->items = calloc((size_t)capacity, sizeof(void *));
    if (!q->items)
        return -1;
    q->capacity = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->changed, NULL);
    return 0;
}

static void queue_destroy(ptr_queue *q)
{
    if (!q->items)
        return;
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    q->items = NULL;
}

/* Waits for room; -1 if the queue is closed. */
static int queue_push(ptr_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->count == q->capacity)
        pthread_cond_wait(&q->changed, &q->lock);
    int ok = !q->closed;
    if (ok) {
        q->items[(q->head + q->count) % q->capacity] = item;
        q->count++;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}

/* Waits for an item; NULL once the queue is closed and empty. With a
 * flag, waits in slices and returns NULL with *flag_seen = 1 once the flag
 * is set while the queue is still empty. */
static void *queue_pop_or_flag(ptr_queue *q, const volatile sig_atomic_t *flag,
                               int *flag_seen)
{
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->count == 0) {
        if (!flag) {
            pthread_cond_wait(&q->changed, &q->lock);
            continue;
        }
        if (*flag) {
            *flag_seen = 1;
            break;
        }
        struct timespec until = slice_from_now();
        pthread_cond_timedwait(&q->changed, &q->lock, &until);
    }
    void *item = NULL;
    if (q->count > 0) {
        item = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

static void *queue_pop(ptr_queue *q)
{
    return queue_pop_or_flag(q, NULL, NULL);
}

static void queue_close(ptr_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* ------------------------------------------------------------------------ */
/* The pipeline                                                             */
/* ------------------------------------------------------------------------ */

typedef struct frame_slot {
    pipeline_frame frame;
    uint8_t *pixels;
} frame_slot;

typedef struct mask_job {
    uint8_t *mask;
    uint8_t *frame;        /* copy of the input, for the stream writer */
    long number;
    long position;         /* frame_source_position of its frame */
    int users;             /* writer stages still to see it (under lock) */
} mask_job;

struct pipeline {
    pipeline_config cfg;
    int width, height, channels;
    frame_slot frames[FRAME_SLOTS];
    ptr_queue free_frames, ready_frames;
    mask_job *jobs;
    int job_count;
    ptr_queue free_masks, write_queue, stream_queue;
    pthread_t reader, streamer;
    pthread_t *writers;
    int reader_started, writers_started, streamer_started;

    pthread_mutex_t lock;      /* guards the fields below */
    int stop_reading;
    int read_failed;
    char read_error[512];
    int write_status;          /* first failed write's exit status */
    char write_error[512];
};

static int stop_requested(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    int stop = p->stop_reading;
    pthread_mutex_unlock(&p->lock);
    return stop;
}

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    for (long index = 0; p->cfg.max_frames == 0 || index < p->cfg.max_frames; index++) {
        if (stop_requested(p))
            break;
        frame_slot *slot = queue_pop(&p->free_frames);
        if (!slot)
            break;
        char err[512];
        /* Decoded and converted straight into the slot: no copy. */
        int got = frame_source_read_into(p->cfg.src, slot->pixels,
                                         slot->frame.stride, err, sizeof err);
        if (got <= 0) {
            /* A read that failed because the pipeline stopped it is not
             * an error of the input. */
            if (got < 0 && !stop_requested(p)) {
                pthread_mutex_lock(&p->lock);
                p->read_failed = 1;
                snprintf(p->read_error, sizeof p->read_error, "%s", err);
                pthread_mutex_unlock(&p->lock);
            }
            break;
        }
        slot->frame.index = index;
        slot->frame.position = frame_source_position(p->cfg.src);
        slot->frame.number = frame_source_number(p->cfg.src);
        snprintf(slot->frame.name, sizeof slot->frame.name, "%s",
                 frame_source_current_name(p->cfg.src));
        if (queue_push(&p->ready_frames, slot) != 0)
            break;
    }
    queue_close(&p->ready_frames);
    return NULL;
}

static int write_failed(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    int failed = p->write_status != 0;
    pthread_mutex_unlock(&p->lock);
    return failed;
}

/* Keeps the first failure of any writer stage. */
static void record_write_failure(pipeline *p, int status, const char *err)
{
    pthread_mutex_lock(&p->lock);
    if (p->write_status == 0) {
        p->write_status = status;
        snprintf(p->write_error, sizeof p->write_error, "%s", err);
    }
    pthread_mutex_unlock(&p->lock);
}

/* One writer stage is done with job; the last one recycles it. */
static void job_done(pipeline *p, mask_job *job)
{
    pthread_mutex_lock(&p->lock);
    int last = --job->users == 0;
    pthread_mutex_unlock(&p->lock);
    if (last)
        queue_push(&p->free_masks, job);
}

static void *writer_main(void *arg)
{
    pipeline *p = arg;
    mask_job *job;
    while ((job = queue_pop(&p->write_queue)) != NULL) {
        if (!write_failed(p)) {
            char err[512] = "";
            int status = p->cfg.write(p->cfg.write_ctx, job->mask, job->number,
                                      err, sizeof err);
            if (status != 0)
                record_write_failure(p, status, err);
        }
        job_done(p, job);
    }
    return NULL;
}

/* The ordered outputs: one thread, so masks reach them in frame order. */
static void *stream_main(void *arg)
{
    pipeline *p = arg;
    mask_job *job;
    while ((job = queue_pop(&p->stream_queue)) != NULL) {
        if (!write_failed(p)) {
            char err[512] = "";
            int status = p->cfg.stream(p->cfg.stream_ctx, job->mask, job->frame,
                                       job->number, job->position, err, sizeof err);
            if (status != 0)
                record_write_failure(p, status, err);
        }
        job_done(p, job);
    }
    return NULL;
}

static void free_buffers(pipeline *p)
{
    for (int i = 0; i < FRAME_SLOTS; i++)
        free(p->frames[i].pixels);
    for (int i = 0; p->jobs && i < p->job_count; i++) {
        free(p->jobs[i].mask);
        free(p->jobs[i].frame);
    }
    free(p->jobs);
    free(p->writers);
    queue_destroy(&p->free_frames);
    queue_destroy(&p->ready_frames);
    queue_destroy(&p->free_masks);
    queue_destroy(&p->write_queue);
    queue_destroy(&p->stream_queue);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static int alloc_buffers(pipeline *p)
{
    /* Rows as the source wants them, to decode straight into the slots
     * (64-byte aligned, on huge pages: see frame_source_alloc). */
    size_t stride = (size_t)frame_source_stride(p->cfg.src);
    size_t frame_bytes = stride * (size_t)p->height;
    size_t mask_bytes = (size_t)p->width * p->height;
    /* Masks: one being filled, one per writer being written, and as many
     * again queued so the model never waits for a slow write. */
    p->job_count = 2 * p->cfg.writers + 2;
    p->jobs = calloc((size_t)p->job_count, sizeof *p->jobs);
    p->writers = calloc((size_t)p->cfg.writers, sizeof(pthread_t));
    if (!p->jobs || !p->writers ||
        queue_init(&p->free_frames, FRAME_SLOTS) || queue_init(&p->ready_frames, FRAME_SLOTS) ||
        queue_init(&p->free_masks, p->job_count) || queue_init(&p->write_queue, p->job_count) ||
        queue_init(&p->stream_queue, p->job_count))
        return -1;
    for (int i = 0; i < FRAME_SLOTS; i++) {
        p->frames[i].pixels = frame_source_alloc(frame_bytes);
        if (!p->frames[i].pixels)
            return -1;
        p->frames[i].frame.data = p->frames[i].pixels;
        p->frames[i].frame.stride = (ptrdiff_t)stride;
        queue_push(&p->free_frames, &p->frames[i]);
    }
    for (int i = 0; i < p->job_count; i++) {
        p->jobs[i].mask = frame_source_alloc(mask_bytes);
        if (!p->jobs[i].mask)
            return -1;
        if (p->cfg.stream && p->cfg.stream_frames &&
            !(p->jobs[i].frame = malloc(frame_bytes)))
            return -1;
        queue_push(&p->free_masks, &p->jobs[i]);
    }
    return 0;
}

pipeline *pipeline_start(const pipeline_config *config, char *err, size_t errlen)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *config;
    if (p->cfg.writers < 1 || !p->cfg.write)
        p->cfg.writers = 1; /* sizes the mask buffers; threads only with write */
    p->width = frame_source_width(config->src);
    p->height = frame_source_height(config->src);
    p->channels = frame_source_channels(config->src);
    pthread_mutex_init(&p->lock, NULL);
    install_wake_handler();
    if (alloc_buffers(p) != 0) {
        snprintf(err, errlen, "out of memory for %dx%d frames", p->width, p->height);
        free_buffers(p);
        return NULL;
    }
    if (pthread_create(&p->reader, NULL, reader_main, p) != 0) {
        snprintf(err, errlen, "cannot start the reader thread");
        free_buffers(p);
        return NULL;
    }
    p->reader_started = 1;
    for (int i = 0; p->cfg.write && i < p->cfg.writers; i++) {
        if (pthread_create(&p->writers[i], NULL, writer_main, p) != 0)
            break;
        p->writers_started++;
    }
    if (p->cfg.stream && pthread_create(&p->streamer, NULL, stream_main, p) == 0)
        p->streamer_started = 1;
    if ((p->cfg.write && p->writers_started == 0) ||
        (p->cfg.stream && !p->streamer_started)) {
        snprintf(err, errlen, "cannot start a writer thread");
        pipeline_finish(p, NULL, 0);
        return NULL;
    }
    return p;
}

int pipeline_next(pipeline *p, pipeline_frame **frame)
{
    int interrupted = 0;
    frame_slot *slot = queue_pop_or_flag(&p->ready_frames, p->cfg.interrupt,
                                         &interrupted);
    if (interrupted) {
        /* The reader may wait for input for ever: stop it; the caller sees
         * the end of the frames and the interrupt flag. */
        pipeline_stop_reading(p);
        return 0;
    }
    if (slot) {
        *frame = &slot->frame;
        return 1;
    }
    pthread_mutex_lock(&p->lock);
    int failed = p->read_failed;
    pthread_mutex_unlock(&p->lock);
    return failed ? -1 : 0;
}

void pipeline_release(pipeline *p, pipeline_frame *frame)
{
    /* frame is the first member of its slot */
    queue_push(&p->free_frames, (frame_slot *)frame);
}

uint8_t *pipeline_mask_buffer(pipeline *p)
{
    mask_job *job = queue_pop(&p->free_masks);
    return job ? job->mask : NULL;
}

int pipeline_write(pipeline *p, uint8_t *mask, long number,
                   const pipeline_frame *frame)
{
    mask_job *job = NULL;
    for (int i = 0; i < p->job_count && !job; i++)
        if (p->jobs[i].mask == mask)
            job = &p->jobs[i];
    pthread_mutex_lock(&p->lock);
    int status = p->write_status;
    pthread_mutex_unlock(&p->lock);
    if (!job)
        return status;
    if (status != 0) {
        queue_push(&p->free_masks, job);
        return status;
    }
    job->number = number;
    job->position = frame ? frame->position : number - 1;
    if (job->frame && frame) {
        size_t row = (size_t)p->width * p->channels;
        for (int y = 0; y < p->height; y++)
            memcpy(job->frame + row * y, frame->data + frame->stride * y, row);
    }
    job->users = (p->cfg.write != NULL) + (p->cfg.stream != NULL);
    if (job->users == 0) { /* nothing to write (--show alone) */
        queue_push(&p->free_masks, job);
        return 0;
    }
    if (p->cfg.write)
        queue_push(&p->write_queue, job);
    if (p->cfg.stream)
        queue_push(&p->stream_queue, job);
    return 0;
}

void pipeline_stop_reading(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop_reading = 1;
    pthread_mutex_unlock(&p->lock);
    /* Wake the reader wherever it waits: on a queue, or for input. */
    frame_source_cancel(p->cfg.src);
    queue_close(&p->free_frames);
    queue_close(&p->ready_frames);
    if (p->reader_started)
        pthread_kill(p->reader, WAKE_SIGNAL);
}

/* Joins the reader, sending it WAKE_SIGNAL again while it still waits. */
static void join_reader(pipeline *p)
{
    for (;;) {
        struct timespec until = slice_from_now();
        int rc = pthread_timedjoin_np(p->reader, NULL, &until);
        if (rc != ETIMEDOUT)
            return;
        pthread_kill(p->reader, WAKE_SIGNAL);
    }
}

int pipeline_finish(pipeline *p, char *err, size_t errlen)
{
    pipeline_stop_reading(p);
    if (p->reader_started)
        join_reader(p);
    queue_close(&p->write_queue); /* writers drain what is queued, then end */
    queue_close(&p->stream_queue);
    for (int i = 0; i < p->writers_started; i++)
        pthread_join(p->writers[i], NULL);
    if (p->streamer_started)
        pthread_join(p->streamer, NULL);
    int status = p->write_status;
    if (status != 0 && err)
        snprintf(err, errlen, "%s", p->write_error);
    free_buffers(p);
    return status;
}

const char *pipeline_error(const pipeline *p) { return p->read_error; }
