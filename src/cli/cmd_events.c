/*
 * cmd_events.c - `bgsub events INPUT`: the time ranges with motion.
 *
 * The model runs over the input (decoding on the pipeline's reader thread,
 * the model on several threads); a frame is a motion frame when its
 * foreground fraction is above --threshold. Runs of motion frames at least
 * --min-duration long become events, widened by --pad-before and
 * --pad-after (clamped to the input) and merged where they overlap or touch,
 * as DVR-Scan does. The events are reported as CSV or JSON, and --extract
 * cuts each one into its own file by stream copy (src/io/video_cut.c).
 */
#include "cli/cli.h"
#include "cli/events_detect.h"
#include "cli/pipeline.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/output_file.h"
#include "io/video_cut.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* A duration as given: frames ("12") or seconds ("1.5s"). */
typedef struct span {
    const char *text;
    double seconds;
    long frames;
    int in_seconds;
} span;

typedef struct events_options {
    const char *input;
    const char *output;      /* -o FILE, NULL or "-" = stdout */
    const char *extract_dir; /* --extract DIR */
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
    detector det;
    timeline times;
    long frames, learning_frames, last_position;
    long min_frames, pad_before, pad_after;
    event *events;
    long event_count;
    double seconds;
} events_run;

enum {
    OPT_THRESHOLD = 1000, OPT_MIN_DURATION, OPT_PAD_BEFORE, OPT_PAD_AFTER,
    OPT_FORMAT, OPT_EXTRACT, OPT_FPS, OPT_GRAY, OPT_COLOR,
    OPT_PARAM_BASE = 2000, /* + bgs_param key */
};

/* The library's defaults but a shorter learning phase: an event starts
 * only after it, and short clips are common here. */
static void events_default_params(bgs_params *params)
{
    bgs_params_default(params);
    params->learning_frames = EVENTS_LEARNING_FRAMES;
}

static void print_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub events [options] INPUT [-o FILE] [--extract DIR]\n"
"\n"
"List the time ranges with motion in a video (or an image sequence): a frame\n"
"is a motion frame when the model's foreground covers more than --threshold\n"
"of it; runs of motion frames at least --min-duration long become events,\n"
"widened by --pad-before and --pad-after (clamped to the video) and merged\n"
"where they overlap or touch. Frames of the model's learning phase (the first\n"
"%d here, see --learning-frames) cannot start an event.\n"
"\n"
"Output, one row per event (CSV with a header, or JSON with the settings):\n"
"event, start_frame, end_frame (1-based, inclusive), start_time, end_time\n"
"(seconds from the first frame; end_time is where the last frame ends),\n"
"duration, peak_foreground (the largest foreground fraction of its motion\n"
"frames), clip_start_frame, clip_start_time (the last keyframe at or before\n"
"the start: where a cut without re-encoding begins), and with --extract the\n"
"clip's file name. Times come from the video's time stamps; image sequences\n"
"are timed at --fps (default 25 frames/s).\n"
"\n"
"Durations D are frames (12) or seconds with a trailing s (1.5s); seconds\n"
"are turned into frames at the input's frame rate, rounded up.\n"
"\n"
"Options:\n"
"  -o, --output FILE         write the events to FILE (default stdout)\n"
"      --format csv|json     output format (default: json if FILE ends in\n"
"                            .json, else csv)\n"
"      --threshold F         foreground fraction of the frame that counts as\n"
"                            motion: 0 <= F < 1, or a percentage such as 0.5%%\n"
"                            (default %g)\n"
"      --min-duration D      shortest run of motion frames that makes an\n"
"                            event (default %s)\n"
"      --pad-before D        add D before each event (default %s)\n"
"      --pad-after D         add D after each event (default %s)\n"
"      --extract DIR         cut each event into DIR/event_NNN.EXT (EXT of the\n"
"                            input; mkv if it has none) by stream copy,\n"
"                            starting at clip_start_frame; video files only\n"
"  -f, --force               overwrite clips that already exist\n"
"      --fps R               frame rate of inputs that have none (default 25)\n"
"      --gray                model gray levels (1 channel; faster)\n"
"      --color               model RGB colour (3 channels, the default)\n"
"  -j, --threads N           model threads (default 0: one per core)\n"
"  -q, --quiet               no summary or notes on stderr\n"
"  -h, --help                this help\n"
"\n"
"Model parameters (default; bounds), as for bgsub but for --learning-frames:\n",
            EVENTS_LEARNING_FRAMES, DEFAULT_THRESHOLD, DEFAULT_MIN_DURATION,
            DEFAULT_PAD_BEFORE, DEFAULT_PAD_AFTER);
    bgs_params defaults;
    events_default_params(&defaults);
    cli_param_help(out, &defaults);
    fprintf(out,
"\n"
"Exit status: 0 success (also when no event is found), 2 bad option or\n"
"parameter, 3 input missing or unreadable, 4 output or a clip cannot be\n"
"written (or a clip exists, without --force), 1 other failure, 130\n"
"interrupted (the events found so far are reported; nothing is extracted).\n");
}

static struct option *build_long_options(void)
{
    static const struct option fixed[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 'j'},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"min-duration", required_argument, NULL, OPT_MIN_DURATION},
        {"pad-before", required_argument, NULL, OPT_PAD_BEFORE},
        {"pad-after", required_argument, NULL, OPT_PAD_AFTER},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"extract", required_argument, NULL, OPT_EXTRACT},
        {"fps", required_argument, NULL, OPT_FPS},
        {"gray", no_argument, NULL, OPT_GRAY},
        {"grey", no_argument, NULL, OPT_GRAY},
        {"color", no_argument, NULL, OPT_COLOR},
        {"colour", no_argument, NULL, OPT_COLOR},
    };
    enum { NFIXED = sizeof fixed / sizeof fixed[0] };
    static struct option all[NFIXED + BGS_PARAM_COUNT + 1];
    cli_long_options(all, fixed, NFIXED, OPT_PARAM_BASE);
    return all;
}

/* "12" (frames) or "1.5s" (seconds); both >= 0. */
static int parse_span(const char *opt, const char *text, span *out)
{
    size_t len = strlen(text);
    char number[64];
    int ok = len > 0 && len < sizeof number;
    if (ok && text[len - 1] == 's') {
        memcpy(number, text, len - 1);
        number[len - 1] = '\0';
        ok = cli_parse_double(number, &out->seconds) == 0 && out->seconds >= 0 &&
             out->seconds <= 1e6;
        out->in_seconds = 1;
    } else if (ok) {
        ok = cli_parse_long(text, &out->frames) == 0 && out->frames >= 0 &&
             out->frames <= 1000000000L;
        out->in_seconds = 0;
    }
    if (!ok) {
        cli_error("%s needs frames (12) or seconds (1.5s), at least 0, not '%s'",
                  opt, text);
        return -1;
    }
    out->text = text;
    return 0;
}

/* A fraction (0.005) or a percentage (0.5%), from 0 up to (not) 1. */
static int parse_threshold(const char *text, double *out)
{
    size_t len = strlen(text);
    char number[64];
    int percent = len > 0 && text[len - 1] == '%';
    int ok = len > 0 && len < sizeof number;
    if (ok) {
        memcpy(number, text, len - percent);
        number[len - percent] = '\0';
        ok = cli_parse_double(number, out) == 0;
    }
    if (ok && percent)
        *out /= 100;
    if (!ok || *out < 0 || *out >= 1) {
        cli_error("--threshold needs a fraction of the frame from 0 to below 1 "
                  "(0.005) or a percentage (0.5%%), not '%s'", text);
        return -1;
    }
    return 0;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/* The input's extension, or DEFAULT_CLIP_EXTENSION. */
static const char *clip_extension(const char *input)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    const char *dot = strrchr(base, '.');
    return dot && dot != base && dot[1] ? dot + 1 : DEFAULT_CLIP_EXTENSION;
}

/* After the loop: what the options mean together. */
static int check_options(int argc, char **argv, events_options *o)
{
    if (optind >= argc) {
        cli_error("no input given (usage: bgsub events [options] INPUT; see "
                  "bgsub events --help)");
        return EXIT_USAGE;
    }
    if (argc - optind > 1) {
        cli_error("one input at a time: '%s' is extra", argv[optind + 1]);
        return EXIT_USAGE;
    }
    o->input = argv[optind];
    if (cli_refuse_empty_names("INPUT", "a video file or an image sequence", o->input,
                               "-o", "a file name (or - for stdout)", o->output,
                               "--extract", "a folder name", o->extract_dir,
                               (const char *)NULL))
        return EXIT_USAGE;
    if (!o->format_given)
        o->format = o->output && has_suffix(o->output, ".json") ? FORMAT_JSON : FORMAT_CSV;
    /* The clips' names as a pattern: event_%03d.EXT, a % in EXT doubled. */
    char clips[NAME_MAX + 16] = "event_%03d.";
    size_t n = strlen(clips);
    for (const char *c = clip_extension(o->input); *c && n + 3 < sizeof clips; c++) {
        if (*c == '%')
            clips[n++] = '%';
        clips[n++] = *c;
    }
    clips[n] = '\0';
    if (o->output && o->extract_dir && strcmp(o->output, "-") != 0 &&
        output_path_in_family(o->output, o->extract_dir, clips, NULL)) {
        cli_error("-o %s and --extract %s both write %s: give them other names", o->output,
                  o->extract_dir, o->output);
        return EXIT_USAGE;
    }
    if (bgs_params_check(&o->params) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
    }
    return -1;
}

/* Returns -1 to go on, or an exit status (help, bad usage). */
static int parse_options(int argc, char **argv, events_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = DEFAULT_THRESHOLD;
    o->channels = 3;
    parse_span("--min-duration", DEFAULT_MIN_DURATION, &o->min_duration);
    parse_span("--pad-before", DEFAULT_PAD_BEFORE, &o->pad_before);
    parse_span("--pad-after", DEFAULT_PAD_AFTER, &o->pad_after);
    events_default_params(&o->params);

    struct option *longopts = build_long_options();
    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0;
    int c;
    long n;
    while ((c = getopt_long(argc, argv, ":o:hfqj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'h': print_usage(stdout); return EXIT_OK_STATUS;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'j':
            if (cli_parse_long(optarg, &n) != 0 || n < 0 || n > 256) {
                cli_error("--threads needs a whole number from 0 to 256, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->threads = (int)n;
            break;
        case OPT_THRESHOLD:
            if (parse_threshold(optarg, &o->threshold)) return EXIT_USAGE;
            break;
        case OPT_MIN_DURATION:
            if (parse_span("--min-duration", optarg, &o->min_duration)) return EXIT_USAGE;
            break;
        case OPT_PAD_BEFORE:
            if (parse_span("--pad-before", optarg, &o->pad_before)) return EXIT_USAGE;
            break;
        case OPT_PAD_AFTER:
            if (parse_span("--pad-after", optarg, &o->pad_after)) return EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0) {
                cli_error("--format takes csv or json, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->format = strcmp(optarg, "json") == 0 ? FORMAT_JSON : FORMAT_CSV;
            o->format_given = 1;
            break;
        case OPT_EXTRACT: o->extract_dir = optarg; break;
        case OPT_FPS:
            if (cli_parse_double(optarg, &o->fps) != 0 || !(o->fps > 0 && o->fps <= 1000)) {
                cli_error("--fps needs a frame rate above 0 and at most 1000, not '%s'",
                          optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_GRAY: o->channels = 1; break;
        case OPT_COLOR: o->channels = 3; break;
        case ':':
        case '?':
            return cli_bad_option(c, argv, "bgsub events");
        default:
            if (c >= OPT_PARAM_BASE && c < OPT_PARAM_BASE + BGS_PARAM_COUNT) {
                if (cli_param_parse(&o->params, &o->params_given, c - OPT_PARAM_BASE,
                                    optarg))
                    return EXIT_USAGE;
                break;
            }
            cli_error("unhandled option (internal error)");
            return EXIT_FAILURE_STATUS;
        }
    }
    return check_options(argc, argv, o);
}

static long clamp_long(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The events of the motion runs; a cut of a video starts at the keyframe at
 * or before each. */
static int make_events(events_run *r)
{
    if (events_make(&r->det, r->pad_before, r->pad_after, r->last_position,
                    &r->events, &r->event_count) < 0)
        return -1;
    if (r->index) {
        long indexed = video_index_frames(r->index);
        for (long i = 0; i < r->event_count && indexed > 0; i++)
            r->events[i].clip_first = video_index_keyframe_before(
                r->index, clamp_long(r->events[i].first, 0, indexed - 1));
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                     */
/* ------------------------------------------------------------------------ */

static double frame_time(const timeline *t, long i)
{
    if (!t->index)
        return i / t->fps;
    long n = video_index_frames(t->index);
    if (i < n)
        return video_index_time(t->index, i);
    /* Past what the container lists: go on at the frame rate. */
    return video_index_time(t->index, n - 1) + (i - n + 1) / t->fps;
}

/* Where frame i stops being shown. */
static double frame_end_time(const timeline *t, long i)
{
    if (t->index && i < video_index_frames(t->index)) {
        double d = video_index_frame_duration(t->index, i);
        return frame_time(t, i) + (d > 0 ? d : 1 / t->fps);
    }
    return frame_time(t, i) + 1 / t->fps;
}

static long span_frames(const span *s, double fps)
{
    if (!s->in_seconds)
        return s->frames;
    /* Rounded up, with a little slack so that 1.2s at 25 frames/s is 30
     * frames and not 31 because 1.2 * 25 is 30.000000000000004. */
    return (long)ceil(s->seconds * fps - 1e-6);
}

/* ------------------------------------------------------------------------ */
/* Reading the input and running the model                                  */
/* ------------------------------------------------------------------------ */

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The frame rate and, for a video file, the container's time stamps. */
static int open_timeline(events_run *r)
{
    const events_options *o = r->opt;
    char err[512];
    int video_file = frame_source_get_kind(r->src) == FRAME_SOURCE_VIDEO &&
                     is_regular_file(o->input);
    if (video_file) {
        r->index = video_index_build(o->input, err, sizeof err);
        if (!r->index) {
            cli_error("%s", err);
            return EXIT_INPUT;
        }
        if (video_index_frames(r->index) > 0 && video_index_has_times(r->index))
            r->times.index = r->index;
    }
    r->times.fps = frame_source_fps(r->src);
    r->times.fps_from = "stream";
    if (!(r->times.fps > 0)) {
        r->times.fps = o->fps > 0 ? o->fps : DEFAULT_FPS;
        r->times.fps_from = o->fps > 0 ? "--fps" : "default";
        if (!o->quiet && o->fps <= 0)
            cli_error("note: %s has no frame rate; times assume %g frames/s "
                      "(--fps to change)", o->input, DEFAULT_FPS);
    }
    if (o->extract_dir && (!video_file || !r->times.index)) {
        cli_error("--extract: %s is not a video file with time stamps; only "
                  "those can be cut", o->input);
        return EXIT_USAGE;
    }
    r->min_frames = span_frames(&o->min_duration, r->times.fps);
    r->pad_before = span_frames(&o->pad_before, r->times.fps);
    r->pad_after = span_frames(&o->pad_after, r->times.fps);
    return 0;
}

/* Before the long part: the extract folder exists and takes files. */
static int prepare_extract_dir(const events_options *o)
{
    if (!o->extract_dir)
        return 0;
    if (output_file_make_dir(o->extract_dir) != 0) {
        cli_error("%s: cannot create folder: %s", o->extract_dir, strerror(errno));
        return EXIT_OUTPUT;
    }
    if (access(o->extract_dir, W_OK | X_OK) != 0) {
        cli_error("%s: cannot write in folder: %s", o->extract_dir, strerror(errno));
        return EXIT_OUTPUT;
    }
    return 0;
}

static int open_events_run(events_run *r, const events_options *o)
{
    char err[512];
    memset(r, 0, sizeof *r);
    r->opt = o;
    r->last_position = -1;
    r->src = frame_source_open(o->input, o->channels, err, sizeof err);
    if (!r->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    int status = open_timeline(r);
    if (status == 0)
        status = prepare_extract_dir(o);
    if (status)
        return status;
    detector_init(&r->det, o->threshold, r->min_frames);
    int w = frame_source_width(r->src), h = frame_source_height(r->src);
    r->model = bgs_model_create(w, h, o->channels, &o->params);
    r->mask = malloc((size_t)w * h);
    if (!r->model || !r->mask) {
        cli_error("%s: %s", o->input, r->model ? "out of memory" : bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    if (bgs_model_set_threads(r->model, o->threads) != BGS_OK && !o->quiet)
        cli_error("warning: %s; running on one thread", bgs_last_error());
    /* Times in seconds among the model's parameters count these frames. */
    bgs_model_set_frame_rate(r->model, r->times.fps);
    frame_source_set_interrupt(r->src, &cli_stop);
    /* The pipeline only decodes ahead here: no masks are written. */
    pipeline_config cfg = {.src = r->src, .interrupt = &cli_stop};
    r->pipe = pipeline_start(&cfg, err, sizeof err);
    if (!r->pipe) {
        cli_error("%s", err);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

static int process_frame(events_run *r, const pipeline_frame *frame)
{
    int w = bgs_model_width(r->model), h = bgs_model_height(r->model);
    int learning = bgs_model_is_learning(r->model);
    if (bgs_model_apply(r->model, frame->data, frame->stride, r->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame->name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    r->frames++;
    r->learning_frames += learning;
    r->last_position = frame->position;
    double foreground = (double)bgs_model_foreground(r->model) / ((double)w * h);
    if (detector_add(&r->det, frame->position, foreground, !learning) < 0) {
        cli_error("out of memory for the motion runs");
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

static int frame_loop(events_run *r)
{
    int status = 0;
    while (status == 0 && !cli_stop) {
        pipeline_frame *frame;
        int got = pipeline_next(r->pipe, &frame);
        if (got < 0 && !cli_stop) {
            cli_error("%s", pipeline_error(r->pipe));
            status = EXIT_INPUT;
        }
        if (got <= 0)
            break;
        status = process_frame(r, frame);
        pipeline_release(r->pipe, frame);
    }
    if (cli_stop)
        pipeline_stop_reading(r->pipe);
    char err[512];
    pipeline_finish(r->pipe, err, sizeof err); /* writes nothing: no masks */
    r->pipe = NULL;
    if (status)
        return status;
    if (r->frames == 0 && !cli_stop) {
        cli_error("%s: no frames to process", r->opt->input);
        return EXIT_INPUT;
    }
    if (detector_finish(&r->det) < 0 || make_events(r) < 0) {
        cli_error("out of memory for the events");
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

static void close_events_run(events_run *r)
{
    if (r->pipe) {
        char err[512];
        pipeline_stop_reading(r->pipe);
        pipeline_finish(r->pipe, err, sizeof err);
    }
    free(r->events);
    detector_free(&r->det);
    free(r->mask);
    bgs_model_free(r->model);
    video_index_free(r->index);
    if (r->src)
        frame_source_close(r->src);
}

/* ------------------------------------------------------------------------ */
/* --extract                                                                */
/* ------------------------------------------------------------------------ */

/* DIR/event_NNN.EXT for event i (0-based); -1 if it does not fit. */
static int clip_path(const events_run *r, long i, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/event_%03ld.%s", r->opt->extract_dir, i + 1,
                     clip_extension(r->opt->input));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Refuse existing clips (without --force) before any is written. */
static int check_clip_names(const events_run *r)
{
    char path[PATH_MAX], err[PATH_MAX + 128];
    for (long i = 0; i < r->event_count; i++) {
        if (clip_path(r, i, path, sizeof path) != 0) {
            cli_error("%s: path too long", r->opt->extract_dir);
            return EXIT_OUTPUT;
        }
        if (output_file_check(path, r->opt->force, err, sizeof err) != 0) {
            cli_error("%s", err);
            return EXIT_OUTPUT;
        }
    }
    return 0;
}

static int extract_events(events_run *r)
{
    int status = check_clip_names(r);
    long indexed = video_index_frames(r->index);
    char err[512], path[PATH_MAX];
    for (long i = 0; status == 0 && i < r->event_count; i++) {
        const event *e = &r->events[i];
        long last = clamp_long(e->last, e->clip_first, indexed - 1);
        clip_path(r, i, path, sizeof path);
        if (video_cut_copy(r->opt->input, r->index, e->clip_first, last, path,
                           r->opt->force, err, sizeof err) != 0) {
            cli_error("%s", err);
            status = EXIT_OUTPUT;
        }
    }
    return status;
}

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

static void write_csv(FILE *out, const events_run *r)
{
    int clips = r->opt->extract_dir != NULL;
    fprintf(out, "event,start_frame,end_frame,start_time,end_time,duration,"
                 "peak_foreground,clip_start_frame,clip_start_time%s\n",
            clips ? ",clip" : "");
    for (long i = 0; i < r->event_count; i++) {
        const event *e = &r->events[i];
        double start = frame_time(&r->times, e->first);
        double end = frame_end_time(&r->times, e->last);
        fprintf(out, "%ld,%ld,%ld,%.3f,%.3f,%.3f,%.6f,%ld,%.3f", i + 1,
                e->first + 1, e->last + 1, start, end, end - start, e->peak,
                e->clip_first + 1, frame_time(&r->times, e->clip_first));
        if (clips) { /* quoted as RFC 4180 asks, should the name hold a comma */
            char path[PATH_MAX];
            clip_path(r, i, path, sizeof path);
            fputs(",\"", out);
            for (const char *c = path; *c; c++) {
                if (*c == '"')
                    fputc('"', out);
                fputc(*c, out);
            }
            fputc('"', out);
        }
        fputc('\n', out);
    }
}

static void json_span(FILE *out, const char *name, const span *s, long frames)
{
    fprintf(out, "    \"%s\": ", name);
    cli_json_string(out, s->text);
    fprintf(out, ",\n    \"%s_frames\": %ld,\n", name, frames);
}

static void write_json(FILE *out, const events_run *r)
{
    const events_options *o = r->opt;
    fputs("{\n  \"input\": ", out);
    cli_json_string(out, o->input);
    fprintf(out, ",\n  \"frames\": %ld,\n  \"learning_frames\": %ld,\n"
            "  \"width\": %d,\n  \"height\": %d,\n  \"fps\": %.6g,\n"
            "  \"fps_from\": \"%s\",\n  \"times_from\": \"%s\",\n"
            "  \"interrupted\": %s,\n  \"settings\": {\n    \"threshold\": %.6g,\n",
            r->frames, r->learning_frames, bgs_model_width(r->model),
            bgs_model_height(r->model), r->times.fps, r->times.fps_from,
            r->times.index ? "timestamps" : "frame rate",
            cli_stop ? "true" : "false", o->threshold);
    json_span(out, "min_duration", &o->min_duration, r->min_frames);
    json_span(out, "pad_before", &o->pad_before, r->pad_before);
    json_span(out, "pad_after", &o->pad_after, r->pad_after);
    fprintf(out, "    \"channels\": %d,\n    \"model\": {", o->channels);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        fprintf(out, "%s\"%s\": %.7g", key ? ", " : "",
                bgs_param_get_info((bgs_param)key)->name,
                bgs_params_get(&o->params, (bgs_param)key));
    fputs("}\n  },\n  \"events\": [", out);
    for (long i = 0; i < r->event_count; i++) {
        const event *e = &r->events[i];
        double start = frame_time(&r->times, e->first);
        double end = frame_end_time(&r->times, e->last);
        fprintf(out, "%s\n    {\"event\": %ld, \"start_frame\": %ld, \"end_frame\": %ld, "
                "\"start_time\": %.3f, \"end_time\": %.3f, \"duration\": %.3f, "
                "\"peak_foreground\": %.6f, \"clip_start_frame\": %ld, "
                "\"clip_start_time\": %.3f",
                i ? "," : "", i + 1, e->first + 1, e->last + 1, start, end,
                end - start, e->peak, e->clip_first + 1,
                frame_time(&r->times, e->clip_first));
        if (o->extract_dir) {
            char path[PATH_MAX];
            clip_path(r, i, path, sizeof path);
            fputs(", \"clip\": ", out);
            cli_json_string(out, path);
        }
        fputc('}', out);
    }
    fputs(r->event_count ? "\n  ]\n}\n" : "]\n}\n", out);
}

static void fill_report(FILE *out, const void *ctx)
{
    const events_run *r = ctx;
    (r->opt->format == FORMAT_JSON ? write_json : write_csv)(out, r);
}

/* To stdout, or to -o by the file policy (replacing an older one). */
static int write_report(const events_run *r)
{
    char err[PATH_MAX + 128];
    if (output_file_report(r->opt->output, 1, fill_report, r, "the events", err,
                           sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static void print_summary(const events_run *r)
{
    const events_options *o = r->opt;
    if (r->frames > 0 && r->learning_frames == r->frames)
        cli_error("warning: %s: all %ld frames were in the learning phase "
                  "(--learning-frames %d); no event could be found", o->input,
                  r->frames, o->params.learning_frames);
    if (r->index && r->frames != video_index_frames(r->index) && !cli_stop)
        cli_error("warning: %s: %ld frames decoded, the container lists %ld; "
                  "times and cuts may be off by the difference", o->input,
                  r->frames, video_index_frames(r->index));
    long motion = detector_motion_frames(&r->det);
    fprintf(stderr, "bgsub: events: %ld event%s (%ld motion frames) in %ld frames "
            "(%ld learning) %dx%d, %.2f s: %.1f frames/s%s%s%s\n",
            r->event_count, r->event_count == 1 ? "" : "s", motion, r->frames,
            r->learning_frames, bgs_model_width(r->model), bgs_model_height(r->model),
            r->seconds, r->seconds > 0 ? r->frames / r->seconds : 0.0,
            o->extract_dir && !cli_stop ? ", clips in " : "",
            o->extract_dir && !cli_stop ? o->extract_dir : "",
            cli_stop ? " (interrupted: nothing extracted)" : "");
}

int cmd_events(int argc, char **argv)
{
    events_options opt;
    int status = parse_options(argc, argv, &opt);
    if (status >= 0)
        return status;
    cli_catch_stop_signals();
    double t0 = cli_now_seconds();
    events_run r;
    status = open_events_run(&r, &opt);
    if (status == 0)
        status = frame_loop(&r);
    r.seconds = cli_now_seconds() - t0;
    if (status == 0 && opt.extract_dir && !cli_stop)
        status = extract_events(&r);
    if (status == 0)
        status = write_report(&r);
    if (status == 0 && !opt.quiet)
        print_summary(&r);
    close_events_run(&r);
    if (status == 0 && cli_stop)
        status = EXIT_INTERRUPTED;
    return status;
}
