/*
 * source_live.c - watching a network stream (see frame_source.h,
 * frame_source_options): the read timeout, telling a stream that was cut
 * from one that ended, and opening it again (--reconnect) so that a run
 * goes on with the same outputs. frame_source.c calls in here around its
 * backend's open and next; the video backend's interrupt callback asks
 * frame_source_live_stalled while libavformat waits for data.
 */
#include "io/frame_source_impl.h"

#include "io/io_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Seconds between two tries to open a stream again: the first, and the
 * most, doubling in between. */
#define RECONNECT_FIRST_DELAY 0.5
#define RECONNECT_MAX_DELAY 30.0
/* How often a wait between tries looks at the interrupt flag. */
#define RECONNECT_SLICE 0.05

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int frame_source_is_network(const char *input)
{
    const char *sep = input ? strstr(input, "://") : NULL;
    if (!sep || sep == input)
        return 0;
    for (const char *c = input; c < sep; c++) /* a scheme: letters, digits, + - . */
        if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
            return 0;
    size_t n = (size_t)(sep - input);
    return !(n == 4 && (strncasecmp(input, "file", 4) == 0 ||
                        strncasecmp(input, "pipe", 4) == 0));
}

int frame_source_is_live(const char *input)
{
    return frame_source_is_network(input) ||
           (input && strncmp(input, "/dev/video", 10) == 0);
}

int frame_source_live_init(frame_source *src, const char *input)
{
    frame_source_live *l = &src->live;
    const frame_source_options *o = src->options;
    l->network = frame_source_is_network(input);
    if (!l->network)
        return 0;
    l->timeout = o ? o->timeout : FRAME_SOURCE_DEFAULT_TIMEOUT;
    l->reconnect = o ? o->reconnect : 0;
    l->url = strdup(input);
    return l->url ? 0 : -1;
}

void frame_source_live_free(frame_source *src)
{
    free(src->live.url);
    src->live.url = NULL;
}

void frame_source_live_arm(frame_source *src)
{
    frame_source_live *l = &src->live;
    if (!l->network)
        return;
    l->waiting_since = now_seconds();
    l->seen_at = LLONG_MIN; /* nothing seen yet in this wait */
}

int frame_source_live_stalled(frame_source *src, long long position)
{
    frame_source_live *l = &src->live;
    if (!l->network || l->timeout <= 0)
        return 0;
    if (atomic_load(&l->stalled))
        return 1;
    double now = now_seconds();
    if (position != l->seen_at) {
        if (l->seen_at != LLONG_MIN) /* data came: the wait starts again */
            l->waiting_since = now;
        l->seen_at = position;
    }
    if (now - l->waiting_since < l->timeout)
        return 0;
    atomic_store(&l->stalled, 1);
    return 1;
}

/* Interrupted or cancelled: not the stream's doing. */
static int stopped(const frame_source *src)
{
    return (src->interrupt && *src->interrupt) || atomic_load(&src->cancelled);
}

static void notice(const frame_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notice(const frame_source *src, const char *fmt, ...)
{
    const frame_source_options *o = src->options;
    if (!o || !o->notice)
        return;
    char message[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    o->notice(o->notice_ctx, message);
}

/* Sleeps seconds, in slices; 0 if interrupted meanwhile. */
static int sleep_unless_stopped(const frame_source *src, double seconds)
{
    double until = now_seconds() + seconds;
    while (!stopped(src)) {
        double left = until - now_seconds();
        if (left <= 0)
            return 1;
        if (left > RECONNECT_SLICE)
            left = RECONNECT_SLICE;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* err without the "INPUT: " its backend put first. */
static const char *reason_of(const frame_source *src, const char *err)
{
    size_t n = strlen(src->input);
    if (strncmp(err, src->input, n) == 0 && strncmp(err + n, ": ", 2) == 0)
        return err + n + 2;
    return err;
}

/* why = how the stream ended, after ret from next (err its message). */
static void describe_end(const frame_source *src, int ret, const char *err,
                         char *why, size_t size)
{
    long frames = src->position + 1;
    if (atomic_load(&src->live.stalled))
        snprintf(why, size, "no data for %g s (--timeout) after %ld frames",
                 src->live.timeout, frames);
    else if (ret == 0)
        snprintf(why, size, "the stream ended after %ld frames without an end of "
                 "stream (the connection closed)", frames);
    else
        snprintf(why, size, "the stream broke after %ld frames (%s)", frames,
                 reason_of(src, err));
}

/* Opens src->live.url again: 0 with its first frame in src->data, -1 with
 * the reason in why. */
static int open_again(frame_source *src, char *why, size_t size)
{
    frame_source_live *l = &src->live;
    src->ops->close(src);
    src->state = NULL;
    atomic_store(&l->stalled, 0);
    src->url = l->url;
    frame_source_live_arm(src);
    int ret = src->ops->open(src, NULL, why, size);
    src->url = NULL;
    if (ret < 0 && atomic_load(&l->stalled))
        snprintf(why, size, "no data for %g s (--timeout)", l->timeout);
    return ret;
}

/* The stream ended at `ended` for the reason why: open it again, until it
 * answers (1), it comes back other than it was (-1), or the read is
 * stopped (0). */
static int reconnect(frame_source *src, double ended, const char *why, char *err,
                     size_t errlen)
{
    frame_source_live *l = &src->live;
    int width = src->width, height = src->height;
    double delay = RECONNECT_FIRST_DELAY;
    notice(src, "warning: %s: %s; reconnecting (--reconnect)", src->input, why);
    for (;;) {
        if (!sleep_unless_stopped(src, delay))
            break;
        char failed[512];
        if (open_again(src, failed, sizeof failed) == 0) {
            if (src->width != width || src->height != height)
                return io_fail(err, errlen, src->input,
                               "came back with %d x %d frames after reconnecting, "
                               "not %d x %d", src->width, src->height, width, height);
            double gap = now_seconds() - ended;
            l->reconnects++;
            l->gap_seconds += gap;
            notice(src, "%s: reconnected after %.1f s without frames; frames go on "
                   "from number %ld", src->input, gap, src->position + 2);
            return 1;
        }
        if (stopped(src))
            break;
        delay = delay * 2 < RECONNECT_MAX_DELAY ? delay * 2 : RECONNECT_MAX_DELAY;
        notice(src, "warning: %s: reconnecting failed (%s); next try in %g s",
               src->input, reason_of(src, failed), delay);
    }
    snprintf(l->problem, sizeof l->problem, "%s: %s; interrupted while reconnecting",
             src->input, why);
    return 0;
}

int frame_source_live_after_end(frame_source *src, int ret, char *err, size_t errlen)
{
    frame_source_live *l = &src->live;
    if (stopped(src) && !atomic_load(&l->stalled))
        return ret; /* an interrupt, not the stream */
    if (ret == 0 && (!src->ops->end_is_proper || src->ops->end_is_proper(src)))
        return 0;
    double ended = now_seconds();
    char why[640];
    describe_end(src, ret, ret < 0 ? err : "", why, sizeof why);
    if (l->reconnect)
        return reconnect(src, ended, why, err, errlen);
    snprintf(l->problem, sizeof l->problem, "%s: %s", src->input, why);
    return 0;
}
