/*
 * out_background.c - output kind: the model's background image as PNG in
 * the masks' folder, every M frames as bg%06d.png (--background-every M)
 * and at the end as background.png (--background); on the main thread,
 * with the model (see outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/image_io.h"
#include "io/output_file.h"
#include "io/io_util.h"

#include <limits.h>
#include <stdlib.h>

#define BACKGROUND_PATTERN "bg%06d.png"
#define BACKGROUND_FINAL "background.png"

typedef struct background_output {
    uint8_t *image;          /* the model's channels, packed */
    long frames;             /* frames seen */
} background_output;

static const char *background_path(const run_options *o)
{
    return o->background_every || o->background_final ? o->output_dir : NULL;
}

static int background_claims(const run_options *o, const char *path, output_claim c[2])
{
    int n = 0;
    if (o->background_every)
        c[n++] = (output_claim){path, BACKGROUND_PATTERN, 1};
    if (o->background_final)
        c[n++] = (output_claim){path, BACKGROUND_FINAL, 0};
    return n;
}

static int background_open(output *out, char *err, size_t errlen)
{
    background_output *b = out->state;
    const output_setup *s = out->setup;
    b->image = malloc((size_t)s->width * s->height * s->channels);
    if (!b->image) {
        snprintf(err, errlen, "out of memory for %dx%d frames", s->width, s->height);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

/* flags: OUTPUT_FILE_NO_SYNC for the images every M frames. */
static int write_background(output *out, const bgs_model *model, const char *path,
                            unsigned flags, char *err, size_t errlen)
{
    background_output *b = out->state;
    const output_setup *s = out->setup;
    ptrdiff_t stride = (ptrdiff_t)s->width * s->channels;
    bgs_model_background(model, b->image, stride);
    if (image_save_png(path, b->image, s->width, s->height, s->channels, stride,
                       OUTPUT_PNG_LEVEL, flags | (s->opt->force ? OUTPUT_FILE_FORCE : 0),
                       err, errlen) != 0)
        return EXIT_OUTPUT;
    return 0;
}

static int background_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    background_output *b = out->state;
    long every = out->setup->opt->background_every;
    char path[PATH_MAX];
    if (every <= 0 || ++b->frames % every != 0)
        return 0;
    if (cli_frame_path(path, sizeof path, out->path, BACKGROUND_PATTERN, f->number) != 0) {
        io_fail(err, errlen, out->path, "output path too long");
        return EXIT_OUTPUT;
    }
    return write_background(out, f->model, path, OUTPUT_FILE_NO_SYNC, err, errlen);
}

static int background_finish(output *out, int keep, const output_end *end, char *err,
                             size_t errlen)
{
    background_output *b = out->state;
    int status = 0;
    if (keep && out->setup->opt->background_final) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s%s%s", out->path, cli_dir_sep(out->path),
                 BACKGROUND_FINAL);
        status = write_background(out, end->model, path, 0, err, errlen);
    }
    free(b->image);
    b->image = NULL;
    return status;
}

const output_kind output_background = {
    .name = "--background", .stage = OUTPUT_WITH_MODEL,
    .state_size = sizeof(background_output), .path = background_path,
    .claims = background_claims, .open = background_open, .frame = background_frame,
    .finish = background_finish,
};
