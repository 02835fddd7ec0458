/*
 * events_detect.c - motion runs and events (see events_detect.h).
 */
#include "cli/events_detect.h"

#include <stdlib.h>

void detector_init(detector *d, double threshold, long min_frames)
{
    *d = (detector){.threshold = threshold, .min_frames = min_frames > 0 ? min_frames : 1,
                    .run_first = -1};
}

void detector_free(detector *d)
{
    free(d->runs);
    d->runs = NULL;
    d->count = d->capacity = 0;
}

static int close_run(detector *d)
{
    long length = d->run_last - d->run_first + 1;
    long first = d->run_first;
    d->run_first = -1;
    if (length < d->min_frames)
        return 0; /* a blip: too short to be an event */
    if (d->count == d->capacity) {
        long capacity = d->capacity ? 2 * d->capacity : 64;
        void *grown = realloc(d->runs, (size_t)capacity * sizeof *d->runs);
        if (!grown)
            return -1;
        d->runs = grown;
        d->capacity = capacity;
    }
    d->runs[d->count++] = (motion_run){first, d->run_last, d->run_peak};
    return 0;
}

int detector_add(detector *d, long position, double foreground, int can_trigger)
{
    int motion = can_trigger && foreground > d->threshold;
    if (d->run_first >= 0 && (!motion || position != d->run_last + 1) &&
        close_run(d) < 0)
        return -1;
    if (!motion)
        return 0;
    if (d->run_first < 0) {
        d->run_first = position;
        d->run_peak = 0;
    }
    d->run_last = position;
    if (foreground > d->run_peak)
        d->run_peak = foreground;
    return 0;
}

int detector_finish(detector *d)
{
    return d->run_first >= 0 ? close_run(d) : 0;
}

long detector_motion_frames(const detector *d)
{
    long motion = 0;
    for (long i = 0; i < d->count; i++)
        motion += d->runs[i].last - d->runs[i].first + 1;
    return motion;
}

static long clamp_long(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int events_make(const detector *d, long pad_before, long pad_after,
                long last_frame, event **events, long *count)
{
    event *out = calloc(d->count ? (size_t)d->count : 1, sizeof *out);
    *events = out;
    *count = 0;
    if (!out)
        return -1;
    long n = 0;
    for (long i = 0; i < d->count; i++) {
        long first = clamp_long(d->runs[i].first - pad_before, 0, last_frame);
        long last = clamp_long(d->runs[i].last + pad_after, 0, last_frame);
        event *prev = n ? &out[n - 1] : NULL;
        if (prev && first <= prev->last + 1) {
            prev->last = last > prev->last ? last : prev->last;
            prev->peak = d->runs[i].peak > prev->peak ? d->runs[i].peak : prev->peak;
            continue;
        }
        out[n++] = (event){.first = first, .last = last, .clip_first = first,
                           .peak = d->runs[i].peak};
    }
    *count = n;
    return 0;
}
