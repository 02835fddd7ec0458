/*
 * cmd_run.c - `bgsub [options] INPUT -o DIR`: run the background model over
 * a video or an image sequence and write one mask PNG per frame.
 *
 * This file parses the options and drives the loop; decoding lives in
 * src/io/frame_source.c, PNG writing in src/io/image_io.c, and the model in
 * libbgsub.
 */
#include "cli/cli.h"
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
    bgs_params params;
} run_options;

typedef struct run_stats {
    long frames;            /* frames given to the model */
    long learning_frames;   /* of which inside the learning phase */
    double foreground_sum;  /* sum of per-frame foreground fractions */
    double model_seconds;   /* time spent in bgs_model_apply */
    double total_seconds;
} run_stats;

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

enum {
    OPT_HELP = 1000, OPT_VERSION, OPT_GRAY, OPT_COLOR, OPT_START, OPT_FRAMES,
    OPT_MASK_PATTERN, OPT_BG_EVERY, OPT_BG_FINAL, OPT_FORCE,
    OPT_PARAM_BASE = 2000, /* + bgs_param key */
};

static void print_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub [options] INPUT -o DIR\n"
"       bgsub eval SEQ_DIR MASK_DIR [--json]\n"
"       bgsub segment IMAGE -o MASK.png   (bgsub segment --help)\n"
"\n"
"Background subtraction with a per-pixel Gaussian mixture (Stauffer-Grimson).\n"
"INPUT is a video file (anything FFmpeg reads), a folder of PNG/JPEG images\n"
"(a ChangeDetection.net sequence folder works as it is), or a printf pattern\n"
"such as input/in%%06d.jpg. One 8-bit PNG mask per frame is written to DIR:\n"
"0 background, 255 foreground.\n"
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
"  -q, --quiet               no summary on stderr\n"
"  -h, --help                this help\n"
"  -V, --version             print the version\n"
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
"unreadable, 4 output cannot be written, 1 other failure, 130 interrupted\n"
"(SIGINT/SIGTERM: the current frame is finished and the masks so far kept).\n");
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

static int parse_count(const char *opt, const char *text, long min, long *out)
{
    if (cli_parse_long(text, out) != 0 || *out < min) {
        cli_error("%s needs a whole number >= %ld, not '%s'", opt, min, text);
        return -1;
    }
    return 0;
}

static int parse_param(bgs_params *params, int key, const char *text)
{
    const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
    double value;
    if (cli_parse_double(text, &value) != 0) {
        cli_error("--%s needs a number, not '%s'", info->name, text);
        return -1;
    }
    if (bgs_params_set(params, (bgs_param)key, value) != BGS_OK) {
        cli_error("--%s: %s", info->name, bgs_last_error());
        return -1;
    }
    return 0;
}

/* Returns -1 to go on, or an exit status (help, version, bad usage). */
static int parse_run_options(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->mask_pattern = DEFAULT_MASK_PATTERN;
    o->channels = 3;
    o->start_frame = 1;
    bgs_params_default(&o->params);

    struct option *longopts = build_long_options();
    optind = 1;
    opterr = 0; /* we print our own one-line messages */
    int c;
    while ((c = getopt_long(argc, argv, ":o:hVfq", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output_dir = optarg; break;
        case 'h': print_usage(stdout); return EXIT_OK_STATUS;
        case 'V': printf("bgsub %s\n", bgs_version()); return EXIT_OK_STATUS;
        case 'f': o->force = 1; break;
        case 'q': o->quiet = 1; break;
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
                if (parse_param(&o->params, c - OPT_PARAM_BASE, optarg)) return EXIT_USAGE;
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
    if (!o->output_dir) {
        cli_error("no output folder: give -o DIR");
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

/* Write one PNG unless it exists and --force was not given. Returns an exit
 * status (0 on success). */
static int write_png(const run_options *o, const char *path,
                     const uint8_t *data, int w, int h, int channels,
                     ptrdiff_t stride)
{
    char err[512];
    if (!o->force && access(path, F_OK) == 0) {
        cli_error("%s: already exists (use --force to overwrite)", path);
        return EXIT_OUTPUT;
    }
    if (image_save_png(path, data, w, h, channels, stride, MASK_COMPRESSION,
                       err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int write_background(const run_options *o, bgs_model *model,
                            uint8_t *buf, const char *path)
{
    int w = bgs_model_width(model), h = bgs_model_height(model);
    int ch = bgs_model_channels(model);
    bgs_model_background(model, buf, (ptrdiff_t)w * ch);
    return write_png(o, path, buf, w, h, ch, (ptrdiff_t)w * ch);
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
    frame_source *src;
    bgs_model *model;
    uint8_t *mask;
    uint8_t *background;
    run_stats stats;
} run_state;

static int process_frame(run_state *s, const uint8_t *frame, ptrdiff_t stride,
                         long number)
{
    const run_options *o = s->opt;
    int w = bgs_model_width(s->model), h = bgs_model_height(s->model);
    char path[PATH_MAX];

    if (bgs_model_is_learning(s->model))
        s->stats.learning_frames++;
    double t0 = now_seconds();
    if (bgs_model_apply(s->model, frame, stride, s->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame_source_current_name(s->src), bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    s->stats.model_seconds += now_seconds() - t0;
    s->stats.frames++;
    s->stats.foreground_sum += foreground_fraction(s->mask, (size_t)w * h);

    if (cli_frame_path(path, sizeof path, o->output_dir, o->mask_pattern, number)) {
        cli_error("%s: output path too long", o->output_dir);
        return EXIT_OUTPUT;
    }
    int status = write_png(o, path, s->mask, w, h, 1, w);
    if (status == 0 && o->background_every > 0 &&
        s->stats.frames % o->background_every == 0) {
        cli_frame_path(path, sizeof path, o->output_dir, BACKGROUND_PATTERN, number);
        status = write_background(o, s->model, s->background, path);
    }
    return status;
}

static int open_run(run_state *s, const run_options *o)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->opt = o;
    s->src = frame_source_open(o->input, o->channels, err, sizeof err);
    if (!s->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
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
    if (cli_make_dirs(o->output_dir) != 0) {
        cli_error("%s: cannot create output folder: %s", o->output_dir,
                  strerror(errno));
        return EXIT_OUTPUT;
    }
    int w = frame_source_width(s->src), h = frame_source_height(s->src);
    s->model = bgs_model_create(w, h, o->channels, &o->params);
    if (!s->model) {
        cli_error("%s: %s", o->input, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    s->mask = malloc((size_t)w * h);
    s->background = malloc((size_t)w * h * o->channels);
    if (!s->mask || !s->background) {
        cli_error("out of memory for %dx%d frames", w, h);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

static void close_run(run_state *s)
{
    free(s->mask);
    free(s->background);
    bgs_model_free(s->model);
    if (s->src)
        frame_source_close(s->src);
}

static int frame_loop(run_state *s)
{
    const run_options *o = s->opt;
    char err[512];
    long number = o->start_frame;
    while (!stop_requested && (o->max_frames == 0 || s->stats.frames < o->max_frames)) {
        const uint8_t *frame;
        ptrdiff_t stride;
        int got = frame_source_read(s->src, &frame, &stride, err, sizeof err);
        if (got < 0) {
            cli_error("%s", err);
            return EXIT_INPUT;
        }
        if (got == 0)
            break;
        int status = process_frame(s, frame, stride, number++);
        if (status != 0)
            return status;
    }
    if (s->stats.frames == 0 && !stop_requested) {
        cli_error("%s: no frames to process", o->input);
        return EXIT_INPUT;
    }
    if (o->background_final) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", o->output_dir, BACKGROUND_FINAL);
        int status = write_background(o, s->model, s->background, path);
        if (status != 0)
            return status;
    }
    return stop_requested ? EXIT_INTERRUPTED : 0;
}

static void print_summary(const run_state *s)
{
    const run_stats *st = &s->stats;
    double fps = st->total_seconds > 0 ? st->frames / st->total_seconds : 0;
    double model_fps = st->model_seconds > 0 ? st->frames / st->model_seconds : 0;
    double fg = st->frames ? 100.0 * st->foreground_sum / st->frames : 0;
    fprintf(stderr,
            "bgsub: %ld frames (%ld learning) %dx%d in %.2f s: %.1f frames/s "
            "(model alone %.1f frames/s), mean foreground %.2f%%, masks in %s%s\n",
            st->frames, st->learning_frames, bgs_model_width(s->model),
            bgs_model_height(s->model), st->total_seconds, fps, model_fps, fg,
            s->opt->output_dir, stop_requested ? " (interrupted)" : "");
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

int cmd_run(int argc, char **argv)
{
    run_options opt;
    int status = parse_run_options(argc, argv, &opt);
    if (status >= 0)
        return status;

    install_signal_handlers();
    double t0 = now_seconds();
    run_state s;
    status = open_run(&s, &opt);
    if (status == 0) {
        status = frame_loop(&s);
        s.stats.total_seconds = now_seconds() - t0;
        if (!opt.quiet && (status == 0 || status == EXIT_INTERRUPTED))
            print_summary(&s);
    }
    close_run(&s);
    return status;
}
