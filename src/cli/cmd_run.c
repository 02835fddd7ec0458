/*
 * cmd_run.c - `bgsub [options] INPUT -o DIR`: run the background model over
 * a video or an image sequence and write one mask PNG per frame.
 *
 * This file parses the options and drives the loop; decoding lives in
 * src/io/frame_source.c, PNG writing in src/io/image_io.c, and the model in
 * libbgsub.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "cli/preview.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/image_io.h"

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

typedef struct run_options {
    const char *input;
    const char *output_dir;
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
    OPT_STATS, OPT_STATS_CSV,
    OPT_PARAM_BASE = 2000, /* + bgs_param key */
};

static void print_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub [options] INPUT -o DIR\n"
"       bgsub --show [options] INPUT [-o DIR]\n"
"       bgsub eval SEQ_DIR MASK_DIR [--json]\n"
"       bgsub segment IMAGE -o MASK.png   (bgsub segment --help)\n"
"\n"
"Background subtraction with a per-pixel Gaussian mixture (Stauffer-Grimson).\n"
"INPUT is a video file (anything FFmpeg reads), a folder of PNG/JPEG images\n"
"(a ChangeDetection.net sequence folder works as it is), or a printf pattern\n"
"such as input/in%%06d.jpg, or a camera (/dev/video0) or stream URL (rtsp://,\n"
"http://) to watch with --show. One 8-bit PNG mask per frame is written to\n"
"DIR: 0 background, 255 foreground.\n"
"\n"
"Input and output:\n"
"  -o, --output DIR          folder for the masks (created if missing)\n"
"      --mask-pattern PAT    mask file names (default bin%%06d.png),\n"
"                            numbered by input frame, from 1\n"
"      --gray                model gray levels (1 channel)\n"
"      --color               model RGB colour (3 channels, the default)\n"
"      --start-frame N       first frame to process, counted from 1 (default 1)\n"
"      --frames N            process at most N frames (default all)\n"
"      --background-every M  also write the background image bg%%06d.png every\n"
"                            M frames\n"
"      --background          write the final background image background.png\n"
"  -f, --force               overwrite masks that already exist\n"
"      --on-error skip|stop  a frame that cannot be decoded: pass over it\n"
"                            (counted in the summary) or stop with exit\n"
"                            status 3 (default stop)\n"
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
"Model parameters (default, bounds):\n");
    for (int key = 0; key < BGS_PARAM_COUNT; key++) {
        const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
        char opt[64];
        snprintf(opt, sizeof opt, "--%s %s", info->name,
                 info->is_integer ? "N" : "X");
        fprintf(out, "      %-22s%s (%g, %g..%g)\n", opt, info->description,
                info->default_value, info->min_value, info->max_value);
    }
    fprintf(out,
"\n"
"Exit status: 0 success, 2 bad option or parameter, 3 input missing or\n"
"unreadable, 4 output cannot be written, 5 --show cannot open a window (no\n"
"display), 1 other failure, 130 interrupted (SIGINT/SIGTERM: the current\n"
"frame is finished and the masks so far kept).\n");
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
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    static struct option all[sizeof fixed / sizeof fixed[0] + BGS_PARAM_COUNT + 1];
    memcpy(all, fixed, sizeof fixed);
    for (int key = 0; key < BGS_PARAM_COUNT; key++) {
        struct option *o = &all[nfixed + key];
        o->name = bgs_param_get_info((bgs_param)key)->name;
        o->has_arg = required_argument;
        o->flag = NULL;
        o->val = OPT_PARAM_BASE + key;
    }
    memset(&all[nfixed + BGS_PARAM_COUNT], 0, sizeof(struct option));
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
    const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
    double value;
    if (cli_parse_double(text, &value) != 0) {
        cli_error("--%s needs a number, not '%s'", info->name, text);
        return -1;
    }
    if (bgs_params_set(&o->params, (bgs_param)key, value) != BGS_OK) {
        cli_error("--%s: %s", info->name, bgs_last_error());
        return -1;
    }
    o->params_given |= 1u << key;
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
    if (optind >= argc) {
        cli_error("no input given (usage: bgsub [options] INPUT -o DIR; see --help)");
        return EXIT_USAGE;
    }
    if (argc - optind > 1) {
        cli_error("one input at a time: '%s' is extra", argv[optind + 1]);
        return EXIT_USAGE;
    }
    o->input = argv[optind];
    if (cli_refuse_empty_names("INPUT", "a file, folder or pattern", o->input,
                               "-o", "a folder name", o->output_dir,
                               "--save-model", "a file name", o->save_model,
                               "--load-model", "a file name", o->load_model,
                               (const char *)NULL))
        return EXIT_USAGE;
    if (!o->output_dir && !o->show) {
        cli_error("no output folder: give -o DIR (or --show to watch only)");
        return EXIT_USAGE;
    }
    if (!o->output_dir && (o->background_every || o->background_final)) {
        cli_error("--background and --background-every need -o DIR");
        return EXIT_USAGE;
    }
    if (!o->show && (o->realtime >= 0 || o->snapshot_at)) {
        cli_error("%s only works with --show",
                  o->snapshot_at ? "--snapshot-at" : "--realtime/--no-realtime");
        return EXIT_USAGE;
    }
    if (o->stats_path && o->stats_csv_path && strcmp(o->stats_path, "-") == 0 &&
        strcmp(o->stats_csv_path, "-") == 0) {
        cli_error("--stats and --stats-csv cannot both write to stdout");
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

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "PATH: already exists" unless --force; 0 if the file may be written. */
static int refuse_overwrite(const run_options *o, const char *path, char *err,
                            size_t errlen)
{
    if (o->force || access(path, F_OK) != 0)
        return 0;
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
    size_t fg = 0;
    for (size_t i = 0; i < pixels; i++)
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
    double now = now_seconds();
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
    double t0 = now_seconds();
    if (bgs_model_apply(s->model, frame->data, frame->stride, s->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame->name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    s->stats.model_seconds += now_seconds() - t0;
    s->stats.frames++;
    double foreground = foreground_fraction(s->mask, (size_t)w * h);
    s->stats.foreground_sum += foreground;
    if ((o->stats_path || o->stats_csv_path) && record_frame(s, number, foreground))
        return EXIT_FAILURE_STATUS;

    /* A failed write reports its status here, a frame or two later; the
     * message comes from pipeline_finish. */
    int status = pipeline_write(s->pipe, s->mask, number);
    s->write_failed = status != 0;
    if (status == 0 && o->background_every > 0 &&
        s->stats.frames % o->background_every == 0) {
        char path[PATH_MAX];
        cli_frame_path(path, sizeof path, o->output_dir, BACKGROUND_PATTERN, number);
        status = write_background(o, s->model, s->background, path);
    }
    return status == 0 ? show_frame(s, frame->data, frame->stride, number) : status;
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
                             .total = total, .start = now_seconds()};
    s->progress.last_draw = s->progress.start;
    if (!o->verbose || o->quiet)
        return;
    int w = bgs_model_width(s->model), h = bgs_model_height(s->model);
    double fps = frame_source_fps(s->src);
    char rate[48] = "no frame rate", count[48] = "length unknown";
    if (fps > 0)
        snprintf(rate, sizeof rate, "%.2f frames/s", fps);
    if (total >= 0)
        snprintf(count, sizeof count, "%ld frames to process", total);
    fprintf(stderr, "bgsub: input %s: %s, %dx%d, %s, %s\n", o->input,
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
    else
        fprintf(stderr, "bgsub: output: no masks written\n");
}

static int open_run(run_state *s, const run_options *o, preview *pv)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->opt = o;
    s->preview = pv;
    s->src = frame_source_open(o->input, o->channels, err, sizeof err);
    if (!s->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    frame_source_set_skip_bad(s->src, o->skip_bad);
    if (o->start_frame > 1) {
        long skipped = frame_source_skip(s->src, o->start_frame - 1, err, sizeof err);
        if (skipped < 0) {
            cli_error("%s", err);
            return EXIT_INPUT;
        }
        if (skipped < o->start_frame - 1) {
            cli_error("%s: --start-frame %ld is past the last frame (%ld)",
                      o->input, o->start_frame, skipped);
            return EXIT_INPUT;
        }
    }
    int w = frame_source_width(s->src), h = frame_source_height(s->src);
    int status = 0;
    if (o->load_model) {
        status = load_model(s, w, h);
    } else if (!(s->model = bgs_model_create(w, h, o->channels, &o->params))) {
        cli_error("%s: %s", o->input, bgs_last_error());
        status = EXIT_FAILURE_STATUS;
    }
    if (status)
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
    if (pv && preview_begin(pv, w, h, o->channels, frame_source_fps(s->src),
                            frame_source_frame_count(s->src), err, sizeof err)) {
        cli_error("--show: %s", err);
        return EXIT_FAILURE_STATUS;
    }
    describe_run(s);
    s->out = (mask_output){o, w, h};
    pipeline_config cfg = {s->src, o->max_frames, o->writers, write_mask, &s->out};
    s->pipe = pipeline_start(&cfg, err, sizeof err);
    if (!s->pipe) {
        cli_error("%s", err);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* Stops the threads, writing every queued mask; a failed write's message is
 * printed here. Returns the status to end with. */
static int finish_pipeline(run_state *s, int status)
{
    char err[512];
    if (!s->pipe)
        return status;
    int write_status = pipeline_finish(s->pipe, err, sizeof err);
    s->pipe = NULL;
    s->stats.bad_frames = frame_source_bad_frames(s->src);
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
        cli_error("%s: no frames to process", o->input);
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

static void print_summary(const run_state *s)
{
    const run_stats *st = &s->stats;
    double fps = st->total_seconds > 0 ? st->frames / st->total_seconds : 0;
    double model_fps = st->model_seconds > 0 ? st->frames / st->model_seconds : 0;
    double fg = st->frames ? 100.0 * st->foreground_sum / st->frames : 0;
    char bad[64] = "";
    if (st->bad_frames)
        snprintf(bad, sizeof bad, ", %ld undecodable frames skipped", st->bad_frames);
    fprintf(stderr,
            "bgsub: %ld frames (%ld learning) %dx%d in %.2f s: %.1f frames/s "
            "(model alone %.1f frames/s), mean foreground %.2f%%, %s%s%s%s\n",
            st->frames, st->learning_frames, bgs_model_width(s->model),
            bgs_model_height(s->model), st->total_seconds, fps, model_fps, fg,
            s->opt->output_dir ? "masks in " : "no masks written",
            s->opt->output_dir ? s->opt->output_dir : "", bad,
            stop_requested ? " (interrupted)" : "");
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
            "  \"skipped_frames\": %ld,\n  \"interrupted\": %s,\n  \"seconds\": %.3f,\n"
            "  \"frames_per_second\": %.2f,\n  \"model_frames_per_second\": %.2f,\n"
            "  \"mean_foreground\": %.6f,\n  \"kernel\": \"%s\",\n  \"threads\": %d,\n"
            "  \"bytes_per_pixel\": %zu,\n  \"params\": {",
            bgs_model_width(s->model), bgs_model_height(s->model),
            bgs_model_channels(s->model), o->start_frame, st->frames,
            st->learning_frames, st->bad_frames, stop_requested ? "true" : "false",
            st->total_seconds, fps, model_fps,
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

int cmd_run(int argc, char **argv)
{
    run_options opt;
    int status = parse_run_options(argc, argv, &opt);
    if (status >= 0)
        return status;

    install_signal_handlers();
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
    double t0 = now_seconds();
    run_state s;
    status = open_run(&s, &opt, pv);
    if (status == 0) {
        status = frame_loop(&s);
        s.stats.total_seconds = now_seconds() - t0;
        if (status == 0 || status == EXIT_INTERRUPTED) {
            int stats_status = write_stats(&s);
            status = stats_status ? stats_status : status;
        }
        if (!opt.quiet && (status == 0 || status == EXIT_INTERRUPTED))
            print_summary(&s);
    }
    close_run(&s);
    return status;
}
