/*
 * run_report.c - the main command's lines on stderr (see run_report.h).
 */
#include "cli/run_report.h"

#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Seconds between two redraws of the progress line. */
#define PROGRESS_INTERVAL 0.1

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

void run_report_start(run_progress *p, const run_options *o, const frame_source *src,
                      const bgs_model *model, double fps, const outputs *outs)
{
    long total = frame_source_frame_count(src);
    if (total >= 0)
        total = total > o->start_frame - 1 ? total - (o->start_frame - 1) : 0;
    if (o->max_frames > 0 && (total < 0 || total > o->max_frames))
        total = o->max_frames;
    *p = (run_progress){.enabled = !o->quiet && isatty(STDERR_FILENO), .total = total,
                        .start = cli_now_seconds()};
    p->last_draw = p->start;
    if (!o->verbose || o->quiet)
        return;
    int w = bgs_model_width(model), h = bgs_model_height(model);
    char rate[48] = "no frame rate", count[48] = "length unknown";
    if (fps > 0)
        snprintf(rate, sizeof rate, "%.2f frames/s", fps);
    if (total >= 0)
        snprintf(count, sizeof count, "%ld frames to process", total);
    fprintf(stderr, "bgsub: input %s: %s, %dx%d, %s, %s\n", run_input_name(o),
            source_kind_name(frame_source_get_kind(src)), w, h, rate, count);
    size_t bytes = bgs_model_bytes_per_pixel(model);
    bgs_params params;
    bgs_model_get_params(model, &params);
    fprintf(stderr, "bgsub: model: %s, %d components, kernel %s, %d thread%s, "
            "%zu bytes/pixel (%.1f MB)%s\n",
            bgs_model_channels(model) == 1 ? "gray" : "colour", params.components,
            bgs_model_kernel_name(model), bgs_model_threads(model),
            bgs_model_threads(model) == 1 ? "" : "s", bytes,
            (double)bytes * w * h / 1e6, o->load_model ? ", loaded" : "");
    outputs_describe(outs, stderr);
}

void run_report_progress(run_progress *p, const run_totals *t, const bgs_model *model)
{
    if (!p->enabled)
        return;
    double now = cli_now_seconds();
    if (now - p->last_draw < PROGRESS_INTERVAL)
        return;
    p->last_draw = now;
    long done = t->frames;
    double fps = now > p->start ? done / (now - p->start) : 0;
    char line[224];
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
    /* Blank masks are what a new user sees first: say why while it lasts. */
    if (bgs_model_is_learning(model)) {
        bgs_params params;
        bgs_model_get_params(model, &params);
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used,
                 "; learning the background: the first %d masks are blank",
                 params.learning_frames);
    }
    cli_progress_line(line);
}

void run_report_summary(const run_totals *t, const bgs_model *model, const outputs *outs,
                        const char *name)
{
    double fps = t->total_seconds > 0 ? t->frames / t->total_seconds : 0;
    double model_fps = t->model_seconds > 0 ? t->frames / t->model_seconds : 0;
    double fg = t->frames ? 100.0 * t->foreground_sum / t->frames : 0;
    char notes[384] = "", where[2048];
    long relearns = bgs_model_relearn_count(model);
    if (t->bad_frames)
        snprintf(notes, sizeof notes, ", %ld undecodable frames skipped", t->bad_frames);
    if (t->learning_frames) /* the blank masks at the start are expected */
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
                 "; the first %ld masks are blank: the model was learning the "
                 "background (--learning-frames)", t->learning_frames);
    if (relearns) /* a global change is news: the masks were blanked */
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
                 ", %ld sudden global changes re-learnt", relearns);
    if (t->reconnects) /* a gap in the masks */
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
                 ", %ld reconnection%s (%.1f s without frames)", t->reconnects,
                 t->reconnects == 1 ? "" : "s", t->gap_seconds);
    if (t->end_problem)
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
                 " (the stream was cut)");
    outputs_summary(outs, where, sizeof where);
    flockfile(stderr); /* one line, also when inputs run at the same time */
    cli_progress_clear();
    fprintf(stderr,
            "bgsub: %s%s%ld frames (%ld learning) %dx%d in %.2f s: %.1f frames/s "
            "(model alone %.1f frames/s), mean foreground %.2f%%, %s%s%s\n",
            name ? name : "", name ? ": " : "", t->frames, t->learning_frames, bgs_model_width(model), bgs_model_height(model),
            t->total_seconds, fps, model_fps, fg, where, notes,
            t->interrupted ? " (interrupted)" : "");
    funlockfile(stderr);
}

void run_report_inputs(int count, int done, int failed, const char *failed_names,
                       int not_run, int interrupted)
{
    char rest[64] = "";
    if (not_run > 0)
        snprintf(rest, sizeof rest, ", %d not run", not_run);
    fprintf(stderr, "bgsub: %d inputs: %d done, %d failed%s%s%s%s%s\n", count, done,
            failed, failed ? " (" : "", failed_names, failed ? ")" : "", rest,
            interrupted ? " (interrupted)" : "");
}
