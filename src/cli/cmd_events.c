/*
 * cmd_events.c - `bgsub events INPUT`: the time ranges with motion.
 *
 * The model runs over the input (decoding on the pipeline's reader thread,
 * the model on several threads); a frame is a motion frame when its
 * foreground fraction is above --threshold. Runs of motion frames at least
 * --min-duration long become events, widened by --pad-before and
 * --pad-after (clamped to the input) and merged where they overlap or touch,
 * as DVR-Scan does. The events are reported as CSV or JSON, and --extract
 * cuts each one into its own file, by stream copy from the keyframe before
 * it (src/io/video_cut.c) or, with --clip-mode encode, at its exact frames
 * by decoding and encoding again (src/io/clip_encode.c).
 */
#include "cli/cli.h"
#include "cli/events_detect.h"
#include "cli/events_boxes.h"
#include "cli/out_heatmap.h"
#include "cli/run_inputs.h"
#include "cli/run_report.h"
#include "cli/pipeline.h"
#include "bgsub.h"
#include "io/clip_encode.h"
#include "io/frame_shrink.h"
#include "io/frame_source.h"
#include "io/image_io.h"
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
enum { CLIP_COPY, CLIP_ENCODE };

/* Seconds between two redraws of the progress line. */
#define PROGRESS_INTERVAL 0.1

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

enum {
    OPT_THRESHOLD = 1000, OPT_MIN_DURATION, OPT_PAD_BEFORE, OPT_PAD_AFTER,
    OPT_FORMAT, OPT_EXTRACT, OPT_FPS, OPT_GRAY, OPT_COLOR, OPT_CLIP_MODE, OPT_ROI,
    OPT_HEATMAP, OPT_SCALE, OPT_BOXES,
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
"Usage: bgsub events [options] INPUT... [-o FILE] [--extract DIR [--clip-mode M]]\n"
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
"frames), clip_start_frame, clip_start_time (where its clip begins: the last\n"
"keyframe at or before the start for a cut by stream copy, the start itself\n"
"with --clip-mode encode), and with --extract the clip's file name. Times come from the video's time stamps; image sequences\n"
"are timed at --fps (default 25 frames/s).\n"
"\n"
"Several INPUTs are read one after the other, each with a model of its own,\n"
"into one report with a first column input (JSON: {\"inputs\": [...]}); the\n"
"clips of each go to DIR/NAME and its heat map to FILE-NAME.png, NAME being\n"
"the input's file name without extension. An input that fails is reported\n"
"and the others still run; the exit status is then 7 (the first failure's if\n"
"none was done).\n"
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
"                            input; mkv if it has none); video files only\n"
"      --clip-mode copy|encode  how --extract cuts (default copy): copy\n"
"                            copies the packets with the audio, fast and\n"
"                            lossless, but starts at the keyframe at or before\n"
"                            the event (clip_start_frame), so a clip can\n"
"                            begin long before its event and overlap the one\n"
"                            before; encode decodes the video again and\n"
"                            encodes exactly the event's frames (H.264 with\n"
"                            libx264, else MPEG-4; no audio), slower\n"
"      --boxes               with --clip-mode encode: draw a yellow box around\n"
"                            each thing that moved (the 8 largest blobs of at\n"
"                            least 1/1000 of the frame) in the clips\n"
"      --roi MASK            region of interest: an image of the frame's size;\n"
"                            where it is black nothing is foreground, and\n"
"                            --threshold is a fraction of the region\n"
"      --scale N             run the model on frames N times smaller each way\n"
"                            (N x N pixels averaged; N^2 times fewer to\n"
"                            model; default 1); clips keep the full size\n"
"      --heatmap FILE.png    write a motion heat map: the share of frames each\n"
"                            pixel was foreground in (after the learning\n"
"                            phase), coloured over the background, with its\n"
"                            scale\n"
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
"written (or a clip exists, without --force), 7 several inputs, some failed\n"
"and some done, 1 other failure, 130\n"
"interrupted (the events found so far are reported; nothing is extracted).\n"
"On a terminal, a progress line shows the frames read and the clips cut.\n");
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
        {"clip-mode", required_argument, NULL, OPT_CLIP_MODE},
        {"roi", required_argument, NULL, OPT_ROI},
        {"heatmap", required_argument, NULL, OPT_HEATMAP},
        {"scale", required_argument, NULL, OPT_SCALE},
        {"boxes", no_argument, NULL, OPT_BOXES},
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
    o->input = argv[optind];
    o->inputs = (const char *const *)argv + optind;
    o->input_count = argc - optind;
    for (int i = 1; i < o->input_count; i++)
        if (cli_refuse_empty_names("INPUT", "a video file or an image sequence",
                                   o->inputs[i], (const char *)NULL))
            return EXIT_USAGE;
    if (o->input_count > 1 && (o->extract_dir || o->heatmap_path)) {
        /* Their clips and heat maps are named after them. */
        char err[PATH_MAX * 2 + 128];
        if (run_inputs_check_names(o->inputs, o->input_count,
                                   o->extract_dir ? o->extract_dir : ".", err,
                                   sizeof err) != 0) {
            cli_error("%s", err);
            return EXIT_USAGE;
        }
    }
    if (cli_refuse_empty_names("INPUT", "a video file or an image sequence", o->input,
                               "-o", "a file name (or - for stdout)", o->output,
                               "--extract", "a folder name", o->extract_dir,
                               "--roi", "an image file", o->roi_path,
                               "--heatmap", "a PNG file name", o->heatmap_path,
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
    if (o->heatmap_path && heatmap_check_name("--heatmap", o->heatmap_path))
        return EXIT_USAGE;
    if (o->boxes && (!o->extract_dir || o->clip_mode != CLIP_ENCODE)) {
        cli_error("--boxes draws in the clips of --extract DIR --clip-mode encode: "
                  "give both");
        return EXIT_USAGE;
    }
    if (o->heatmap_path && o->output && strcmp(o->output, o->heatmap_path) == 0) {
        cli_error("-o and --heatmap both name %s: give them other names", o->output);
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
    o->scale = 1;
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
        case OPT_CLIP_MODE:
            if (strcmp(optarg, "copy") != 0 && strcmp(optarg, "encode") != 0) {
                cli_error("--clip-mode takes copy or encode, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->clip_mode = strcmp(optarg, "encode") == 0 ? CLIP_ENCODE : CLIP_COPY;
            break;
        case OPT_ROI: o->roi_path = optarg; break;
        case OPT_HEATMAP: o->heatmap_path = optarg; break;
        case OPT_BOXES: o->boxes = 1; break;
        case OPT_SCALE:
            if (cli_parse_long(optarg, &n) != 0 || n < 1 || n > 16) {
                cli_error("--scale needs a whole number from 1 (full size) to 16, not '%s'",
                          optarg);
                return EXIT_USAGE;
            }
            o->scale = (int)n;
            break;
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
    if (r->index && r->opt->clip_mode == CLIP_COPY) {
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

/* --roi: an image of the frame's size; nonzero (gray level) is inside.
 * Counts the region's pixels (the share of foreground is of them). */
static int set_roi(events_run *r)
{
    const char *path = r->opt->roi_path;
    char err[512];
    image roi;
    if (image_load(path, 1, &roi, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    int status = 0, w = bgs_model_width(r->model), h = bgs_model_height(r->model);
    long inside = 0;
    if (roi.width != r->frame_w || roi.height != r->frame_h) {
        cli_error("%s: region of interest is %dx%d, the frames are %dx%d", path,
                  roi.width, roi.height, r->frame_w, r->frame_h);
        status = EXIT_INPUT;
    } else {
        if (r->opt->scale > 1) { /* inside where most of the block is */
            frame_shrink(roi.data, roi.width, roi.height, 1, roi.stride, r->opt->scale,
                         roi.data, w);
            roi.stride = w;
            for (long i = 0; i < (long)w * h; i++)
                roi.data[i] = roi.data[i] >= 128 ? 255 : 0;
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                inside += roi.data[roi.stride * y + x] != 0;
        if (inside == 0) {
            cli_error("%s: the region of interest is empty (all black)", path);
            status = EXIT_INPUT;
        } else if (bgs_model_set_roi(r->model, roi.data, roi.stride) != BGS_OK) {
            cli_error("%s: %s", path, bgs_last_error());
            status = EXIT_FAILURE_STATUS;
        }
    }
    r->region_pixels = inside;
    image_free(&roi);
    return status;
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
    if (status == 0 && o->heatmap_path &&
        output_file_check(o->heatmap_path, o->force, err, sizeof err) != 0) {
        cli_error("%s", err);
        status = EXIT_OUTPUT;
    }
    if (status)
        return status;
    detector_init(&r->det, o->threshold, r->min_frames);
    r->frame_w = frame_source_width(r->src);
    r->frame_h = frame_source_height(r->src);
    int w = frame_shrink_size(r->frame_w, o->scale), h = frame_shrink_size(r->frame_h, o->scale);
    r->model = bgs_model_create(w, h, o->channels, &o->params);
    r->mask = malloc((size_t)w * h);
    if (o->scale > 1)
        r->small = malloc((size_t)w * h * o->channels);
    if (!r->model || !r->mask || (o->scale > 1 && !r->small)) {
        cli_error("%s: %s", o->input, r->model ? "out of memory" : bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    r->region_pixels = (long)w * h;
    r->width = w;
    r->height = h;
    if (o->heatmap_path && heatmap_init(&r->heat, w, h) != 0) {
        cli_error("out of memory for a %dx%d heat map", w, h);
        return EXIT_FAILURE_STATUS;
    }
    if (o->boxes && events_boxes_init(&r->boxes, w, h, o->scale) != 0) {
        cli_error("out of memory for the boxes of a %dx%d frame", w, h);
        return EXIT_FAILURE_STATUS;
    }
    if (o->roi_path && (status = set_roi(r)) != 0)
        return status;
    r->total_frames = r->index ? video_index_frames(r->index) : frame_source_frame_count(r->src);
    r->progress = !o->quiet && isatty(STDERR_FILENO);
    r->start = cli_now_seconds();
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

/* "bgsub: events: 120/300 frames (40%), 850.2 frames/s, ETA 0:01, 2 motion
 * runs" while reading; "bgsub: events: clip 2/3, frame 1234/3000" while
 * cutting (clip < 0: reading). At most ten times a second. */
static void draw_progress(events_run *r, long done, long clip)
{
    double now = cli_now_seconds();
    if (!r->progress || now - r->last_draw < PROGRESS_INTERVAL)
        return;
    r->last_draw = now;
    char line[224];
    int n;
    long total = r->total_frames > done ? r->total_frames : done;
    if (clip >= 0) {
        n = snprintf(line, sizeof line, "bgsub: events: clip %ld/%ld, frame %ld",
                     clip + 1, r->event_count, done);
        if (n > 0 && (size_t)n < sizeof line && r->total_frames > 0)
            snprintf(line + n, sizeof line - n, "/%ld", total);
        cli_progress_line(line);
        return;
    }
    double fps = now > r->start ? done / (now - r->start) : 0;
    if (r->total_frames > 0)
        n = snprintf(line, sizeof line, "bgsub: events: %ld/%ld frames (%d%%), %.1f frames/s",
                     done, total, (int)(100.0 * done / total), fps);
    else
        n = snprintf(line, sizeof line, "bgsub: events: %ld frames, %.1f frames/s", done, fps);
    if (r->total_frames > 0 && fps > 0 && n > 0 && (size_t)n < sizeof line) {
        long left = (long)((total - done) / fps + 0.5);
        n += snprintf(line + n, sizeof line - n, ", ETA %ld:%02ld", left / 60, left % 60);
    }
    if (n > 0 && (size_t)n < sizeof line)
        snprintf(line + n, sizeof line - n, ", %ld motion run%s%s", r->det.count,
                 r->det.count == 1 ? "" : "s",
                 bgs_model_is_learning(r->model) ? " (learning the background)" : "");
    cli_progress_line(line);
}

static int process_frame(events_run *r, const pipeline_frame *frame)
{
    int w = bgs_model_width(r->model);
    int learning = bgs_model_is_learning(r->model);
    const uint8_t *data = frame->data;
    ptrdiff_t stride = frame->stride;
    if (r->small) {
        stride = (ptrdiff_t)w * r->opt->channels;
        frame_shrink(frame->data, r->frame_w, r->frame_h, r->opt->channels, frame->stride,
                     r->opt->scale, r->small, stride);
        data = r->small;
    }
    if (bgs_model_apply(r->model, data, stride, r->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame->name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    r->frames++;
    r->learning_frames += learning;
    if (r->opt->heatmap_path && !learning)
        heatmap_add(&r->heat, r->mask, w);
    if (r->opt->boxes && !learning &&
        events_boxes_add(&r->boxes, frame->position, r->mask, w) != 0) {
        cli_error("out of memory for the boxes");
        return EXIT_FAILURE_STATUS;
    }
    r->last_position = frame->position;
    double foreground = (double)bgs_model_foreground(r->model) / (double)r->region_pixels;
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
        draw_progress(r, r->frames, -1);
    }
    if (cli_stop)
        pipeline_stop_reading(r->pipe);
    char err[512];
    pipeline_finish(r->pipe, err, sizeof err); /* writes nothing: no masks */
    r->pipe = NULL;
    cli_progress_clear();
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

/* After an input: what only reading it needed (the report and the summary
 * keep the events, the runs and the time stamps). */
static void release_input(events_run *r)
{
    if (r->pipe) {
        char err[512];
        pipeline_stop_reading(r->pipe);
        pipeline_finish(r->pipe, err, sizeof err);
        r->pipe = NULL;
    }
    heatmap_free(&r->heat);
    events_boxes_free(&r->boxes);
    free(r->mask);
    free(r->small);
    bgs_model_free(r->model);
    if (r->src)
        frame_source_close(r->src);
    r->mask = r->small = NULL;
    r->model = NULL;
    r->src = NULL;
}

static void close_events_run(events_run *r)
{
    release_input(r);
    free(r->events);
    detector_free(&r->det);
    video_index_free(r->index);
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

static void clip_progress(void *ctx, long position, long clip)
{
    draw_progress(ctx, position + 1, clip);
}

static void clip_draw(void *ctx, long position, uint8_t *rgb, int w, int h)
{
    const events_run *r = ctx;
    canvas cv = {w, h, rgb};
    events_boxes_draw(&r->boxes, position, &cv);
}

/* --clip-mode encode: every clip at its exact frames, in one more pass. */
static int encode_events(events_run *r)
{
    clip_range *clips = calloc((size_t)r->event_count, sizeof *clips);
    char (*paths)[PATH_MAX] = calloc((size_t)r->event_count, sizeof *paths);
    char err[PATH_MAX + 256];
    int status = 0;
    if (r->event_count > 0 && (!clips || !paths)) {
        cli_error("out of memory for the clips");
        status = EXIT_FAILURE_STATUS;
    }
    for (long i = 0; status == 0 && i < r->event_count; i++) {
        clip_path(r, i, paths[i], sizeof paths[i]);
        clips[i] = (clip_range){r->events[i].first, r->events[i].last, paths[i]};
    }
    clip_encode_config cfg = {.input = r->opt->input, .clips = clips,
                              .count = r->event_count, .fps = r->times.fps,
                              .force = r->opt->force, .stop = &cli_stop,
                              .progress = clip_progress,
                              .draw = r->opt->boxes ? clip_draw : NULL, .ctx = r};
    r->start = cli_now_seconds();
    if (status == 0 && clip_encode_run(&cfg, &r->encoder, err, sizeof err) != 0) {
        cli_error("%s", err);
        status = cli_stop ? EXIT_INTERRUPTED : EXIT_OUTPUT;
    }
    cli_progress_clear();
    free(clips);
    free(paths);
    return status;
}

static int extract_events(events_run *r)
{
    int status = check_clip_names(r);
    if (status == 0 && r->opt->clip_mode == CLIP_ENCODE)
        return encode_events(r);
    /* A cut by stream copy starts at a keyframe: say where that makes a
     * clip overlap the one before. */
    for (long i = 1; status == 0 && !r->opt->quiet && i < r->event_count; i++)
        if (r->events[i].clip_first <= r->events[i - 1].last)
            cli_error("note: clip %ld starts at the keyframe at frame %ld, inside clip "
                      "%ld (--clip-mode encode cuts at the exact frames)", i + 1,
                      r->events[i].clip_first + 1, i);
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

/* A CSV field, quoted as RFC 4180 asks, should it hold a comma. */
static void csv_quoted(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
}

/* header: print the header line first; several: the input column. */
static void write_csv(FILE *out, const events_run *r, int header, int several)
{
    int clips = r->opt->extract_dir != NULL;
    if (header)
        fprintf(out, "%sevent,start_frame,end_frame,start_time,end_time,duration,"
                     "peak_foreground,clip_start_frame,clip_start_time%s\n",
                several ? "input," : "", clips ? ",clip" : "");
    for (long i = 0; i < r->event_count; i++) {
        const event *e = &r->events[i];
        if (several) {
            csv_quoted(out, r->opt->input);
            fputc(',', out);
        }
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
            r->frames, r->learning_frames, r->width, r->height, r->times.fps,
            r->times.fps_from,
            r->times.index ? "timestamps" : "frame rate",
            cli_stop ? "true" : "false", o->threshold);
    json_span(out, "min_duration", &o->min_duration, r->min_frames);
    json_span(out, "pad_before", &o->pad_before, r->pad_before);
    json_span(out, "pad_after", &o->pad_after, r->pad_after);
    fprintf(out, "    \"channels\": %d,\n    \"scale\": %d,\n    \"model\": {", o->channels,
            o->scale);
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

/* The inputs done, for the report. */
typedef struct events_report {
    const events_run *runs;
    const int *done;          /* per run: 1 if it is reported */
    int count;
    const events_options *opt;
} events_report;

static void fill_report(FILE *out, const void *ctx)
{
    const events_report *rep = ctx;
    int several = rep->count > 1, first = 1;
    if (several && rep->opt->format == FORMAT_JSON)
        fputs("{\"inputs\": [\n", out);
    for (int i = 0; i < rep->count; i++) {
        if (!rep->done[i])
            continue;
        if (rep->opt->format == FORMAT_JSON) {
            if (!first)
                fputs(",\n", out);
            write_json(out, &rep->runs[i]);
        } else {
            write_csv(out, &rep->runs[i], first, several);
        }
        first = 0;
    }
    if (several && rep->opt->format == FORMAT_JSON)
        fputs("]}\n", out);
}

/* To stdout, or to -o by the file policy (replacing an older one). */
static int write_report(const events_report *rep)
{
    char err[PATH_MAX + 128];
    if (output_file_report(rep->opt->output, 1, fill_report, rep, "the events", err,
                           sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static void print_summary(const events_run *r, int several)
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
    fprintf(stderr, "bgsub: events: %s%s%ld event%s (%ld motion frames) in %ld frames "
            "(%ld learning) %dx%d, %.2f s: %.1f frames/s%s%s%s\n",
            several ? o->input : "", several ? ": " : "", r->event_count, r->event_count == 1 ? "" : "s", motion, r->frames,
            r->learning_frames, r->width, r->height,
            r->seconds, r->seconds > 0 ? r->frames / r->seconds : 0.0,
            o->extract_dir && !cli_stop ? ", clips in " : "",
            o->extract_dir && !cli_stop ? o->extract_dir : "",
            cli_stop ? " (interrupted: nothing extracted)" : "");
}

/* Input i's options: with several inputs, its clips in DIR/NAME and its
 * heat map in FILE-NAME.png. 0, or an exit status (printed). */
static int input_options(const events_options *all, int i, events_input *in)
{
    in->opt = *all;
    in->opt.input = all->inputs[i];
    if (all->input_count == 1)
        return 0;
    char name[NAME_MAX + 1];
    if (run_input_folder_name(in->opt.input, name, sizeof name) != 0) {
        cli_error("%s: no name for its clips and heat map comes out of it", in->opt.input);
        return EXIT_USAGE;
    }
    int n = 0;
    if (all->extract_dir) {
        n = snprintf(in->extract_dir, sizeof in->extract_dir, "%s/%s", all->extract_dir,
                     name);
        in->opt.extract_dir = in->extract_dir;
    }
    if (n >= 0 && (size_t)n < sizeof in->extract_dir && all->heatmap_path) {
        size_t stem = strlen(all->heatmap_path) - 4; /* checked: ends in .png */
        n = snprintf(in->heatmap, sizeof in->heatmap, "%.*s-%s%s", (int)stem,
                     all->heatmap_path, name, all->heatmap_path + stem);
        in->opt.heatmap_path = in->heatmap;
    }
    if (n < 0 || (size_t)n >= sizeof in->heatmap) {
        cli_error("%s: the names of its clips or heat map are too long", in->opt.input);
        return EXIT_USAGE;
    }
    return 0;
}

/* One input from its start to its clips and heat map. */
static int run_input(events_run *r, const events_options *o)
{
    double t0 = cli_now_seconds();
    int status = open_events_run(r, o);
    if (status == 0)
        status = frame_loop(r);
    r->seconds = cli_now_seconds() - t0;
    if (status == 0 && o->extract_dir && !cli_stop)
        status = extract_events(r);
    if (status == 0 && o->heatmap_path) {
        char err[PATH_MAX + 128];
        const char *slash = strrchr(o->input, '/');
        status = heatmap_write_png(&r->heat, r->model, o->heatmap_path,
                                   slash && slash[1] ? slash + 1 : o->input, o->force, err,
                                   sizeof err);
        if (status)
            cli_error("%s", err);
    }
    release_input(r);
    return status;
}

int cmd_events(int argc, char **argv)
{
    events_options opt;
    int status = parse_options(argc, argv, &opt);
    if (status >= 0)
        return status;
    cli_catch_stop_signals();
    int count = opt.input_count, done = 0, failed = 0, first_failure = 0;
    events_input *inputs = calloc((size_t)count, sizeof *inputs);
    events_run *runs = calloc((size_t)count, sizeof *runs);
    int *ok = calloc((size_t)count, sizeof *ok);
    if (!inputs || !runs || !ok) {
        free(inputs);
        free(runs);
        free(ok);
        cli_error("out of memory");
        return EXIT_FAILURE_STATUS;
    }
    char failed_names[512] = "";
    int ran = 0;
    for (int i = 0; i < count && !cli_stop; i++, ran++) {
        status = input_options(&opt, i, &inputs[i]);
        if (status == 0)
            status = run_input(&runs[i], &inputs[i].opt);
        else
            runs[i].opt = &inputs[i].opt;
        ok[i] = status == 0;
        done += ok[i];
        if (status && status != EXIT_INTERRUPTED) {
            failed++;
            first_failure = first_failure ? first_failure : status;
            size_t used = strlen(failed_names);
            snprintf(failed_names + used, sizeof failed_names - used, "%s%s",
                     used ? ", " : "", opt.inputs[i]);
        }
    }
    status = done ? 0 : first_failure ? first_failure : status;
    events_report report = {runs, ok, count, &opt};
    if (done)
        status = write_report(&report);
    for (int i = 0; i < count && status == 0 && !opt.quiet; i++)
        if (ok[i])
            print_summary(&runs[i], count > 1);
    if (count > 1 && !opt.quiet)
        run_report_inputs(count, done, failed, failed_names, count - ran, cli_stop != 0);
    for (int i = 0; i < count; i++)
        close_events_run(&runs[i]);
    free(inputs);
    free(runs);
    free(ok);
    if (status == 0 && failed)
        status = count > 1 ? EXIT_SOME_FAILED : first_failure;
    if (status == 0 && cli_stop)
        status = EXIT_INTERRUPTED;
    return status;
}
