/*
 * cmd_run.c - `bgsub [options] INPUT... -o DIR`: run the background model
 * over videos or image sequences and write one mask PNG per frame (and the
 * stream outputs: raw masks on stdout, videos, blob lists).
 *
 * This file parses the options and drives the loop; decoding lives in
 * src/io/frame_source.c, PNG writing in src/io/image_io.c, the stream
 * outputs in stream_outputs.c, and the model in libbgsub.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/preview.h"
#include "cli/run_inputs.h"
#include "cli/stream_outputs.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/image_io.h"
#include "io/video_writer.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MASK_PATTERN "bin%06d.png"
#define BACKGROUND_PATTERN "bg%06d.png"
#define BACKGROUND_FINAL "background.png"
/* zlib level for masks: level 1 is several times faster than the default
 * and masks (long runs of 0 and 255) compress almost as well. */
#define MASK_COMPRESSION 1
/* --show --realtime on a source without a frame rate (image sequences). */
#define PREVIEW_DEFAULT_FPS 25.0
/* Seconds between two redraws of the progress line. */
#define PROGRESS_INTERVAL 0.1
/* Frame rate of the videos written when neither the input nor --fps has one. */
#define DEFAULT_VIDEO_FPS 25.0

typedef struct run_options {
    const char *input;
    const char *const *inputs; /* every INPUT given; input is the current one */
    int input_count;
    const char *output_dir;
    int masks_to_stdout;    /* -o -: raw masks on stdout */
    const char *raw_spec;   /* --raw WxH:gray|rgb24 */
    frame_source_raw_format raw;
    double fps;             /* --fps: rate of inputs that have none, 0 = none */
    const char *mask_video;     /* --mask-video FILE */
    const char *overlay_video;  /* --overlay-video FILE */
    const char *blobs_path;     /* --blobs FILE */
    long min_blob_area;         /* --min-blob-area N */
    int on_error_given;     /* --on-error given: with several inputs, stop
                               means stop the whole run */
    const char *mask_pattern;
    int channels;           /* 1 gray, 3 colour */
    long start_frame;       /* 1-based number of the first frame processed */
    long max_frames;        /* 0 = all */
    long background_every;  /* write bg%06d.png every M frames, 0 = never */
    int background_final;   /* write background.png at the end */
    int force;              /* overwrite existing masks */
    int quiet;
    int show;               /* --show: live preview window */
    int realtime;           /* pace at the source's rate; -1 = default */
    long snapshot_at;       /* --snapshot-at N FILE: frame N, 0 = none */
    const char *snapshot_path;
    int threads;            /* model threads, 0 = one per core */
    int writers;            /* mask-writing threads */
    int skip_bad;           /* --on-error skip */
    const char *save_model; /* --save-model FILE */
    const char *load_model; /* --load-model FILE */
    int verbose;            /* -v: describe the set-up at the start */
    const char *stats_path; /* --stats FILE (JSON), "-" = stdout */
    const char *stats_csv_path; /* --stats-csv FILE, "-" = stdout */
    const char *roi_path;   /* --roi MASK: region of interest image */
    unsigned params_given;  /* bit per bgs_param set on the command line */
    bgs_params params;
} run_options;

typedef struct run_stats {
    long frames;            /* frames given to the model */
    long learning_frames;   /* of which inside the learning phase */
    double foreground_sum;  /* sum of per-frame foreground fractions */
    double model_seconds;   /* time spent in bgs_model_apply */
    double total_seconds;
    long bad_frames;        /* frames passed over with --on-error skip */
    /* Per frame, kept only for --stats / --stats-csv (16 bytes a frame). */
    struct frame_record { long number; double foreground; } *per_frame;
    long per_frame_capacity;
} run_stats;

/* The progress line on stderr (a terminal, without --quiet): frames done,
 * frames/s and the time left, redrawn in place. */
typedef struct progress {
    int enabled;
    long total;             /* frames expected, -1 if unknown */
    double start, last_draw;
} progress;

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}



enum {
    OPT_HELP = 1000, OPT_VERSION, OPT_GRAY, OPT_COLOR, OPT_START, OPT_FRAMES,
    OPT_MASK_PATTERN, OPT_BG_EVERY, OPT_BG_FINAL, OPT_FORCE,
    OPT_SHOW, OPT_REALTIME, OPT_NO_REALTIME, OPT_SNAPSHOT_AT,
    OPT_ON_ERROR, OPT_SAVE_MODEL, OPT_LOAD_MODEL, OPT_WRITERS,
    OPT_STATS, OPT_STATS_CSV, OPT_ROI,
    OPT_RAW, OPT_FPS, OPT_MASK_VIDEO, OPT_OVERLAY_VIDEO, OPT_BLOBS, OPT_MIN_BLOB_AREA,
    OPT_PARAM_BASE = 2000, /* + bgs_param key */
};

static void print_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub [options] INPUT... -o DIR\n"
"       bgsub [options] INPUT -o - | PROGRAM\n"
"       bgsub --raw WxH:gray|rgb24 [options] [-] -o DIR\n"
"       bgsub --show [options] INPUT [-o DIR]\n"
"       bgsub eval SEQ_DIR MASK_DIR | DATASET RESULTS   (bgsub eval --help)\n"
"       bgsub segment IMAGE -o MASK.png   (bgsub segment --help)\n"
"       bgsub events VIDEO [-o FILE]      (bgsub events --help)\n"
"       bgsub bench [VIDEO]               (bgsub bench --help)\n"
"\n"
"Background subtraction with a per-pixel Gaussian mixture (Stauffer-Grimson).\n"
"INPUT is a video file or URL (anything FFmpeg reads: rtsp://, http://, a\n"
"camera /dev/video0), - for a video stream on stdin (Matroska, MPEG-TS, NUT:\n"
"a format that needs no seeking), a folder of PNG/JPEG images (a\n"
"ChangeDetection.net sequence folder works as it is), or a printf pattern\n"
"such as input/in%%06d.jpg. One 8-bit PNG mask per frame is written to DIR:\n"
"0 background, 255 foreground.\n"
"\n"
"Several INPUTs: each gets its own model and its own folder DIR/NAME, NAME\n"
"being the input's file name without extension (two inputs with the same\n"
"NAME are refused). --stats, --stats-csv, --save-model, --mask-video,\n"
"--overlay-video and --blobs then take a file name without a folder, written\n"
"in each input's folder. An input that fails is reported and the others\n"
"still run (with --on-error stop the run stops there); the exit status is\n"
"then the first failure's.\n"
"\n"
"Input and output:\n"
"  -o, --output DIR          folder for the masks (created if missing); -o -\n"
"                            writes raw masks to stdout instead: W*H bytes a\n"
"                            frame, 0 or 255, nothing else on stdout\n"
"      --raw WxH:FMT         INPUT holds raw frames, W x H pixels of FMT gray\n"
"                            or rgb24, back to back (- or no INPUT: stdin)\n"
"      --fps X               frame rate of inputs that have none (raw frames,\n"
"                            image sequences): blob times, video rate, preview,\n"
"                            the model's times in seconds (else 25)\n"
"      --mask-video FILE     write the masks as a lossless video too: .mkv,\n"
"                            .avi or .nut (FFV1), .mp4 or .mov (H.264 qp 0);\n"
"                            -o is then optional\n"
"      --overlay-video FILE  write the input with the foreground tinted red\n"
"                            and blob boxes in green (H.264, else MPEG-4)\n"
"      --blobs FILE          write each mask's blobs (8-connected foreground\n"
"                            components): frame,time,id,x,y,width,height,\n"
"                            area,cx,cy as CSV (.csv) or JSON lines (.jsonl,\n"
"                            .json, - for stdout)\n"
"      --min-blob-area N     leave out blobs of fewer pixels (default 1)\n"
"      --mask-pattern PAT    mask file names (default bin%%06d.png),\n"
"                            numbered by input frame, from 1\n"
"      --gray                model gray levels (1 channel)\n"
"      --color               model RGB colour (3 channels, the default)\n"
"      --start-frame N       first frame to process, counted from 1 (default 1)\n"
"      --frames N            process at most N frames (default all)\n"
"      --background-every M  also write the background image bg%%06d.png every\n"
"                            M frames\n"
"      --background          write the final background image background.png\n"
"  -f, --force               overwrite masks, videos and blob lists that\n"
"                            already exist\n"
"      --roi MASK            region of interest: an image of the frame's size\n"
"                            (e.g. ROI.bmp); where it is black nothing is\n"
"                            foreground and the model is not updated\n"
"      --on-error skip|stop  a frame that cannot be decoded: pass over it\n"
"                            (counted in the summary) or stop with exit\n"
"                            status 3 (default stop); stop also ends a run\n"
"                            over several inputs at the first that fails\n"
"      --save-model FILE     write the model to FILE at the end (also when\n"
"                            interrupted), to resume or reuse it\n"
"      --load-model FILE     start from a saved model instead of an empty one\n"
"                            (same frame size and channels; its parameters,\n"
"                            unless given on the command line)\n"
"  -j, --threads N           model threads (default 0: one per core)\n"
"      --writers N           mask-writing threads (default 1)\n"
"  -q, --quiet               no progress line and no summary on stderr\n"
"  -v, --verbose             describe input, model and output at the start\n"
"                            (kernel, threads, bytes per pixel, frame rate)\n"
"      --stats FILE          write the run's figures as JSON at the end (also\n"
"                            when interrupted): timing, foreground per frame,\n"
"                            parameters; - for stdout\n"
"      --stats-csv FILE      write frame,foreground per frame as CSV; - for\n"
"                            stdout\n"
"  -h, --help                this help\n"
"  -V, --version             print the version\n"
"\n"
"Live preview (SDL2 window; -o is then optional):\n"
"      --show                show input, foreground mask, background and\n"
"                            overlay side by side while the model runs\n"
"      --realtime            play at the source's frame rate (the default with\n"
"                            --show; 25 frames/s where the source has none)\n"
"      --no-realtime         play as fast as the model runs\n"
"      --snapshot-at N FILE  save a PNG of the window once frame N is shown,\n"
"                            then go on\n"
"  Keys: space pause/resume; Right step one frame while paused (pauses when\n"
"  playing); + / - multiply / divide alpha by 1.25; [ / ] lambda - / + 0.1\n"
"  (both from the next frame); b cycle which pane is large; s save a PNG of\n"
"  the window in DIR (or the current folder); q or Esc quit. Quitting or\n"
"  closing the window ends the run like an interrupt, but with status 0.\n"
"\n"
"Model parameters (default; bounds):\n");
    cli_param_help(out, NULL);
    fprintf(out,
"\n"
"Exit status: 0 success, 2 bad option or parameter, 3 input missing or\n"
"unreadable, 4 output cannot be written, 5 --show cannot open a window (no\n"
"display), 1 other failure, 130 interrupted (SIGINT/SIGTERM: the current\n"
"frame is finished, the masks so far kept and the videos finished).\n");
}

/* Long options: the fixed ones, then one per model parameter. */
static struct option *build_long_options(void)
{
    static const struct option fixed[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"gray", no_argument, NULL, OPT_GRAY},
        {"grey", no_argument, NULL, OPT_GRAY},
        {"color", no_argument, NULL, OPT_COLOR},
        {"colour", no_argument, NULL, OPT_COLOR},
        {"start-frame", required_argument, NULL, OPT_START},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"mask-pattern", required_argument, NULL, OPT_MASK_PATTERN},
        {"background-every", required_argument, NULL, OPT_BG_EVERY},
        {"background", no_argument, NULL, OPT_BG_FINAL},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"show", no_argument, NULL, OPT_SHOW},
        {"realtime", no_argument, NULL, OPT_REALTIME},
        {"no-realtime", no_argument, NULL, OPT_NO_REALTIME},
        {"snapshot-at", required_argument, NULL, OPT_SNAPSHOT_AT},
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"save-model", required_argument, NULL, OPT_SAVE_MODEL},
        {"load-model", required_argument, NULL, OPT_LOAD_MODEL},
        {"threads", required_argument, NULL, 'j'},
        {"writers", required_argument, NULL, OPT_WRITERS},
        {"verbose", no_argument, NULL, 'v'},
        {"stats", required_argument, NULL, OPT_STATS},
        {"stats-csv", required_argument, NULL, OPT_STATS_CSV},
        {"roi", required_argument, NULL, OPT_ROI},
        {"raw", required_argument, NULL, OPT_RAW},
        {"fps", required_argument, NULL, OPT_FPS},
        {"mask-video", required_argument, NULL, OPT_MASK_VIDEO},
        {"overlay-video", required_argument, NULL, OPT_OVERLAY_VIDEO},
        {"blobs", required_argument, NULL, OPT_BLOBS},
        {"min-blob-area", required_argument, NULL, OPT_MIN_BLOB_AREA},
    };
    static struct option all[sizeof fixed / sizeof fixed[0] + BGS_PARAM_COUNT + 1];
    cli_long_options(all, fixed, sizeof fixed / sizeof fixed[0], OPT_PARAM_BASE);
    return all;
}

static int parse_int_in(const char *opt, const char *text, int min, int max,
                        int *out)
{
    long n;
    if (cli_parse_long(text, &n) != 0 || n < min || n > max) {
        cli_error("%s needs a whole number from %d to %d, not '%s'", opt, min, max, text);
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int parse_count(const char *opt, const char *text, long min, long *out)
{
    if (cli_parse_long(text, out) != 0 || *out < min) {
        cli_error("%s needs a whole number >= %ld, not '%s'", opt, min, text);
        return -1;
    }
    return 0;
}

static int parse_param(run_options *o, int key, const char *text)
{
    return cli_param_parse(&o->params, &o->params_given, key, text);
}

/* With several inputs, a file option names a file in each input's folder:
 * it must be a plain name. */
static int refuse_folder_in_name(const char *option, const char *name)
{
    if (!name || (!strchr(name, '/') && strcmp(name, "-") != 0))
        return 0;
    cli_error("with several inputs, %s takes a file name without a folder (one is "
              "written in each input's folder), not '%s'", option, name);
    return EXIT_USAGE;
}

static int check_several_inputs(const run_options *o)
{
    if (!o->output_dir) {
        cli_error("several inputs need -o DIR: each writes into a folder of its own there");
        return EXIT_USAGE;
    }
    if (o->show) {
        cli_error("--show watches one input at a time");
        return EXIT_USAGE;
    }
    int status = 0;
    const char *options[] = {"--stats", "--stats-csv", "--save-model", "--mask-video",
                             "--overlay-video", "--blobs"};
    const char *values[] = {o->stats_path, o->stats_csv_path, o->save_model,
                            o->mask_video, o->overlay_video, o->blobs_path};
    for (int i = 0; i < 6 && !status; i++)
        status = refuse_folder_in_name(options[i], values[i]);
    char err[1024];
    if (status == 0 &&
        run_inputs_check_names(o->inputs, o->input_count, o->output_dir, err, sizeof err)) {
        cli_error("%s", err);
        status = EXIT_USAGE;
    }
    return status;
}

/* Usage checks on the inputs and the outputs, before any work. */
static int check_inputs_and_outputs(run_options *o)
{
    int stdin_uses = 0;
    for (int i = 0; i < o->input_count; i++) {
        if (cli_refuse_empty_names("INPUT", "a file, folder or pattern", o->inputs[i],
                                   (const char *)NULL))
            return EXIT_USAGE;
        stdin_uses += strcmp(o->inputs[i], FRAME_SOURCE_STDIN) == 0;
    }
    if (stdin_uses > 1) {
        cli_error("stdin (-) can be an input only once");
        return EXIT_USAGE;
    }
    if (cli_refuse_empty_names("-o", "a folder name", o->output_dir,
                               "--save-model", "a file name", o->save_model,
                               "--load-model", "a file name", o->load_model,
                               "--mask-video", "a file name", o->mask_video,
                               "--overlay-video", "a file name", o->overlay_video,
                               "--blobs", "a file name", o->blobs_path,
                               (const char *)NULL))
        return EXIT_USAGE;
    if (o->output_dir && strcmp(o->output_dir, "-") == 0) {
        o->masks_to_stdout = 1;
        o->output_dir = NULL;
    }
    if (!o->output_dir && !o->show && !o->masks_to_stdout && !o->mask_video &&
        !o->overlay_video && !o->blobs_path) {
        cli_error("no output folder: give -o DIR, or -o - for stdout (or --mask-video, "
                  "--overlay-video, --blobs; --show to watch only)");
        return EXIT_USAGE;
    }
    if (!o->output_dir && (o->background_every || o->background_final)) {
        cli_error("--background and --background-every need -o DIR");
        return EXIT_USAGE;
    }
    /* stdout holds one thing: masks, statistics or blobs. */
    const char *stdout_users[4], *names[] = {"-o -", "--stats -", "--stats-csv -", "--blobs -"};
    const char *values[] = {o->masks_to_stdout ? "-" : NULL, o->stats_path,
                            o->stats_csv_path, o->blobs_path};
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (values[i] && strcmp(values[i], "-") == 0)
            stdout_users[n++] = names[i];
    if (n > 1) {
        cli_error("%s and %s cannot both write to stdout", stdout_users[0], stdout_users[1]);
        return EXIT_USAGE;
    }
    blob_format format;
    if (o->blobs_path && stream_outputs_blob_format(o->blobs_path, &format) != 0) {
        cli_error("--blobs %s: the name must end in .csv, .jsonl or .json (or be - for "
                  "JSON lines on stdout)", o->blobs_path);
        return EXIT_USAGE;
    }
    const char *video_options[] = {"--mask-video", "--overlay-video"};
    const char *videos[] = {o->mask_video, o->overlay_video};
    for (int i = 0; i < 2; i++) {
        char err[512];
        if (!videos[i])
            continue;
        if (strcmp(videos[i], "-") == 0) {
            cli_error("%s needs a file name, not - (use -o - for raw masks on stdout)",
                      video_options[i]);
            return EXIT_USAGE;
        }
        if (video_writer_check(videos[i], i == 0 ? VIDEO_WRITER_LOSSLESS_GRAY
                                                 : VIDEO_WRITER_RGB, err, sizeof err)) {
            cli_error("%s %s", video_options[i], err);
            return EXIT_USAGE;
        }
    }
    if (o->input_count > 1)
        return check_several_inputs(o);
    return 0;
}

/* Returns -1 to go on, or an exit status (help, version, bad usage). */
static int parse_run_options(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->mask_pattern = DEFAULT_MASK_PATTERN;
    o->channels = 3;
    o->start_frame = 1;
    o->realtime = -1;
    o->writers = 1;
    o->min_blob_area = 1;
    bgs_params_default(&o->params);

    struct option *longopts = build_long_options();
    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0; /* we print our own one-line messages */
    int c;
    while ((c = getopt_long(argc, argv, ":o:hVfqvj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output_dir = optarg; break;
        case 'h': print_usage(stdout); return EXIT_OK_STATUS;
        case 'V': printf("bgsub %s\n", bgs_version()); return EXIT_OK_STATUS;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose = 1; break;
        case OPT_STATS: o->stats_path = optarg; break;
        case OPT_STATS_CSV: o->stats_csv_path = optarg; break;
        case OPT_ROI: o->roi_path = optarg; break;
        case OPT_GRAY: o->channels = 1; break;
        case OPT_COLOR: o->channels = 3; break;
        case OPT_START:
            if (parse_count("--start-frame", optarg, 1, &o->start_frame)) return EXIT_USAGE;
            break;
        case OPT_FRAMES:
            if (parse_count("--frames", optarg, 1, &o->max_frames)) return EXIT_USAGE;
            break;
        case OPT_BG_EVERY:
            if (parse_count("--background-every", optarg, 1, &o->background_every)) return EXIT_USAGE;
            break;
        case OPT_BG_FINAL: o->background_final = 1; break;
        case OPT_SHOW: o->show = 1; break;
        case 'j':
            if (parse_int_in("--threads", optarg, 0, 256, &o->threads)) return EXIT_USAGE;
            break;
        case OPT_WRITERS:
            if (parse_int_in("--writers", optarg, 1, 16, &o->writers)) return EXIT_USAGE;
            break;
        case OPT_ON_ERROR:
            if (strcmp(optarg, "skip") != 0 && strcmp(optarg, "stop") != 0) {
                cli_error("--on-error takes skip or stop, not '%s'", optarg);
                return EXIT_USAGE;
            }
            o->skip_bad = strcmp(optarg, "skip") == 0;
            o->on_error_given = 1;
            break;
        case OPT_RAW: {
            char err[256];
            if (frame_source_parse_raw_spec(optarg, &o->raw, err, sizeof err)) {
                cli_error("--raw %s", err);
                return EXIT_USAGE;
            }
            o->raw_spec = optarg;
            break;
        }
        case OPT_FPS:
            if (cli_parse_double(optarg, &o->fps) != 0 || !(o->fps >= 0.001 && o->fps <= 1000)) {
                cli_error("--fps needs a number from 0.001 to 1000, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MASK_VIDEO: o->mask_video = optarg; break;
        case OPT_OVERLAY_VIDEO: o->overlay_video = optarg; break;
        case OPT_BLOBS: o->blobs_path = optarg; break;
        case OPT_MIN_BLOB_AREA:
            if (parse_count("--min-blob-area", optarg, 1, &o->min_blob_area)) return EXIT_USAGE;
            break;
        case OPT_SAVE_MODEL: o->save_model = optarg; break;
        case OPT_LOAD_MODEL: o->load_model = optarg; break;
        case OPT_REALTIME: o->realtime = 1; break;
        case OPT_NO_REALTIME: o->realtime = 0; break;
        case OPT_SNAPSHOT_AT: /* two values: N FILE */
            if (parse_count("--snapshot-at", optarg, 1, &o->snapshot_at)) return EXIT_USAGE;
            if (optind >= argc || argv[optind][0] == '\0' || argv[optind][0] == '-') {
                cli_error("--snapshot-at needs a frame number and a file name");
                return EXIT_USAGE;
            }
            o->snapshot_path = argv[optind++];
            break;
        case OPT_MASK_PATTERN:
            if (!cli_is_frame_pattern(optarg) || strchr(optarg, '/')) {
                cli_error("--mask-pattern '%s' must be a file name with one integer "
                          "conversion such as bin%%06d.png", optarg);
                return EXIT_USAGE;
            }
            o->mask_pattern = optarg;
            break;
        case ':':
            cli_error("option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        case '?':
            if (optopt)
                cli_error("unknown option '-%c' (see bgsub --help)", optopt);
            else
                cli_error("unknown option '%s' (see bgsub --help)", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (c >= OPT_PARAM_BASE && c < OPT_PARAM_BASE + BGS_PARAM_COUNT) {
                if (parse_param(o, c - OPT_PARAM_BASE, optarg)) return EXIT_USAGE;
                break;
            }
            cli_error("unhandled option (internal error)");
            return EXIT_FAILURE_STATUS;
        }
    }
    static const char *const stdin_only[] = {FRAME_SOURCE_STDIN};
    o->inputs = (const char *const *)argv + optind;
    o->input_count = argc - optind;
    if (o->input_count == 0 && o->raw_spec) { /* --raw alone reads stdin */
        o->inputs = stdin_only;
        o->input_count = 1;
    }
    if (o->input_count == 0) {
        cli_error("no input given (usage: bgsub [options] INPUT -o DIR; see --help)");
        return EXIT_USAGE;
    }
    o->input = o->inputs[0];
    int status = check_inputs_and_outputs(o);
    if (status)
        return status;
    if (!o->show && (o->realtime >= 0 || o->snapshot_at)) {
        cli_error("%s only works with --show",
                  o->snapshot_at ? "--snapshot-at" : "--realtime/--no-realtime");
        return EXIT_USAGE;
    }
    if ((o->stats_path && !*o->stats_path) || (o->stats_csv_path && !*o->stats_csv_path)) {
        cli_error("--stats and --stats-csv need a file name (or - for stdout)");
        return EXIT_USAGE;
    }
    if (bgs_params_check(&o->params) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
    }
    return -1;
}

/* The input as messages name it: "stdin" for "-". */
static const char *input_name(const run_options *o)
{
    return strcmp(o->input, FRAME_SOURCE_STDIN) == 0 ? FRAME_SOURCE_STDIN_NAME : o->input;
}

/* "PATH: already exists" unless --force; 0 if the file may be written. */
static int refuse_overwrite(const run_options *o, const char *path, char *err,
                            size_t errlen)
{
    if (o->force || access(path, F_OK) != 0 || cli_is_device_or_fifo(path))
        return 0; /* a device or FIFO is written to, not overwritten */
    snprintf(err, errlen, "%s: already exists (use --force to overwrite)", path);
    return EXIT_OUTPUT;
}

/* Write one PNG from the main thread (background images). Returns an exit
 * status (0 on success), the reason printed. */
static int write_png(const run_options *o, const char *path,
                     const uint8_t *data, int w, int h, int channels,
                     ptrdiff_t stride)
{
    char err[512];
    int status = refuse_overwrite(o, path, err, sizeof err);
    if (status == 0 && image_save_png(path, data, w, h, channels, stride,
                                      MASK_COMPRESSION, err, sizeof err) != 0)
        status = EXIT_OUTPUT;
    if (status)
        cli_error("%s", err);
    return status;
}

static int write_background(const run_options *o, bgs_model *model,
                            uint8_t *buf, const char *path)
{
    int w = bgs_model_width(model), h = bgs_model_height(model);
    int ch = bgs_model_channels(model);
    bgs_model_background(model, buf, (ptrdiff_t)w * ch);
    return write_png(o, path, buf, w, h, ch, (ptrdiff_t)w * ch);
}

/* What the mask writers need; read-only while the pipeline runs. */
typedef struct mask_output {
    const run_options *opt;
    int width, height;
} mask_output;

/* The pipeline's mask_writer: runs on a writer thread. */
static int write_mask(void *ctx, const uint8_t *mask, long number, char *err,
                      size_t errlen)
{
    const mask_output *out = ctx;
    const run_options *o = out->opt;
    if (!o->output_dir) /* --show without -o */
        return 0;
    char path[PATH_MAX];
    if (cli_frame_path(path, sizeof path, o->output_dir, o->mask_pattern, number)) {
        snprintf(err, errlen, "%s: output path too long", o->output_dir);
        return EXIT_OUTPUT;
    }
    int status = refuse_overwrite(o, path, err, errlen);
    if (status)
        return status;
    if (image_save_png(path, mask, out->width, out->height, 1, out->width,
                       MASK_COMPRESSION, err, errlen) != 0)
        return EXIT_OUTPUT;
    return 0;
}

static double foreground_fraction(const uint8_t *mask, size_t pixels)
{
    size_t fg = 0, i = 0;
    /* Blocks of a fixed length counted in a byte-wide sum, which GCC -O2
     * turns into vector compares: 0.1 ms a 1080p mask instead of 1.4 ms
     * for the plain loop, on the thread that runs the model. */
    for (; i + 64 <= pixels; i += 64) {
        uint8_t block = 0;
        for (int j = 0; j < 64; j++)
            block += mask[i + j] == BGS_MASK_FOREGROUND;
        fg += block;
    }
    for (; i < pixels; i++)
        fg += mask[i] == BGS_MASK_FOREGROUND;
    return pixels ? (double)fg / (double)pixels : 0.0;
}

/* Everything the frame loop owns. */
typedef struct run_state {
    const run_options *opt;
    frame_source *src;      /* read by the pipeline's reader thread only */
    bgs_model *model;
    pipeline *pipe;
    mask_output out;
    stream_outputs *streams; /* -o -, videos, blobs; NULL if none */
    double fps;             /* the input's rate, else --fps, else 0 */
    uint8_t *mask;          /* the mask of the current frame */
    uint8_t *background;
    preview *preview;       /* --show, else NULL */
    int quit;               /* the preview asked to stop (q, window closed) */
    int write_failed;       /* a writer failed; its message is still to print */
    run_stats stats;
    progress progress;
} run_state;

/* --show: draw the frame (its mask is already queued for writing, so
 * quitting here leaves complete files) and hand key changes to the model. */
static int show_frame(run_state *s, const uint8_t *frame, ptrdiff_t stride,
                      long number)
{
    if (!s->preview)
        return 0;
    char err[512];
    bgs_params params;
    bgs_model_get_params(s->model, &params);
    preview_frame_info info = {
        .number = number, .frame = frame, .frame_stride = stride,
        .mask = s->mask, .mask_stride = bgs_model_width(s->model),
        .model = s->model};
    switch (preview_frame(s->preview, &info, &params, err, sizeof err)) {
    case PREVIEW_PARAMS_CHANGED:
        if (bgs_model_set_params(s->model, &params) != BGS_OK) {
            cli_error("%s", bgs_last_error());
            return EXIT_FAILURE_STATUS;
        }
        return 0;
    case PREVIEW_QUIT:
        s->quit = 1;
        return 0;
    case PREVIEW_FAILED:
        cli_error("%s", err);
        return EXIT_OUTPUT;
    default:
        return 0;
    }
}

/* --stats, --stats-csv: keep the frame's number and foreground fraction. */
static int record_frame(run_state *s, long number, double foreground)
{
    run_stats *st = &s->stats;
    long n = st->frames - 1; /* the frame just counted */
    if (n >= st->per_frame_capacity) {
        long capacity = st->per_frame_capacity ? 2 * st->per_frame_capacity : 1024;
        void *grown = realloc(st->per_frame, (size_t)capacity * sizeof *st->per_frame);
        if (!grown) {
            cli_error("out of memory for the statistics of %ld frames", capacity);
            return -1;
        }
        st->per_frame = grown;
        st->per_frame_capacity = capacity;
    }
    st->per_frame[n].number = number;
    st->per_frame[n].foreground = foreground;
    return 0;
}

/* The progress line, at most once per PROGRESS_INTERVAL: "bgsub: 120/300
 * frames (40%), 850.2 frames/s, ETA 0:01", or "bgsub: 120 frames, 850.2
 * frames/s" when the length of the input is unknown. */
static void progress_update(run_state *s)
{
    progress *p = &s->progress;
    if (!p->enabled)
        return;
    double now = cli_now_seconds();
    if (now - p->last_draw < PROGRESS_INTERVAL)
        return;
    p->last_draw = now;
    long done = s->stats.frames;
    double fps = now > p->start ? done / (now - p->start) : 0;
    char line[160];
    if (p->total > 0) {
        long total = p->total > done ? p->total : done; /* the count may be an estimate */
        int n = snprintf(line, sizeof line, "bgsub: %ld/%ld frames (%d%%), %.1f frames/s",
                         done, total, (int)(100.0 * done / total), fps);
        if (fps > 0 && n > 0 && (size_t)n < sizeof line) {
            long left = (long)((total - done) / fps + 0.5);
            if (left >= 3600)
                snprintf(line + n, sizeof line - n, ", ETA %ld:%02ld:%02ld",
                         left / 3600, left / 60 % 60, left % 60);
            else
                snprintf(line + n, sizeof line - n, ", ETA %ld:%02ld", left / 60, left % 60);
        }
    } else {
        snprintf(line, sizeof line, "bgsub: %ld frames, %.1f frames/s", done, fps);
    }
    cli_progress_line(line);
}

static int process_frame(run_state *s, const pipeline_frame *frame)
{
    const run_options *o = s->opt;
    int w = bgs_model_width(s->model), h = bgs_model_height(s->model);
    long number = frame->position + 1; /* masks are numbered by input frame */

    s->mask = pipeline_mask_buffer(s->pipe);
    if (bgs_model_is_learning(s->model))
        s->stats.learning_frames++;
    double t0 = cli_now_seconds();
    if (bgs_model_apply(s->model, frame->data, frame->stride, s->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame->name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    s->stats.model_seconds += cli_now_seconds() - t0;
    s->stats.frames++;
    double foreground = foreground_fraction(s->mask, (size_t)w * h);
    s->stats.foreground_sum += foreground;
    if ((o->stats_path || o->stats_csv_path) && record_frame(s, number, foreground))
        return EXIT_FAILURE_STATUS;

    /* A failed write reports its status here, a frame or two later; the
     * message comes from pipeline_finish. */
    int status = pipeline_write(s->pipe, s->mask, number, frame);
    s->write_failed = status != 0;
    if (status == 0 && o->background_every > 0 &&
        s->stats.frames % o->background_every == 0) {
        char path[PATH_MAX];
        cli_frame_path(path, sizeof path, o->output_dir, BACKGROUND_PATTERN, number);
        status = write_background(o, s->model, s->background, path);
    }
    return status == 0 ? show_frame(s, frame->data, frame->stride, number) : status;
}

/* --roi: any image of the frame's size; nonzero (gray level) is inside. */
static int set_roi(bgs_model *model, const char *path)
{
    char err[512];
    image roi;
    if (image_load(path, 1, &roi, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    int status = 0;
    if (roi.width != bgs_model_width(model) || roi.height != bgs_model_height(model)) {
        cli_error("%s: region of interest is %dx%d, the frames are %dx%d", path,
                  roi.width, roi.height, bgs_model_width(model), bgs_model_height(model));
        status = EXIT_INPUT;
    } else if (bgs_model_set_roi(model, roi.data, roi.stride) != BGS_OK) {
        cli_error("%s: %s", path, bgs_last_error());
        status = EXIT_FAILURE_STATUS;
    }
    image_free(&roi);
    return status;
}

/* --load-model: the saved model, checked against the input; parameters
 * given on the command line replace the saved ones. */
static int load_model(run_state *s, int w, int h)
{
    const run_options *o = s->opt;
    char err[512];
    uint8_t *data;
    size_t size;
    if (cli_read_file(o->load_model, (size_t)1 << 34, &data, &size, err, sizeof err)) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    s->model = bgs_model_restore(data, size);
    free(data);
    if (!s->model) {
        cli_error("%s: %s", o->load_model, bgs_last_error());
        return EXIT_INPUT;
    }
    if (bgs_model_width(s->model) != w || bgs_model_height(s->model) != h ||
        bgs_model_channels(s->model) != o->channels) {
        cli_error("%s: model is for %dx%d frames with %d channel(s), the input "
                  "has %dx%d with %d", o->load_model, bgs_model_width(s->model),
                  bgs_model_height(s->model), bgs_model_channels(s->model), w, h,
                  o->channels);
        return EXIT_INPUT;
    }
    bgs_params params;
    bgs_model_get_params(s->model, &params);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        if (o->params_given & (1u << key))
            bgs_params_set(&params, (bgs_param)key,
                           bgs_params_get(&o->params, (bgs_param)key));
    if (bgs_model_set_params(s->model, &params) != BGS_OK) {
        cli_error("%s: %s", o->load_model, bgs_last_error());
        return EXIT_USAGE;
    }
    return 0;
}

static int save_model(const run_state *s)
{
    char err[512];
    size_t size = bgs_model_checkpoint_size(s->model);
    uint8_t *data = malloc(size);
    if (!data) {
        cli_error("%s: out of memory for the model", s->opt->save_model);
        return EXIT_FAILURE_STATUS;
    }
    bgs_model_checkpoint(s->model, data, size);
    int failed = cli_write_file_atomic(s->opt->save_model, data, size, err, sizeof err);
    free(data);
    if (failed) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static const char *source_kind_name(frame_source_kind kind)
{
    switch (kind) {
    case FRAME_SOURCE_VIDEO: return "video";
    case FRAME_SOURCE_FOLDER: return "folder of images";
    case FRAME_SOURCE_PATTERN: return "image pattern";
    case FRAME_SOURCE_RAW: return "raw frames";
    }
    return "input";
}

/* Before the pipeline starts (the source is then the reader thread's): the
 * frames to expect, for the progress line, and with -v the set-up. */
static void describe_run(run_state *s)
{
    const run_options *o = s->opt;
    long total = frame_source_frame_count(s->src);
    if (total >= 0)
        total = total > o->start_frame - 1 ? total - (o->start_frame - 1) : 0;
    if (o->max_frames > 0 && (total < 0 || total > o->max_frames))
        total = o->max_frames;
    s->progress = (progress){.enabled = !o->quiet && isatty(STDERR_FILENO),
                             .total = total, .start = cli_now_seconds()};
    s->progress.last_draw = s->progress.start;
    if (!o->verbose || o->quiet)
        return;
    int w = bgs_model_width(s->model), h = bgs_model_height(s->model);
    double fps = s->fps;
    char rate[48] = "no frame rate", count[48] = "length unknown";
    if (fps > 0)
        snprintf(rate, sizeof rate, "%.2f frames/s", fps);
    if (total >= 0)
        snprintf(count, sizeof count, "%ld frames to process", total);
    fprintf(stderr, "bgsub: input %s: %s, %dx%d, %s, %s\n", input_name(o),
            source_kind_name(frame_source_get_kind(s->src)), w, h, rate, count);
    size_t bytes = bgs_model_bytes_per_pixel(s->model);
    bgs_params params;
    bgs_model_get_params(s->model, &params);
    fprintf(stderr, "bgsub: model: %s, %d components, kernel %s, %d thread%s, "
            "%zu bytes/pixel (%.1f MB)%s\n",
            bgs_model_channels(s->model) == 1 ? "gray" : "colour", params.components,
            bgs_model_kernel_name(s->model), bgs_model_threads(s->model),
            bgs_model_threads(s->model) == 1 ? "" : "s", bytes,
            (double)bytes * w * h / 1e6, o->load_model ? ", loaded" : "");
    if (o->output_dir)
        fprintf(stderr, "bgsub: output: masks %s/%s, %d writer thread%s\n",
                o->output_dir, o->mask_pattern, o->writers, o->writers == 1 ? "" : "s");
    else if (!s->streams)
        fprintf(stderr, "bgsub: output: no masks written\n");
    stream_outputs_describe(s->streams, stderr);
}

static int open_run(run_state *s, const run_options *o, preview *pv)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->opt = o;
    s->preview = pv;
    if (o->raw_spec) {
        frame_source_raw_format format = o->raw;
        format.fps = o->fps;
        s->src = frame_source_open_raw(o->input, &format, o->channels, err, sizeof err);
    } else {
        s->src = frame_source_open(o->input, o->channels, err, sizeof err);
    }
    if (!s->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    frame_source_set_skip_bad(s->src, o->skip_bad);
    frame_source_set_interrupt(s->src, &stop_requested);
    if (o->start_frame > 1) {
        long skipped = frame_source_skip(s->src, o->start_frame - 1, err, sizeof err);
        if (skipped < 0) {
            cli_error("%s", err);
            return EXIT_INPUT;
        }
        if (skipped < o->start_frame - 1) {
            cli_error("%s: --start-frame %ld is past the last frame (%ld)",
                      input_name(o), o->start_frame, skipped);
            return EXIT_INPUT;
        }
    }
    int w = frame_source_width(s->src), h = frame_source_height(s->src);
    s->fps = frame_source_fps(s->src) > 0 ? frame_source_fps(s->src) : o->fps;
    int status = 0;
    if (o->load_model) {
        status = load_model(s, w, h);
    } else if (!(s->model = bgs_model_create(w, h, o->channels, &o->params))) {
        cli_error("%s: %s", input_name(o), bgs_last_error());
        status = EXIT_FAILURE_STATUS;
    }
    if (status)
        return status;
    /* Times in seconds among the model's parameters (absorb-after) count
     * the input's frames: its own rate, else --fps, else the library's
     * default (25). */
    if (s->fps > 0 && bgs_model_set_frame_rate(s->model, s->fps) != BGS_OK)
        cli_error("warning: %s; times in seconds assume %g frames/s", bgs_last_error(),
                  bgs_model_frame_rate(s->model));
    if (o->roi_path && (status = set_roi(s->model, o->roi_path)) != 0)
        return status;
    if (bgs_model_set_threads(s->model, o->threads) != BGS_OK)
        cli_error("warning: %s; running on one thread", bgs_last_error());
    if (o->output_dir && cli_make_dirs(o->output_dir) != 0) {
        cli_error("%s: cannot create output folder: %s", o->output_dir,
                  strerror(errno));
        return EXIT_OUTPUT;
    }
    s->background = malloc((size_t)w * h * o->channels);
    if (!s->background) {
        cli_error("out of memory for %dx%d frames", w, h);
        return EXIT_FAILURE_STATUS;
    }
    stream_outputs_config streams = {
        .width = w, .height = h, .channels = o->channels, .fps = s->fps,
        .video_fps = s->fps > 0 ? s->fps : DEFAULT_VIDEO_FPS,
        .masks_to_stdout = o->masks_to_stdout, .mask_video = o->mask_video,
        .overlay_video = o->overlay_video, .blobs_path = o->blobs_path,
        .min_blob_area = o->min_blob_area, .force = o->force};
    status = stream_outputs_open(&streams, &s->streams, err, sizeof err);
    if (status) {
        cli_error("%s", err);
        return status;
    }
    if (pv && preview_begin(pv, w, h, o->channels, s->fps,
                            frame_source_frame_count(s->src), err, sizeof err)) {
        cli_error("--show: %s", err);
        return EXIT_FAILURE_STATUS;
    }
    describe_run(s);
    s->out = (mask_output){o, w, h};
    pipeline_config cfg = {s->src, o->max_frames, o->writers,
                           o->output_dir ? write_mask : NULL, &s->out,
                           s->streams ? stream_outputs_write : NULL, s->streams,
                           stream_outputs_wants_frames(s->streams),
                           &stop_requested};
    s->pipe = pipeline_start(&cfg, err, sizeof err);
    if (!s->pipe) {
        cli_error("%s", err);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* Stops the threads, writing every queued mask, and finishes the stream
 * outputs (their frames so far are kept, also after an interrupt or an
 * input error); a failed write's message is printed here. Returns the
 * status to end with. */
static int finish_pipeline(run_state *s, int status)
{
    char err[512];
    if (!s->pipe)
        return status;
    int write_status = pipeline_finish(s->pipe, err, sizeof err);
    s->pipe = NULL;
    s->stats.bad_frames = frame_source_bad_frames(s->src);
    char stream_err[512];
    int stream_status = stream_outputs_finish(s->streams, 1, stream_err, sizeof stream_err);
    s->streams = NULL;
    if (stream_status && !write_status && !status) {
        cli_error("%s", stream_err);
        return stream_status;
    }
    /* One line per run: a writer's failure is printed unless another error
     * was printed first. */
    if (write_status && (status == 0 || s->write_failed)) {
        cli_error("%s", err);
        return write_status;
    }
    return status;
}

static void close_run(run_state *s)
{
    finish_pipeline(s, 0);
    stream_outputs_finish(s->streams, 0, NULL, 0); /* the pipeline never started */
    free(s->stats.per_frame);
    free(s->background);
    bgs_model_free(s->model);
    if (s->src)
        frame_source_close(s->src);
    preview_close(s->preview);
}

static int frame_loop(run_state *s)
{
    const run_options *o = s->opt;
    int status = 0;
    while (status == 0 && !stop_requested && !s->quit) {
        pipeline_frame *frame;
        int got = pipeline_next(s->pipe, &frame);
        if (got < 0 && !stop_requested) {
            cli_error("%s", pipeline_error(s->pipe));
            status = EXIT_INPUT;
        }
        if (got <= 0)
            break;
        status = process_frame(s, frame);
        pipeline_release(s->pipe, frame);
        if (status == 0)
            progress_update(s);
    }
    cli_progress_clear();
    status = finish_pipeline(s, status);
    if (status)
        return status;
    if (s->stats.frames == 0 && !stop_requested) {
        cli_error("%s: no frames to process", input_name(o));
        return EXIT_INPUT;
    }
    if (s->preview && o->snapshot_at > preview_last_frame(s->preview) && !o->quiet)
        cli_error("--snapshot-at %ld: the run ended at frame %ld; no snapshot taken",
                  o->snapshot_at, preview_last_frame(s->preview));
    if (o->background_final) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", o->output_dir, BACKGROUND_FINAL);
        status = write_background(o, s->model, s->background, path);
    }
    if (status == 0 && o->save_model)
        status = save_model(s);
    if (status)
        return status;
    return stop_requested ? EXIT_INTERRUPTED : 0;
}

/* Where the masks went, for the summary: "masks in out", "masks on
 * stdout, mask video m.mkv", ... or "no masks written". */
static void describe_destinations(const run_options *o, char *buf, size_t size)
{
    const char *labels[] = {"masks in ", "masks on stdout", "mask video ",
                            "overlay video ", "blobs in "};
    const char *values[] = {o->output_dir, o->masks_to_stdout ? "" : NULL,
                            o->mask_video, o->overlay_video, o->blobs_path};
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < 5; i++) {
        if (!values[i] || used >= size)
            continue;
        int is_stdout = i == 4 && strcmp(values[i], "-") == 0;
        int n = snprintf(buf + used, size - used, "%s%s%s", used ? ", " : "",
                         is_stdout ? "blobs on stdout" : labels[i],
                         is_stdout ? "" : values[i]);
        used = n < 0 ? size : used + (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, size, "no masks written");
}

static void print_summary(const run_state *s)
{
    const run_stats *st = &s->stats;
    double fps = st->total_seconds > 0 ? st->frames / st->total_seconds : 0;
    double model_fps = st->model_seconds > 0 ? st->frames / st->model_seconds : 0;
    double fg = st->frames ? 100.0 * st->foreground_sum / st->frames : 0;
    char bad[128] = "", where[2048];
    long relearns = bgs_model_relearn_count(s->model);
    if (st->bad_frames)
        snprintf(bad, sizeof bad, ", %ld undecodable frames skipped", st->bad_frames);
    if (relearns) /* a global change is news: the masks were blanked */
        snprintf(bad + strlen(bad), sizeof bad - strlen(bad),
                 ", %ld sudden global changes re-learnt", relearns);
    describe_destinations(s->opt, where, sizeof where);
    fprintf(stderr,
            "bgsub: %ld frames (%ld learning) %dx%d in %.2f s: %.1f frames/s "
            "(model alone %.1f frames/s), mean foreground %.2f%%, %s%s%s\n",
            st->frames, st->learning_frames, bgs_model_width(s->model),
            bgs_model_height(s->model), st->total_seconds, fps, model_fps, fg,
            where, bad, stop_requested ? " (interrupted)" : "");
}

/* --stats: the run as one JSON object. */
static void stats_json(FILE *out, const run_state *s)
{
    const run_options *o = s->opt;
    const run_stats *st = &s->stats;
    double fps = st->total_seconds > 0 ? st->frames / st->total_seconds : 0;
    double model_fps = st->model_seconds > 0 ? st->frames / st->model_seconds : 0;
    fputs("{\n  \"input\": ", out);
    cli_json_string(out, o->input);
    fputs(",\n  \"output\": ", out);
    if (o->output_dir)
        cli_json_string(out, o->output_dir);
    else
        fputs("null", out);
    fprintf(out, ",\n  \"width\": %d,\n  \"height\": %d,\n  \"channels\": %d,\n"
            "  \"first_frame\": %ld,\n  \"frames\": %ld,\n  \"learning_frames\": %ld,\n"
            "  \"skipped_frames\": %ld,\n  \"relearns\": %ld,\n"
            "  \"interrupted\": %s,\n  \"seconds\": %.3f,\n"
            "  \"frames_per_second\": %.2f,\n  \"model_frames_per_second\": %.2f,\n"
            "  \"mean_foreground\": %.6f,\n  \"kernel\": \"%s\",\n  \"threads\": %d,\n"
            "  \"bytes_per_pixel\": %zu,\n  \"params\": {",
            bgs_model_width(s->model), bgs_model_height(s->model),
            bgs_model_channels(s->model), o->start_frame, st->frames,
            st->learning_frames, st->bad_frames, bgs_model_relearn_count(s->model),
            stop_requested ? "true" : "false", st->total_seconds, fps, model_fps,
            st->frames ? st->foreground_sum / st->frames : 0.0,
            bgs_model_kernel_name(s->model), bgs_model_threads(s->model),
            bgs_model_bytes_per_pixel(s->model));
    bgs_params params; /* the model's own: --load-model and preview keys count */
    bgs_model_get_params(s->model, &params);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        fprintf(out, "%s\"%s\": %.7g", key ? ", " : "",
                bgs_param_get_info((bgs_param)key)->name,
                bgs_params_get(&params, (bgs_param)key));
    fputs("},\n  \"frame_numbers\": [", out);
    for (long i = 0; i < st->frames; i++)
        fprintf(out, "%s%ld", i ? ", " : "", st->per_frame[i].number);
    fputs("],\n  \"foreground\": [", out);
    for (long i = 0; i < st->frames; i++)
        fprintf(out, "%s%.6f", i ? ", " : "", st->per_frame[i].foreground);
    fputs("]\n}\n", out);
}

/* --stats-csv: a header, then "frame,foreground" per frame. */
static void stats_csv(FILE *out, const run_state *s)
{
    fputs("frame,foreground\n", out);
    for (long i = 0; i < s->stats.frames; i++)
        fprintf(out, "%ld,%.6f\n", s->stats.per_frame[i].number,
                s->stats.per_frame[i].foreground);
}

/* Format with writer into memory, then write it whole: to stdout for "-",
 * else atomically (a reader sees the old file or the whole new one). */
static int write_stats_file(const char *path, const run_state *s,
                            void (*writer)(FILE *, const run_state *))
{
    char *text = NULL, err[512];
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (!mem) {
        cli_error("%s: out of memory for the statistics", path);
        return EXIT_FAILURE_STATUS;
    }
    writer(mem, s);
    if (fclose(mem) != 0) {
        free(text);
        cli_error("%s: out of memory for the statistics", path);
        return EXIT_FAILURE_STATUS;
    }
    int failed;
    if (strcmp(path, "-") == 0) {
        failed = fwrite(text, 1, size, stdout) != size || fflush(stdout) != 0;
        if (failed)
            snprintf(err, sizeof err, "stdout: cannot write the statistics: %s",
                     strerror(errno));
    } else {
        failed = cli_write_file_atomic(path, text, size, err, sizeof err) != 0;
    }
    free(text);
    if (failed) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int write_stats(const run_state *s)
{
    int status = 0;
    if (s->opt->stats_path)
        status = write_stats_file(s->opt->stats_path, s, stats_json);
    if (status == 0 && s->opt->stats_csv_path)
        status = write_stats_file(s->opt->stats_csv_path, s, stats_csv);
    return status;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cmd_run_check_options(int argc, char **argv)
{
    run_options opt;
    int status = parse_run_options(argc, argv, &opt);
    return status < 0 ? 0 : status;
}

/* One input from start to end: its own source, model and outputs. */
static int run_one_input(const run_options *opt, preview *pv)
{
    double t0 = cli_now_seconds();
    run_state s;
    int status = open_run(&s, opt, pv);
    if (status == 0) {
        status = frame_loop(&s);
        s.stats.total_seconds = cli_now_seconds() - t0;
        if (status == 0 || status == EXIT_INTERRUPTED) {
            int stats_status = write_stats(&s);
            status = stats_status ? stats_status : status;
        }
        if (!opt->quiet && (status == 0 || status == EXIT_INTERRUPTED))
            print_summary(&s);
    }
    close_run(&s);
    return status;
}

/* The options of input i of several: its folder DIR/NAME, and the file
 * options (plain names, checked) inside that folder. */
typedef struct input_paths {
    char dir[PATH_MAX], stats[PATH_MAX], stats_csv[PATH_MAX], model[PATH_MAX];
    char mask_video[PATH_MAX], overlay_video[PATH_MAX], blobs[PATH_MAX];
} input_paths;

/* buf = dir/name (NULL stays NULL); *too_long is set if it does not fit. */
static const char *in_folder(char *buf, const char *dir, const char *name,
                             int *too_long)
{
    if (!name)
        return NULL;
    int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
    *too_long |= n < 0 || n >= PATH_MAX;
    return buf;
}

/* 0, or EXIT_OUTPUT (printed) if a path does not fit. */
static int options_for_input(const run_options *all, int i, run_options *one,
                             input_paths *paths)
{
    char name[256];
    int too_long = 0;
    *one = *all;
    one->input = all->inputs[i];
    run_input_folder_name(one->input, name, sizeof name); /* checked by the parser */
    one->output_dir = in_folder(paths->dir, all->output_dir, name, &too_long);
    one->stats_path = in_folder(paths->stats, paths->dir, all->stats_path, &too_long);
    one->stats_csv_path = in_folder(paths->stats_csv, paths->dir, all->stats_csv_path,
                                    &too_long);
    one->save_model = in_folder(paths->model, paths->dir, all->save_model, &too_long);
    one->mask_video = in_folder(paths->mask_video, paths->dir, all->mask_video, &too_long);
    one->overlay_video = in_folder(paths->overlay_video, paths->dir, all->overlay_video,
                                   &too_long);
    one->blobs_path = in_folder(paths->blobs, paths->dir, all->blobs_path, &too_long);
    if (too_long)
        cli_error("%s/%s: output path too long", all->output_dir, name);
    return too_long ? EXIT_OUTPUT : 0;
}

/* Several inputs, one after the other. A failure is reported (by the run
 * itself) and the next input goes on, unless --on-error stop was given;
 * the status is the first failure's (130 if interrupted). */
static int run_several_inputs(const run_options *opt)
{
    int first_failure = 0, done = 0, failed = 0, i;
    char failed_names[512] = "";
    size_t used = 0;
    input_paths *paths = malloc(sizeof *paths);
    if (!paths) {
        cli_error("out of memory");
        return EXIT_FAILURE_STATUS;
    }
    for (i = 0; i < opt->input_count && !stop_requested; i++) {
        run_options one;
        int status = options_for_input(opt, i, &one, paths);
        if (status == 0)
            status = run_one_input(&one, NULL);
        if (status == EXIT_INTERRUPTED || stop_requested) {
            first_failure = EXIT_INTERRUPTED;
            i++;
            break;
        }
        if (status == 0) {
            done++;
            continue;
        }
        failed++;
        first_failure = first_failure ? first_failure : status;
        if (used < sizeof failed_names) {
            int n = snprintf(failed_names + used, sizeof failed_names - used, "%s%s",
                             used ? ", " : "", input_name(&one));
            used = n < 0 ? sizeof failed_names : used + (size_t)n;
        }
        if (opt->on_error_given && !opt->skip_bad) { /* --on-error stop */
            i++;
            break;
        }
    }
    free(paths);
    int not_run = opt->input_count - i;
    if (!opt->quiet) {
        char rest[64] = "";
        if (not_run > 0)
            snprintf(rest, sizeof rest, ", %d not run", not_run);
        fprintf(stderr, "bgsub: %d inputs: %d done, %d failed%s%s%s%s%s\n",
                opt->input_count, done, failed, failed ? " (" : "", failed_names,
                failed ? ")" : "", rest, stop_requested ? " (interrupted)" : "");
    }
    return first_failure;
}

int cmd_run(int argc, char **argv)
{
    run_options opt;
    int status = parse_run_options(argc, argv, &opt);
    if (status >= 0)
        return status;

    install_signal_handlers();
    if (opt.input_count > 1)
        return run_several_inputs(&opt);
    preview *pv = NULL;
    if (opt.show) { /* before any work, so a missing display fails first */
        char err[512];
        preview_config pc = {
            .title = opt.input, .realtime = opt.realtime != 0,
            .default_fps = PREVIEW_DEFAULT_FPS, .snapshot_at = opt.snapshot_at,
            .snapshot_path = opt.snapshot_path, .snapshot_dir = opt.output_dir,
            .quiet = opt.quiet, .stop = &stop_requested};
        if (!(pv = preview_open(&pc, err, sizeof err))) {
            cli_error("--show: %s", err);
            return EXIT_DISPLAY;
        }
    }
    return run_one_input(&opt, pv);
}
