/*
 * out_masks.c - output kind: one mask PNG per frame in the folder of -o DIR,
 * named by --mask-pattern after the input's numbers; written on the
 * pipeline's writer threads, in any order (see outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/image_io.h"
#include "io/output_file.h"
#include "io/io_util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static const char *masks_path(const run_options *o) { return o->output_dir; }

static int masks_claims(const run_options *o, const char *path, output_claim c[2])
{
    c[0] = (output_claim){path, o->mask_pattern, 1};
    return 1;
}

static int masks_open(output *out, char *err, size_t errlen)
{
    if (output_file_make_dir(out->path) != 0) {
        io_fail(err, errlen, out->path, "cannot create output folder: %s",
                 strerror(errno));
        return EXIT_OUTPUT;
    }
    return 0;
}

static int masks_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    const output_setup *s = out->setup;
    char path[PATH_MAX];
    if (cli_frame_path(path, sizeof path, out->path, s->opt->mask_pattern, f->number)) {
        io_fail(err, errlen, out->path, "output path too long");
        return EXIT_OUTPUT;
    }
    if (image_save_png(path, f->mask, s->width, s->height, 1, s->width, OUTPUT_PNG_LEVEL,
                       OUTPUT_FILE_NO_SYNC | (s->opt->force ? OUTPUT_FILE_FORCE : 0), err,
                       errlen) != 0)
        return EXIT_OUTPUT;
    return 0;
}

static void masks_describe(const output *out, FILE *to)
{
    const run_options *o = out->setup->opt;
    fprintf(to, "bgsub: output: masks %s%s%s, %d writer thread%s\n", out->path,
            cli_dir_sep(out->path), o->mask_pattern, o->writers, o->writers == 1 ? "" : "s");
}

static void masks_summary(const output *out, char *buf, size_t size)
{
    snprintf(buf, size, "masks in %s", out->path);
}

const output_kind output_masks = {
    .name = "-o", .stage = OUTPUT_ANY_ORDER, .path = masks_path,
    .claims = masks_claims, .open = masks_open, .frame = masks_frame,
    .describe = masks_describe, .summary = masks_summary,
};
