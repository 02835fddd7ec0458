/*
 * run_input.c - one input of `bgsub [options] INPUT... -o DIR` from start to
 * end: open it, the model and the outputs; hand every frame to the model
 * and its mask to the outputs (and to the preview with --show); finish.
 * cmd_run.c calls it for each input one after the other, run_concurrent.c
 * for each on a thread of its own.
 *
 * The outputs are behind one interface in outputs.c (each kind in an
 * out_*.c), the lines on stderr in run_report.c, the threads that decode
 * and write in pipeline.c, the input in src/io/frame_source.c and the
 * model in libbgsub.
 */
#include "cli/run_input.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/pipeline.h"
#include "cli/run_report.h"
#include "bgsub.h"
#include "io/frame_source.h"
#include "io/image_io.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Frame rate of the videos written when neither the input nor --fps has one. */
#define DEFAULT_VIDEO_FPS 25.0

/* Everything the frame loop owns. */
typedef struct run_state {
    const run_options *opt;
    frame_source *src;      /* read by the pipeline's reader thread only */
    bgs_model *model;
    pipeline *pipe;
    output_setup setup;
    outputs *outs;
    double fps;             /* the input's rate, else --fps, else 0 */
    uint8_t *mask;          /* the mask of the current frame */
    preview *preview;       /* --show, else NULL */
    int quit;               /* the preview asked to stop (q, window closed) */
    int write_failed;       /* a writer failed; its message is still to print */
    run_totals totals;
    run_progress progress;
    frame_source_options source_options; /* the source's, kept while it is open */
    run_slot *slot;         /* one input of a concurrent run, else NULL */
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

static int process_frame(run_state *s, const pipeline_frame *frame)
{
    int w = bgs_model_width(s->model), h = bgs_model_height(s->model);
    long number = frame->number; /* the input's own number (frame_source_number) */

    s->mask = pipeline_mask_buffer(s->pipe);
    if (bgs_model_is_learning(s->model))
        s->totals.learning_frames++;
    double t0 = cli_now_seconds();
    if (bgs_model_apply(s->model, frame->data, frame->stride, s->mask, w) != BGS_OK) {
        cli_error("%s: %s", frame->name, bgs_last_error());
        return EXIT_FAILURE_STATUS;
    }
    s->totals.model_seconds += cli_now_seconds() - t0;
    s->totals.frames++;
    double foreground = (double)bgs_model_foreground(s->model) / ((double)w * h);
    s->totals.foreground_sum += foreground;

    /* A failed write reports its status here, a frame or two later; the
     * message comes from pipeline_finish. */
    int status = pipeline_write(s->pipe, s->mask, number, frame);
    s->write_failed = status != 0;
    if (status == 0) {
        char err[PATH_MAX + 128];
        output_frame f = {.number = number, .position = frame->position,
                          .mask = s->mask, .model = s->model, .foreground = foreground};
        status = outputs_write_with_model(s->outs, &f, err, sizeof err);
        if (status)
            cli_error("%s", err);
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

/* What a network stream has to say (ended, reconnecting): one line. */
static void print_notice(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("%s", message);
}

/* The input, with --start-frame's frames passed over. */
static int open_input(run_state *s)
{
    const run_options *o = s->opt;
    char err[512];
    if (o->raw_spec) {
        frame_source_raw_format format = o->raw;
        format.fps = o->fps;
        s->src = frame_source_open_raw(o->input, &format, o->channels, err, sizeof err);
    } else {
        s->source_options = o->source;
        s->source_options.notice = o->quiet ? NULL : print_notice;
        /* --on-error skip: also past a broken first frame */
        s->src = o->skip_bad ? frame_source_open_skipping(o->input, o->channels,
                                                          &s->source_options, err, sizeof err)
                             : frame_source_open_with(o->input, o->channels,
                                                      &s->source_options, err, sizeof err);
    }
    if (!s->src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    frame_source_set_skip_bad(s->src, o->skip_bad);
    frame_source_set_renumber(s->src, o->renumber);
    frame_source_set_interrupt(s->src, &cli_stop);
    if (o->start_frame > 1) {
        long skipped = frame_source_skip(s->src, o->start_frame - 1, err, sizeof err);
        if (cli_stop) { /* an interrupt ended the skipping, not the input */
            cli_error("%s: interrupted while passing over the frames before "
                      "--start-frame %ld", run_input_name(o), o->start_frame);
            return EXIT_INTERRUPTED;
        }
        if (skipped < 0) {
            cli_error("%s", err);
            return EXIT_INPUT;
        }
        if (skipped < o->start_frame - 1) {
            cli_error("%s: --start-frame %ld is past the last frame (%ld)",
                      run_input_name(o), o->start_frame, skipped);
            return EXIT_INPUT;
        }
    }
    double fps = frame_source_fps(s->src);
    s->fps = fps > 0 ? fps : o->fps;
    return 0;
}

/* A new model, or --load-model's, with --roi and the threads. */
static int open_model(run_state *s, int w, int h)
{
    const run_options *o = s->opt;
    int status = 0;
    if (o->load_model) {
        status = load_model(s, w, h);
    } else if (!(s->model = bgs_model_create(w, h, o->channels, &o->params))) {
        cli_error("%s: %s", run_input_name(o), bgs_last_error());
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
    if (s->slot && s->slot->pool) { /* several inputs at once: one pool for all */
        if (bgs_model_set_pool(s->model, s->slot->pool) != BGS_OK)
            cli_error("warning: %s: %s; running on one thread", run_input_name(o),
                      bgs_last_error());
    } else if (bgs_model_set_threads(s->model, cli_model_threads(o->threads, w, h)) != BGS_OK) {
        cli_error("warning: %s; running on one thread", bgs_last_error());
    }
    return 0;
}

static int open_run(run_state *s, const run_options *o, preview *pv, run_slot *slot)
{
    char err[PATH_MAX + 128];
    memset(s, 0, sizeof *s);
    s->opt = o;
    s->preview = pv;
    s->slot = slot;
    int status = open_input(s);
    int w = status ? 0 : frame_source_width(s->src), h = status ? 0 : frame_source_height(s->src);
    if (status || (status = open_model(s, w, h)) != 0)
        return status;
    s->setup = (output_setup){.opt = o, .width = w, .height = h, .channels = o->channels,
                              .fps = s->fps,
                              .video_fps = s->fps > 0 ? s->fps : DEFAULT_VIDEO_FPS};
    if ((status = outputs_open(&s->setup, &s->outs, err, sizeof err)) != 0) {
        cli_error("%s", err);
        return status;
    }
    if (pv && preview_begin(pv, w, h, o->channels, s->fps,
                            frame_source_frame_count(s->src), err, sizeof err)) {
        cli_error("--show: %s", err);
        return EXIT_FAILURE_STATUS;
    }
    run_report_start(&s->progress, o, s->src, s->model, s->fps, s->outs);
    if (slot) { /* the concurrent run draws one progress line for all */
        s->progress.enabled = 0;
        atomic_store(&slot->total, s->progress.total);
    }
    pipeline_config cfg = {
        .src = s->src, .max_frames = o->max_frames, .writers = o->writers,
        .write = outputs_at(s->outs, OUTPUT_ANY_ORDER) ? outputs_write_any_order : NULL,
        .write_ctx = s->outs,
        .stream = outputs_at(s->outs, OUTPUT_IN_ORDER) ? outputs_write_in_order : NULL,
        .stream_ctx = s->outs, .stream_frames = outputs_need_frames(s->outs),
        .interrupt = &cli_stop};
    s->pipe = pipeline_start(&cfg, err, sizeof err);
    if (!s->pipe) {
        cli_error("%s", err);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* Stops the threads, writing every queued mask, and finishes the outputs
 * fed by them (their frames so far are kept, also after an interrupt or an
 * input error); a failed write's message is printed here. Returns the
 * status to end with. */
static int finish_pipeline(run_state *s, int status)
{
    char err[512], stream_err[512];
    if (!s->pipe)
        return status;
    int write_status = pipeline_finish(s->pipe, err, sizeof err);
    s->pipe = NULL;
    s->totals.bad_frames = frame_source_bad_frames(s->src);
    s->totals.reconnects = frame_source_reconnects(s->src);
    s->totals.gap_seconds = frame_source_gap_seconds(s->src);
    s->totals.end_problem = cli_stop ? NULL : frame_source_end_problem(s->src);
    int stream_status = outputs_finish_streams(s->outs, 1, stream_err, sizeof stream_err);
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
    outputs_close(s->outs); /* what was not finished leaves nothing behind */
    bgs_model_free(s->model);
    if (s->src)
        frame_source_close(s->src);
    preview_close(s->preview);
}

/* The frames, then the outputs finished; started at t0. */
static int frame_loop(run_state *s, double t0)
{
    const run_options *o = s->opt;
    int status = 0;
    while (status == 0 && !cli_stop && !s->quit) {
        pipeline_frame *frame;
        int got = pipeline_next(s->pipe, &frame);
        if (got < 0 && !cli_stop) {
            cli_error("%s", pipeline_error(s->pipe));
            status = EXIT_INPUT;
        }
        if (got <= 0)
            break;
        status = process_frame(s, frame);
        pipeline_release(s->pipe, frame);
        if (status == 0)
            run_report_progress(&s->progress, &s->totals, s->model);
        if (s->slot)
            atomic_store(&s->slot->frames, s->totals.frames);
    }
    cli_progress_clear();
    status = finish_pipeline(s, status);
    if (status)
        return status;
    if (s->totals.frames == 0 && !cli_stop) {
        cli_error("%s: no frames to process", run_input_name(o));
        return EXIT_INPUT;
    }
    /* A network stream cut or stalled: its masks are kept, and said so. */
    if (s->totals.end_problem)
        cli_error("warning: %s; the masks so far are written", s->totals.end_problem);
    if (s->preview && o->snapshot_at > preview_last_frame(s->preview) && !o->quiet)
        cli_error("--snapshot-at %ld: the run ended at frame %ld; no snapshot taken",
                  o->snapshot_at, preview_last_frame(s->preview));
    s->totals.interrupted = cli_stop != 0;
    s->totals.total_seconds = cli_now_seconds() - t0;
    char err[PATH_MAX + 128];
    output_end end = {s->model, &s->totals};
    status = outputs_finish_with_model(s->outs, 1, &end, err, sizeof err);
    if (status) {
        cli_error("%s", err);
        return status;
    }
    return cli_stop ? EXIT_INTERRUPTED : s->totals.end_problem ? EXIT_INPUT_CUT : 0;
}

int run_input(const run_options *opt, preview *pv, run_slot *slot)
{
    double t0 = cli_now_seconds();
    run_state s;
    int status = open_run(&s, opt, pv, slot);
    if (status == 0) {
        status = frame_loop(&s, t0);
        if (!opt->quiet &&
            (status == 0 || status == EXIT_INTERRUPTED || status == EXIT_INPUT_CUT))
            run_report_summary(&s.totals, s.model, s.outs,
                               slot ? run_input_name(opt) : NULL);
    }
    close_run(&s);
    return status;
}
