/*
 * events_detect.h - the logic of `bgsub events`, apart from any file or
 * video: motion runs found as foreground fractions stream by, and the
 * events made of them (padded, clamped to the input, merged), as DVR-Scan
 * does. Frames are 0-based positions in the input.
 */
#ifndef BGSUB_EVENTS_DETECT_H
#define BGSUB_EVENTS_DETECT_H

/* A run of consecutive motion frames. */
typedef struct motion_run {
    long first, last;
    double peak;            /* the largest foreground fraction in it */
} motion_run;

typedef struct event {
    long first, last;       /* padded, inclusive */
    long clip_first;        /* where a stream-copy cut starts (a keyframe;
                               events_make sets it to first) */
    double peak;
} event;

/* Motion runs found so far. */
typedef struct detector {
    double threshold;       /* motion: a foreground fraction above this */
    long min_frames;        /* shorter runs are blips, dropped */
    long run_first;         /* -1: no run open */
    long run_last;
    double run_peak;
    motion_run *runs;       /* the runs kept */
    long count, capacity;
} detector;

void detector_init(detector *d, double threshold, long min_frames);
void detector_free(detector *d);

/* One frame at position with its foreground fraction; frames of the
 * learning phase pass can_trigger = 0. A gap in the positions (a frame not
 * read) ends the run. 0, or -1 when out of memory. */
int detector_add(detector *d, long position, double foreground, int can_trigger);
/* Closes the run still open at the end of the input. 0 or -1 (memory). */
int detector_finish(detector *d);
/* Frames in the runs kept. */
long detector_motion_frames(const detector *d);

/* The events of d's runs: each widened by pad_before and pad_after frames,
 * clamped to 0..last_frame, and merged with the one before where they
 * overlap or touch. *events is malloc'd (free it); 0, or -1 (memory). */
int events_make(const detector *d, long pad_before, long pad_after,
                long last_frame, event **events, long *count);

#endif
