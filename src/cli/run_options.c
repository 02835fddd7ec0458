/*
 * run_options.c - the main command's options (`bgsub [options] INPUT...
 * -o DIR`): --help, the option table, parsing, and the usage checks made
 * before any work. The outputs' FILE options come from the output table
 * (outputs.h), and so do the checks on outputs.
 */
#include "cli/run_options.h"

#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/run_inputs.h"
#include "io/io_util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MASK_PATTERN "bin%06d.png"

enum {
    OPT_HELP = 1000, OPT_VERSION, OPT_GRAY, OPT_COLOR, OPT_START, OPT_FRAMES,
    OPT_MASK_PATTERN, OPT_BG_EVERY, OPT_BG_FINAL, OPT_FORCE,
    OPT_SHOW, OPT_REALTIME, OPT_NO_REALTIME, OPT_SNAPSHOT_AT,
    OPT_ON_ERROR, OPT_LOAD_MODEL, OPT_WRITERS,
    OPT_ROI, OPT_RAW, OPT_FPS, OPT_MIN_BLOB_AREA, OPT_RENUMBER,
    OPT_INPUT_FORMAT, OPT_INPUT_OPTION, OPT_TIMEOUT, OPT_RECONNECT, OPT_CONCURRENT,
    OPT_SEQUENTIAL,
    OPT_OUTPUT_BASE = 1500, /* + row of the output table (its FILE option) */
    OPT_PARAM_BASE = 2000,  /* + bgs_param key */
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
"       bgsub events INPUT... [-o FILE]   (bgsub events --help)\n"
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
"--overlay-video, --blobs and --heatmap then take a file name without a folder,\n"
"written in each input's folder. They run one after the other, or\n"
"all at the same time with --concurrent (the default when one of them is a\n"
"network stream or a camera). An input that fails is reported and the\n"
"others still run (one after the other, --on-error stop ends the run\n"
"there); the exit status is then 7 (the first failure's if none was done).\n"
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
"      --input-format NAME   read INPUT as FFmpeg's input format NAME instead\n"
"                            of probing it: mpegts, rawvideo, v4l2, ...\n"
"      --input-option KEY=VALUE  an option for FFmpeg's input, protocol or\n"
"                            device (repeatable): rtsp_transport=tcp,\n"
"                            timeout=5000000 (a protocol's, microseconds),\n"
"                            input_format=mjpeg and video_size=1280x720\n"
"                            (V4L2), video_size=640x480 and pixel_format=gray\n"
"                            (rawvideo); one no input of FFmpeg knows is an\n"
"                            error, one this input does not take a note\n"
"      --timeout SECONDS     a network stream that sends nothing for this long\n"
"                            has stalled (default %g; 0 waits for ever)\n"
"      --reconnect           a network stream that ends, breaks or stalls is\n"
"                            opened again (after 0.5 s, doubling up to 30 s)\n"
"                            until it answers; masks and outputs go on, the\n"
"                            gap is counted in the summary and --stats\n"
"      --concurrent          several inputs at the same time, each on its own\n"
"                            threads, models on one shared pool (the default\n"
"                            when an input is a network stream or a camera)\n"
"      --sequential          several inputs one after the other\n"
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
"      --mask-pattern PAT    mask file names (default bin%%06d.png), numbered\n"
"                            after the input: an image sequence's own file\n"
"                            numbers (in001460.jpg gives bin001460.png), a\n"
"                            video's frames from 1\n"
"      --renumber            number the masks of an image sequence 1, 2, 3...\n"
"                            in input order instead\n"
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
"  -j, --threads N           model threads (default 0: one per core, one for\n"
"                            frames under 1280x720)\n"
"      --writers N           mask-writing threads (default 1)\n"
"  -q, --quiet               no progress line and no summary on stderr\n"
"  -v, --verbose             describe input, model and output at the start\n"
"                            (kernel, threads, bytes per pixel, frame rate)\n"
"      --stats FILE          write the run's figures as JSON at the end (also\n"
"                            when interrupted): timing, foreground per frame,\n"
"                            parameters; - for stdout\n"
"      --stats-csv FILE      write frame,foreground per frame as CSV; - for\n"
"                            stdout\n""      --heatmap FILE.png    write a motion heat map at the end: the share of\n"
"                            frames each pixel was foreground in (after the\n"
"                            learning phase), coloured over the background,\n"
"                            with its scale\n"

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
"  playing); + / - multiply / divide alpha by 1.25; f freeze the model (alpha\n"
"  0) or thaw it; [ / ] lambda - / + 0.1 (all from the next frame); b cycle\n"
"  which pane is large; s save a PNG of the window in DIR (or the current\n"
"  folder); q or Esc quit. Quitting or\n"
"  closing the window ends the run like an interrupt, but with status 0.\n"
"\n"
"Model parameters (default; bounds):\n", FRAME_SOURCE_DEFAULT_TIMEOUT);
    cli_param_help(out, NULL);
    fprintf(out,
"\n"
"Exit status: 0 success, 2 bad option or parameter, 3 input missing or\n"
"unreadable, 4 output cannot be written, 5 --show cannot open a window (no\n"
"display), 6 a network stream ended without an end of stream (cut, or no\n"
"data for --timeout; its masks are kept), 7 several inputs and some failed,\n"
"1 other failure, 130 interrupted (SIGINT, SIGTERM or SIGHUP: the\n"
"current frame is finished, the masks so far kept and the videos finished).\n");
}

/* Long options: the fixed ones, the FILE option of each output kind, then
 * one per model parameter. */
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
        {"load-model", required_argument, NULL, OPT_LOAD_MODEL},
        {"threads", required_argument, NULL, 'j'},
        {"writers", required_argument, NULL, OPT_WRITERS},
        {"verbose", no_argument, NULL, 'v'},
        {"roi", required_argument, NULL, OPT_ROI},
        {"raw", required_argument, NULL, OPT_RAW},
        {"fps", required_argument, NULL, OPT_FPS},
        {"min-blob-area", required_argument, NULL, OPT_MIN_BLOB_AREA},
        {"renumber", no_argument, NULL, OPT_RENUMBER},
        {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
        {"input-option", required_argument, NULL, OPT_INPUT_OPTION},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"reconnect", no_argument, NULL, OPT_RECONNECT},
        {"concurrent", no_argument, NULL, OPT_CONCURRENT},
        {"sequential", no_argument, NULL, OPT_SEQUENTIAL},
    };
    enum { NFIXED = sizeof fixed / sizeof fixed[0] };
    static struct option with_outputs[NFIXED + OUTPUT_KINDS_MAX];
    static struct option all[NFIXED + OUTPUT_KINDS_MAX + BGS_PARAM_COUNT + 1];
    size_t n = NFIXED;
    memcpy(with_outputs, fixed, sizeof fixed);
    for (int k = 0; k < output_kind_count; k++)
        if (output_kinds[k]->option)
            with_outputs[n++] = (struct option){output_kinds[k]->option, required_argument,
                                                NULL, OPT_OUTPUT_BASE + k};
    cli_long_options(all, with_outputs, n, OPT_PARAM_BASE);
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
    for (int k = 0; k < output_kind_count && !status; k++)
        if (output_kinds[k]->option)
            status = refuse_folder_in_name(output_kinds[k]->name, o->output_path[k]);
    char err[1024];
    if (status == 0 &&
        run_inputs_check_names(o->inputs, o->input_count, o->output_dir, err, sizeof err)) {
        cli_error("%s", err);
        status = EXIT_USAGE;
    }
    return status;
}

/* "no output: give -o DIR, ... (or --mask-video, ...; --show to watch only)" */
static int refuse_no_output(const run_options *o)
{
    char options[512] = "";
    size_t used = 0;
    for (int k = 0; k < output_kind_count; k++) {
        if (output_wanted(o, k))
            return 0;
        if (output_kinds[k]->option && used < sizeof options)
            used += (size_t)snprintf(options + used, sizeof options - used, "%s%s",
                                     used ? ", " : "", output_kinds[k]->name);
    }
    if (o->show)
        return 0;
    cli_error("no output: give -o DIR, or -o - for stdout (or %s; --show to watch only)",
              options);
    return EXIT_USAGE;
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
                               "--load-model", "a file name", o->load_model,
                               "--roi", "an image file name", o->roi_path,
                               (const char *)NULL))
        return EXIT_USAGE;
    for (int k = 0; k < output_kind_count; k++)
        if (output_kinds[k]->option &&
            cli_refuse_empty_names(output_kinds[k]->name, "a file name", o->output_path[k],
                                   (const char *)NULL))
            return EXIT_USAGE;
    if (o->output_dir && strcmp(o->output_dir, "-") == 0) {
        o->masks_to_stdout = 1;
        o->output_dir = NULL;
    }
    /* Any output will do: a run that only counts foreground (--stats-csv)
     * or only learns a background (--save-model) is a real use. */
    int status = refuse_no_output(o);
    if (status)
        return status;
    if (!o->output_dir && (o->background_every || o->background_final)) {
        cli_error("--background and --background-every need -o DIR");
        return EXIT_USAGE;
    }
    if ((status = outputs_check(o)) != 0)
        return status;
    if (o->input_count > 1)
        return check_several_inputs(o);
    return 0;
}

/* Returns -1 to go on, or an exit status (help, version, bad usage). */
int run_options_parse(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->mask_pattern = DEFAULT_MASK_PATTERN;
    o->channels = 3;
    o->start_frame = 1;
    o->realtime = -1;
    o->writers = 1;
    o->min_blob_area = 1;
    o->concurrent = -1;
    o->source.timeout = FRAME_SOURCE_DEFAULT_TIMEOUT;
    o->source.options = o->input_options;
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
        case OPT_RENUMBER: o->renumber = 1; break;
        case OPT_INPUT_FORMAT: o->source.format = optarg; break;
        case OPT_INPUT_OPTION:
            if (o->source.option_count == RUN_INPUT_OPTIONS_MAX) {
                cli_error("--input-option: at most %d", RUN_INPUT_OPTIONS_MAX);
                return EXIT_USAGE;
            }
            o->input_options[o->source.option_count++] = optarg;
            break;
        case OPT_TIMEOUT:
            if (cli_parse_double(optarg, &o->source.timeout) != 0 ||
                !(o->source.timeout >= 0 && o->source.timeout <= 1e6)) {
                cli_error("--timeout needs seconds from 0 (none) to 1e6, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_RECONNECT: o->source.reconnect = 1; break;
        case OPT_CONCURRENT: o->concurrent = 1; break;
        case OPT_SEQUENTIAL: o->concurrent = 0; break;
        case OPT_MIN_BLOB_AREA:
            if (parse_count("--min-blob-area", optarg, 1, &o->min_blob_area)) return EXIT_USAGE;
            break;
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
            if (!io_is_frame_pattern(optarg) || strchr(optarg, '/')) {
                cli_error("--mask-pattern '%s' must be a file name with one integer "
                          "conversion such as bin%%06d.png", optarg);
                return EXIT_USAGE;
            }
            o->mask_pattern = optarg;
            break;
        case ':':
        case '?':
            return cli_bad_option(c, argv, "bgsub");
        default:
            if (c >= OPT_PARAM_BASE && c < OPT_PARAM_BASE + BGS_PARAM_COUNT) {
                if (parse_param(o, c - OPT_PARAM_BASE, optarg)) return EXIT_USAGE;
                break;
            }
            if (c >= OPT_OUTPUT_BASE && c < OPT_OUTPUT_BASE + output_kind_count) {
                o->output_path[c - OPT_OUTPUT_BASE] = optarg;
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
    if (bgs_params_check(&o->params) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
    }
    char err[512];
    if (frame_source_check_options(&o->source, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_USAGE;
    }
    if (o->concurrent < 0) /* a live input never ends: the others cannot wait */
        for (int i = 0; i < o->input_count && o->concurrent < 0; i++)
            if (frame_source_is_live(o->inputs[i]))
                o->concurrent = 1;
    if (o->concurrent < 0)
        o->concurrent = 0;
    return -1;
}

int cmd_run_check_options(int argc, char **argv)
{
    run_options opt;
    int status = run_options_parse(argc, argv, &opt);
    return status < 0 ? 0 : status;
}
