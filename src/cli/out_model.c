/*
 * out_model.c - output kind: the whole model at the end of the run (also
 * when interrupted), to resume or reuse it (--save-model FILE; see
 * outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/output_file.h"
#include "io/io_util.h"

#include <stdlib.h>

static int model_frame(output *out, const output_frame *f, char *err, size_t errlen)
{
    (void)out, (void)f, (void)err, (void)errlen;
    return 0;
}

static int model_finish(output *out, int keep, const output_end *end, char *err,
                        size_t errlen)
{
    if (!keep)
        return 0;
    size_t size = bgs_model_checkpoint_size(end->model);
    uint8_t *data = malloc(size);
    if (!data) {
        io_fail(err, errlen, out->path, "out of memory for the model");
        return EXIT_FAILURE_STATUS;
    }
    bgs_model_checkpoint(end->model, data, size);
    int failed = output_file_write(out->path, data, size, 1, err, errlen);
    free(data);
    return failed ? EXIT_OUTPUT : 0;
}

const output_kind output_model = {
    .name = "--save-model", .option = "save-model", .stage = OUTPUT_WITH_MODEL,
    .frame = model_frame, .finish = model_finish,
};
