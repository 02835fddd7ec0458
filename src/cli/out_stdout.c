/*
 * out_stdout.c - output kind: the masks raw on standard output (-o -),
 * width x height bytes a frame, frame after frame (see outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const char *stdout_path(const run_options *o)
{
    return o->masks_to_stdout ? "-" : NULL;
}

static int stdout_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    const uint8_t *p = f->mask;
    size_t left = (size_t)out->setup->width * out->setup->height;
    while (left > 0) {
        ssize_t wrote = write(STDOUT_FILENO, p, left);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0) {
            snprintf(err, errlen, "stdout: cannot write the mask of frame %ld: %s",
                     f->number, wrote < 0 ? strerror(errno) : "nothing written");
            return EXIT_OUTPUT;
        }
        p += wrote;
        left -= (size_t)wrote;
    }
    return 0;
}

static void stdout_describe(const output *out, FILE *to)
{
    fprintf(to, "bgsub: output: raw masks on stdout, %dx%d bytes a frame\n",
            out->setup->width, out->setup->height);
}

static void stdout_summary(const output *out, char *buf, size_t size)
{
    (void)out;
    snprintf(buf, size, "masks on stdout");
}

const output_kind output_stdout = {
    .name = "-o", .stage = OUTPUT_IN_ORDER, .flags = OUTPUT_STDOUT,
    .path = stdout_path, .frame = stdout_frame, .describe = stdout_describe,
    .summary = stdout_summary,
};
