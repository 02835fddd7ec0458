/*
 * test_events_detect.c - the logic of `bgsub events` (src/cli/events_detect.c),
 * without any video: which foreground fractions make motion runs
 * (threshold, learning phase, gaps, the shortest run, the peak), and how
 * runs become events (padding, clamping to the input, merging of events
 * that overlap or touch, and of those that do not).
 */
#include "test.h"

#include "cli/events_detect.h"

/* Feeds fractions[0..n-1] as frames 0..n-1; learning: how many frames at
 * the start cannot trigger. */
static void feed(detector *d, const double *fractions, long n, long learning)
{
    for (long i = 0; i < n; i++)
        detector_add(d, i, fractions[i], i >= learning);
    detector_finish(d);
}

/* A signal of n frames: motion (0.1) where `on` says '#', else 0.001. */
static long signal_of(const char *on, double *out)
{
    long n = (long)strlen(on);
    for (long i = 0; i < n; i++)
        out[i] = on[i] == '#' ? 0.1 : 0.001;
    return n;
}

TEST(threshold_makes_motion_frames)
{
    detector d;
    detector_init(&d, 0.005, 1);
    const double f[] = {0.004, 0.005, 0.0051, 0.2, 0.0049, 0.006};
    feed(&d, f, 6, 0);
    REQUIRE(d.count == 2, "runs: %ld", d.count);
    CHECK(d.runs[0].first == 2 && d.runs[0].last == 3, "run 0: %ld-%ld", d.runs[0].first,
          d.runs[0].last);
    CHECK(d.runs[0].peak == 0.2, "peak %g", d.runs[0].peak);
    CHECK(d.runs[1].first == 5 && d.runs[1].last == 5, "run 1: %ld-%ld", d.runs[1].first,
          d.runs[1].last);
    CHECK(detector_motion_frames(&d) == 3, "motion frames %ld", detector_motion_frames(&d));
    detector_free(&d);
}

TEST(learning_frames_cannot_start_or_hold_a_run)
{
    double f[64];
    long n = signal_of("#####.....###", f);
    detector d;
    detector_init(&d, 0.005, 1);
    feed(&d, f, n, 3); /* frames 0..2 learn */
    REQUIRE(d.count == 2, "runs: %ld", d.count);
    CHECK(d.runs[0].first == 3 && d.runs[0].last == 4, "run 0: %ld-%ld", d.runs[0].first,
          d.runs[0].last);
    detector_free(&d);
}

TEST(short_runs_are_blips)
{
    double f[64];
    long n = signal_of("##...###...#....####", f);
    detector d;
    detector_init(&d, 0.005, 3);
    feed(&d, f, n, 0);
    REQUIRE(d.count == 2, "runs: %ld", d.count);
    CHECK(d.runs[0].first == 5 && d.runs[0].last == 7, "run 0: %ld-%ld", d.runs[0].first,
          d.runs[0].last);
    CHECK(d.runs[1].first == 16 && d.runs[1].last == 19, "run 1 (open at the end): %ld-%ld",
          d.runs[1].first, d.runs[1].last);
    detector_free(&d);
    detector_init(&d, 0.005, 0); /* 0 means 1: every run counts */
    feed(&d, f, n, 0);
    CHECK(d.count == 4, "runs with no minimum: %ld", d.count);
    detector_free(&d);
}

TEST(a_gap_in_positions_ends_a_run)
{
    detector d;
    detector_init(&d, 0.005, 1);
    detector_add(&d, 10, 0.1, 1);
    detector_add(&d, 11, 0.1, 1);
    detector_add(&d, 13, 0.3, 1); /* frame 12 was not read */
    detector_add(&d, 14, 0.1, 1);
    detector_finish(&d);
    REQUIRE(d.count == 2, "runs: %ld", d.count);
    CHECK(d.runs[0].last == 11 && d.runs[1].first == 13 && d.runs[1].peak == 0.3,
          "%ld | %ld peak %g", d.runs[0].last, d.runs[1].first, d.runs[1].peak);
    detector_free(&d);
}

TEST(events_are_padded_and_clamped)
{
    double f[64];
    long n = signal_of("..##..........###.", f);
    detector d;
    detector_init(&d, 0.005, 1);
    feed(&d, f, n, 0);
    event *e;
    long count;
    REQUIRE(events_make(&d, 3, 2, n - 1, &e, &count) == 0, "memory");
    REQUIRE(count == 2, "events: %ld", count);
    CHECK(e[0].first == 0 && e[0].last == 5, "event 0: %ld-%ld (clamped at 0)", e[0].first,
          e[0].last);
    CHECK(e[1].first == 11 && e[1].last == 17, "event 1: %ld-%ld (clamped at the end)",
          e[1].first, e[1].last);
    CHECK(e[0].clip_first == e[0].first && e[1].clip_first == e[1].first, "clip_first");
    free(e);
    detector_free(&d);
}

TEST(events_that_overlap_or_touch_merge)
{
    double f[64];
    /* runs 2-3, 8-9, 20-21; padded 1 before and 3 after, the first two
     * become 1-6 and 7-12: they touch */
    long n = signal_of("..##....##..........##..", f);
    f[8] = 0.4;
    detector d;
    detector_init(&d, 0.005, 1);
    feed(&d, f, n, 0);
    event *e;
    long count;
    REQUIRE(events_make(&d, 1, 3, n - 1, &e, &count) == 0, "memory");
    REQUIRE(count == 2, "events: %ld", count);
    CHECK(e[0].first == 1 && e[0].last == 12 && e[0].peak == 0.4,
          "merged: %ld-%ld peak %g", e[0].first, e[0].last, e[0].peak);
    CHECK(e[1].first == 19 && e[1].last == 23, "last: %ld-%ld", e[1].first, e[1].last);
    free(e);
    /* One frame less after: 1-5 and 7-11 are a frame apart, three events. */
    REQUIRE(events_make(&d, 1, 2, n - 1, &e, &count) == 0, "memory");
    CHECK(count == 3, "events a frame apart: %ld", count);
    free(e);
    detector_free(&d);
}

TEST(no_motion_no_events)
{
    double f[64];
    long n = signal_of("..........", f);
    detector d;
    detector_init(&d, 0.005, 1);
    feed(&d, f, n, 0);
    event *e;
    long count = -1;
    REQUIRE(events_make(&d, 5, 5, n - 1, &e, &count) == 0, "memory");
    CHECK(count == 0 && detector_motion_frames(&d) == 0, "events %ld", count);
    free(e);
    detector_free(&d);
}

int main(void)
{
    RUN(threshold_makes_motion_frames);
    RUN(learning_frames_cannot_start_or_hold_a_run);
    RUN(short_runs_are_blips);
    RUN(a_gap_in_positions_ends_a_run);
    RUN(events_are_padded_and_clamped);
    RUN(events_that_overlap_or_touch_merge);
    RUN(no_motion_no_events);
    return test_summary();
}
