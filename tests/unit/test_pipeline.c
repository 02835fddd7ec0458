/*
 * test_pipeline.c - the threads around the model loop (src/cli/pipeline.c),
 * on raw frames from a file (each frame filled with its own index): every
 * mask reaches the per-frame writers exactly once and the stream writer in
 * frame order, with the input frame when asked; --frames stops the reader;
 * a writer's failure comes back from pipeline_write and pipeline_finish
 * with its message; a frame cut short is a read error; an interrupt ends
 * the wait for a frame; no writer at all (--show alone) works.
 */
#include "test.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "cli/pipeline.h"

#define W 24
#define H 10
#define FRAMES 60

static char raw_path[4700], short_path[4700];

typedef struct recorder {
    pthread_mutex_t lock;
    int written[FRAMES + 1];     /* times each number reached write */
    long streamed[FRAMES + 1];   /* numbers in the order stream saw them */
    int stream_count;
    int frame_ok;                /* every stream frame was its input */
    long fail_at;                /* write fails for this number (0: never) */
} recorder;

static int on_write(void *ctx, const uint8_t *mask, long number, char *err,
                    size_t errlen)
{
    recorder *r = ctx;
    if (number == r->fail_at) {
        snprintf(err, errlen, "mask %ld: disk full", number);
        return 4;
    }
    pthread_mutex_lock(&r->lock);
    if (number >= 1 && number <= FRAMES && mask[0] == (uint8_t)(number - 1))
        r->written[number]++;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static int on_stream(void *ctx, const uint8_t *mask, const uint8_t *frame,
                     long number, long position, char *err, size_t errlen)
{
    (void)err, (void)errlen, (void)position;
    recorder *r = ctx;
    if (r->stream_count < FRAMES + 1)
        r->streamed[r->stream_count++] = number;
    if (frame && (frame[0] != (uint8_t)(number - 1) || frame[W * H - 1] != mask[0]))
        r->frame_ok = 0;
    return 0;
}

static frame_source *open_raw(const char *path)
{
    char err[512];
    frame_source_raw_format f = {.width = W, .height = H, .channels = 1};
    frame_source *src = frame_source_open_raw(path, &f, 1, err, sizeof err);
    if (!src)
        printf("  %s\n", err);
    return src;
}

/* The model's stand-in: the mask is the frame. Returns frames handled, or
 * -1 on a read error; *status: the first pipeline_write failure. */
static long run_loop(pipeline *p, int *status)
{
    long n = 0;
    pipeline_frame *frame;
    int got;
    *status = 0;
    while ((got = pipeline_next(p, &frame)) > 0) {
        uint8_t *mask = pipeline_mask_buffer(p);
        for (int y = 0; y < H; y++)
            memcpy(mask + y * W, frame->data + y * frame->stride, W);
        int st = pipeline_write(p, mask, frame->number, frame);
        if (st && !*status)
            *status = st;
        pipeline_release(p, frame);
        n++;
    }
    return got < 0 ? -1 : n;
}

TEST(every_mask_once_and_in_order)
{
    for (int writers = 1; writers <= 4; writers *= 2) {
        recorder r = {.lock = PTHREAD_MUTEX_INITIALIZER, .frame_ok = 1};
        frame_source *src = open_raw(raw_path);
        REQUIRE(src, "raw source");
        pipeline_config cfg = {.src = src, .writers = writers, .write = on_write,
                               .write_ctx = &r, .stream = on_stream, .stream_ctx = &r,
                               .stream_frames = 1};
        char err[512];
        pipeline *p = pipeline_start(&cfg, err, sizeof err);
        REQUIRE(p, "%s", err);
        int status;
        long n = run_loop(p, &status);
        CHECK(pipeline_finish(p, err, sizeof err) == 0 && status == 0, "%s", err);
        CHECK(n == FRAMES, "%d writers: %ld frames", writers, n);
        int once = 1;
        for (int i = 1; i <= FRAMES; i++)
            once &= r.written[i] == 1;
        CHECK(once, "%d writers: a mask written twice or never", writers);
        int ordered = r.stream_count == FRAMES;
        for (int i = 0; ordered && i < FRAMES; i++)
            ordered = r.streamed[i] == i + 1;
        CHECK(ordered, "%d writers: the stream saw %d masks out of order", writers,
              r.stream_count);
        CHECK(r.frame_ok, "the stream's input frames are not the masks' own");
        frame_source_close(src);
    }
}

TEST(max_frames_stops_the_reader)
{
    recorder r = {.lock = PTHREAD_MUTEX_INITIALIZER, .frame_ok = 1};
    frame_source *src = open_raw(raw_path);
    REQUIRE(src, "raw source");
    pipeline_config cfg = {.src = src, .max_frames = 7, .writers = 2, .write = on_write,
                           .write_ctx = &r};
    char err[512];
    pipeline *p = pipeline_start(&cfg, err, sizeof err);
    REQUIRE(p, "%s", err);
    int status;
    long n = run_loop(p, &status);
    pipeline_finish(p, err, sizeof err);
    CHECK(n == 7 && r.written[7] == 1 && r.written[8] == 0, "%ld frames", n);
    frame_source_close(src);
}

TEST(a_failed_write_is_reported_once)
{
    recorder r = {.lock = PTHREAD_MUTEX_INITIALIZER, .frame_ok = 1, .fail_at = 5};
    frame_source *src = open_raw(raw_path);
    REQUIRE(src, "raw source");
    pipeline_config cfg = {.src = src, .writers = 3, .write = on_write, .write_ctx = &r};
    char err[512];
    pipeline *p = pipeline_start(&cfg, err, sizeof err);
    REQUIRE(p, "%s", err);
    int status;
    run_loop(p, &status);
    int finished = pipeline_finish(p, err, sizeof err);
    CHECK(finished == 4 && strcmp(err, "mask 5: disk full") == 0, "%d: %s", finished, err);
    CHECK(status == 4, "pipeline_write never said so: %d", status);
    frame_source_close(src);
}

TEST(a_frame_cut_short_is_a_read_error)
{
    frame_source *src = open_raw(short_path);
    REQUIRE(src, "raw source");
    pipeline_config cfg = {.src = src};
    char err[512];
    pipeline *p = pipeline_start(&cfg, err, sizeof err);
    REQUIRE(p, "%s", err);
    int status;
    long n = run_loop(p, &status);
    CHECK(n == -1, "no read error: %ld frames", n);
    CHECK(strstr(pipeline_error(p), "truncated raw frame 3") != NULL, "%s", pipeline_error(p));
    pipeline_finish(p, err, sizeof err);
    frame_source_close(src);
}

static volatile sig_atomic_t stop_flag;

static void *set_flag_soon(void *arg)
{
    (void)arg;
    usleep(100 * 1000);
    stop_flag = 1;
    return NULL;
}

/* A pipe with one frame and a writer that never closes: the reader waits
 * for ever unless the interrupt ends it. */
TEST(an_interrupt_ends_the_wait)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0, "pipe");
    uint8_t frame[W * H];
    memset(frame, 9, sizeof frame);
    REQUIRE(write(fds[1], frame, sizeof frame) == (ssize_t)sizeof frame, "write");
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    frame_source *src = open_raw(path);
    REQUIRE(src, "raw source");
    stop_flag = 0;
    frame_source_set_interrupt(src, &stop_flag);
    pipeline_config cfg = {.src = src, .interrupt = &stop_flag};
    char err[512];
    pipeline *p = pipeline_start(&cfg, err, sizeof err);
    REQUIRE(p, "%s", err);
    pthread_t t;
    pthread_create(&t, NULL, set_flag_soon, NULL);
    int status;
    long n = run_loop(p, &status);
    pthread_join(t, NULL);
    CHECK(n == 1, "%ld frames before the interrupt", n);
    pipeline_finish(p, err, sizeof err);
    frame_source_close(src);
    close(fds[0]);
    close(fds[1]);
}

TEST(no_writers_at_all)
{
    frame_source *src = open_raw(raw_path);
    REQUIRE(src, "raw source");
    pipeline_config cfg = {.src = src, .writers = 0};
    char err[512];
    pipeline *p = pipeline_start(&cfg, err, sizeof err);
    REQUIRE(p, "%s", err);
    int status;
    long n = run_loop(p, &status);
    CHECK(n == FRAMES && status == 0, "%ld frames, status %d", n, status);
    CHECK(pipeline_finish(p, err, sizeof err) == 0, "%s", err);
    frame_source_close(src);
}

static int write_frames(const char *path, int frames, int short_last)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint8_t frame[W * H];
    for (int i = 0; i < frames; i++) {
        memset(frame, i, sizeof frame);
        fwrite(frame, 1, short_last && i == frames - 1 ? sizeof frame / 2 : sizeof frame, f);
    }
    return fclose(f);
}

int main(void)
{
    if (test_make_dir("test_pipeline") != 0)
        return 1;
    snprintf(raw_path, sizeof raw_path, "%s", test_path("frames.raw"));
    snprintf(short_path, sizeof short_path, "%s", test_path("short.raw"));
    if (write_frames(raw_path, FRAMES, 0) || write_frames(short_path, 3, 1)) {
        printf("cannot write the frames\n");
        return 1;
    }
    RUN(every_mask_once_and_in_order);
    RUN(max_frames_stops_the_reader);
    RUN(a_failed_write_is_reported_once);
    RUN(a_frame_cut_short_is_a_read_error);
    RUN(an_interrupt_ends_the_wait);
    RUN(no_writers_at_all);
    test_remove_dir();
    return test_summary();
}
