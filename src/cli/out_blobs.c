/*
 * out_blobs.c - output kind: each mask's blobs (8-connected foreground
 * components), one line each, as CSV or JSON lines (--blobs FILE, - for
 * stdout), frame after frame on the pipeline's stream thread (see
 * outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/output_file.h"
#include "io/io_util.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

typedef struct blob_list {
    FILE *out;               /* the list (stdout for "-") */
    output_file *file;       /* where it goes, NULL for stdout */
    int csv;                 /* CSV, else JSON lines */
} blob_list;

static int ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    return n > m && strcasecmp(name + n - m, suffix) == 0;
}

/* 1 CSV, 0 JSON lines, -1 neither, from the name. */
static int is_csv(const char *path)
{
    if (strcmp(path, "-") == 0 || ends_with(path, ".jsonl") ||
        ends_with(path, ".ndjson") || ends_with(path, ".json"))
        return 0;
    return ends_with(path, ".csv") ? 1 : -1;
}

static int blobs_check(const char *path)
{
    if (is_csv(path) >= 0)
        return 0;
    cli_error("--blobs %s: the name must end in .csv, .jsonl or .json (or be - for "
              "JSON lines on stdout)", path);
    return EXIT_USAGE;
}

static int blobs_open(output *out, char *err, size_t errlen)
{
    blob_list *b = out->state;
    b->csv = is_csv(out->path) == 1;
    if (strcmp(out->path, "-") == 0) {
        b->out = stdout;
    } else if (!(b->file = output_file_open(out->path,
                                            out->setup->opt->force ? OUTPUT_FILE_FORCE : 0,
                                            err, errlen)) ||
               !(b->out = output_file_stream(b->file, err, errlen))) {
        output_file_discard(b->file);
        b->file = NULL;
        return EXIT_OUTPUT;
    }
    if (b->csv)
        fputs("frame,time,id,x,y,width,height,area,cx,cy\n", b->out);
    return 0;
}

/* One line per blob. The time is the frame's (its 0-based place in the
 * input over the frame rate: not its number, which in an image sequence is
 * the file's own and may start at 0 or 1460), null / empty when the input
 * has no rate. */
static int blobs_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    blob_list *b = out->state;
    char time[32] = "";
    if (out->setup->fps > 0)
        snprintf(time, sizeof time, "%.4f", (double)f->position / out->setup->fps);
    for (size_t i = 0; i < f->blob_count; i++) {
        const bgs_blob *o = &f->blobs[i];
        if (b->csv)
            fprintf(b->out, "%ld,%s,%zu,%d,%d,%d,%d,%ld,%.2f,%.2f\n", f->number, time,
                    i + 1, o->x, o->y, o->width, o->height, o->area, o->cx, o->cy);
        else
            fprintf(b->out,
                    "{\"frame\": %ld, \"time\": %s, \"id\": %zu, \"x\": %d, \"y\": %d, "
                    "\"width\": %d, \"height\": %d, \"area\": %ld, \"cx\": %.2f, "
                    "\"cy\": %.2f}\n", f->number, *time ? time : "null", i + 1, o->x,
                    o->y, o->width, o->height, o->area, o->cx, o->cy);
    }
    /* A pipe reader wants each frame's lines as they come. */
    if ((!b->file && fflush(stdout) != 0) || ferror(b->out)) {
        io_fail(err, errlen, b->file ? out->path : "stdout", "cannot write the blob list: %s",
                strerror(errno));
        return EXIT_OUTPUT;
    }
    return 0;
}

static int blobs_finish(output *out, int keep, const output_end *end, char *err,
                        size_t errlen)
{
    (void)end;
    blob_list *b = out->state;
    output_file *file = b->file;
    b->file = NULL;
    b->out = NULL;
    if (!file)
        return 0; /* stdout, flushed frame by frame */
    if (!keep) {
        output_file_discard(file);
        return 0;
    }
    return output_file_commit(file, err, errlen) != 0 ? EXIT_OUTPUT : 0;
}

static void blobs_describe(const output *out, FILE *to)
{
    const blob_list *b = out->state;
    fprintf(to, "bgsub: output: blobs %s (%s, area >= %ld)\n",
            b->file ? out->path : "on stdout", b->csv ? "CSV" : "JSON lines",
            out->setup->opt->min_blob_area);
}

static void blobs_summary(const output *out, char *buf, size_t size)
{
    if (strcmp(out->path, "-") == 0)
        snprintf(buf, size, "blobs on stdout");
    else
        snprintf(buf, size, "blobs in %s", out->path);
}

const output_kind output_blobs = {
    .name = "--blobs", .option = "blobs", .stage = OUTPUT_IN_ORDER,
    .flags = OUTPUT_STDOUT | OUTPUT_NEEDS_BLOBS, .state_size = sizeof(blob_list),
    .check = blobs_check, .open = blobs_open, .frame = blobs_frame,
    .finish = blobs_finish, .describe = blobs_describe, .summary = blobs_summary,
};
