/*
 * events_report.c - what `bgsub events` says of the events it found: their
 * times (from the container's time stamps, else the frame rate) and their
 * clips' names, every input's events as CSV or JSON (to stdout or by the
 * file policy to -o), and the summary.
 */
#include "cli/cli.h"
#include "cli/events.h"
#include "io/output_file.h"

#include <stdio.h>

double events_frame_time(const timeline *t, long i)
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
double events_frame_end_time(const timeline *t, long i)
{
    if (t->index && i < video_index_frames(t->index)) {
        double d = video_index_frame_duration(t->index, i);
        return events_frame_time(t, i) + (d > 0 ? d : 1 / t->fps);
    }
    return events_frame_time(t, i) + 1 / t->fps;
}

/* DIR/event_NNN.EXT for event i (0-based); -1 if it does not fit. */
int events_clip_path(const events_run *r, long i, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/event_%03ld.%s", r->opt->extract_dir, i + 1,
                     events_clip_extension(r->opt->input));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

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
        double start = events_frame_time(&r->times, e->first);
        double end = events_frame_end_time(&r->times, e->last);
        fprintf(out, "%ld,%ld,%ld,%.3f,%.3f,%.3f,%.6f,%ld,%.3f", i + 1,
                e->first + 1, e->last + 1, start, end, end - start, e->peak,
                e->clip_first + 1, events_frame_time(&r->times, e->clip_first));
        if (clips) { /* quoted as RFC 4180 asks, should the name hold a comma */
            char path[PATH_MAX];
            events_clip_path(r, i, path, sizeof path);
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
        double start = events_frame_time(&r->times, e->first);
        double end = events_frame_end_time(&r->times, e->last);
        fprintf(out, "%s\n    {\"event\": %ld, \"start_frame\": %ld, \"end_frame\": %ld, "
                "\"start_time\": %.3f, \"end_time\": %.3f, \"duration\": %.3f, "
                "\"peak_foreground\": %.6f, \"clip_start_frame\": %ld, "
                "\"clip_start_time\": %.3f",
                i ? "," : "", i + 1, e->first + 1, e->last + 1, start, end,
                end - start, e->peak, e->clip_first + 1,
                events_frame_time(&r->times, e->clip_first));
        if (o->extract_dir) {
            char path[PATH_MAX];
            events_clip_path(r, i, path, sizeof path);
            fputs(", \"clip\": ", out);
            cli_json_string(out, path);
        }
        fputc('}', out);
    }
    fputs(r->event_count ? "\n  ]\n}\n" : "]\n}\n", out);
}

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
int events_write_report(const events_report *rep)
{
    char err[PATH_MAX + 128];
    if (output_file_report(rep->opt->output, 1, fill_report, rep, "the events", err,
                           sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

void events_print_summary(const events_run *r, int several)
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
