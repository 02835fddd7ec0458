/*
 * out_heatmap.c - output kind: --heatmap FILE.png, how often each pixel
 * was foreground over the run, colour-mapped over the model's final
 * background (draw/heatmap.h); frames of the learning phase, whose masks
 * are blank, are not counted. On the main thread, with the model (see
 * outputs.h); the picture is written at the end, also when interrupted.
 */
#include "cli/out_heatmap.h"

#include "cli/cli.h"
#include "cli/outputs.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int heatmap_check_name(const char *option, const char *path)
{
    size_t n = strlen(path);
    if (n < 4 || strcasecmp(path + n - 4, ".png") != 0) {
        cli_error("%s writes a PNG picture: give a name ending in .png, not '%s'", option,
                  path);
        return EXIT_USAGE;
    }
    return 0;
}

int heatmap_write_png(const heatmap *h, const bgs_model *model, const char *path,
                      const char *title, int force, char *err, size_t errlen)
{
    int channels = bgs_model_channels(model);
    ptrdiff_t stride = (ptrdiff_t)bgs_model_width(model) * channels;
    uint8_t *background = malloc((size_t)stride * bgs_model_height(model));
    canvas cv = {0};
    int drawn = background && bgs_model_background(model, background, stride) == BGS_OK &&
                heatmap_render(h, background, stride, channels, title, &cv) == 0;
    free(background);
    if (!drawn) {
        snprintf(err, errlen, "%s: out of memory for the heat map", path);
        return EXIT_FAILURE_STATUS;
    }
    int status = image_save_png(path, cv.px, cv.width, cv.height, 3, (ptrdiff_t)cv.width * 3,
                                6, force ? OUTPUT_FILE_FORCE : 0, err, errlen);
    canvas_free(&cv);
    return status != 0 ? EXIT_OUTPUT : 0;
}

static int heatmap_check(const char *path)
{
    return heatmap_check_name("--heatmap", path);
}

static int heatmap_open(output *out, char *err, size_t errlen)
{
    const output_setup *s = out->setup;
    if (heatmap_init(out->state, s->width, s->height) != 0) {
        snprintf(err, errlen, "out of memory for a %dx%d heat map", s->width, s->height);
        return EXIT_FAILURE_STATUS;
    }
    return 0;
}

static int heatmap_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    if (!bgs_model_is_learning(f->model))
        heatmap_add(out->state, f->mask, out->setup->width);
    return 0;
}

/* The input's file name without its folders, for the title line. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static int heatmap_finish(output *out, int keep, const output_end *end, char *err,
                          size_t errlen)
{
    heatmap *h = out->state;
    int status = 0;
    if (keep && end && end->model)
        status = heatmap_write_png(h, end->model, out->path,
                                   base_name(run_input_name(out->setup->opt)),
                                   out->setup->opt->force, err, errlen);
    heatmap_free(h);
    return status;
}

static void heatmap_describe(const output *out, FILE *to)
{
    fprintf(to, "bgsub: output: heat map %s (share of frames each pixel moved, over the "
            "background)\n", out->path);
}

static void heatmap_summary(const output *out, char *buf, size_t size)
{
    snprintf(buf, size, "heat map %s", out->path);
}

const output_kind output_heatmap = {
    .name = "--heatmap", .option = "heatmap", .stage = OUTPUT_WITH_MODEL,
    .state_size = sizeof(heatmap), .check = heatmap_check, .open = heatmap_open,
    .frame = heatmap_frame, .finish = heatmap_finish, .describe = heatmap_describe,
    .summary = heatmap_summary,
};
