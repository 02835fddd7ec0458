/*
 * out_stats.c - output kinds: the run's figures at its end (also when
 * interrupted): --stats FILE as one JSON object (timing, foreground per
 * frame, parameters), --stats-csv FILE as frame,foreground lines; - for
 * stdout. Frames are recorded on the main thread (see outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/output_file.h"

#include <stdlib.h>

extern const output_kind output_stats, output_stats_csv;

typedef struct frame_record {
    long number;
    double foreground;
} frame_record;

typedef struct stats_output {
    frame_record *frames;    /* 16 bytes a frame */
    long count, capacity;
} stats_output;

/* What a report is made from. */
typedef struct stats_report {
    const output *out;
    const output_end *end;
} stats_report;

static int stats_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    stats_output *st = out->state;
    if (st->count == st->capacity) {
        long capacity = st->capacity ? 2 * st->capacity : 1024;
        void *grown = realloc(st->frames, (size_t)capacity * sizeof *st->frames);
        if (!grown) {
            snprintf(err, errlen, "out of memory for the statistics of %ld frames", capacity);
            return EXIT_FAILURE_STATUS;
        }
        st->frames = grown;
        st->capacity = capacity;
    }
    st->frames[st->count++] = (frame_record){f->number, f->foreground};
    return 0;
}

/* --stats: the run as one JSON object. */
static void fill_json(FILE *out, const void *ctx)
{
    const stats_report *r = ctx;
    const stats_output *st = r->out->state;
    const run_options *o = r->out->setup->opt;
    const run_totals *t = r->end->totals;
    const bgs_model *m = r->end->model;
    double fps = t->total_seconds > 0 ? t->frames / t->total_seconds : 0;
    double model_fps = t->model_seconds > 0 ? t->frames / t->model_seconds : 0;
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
            "  \"reconnects\": %ld,\n  \"gap_seconds\": %.3f,\n"
            "  \"stream_cut\": %s,\n"
            "  \"interrupted\": %s,\n  \"seconds\": %.3f,\n"
            "  \"frames_per_second\": %.2f,\n  \"model_frames_per_second\": %.2f,\n"
            "  \"mean_foreground\": %.6f,\n  \"kernel\": \"%s\",\n  \"threads\": %d,\n"
            "  \"bytes_per_pixel\": %zu,\n  \"params\": {",
            bgs_model_width(m), bgs_model_height(m), bgs_model_channels(m), o->start_frame,
            t->frames, t->learning_frames, t->bad_frames, bgs_model_relearn_count(m),
            t->reconnects, t->gap_seconds, t->end_problem ? "true" : "false",
            t->interrupted ? "true" : "false", t->total_seconds, fps, model_fps,
            t->frames ? t->foreground_sum / t->frames : 0.0, bgs_model_kernel_name(m),
            bgs_model_threads(m), bgs_model_bytes_per_pixel(m));
    bgs_params params; /* the model's own: --load-model and preview keys count */
    bgs_model_get_params(m, &params);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        fprintf(out, "%s\"%s\": %.7g", key ? ", " : "",
                bgs_param_get_info((bgs_param)key)->name,
                bgs_params_get(&params, (bgs_param)key));
    fputs("},\n  \"frame_numbers\": [", out);
    for (long i = 0; i < st->count; i++)
        fprintf(out, "%s%ld", i ? ", " : "", st->frames[i].number);
    fputs("],\n  \"foreground\": [", out);
    for (long i = 0; i < st->count; i++)
        fprintf(out, "%s%.6f", i ? ", " : "", st->frames[i].foreground);
    fputs("]\n}\n", out);
}

/* --stats-csv: a header, then "frame,foreground" per frame. */
static void fill_csv(FILE *out, const void *ctx)
{
    const stats_report *r = ctx;
    const stats_output *st = r->out->state;
    fputs("frame,foreground\n", out);
    for (long i = 0; i < st->count; i++)
        fprintf(out, "%ld,%.6f\n", st->frames[i].number, st->frames[i].foreground);
}

static int stats_finish(output *out, int keep, const output_end *end, char *err,
                        size_t errlen)
{
    stats_output *st = out->state;
    int status = 0;
    if (keep) {
        stats_report report = {out, end};
        /* To stdout for "-", else replacing an older report. */
        if (output_file_report(out->path, 1, out->kind == &output_stats_csv ? fill_csv
                                                                              : fill_json,
                               &report, "the statistics", err, errlen) != 0)
            status = EXIT_OUTPUT;
    }
    free(st->frames);
    st->frames = NULL;
    return status;
}

const output_kind output_stats = {
    .name = "--stats", .option = "stats", .stage = OUTPUT_WITH_MODEL,
    .flags = OUTPUT_STDOUT, .state_size = sizeof(stats_output), .frame = stats_frame,
    .finish = stats_finish,
};

const output_kind output_stats_csv = {
    .name = "--stats-csv", .option = "stats-csv", .stage = OUTPUT_WITH_MODEL,
    .flags = OUTPUT_STDOUT, .state_size = sizeof(stats_output), .frame = stats_frame,
    .finish = stats_finish,
};
