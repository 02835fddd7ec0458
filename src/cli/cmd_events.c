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
 * by decoding and encoding again (src/io/clip_encode.c). The options are
 * events_options.c's, the report events_report.c's (events.h).
 */
#include "cli/cli.h"
#include "cli/events.h"
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
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Seconds between two redraws of the progress line. */
#define PROGRESS_INTERVAL 0.1

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
/* Durations in frames                                                      */
/* ------------------------------------------------------------------------ */

/* A duration as the frames it covers at fps. */
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
    if (bgs_model_set_threads(r->model, cli_model_threads(o->threads, r->width, r->height)) !=
            BGS_OK &&
        !o->quiet)
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

/* Refuse existing clips (without --force) before any is written. */
static int check_clip_names(const events_run *r)
{
    char path[PATH_MAX], err[PATH_MAX + 128];
    for (long i = 0; i < r->event_count; i++) {
        if (events_clip_path(r, i, path, sizeof path) != 0) {
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
        events_clip_path(r, i, paths[i], sizeof paths[i]);
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
        events_clip_path(r, i, path, sizeof path);
        if (video_cut_copy(r->opt->input, r->index, e->clip_first, last, path,
                           r->opt->force, err, sizeof err) != 0) {
            cli_error("%s", err);
            status = EXIT_OUTPUT;
        }
    }
    return status;
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
    int status = events_parse_options(argc, argv, &opt);
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
        status = events_write_report(&report);
    for (int i = 0; i < count && status == 0 && !opt.quiet; i++)
        if (ok[i])
            events_print_summary(&runs[i], count > 1);
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
