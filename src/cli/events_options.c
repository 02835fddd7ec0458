/*
 * events_options.c - the options of `bgsub events`: its usage, the parsing
 * of each option and the checks of what they mean together.
 */
#include "cli/cli.h"
#include "cli/events.h"
#include "cli/run_inputs.h"
#include "bgsub.h"
#include "io/output_file.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>

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
"  -j, --threads N           model threads (default 0: one per core, one for\n"
"                            frames under 1280x720)\n"
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
const char *events_clip_extension(const char *input)
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
    for (const char *c = events_clip_extension(o->input); *c && n + 3 < sizeof clips; c++) {
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
int events_parse_options(int argc, char **argv, events_options *o)
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
