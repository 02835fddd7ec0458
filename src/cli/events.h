/*
 * events.h - what the files of `bgsub events` share: its options, one
 * input's run and the report. events_options.c parses the options,
 * cmd_events.c runs the model over each input and cuts the clips,
 * events_report.c gives the events' times and clip names and writes the
 * CSV or JSON report and the summary.
 */
#ifndef BGSUB_EVENTS_H
#define BGSUB_EVENTS_H

#include "cli/events_boxes.h"
#include "cli/events_detect.h"
#include "cli/out_heatmap.h"
#include "cli/pipeline.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/video_cut.h"

#include <limits.h>
#include <stdio.h>

#define DEFAULT_THRESHOLD 0.005
#define DEFAULT_MIN_DURATION "0.2s"
#define DEFAULT_PAD_BEFORE "1.5s"
#define DEFAULT_PAD_AFTER "2s"
/* Frames the model learns before it may report motion. Shorter than the
 * main command's 100: an event finder must not be blind for the first four
 * seconds, and a frame's foreground fraction (not its pixels) is what
 * counts here; see "Learning phase" in the README for the measurement. */
#define EVENTS_LEARNING_FRAMES 50
/* Inputs without a frame rate (image sequences) are timed at this rate. */
#define DEFAULT_FPS 25.0
/* Extension of the clips when the input's name has none. */
#define DEFAULT_CLIP_EXTENSION "mkv"

enum { FORMAT_CSV, FORMAT_JSON };
enum { CLIP_COPY, CLIP_ENCODE };

/* A duration as given: frames ("12") or seconds ("1.5s"). */
typedef struct span {
    const char *text;
    double seconds;
    long frames;
    int in_seconds;
} span;

typedef struct events_options {
    const char *input;
    const char *const *inputs; /* every INPUT given; input is the current one */
    int input_count;
    const char *output;      /* -o FILE, NULL or "-" = stdout */
    const char *extract_dir; /* --extract DIR */
    const char *roi_path;    /* --roi MASK */
    const char *heatmap_path; /* --heatmap FILE.png */
    int clip_mode;           /* --clip-mode: CLIP_COPY or CLIP_ENCODE */
    int scale;               /* --scale N: the model sees frames N times smaller */
    int boxes;               /* --boxes: drawn in the encoded clips */
    int format, format_given;
    double threshold;        /* motion: foreground fraction above this */
    span min_duration, pad_before, pad_after;
    double fps;              /* --fps, 0 = not given */
    int channels;
    int threads;
    int force, quiet;
    unsigned params_given;
    bgs_params params;
} events_options;

/* Frame times: from the container's time stamps where it has them, else
 * from the frame rate. */
typedef struct timeline {
    const video_index *index; /* NULL: no time stamps */
    double fps;
    const char *fps_from;     /* "stream", "--fps" or "default" */
} timeline;

typedef struct events_run {
    const events_options *opt;
    frame_source *src;
    video_index *index;
    bgs_model *model;
    pipeline *pipe;
    uint8_t *mask;
    uint8_t *small;           /* --scale: the frame made smaller */
    int frame_w, frame_h;     /* the input's size (the model's, times scale) */
    detector det;
    timeline times;
    long frames, learning_frames, last_position;
    long min_frames, pad_before, pad_after;
    event *events;
    long event_count;
    double seconds;
    long region_pixels;       /* the pixels of --roi, else of the frame */
    long total_frames;        /* expected, -1 if unknown (progress) */
    int progress;             /* draw the progress line */
    double start, last_draw;  /* for the progress line */
    const char *encoder;      /* --clip-mode encode: the clips' encoder */
    heatmap heat;             /* --heatmap */
    events_boxes boxes;       /* --boxes */
    int width, height;        /* the model's */
} events_run;

/* One of several inputs: its options, its clips' folder DIR/NAME and its
 * heat map FILE-NAME.png. */
typedef struct events_input {
    events_options opt;
    char extract_dir[PATH_MAX];
    char heatmap[PATH_MAX];
} events_input;

/* The inputs done, for the report. */
typedef struct events_report {
    const events_run *runs;
    const int *done;          /* per run: 1 if it is reported */
    int count;
    const events_options *opt;
} events_report;

/* Parse the command line into o: -1 to go on, or an exit status (--help,
 * bad usage; the message printed). */
int events_parse_options(int argc, char **argv, events_options *o);
/* The input's extension, or DEFAULT_CLIP_EXTENSION. */
const char *events_clip_extension(const char *input);

/* events_report.c: the time at which frame i is shown, and at which it stops being shown. */
double events_frame_time(const timeline *t, long i);
double events_frame_end_time(const timeline *t, long i);
/* The name of event i's clip; 0, or -1 when it does not fit in buf. */
int events_clip_path(const events_run *r, long i, char *buf, size_t size);

/* The report to stdout or -o (by the file policy); 0 or an exit status. */
int events_write_report(const events_report *rep);
/* The summary line of one input (several: it names the input). */
void events_print_summary(const events_run *r, int several);

#endif
