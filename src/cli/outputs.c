/*
 * outputs.c - the table of output kinds, the checks that read it, and the
 * set of outputs a run writes (see outputs.h).
 */
#include "cli/outputs.h"

#include "cli/cli.h"
#include "io/output_file.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const output_kind output_masks, output_stdout, output_mask_video,
    output_overlay_video, output_blobs, output_background, output_model,
    output_stats, output_stats_csv, output_heatmap;

/* In this order they are opened, described, summed up and finished. */
const output_kind *const output_kinds[] = {
    &output_masks,          /* -o DIR: bin%06d.png         out_masks.c  */
    &output_stdout,         /* -o -: raw masks             out_stdout.c */
    &output_mask_video,     /* --mask-video FILE           out_video.c  */
    &output_overlay_video,  /* --overlay-video FILE        out_video.c  */
    &output_blobs,          /* --blobs FILE                out_blobs.c  */
    &output_background,     /* --background(-every)        out_background.c */
    &output_model,          /* --save-model FILE           out_model.c  */
    &output_stats,          /* --stats FILE                out_stats.c  */
    &output_stats_csv,      /* --stats-csv FILE            out_stats.c  */
    &output_heatmap,        /* --heatmap FILE.png          out_heatmap.c */
};
const int output_kind_count = (int)(sizeof output_kinds / sizeof output_kinds[0]);
_Static_assert(sizeof output_kinds / sizeof output_kinds[0] <= OUTPUT_KINDS_MAX,
               "run_options.output_path has a slot per output kind");

const char *output_wanted(const run_options *o, int k)
{
    const output_kind *kind = output_kinds[k];
    return kind->path ? kind->path(o) : o->output_path[k];
}

/* ------------------------------------------------------------------------ */
/* Checks before any work                                                   */
/* ------------------------------------------------------------------------ */

/* The claims of kind k, writing path. */
static int claims_of(const run_options *o, int k, const char *path, output_claim c[2])
{
    const output_kind *kind = output_kinds[k];
    if (kind->claims)
        return kind->claims(o, path, c);
    if (strcmp(path, "-") == 0 && (kind->flags & OUTPUT_STDOUT))
        return 0;
    c[0] = (output_claim){NULL, path, 0};
    return 1;
}

/* buf = the claim's path for number n (an unnumbered claim has one); a
 * path too long is cut (it is then only compared, never written). */
static void claim_path(const output_claim *c, long n, char *buf, size_t size)
{
    int used = c->dir ? snprintf(buf, size, "%s/", c->dir) : 0;
    if (used < 0 || (size_t)used >= size)
        return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (c->numbered)
        snprintf(buf + used, size - used, c->file, (int)n);
    else
        snprintf(buf + used, size - used, "%s", c->file);
#pragma GCC diagnostic pop
}

/* Whether path is one of b's files. */
static int covers(const output_claim *b, const char *path)
{
    if (!b->numbered) {
        char other[PATH_MAX];
        claim_path(b, 0, other, sizeof other);
        return output_path_same(path, other);
    }
    return output_path_in_family(path, b->dir, b->file, NULL);
}

/* Whether two claims share a file; the file (one of them) in file. */
static int claims_meet(const output_claim *a, const output_claim *b, char *file,
                       size_t size)
{
    if (!a->numbered || !b->numbered) {
        const output_claim *one = a->numbered ? b : a, *other = a->numbered ? a : b;
        claim_path(one, 0, file, size);
        return covers(other, file);
    }
    /* Two numbered families are tried at two numbers each: two patterns
     * that give one name there are one family, the way they collide. */
    static const long numbers[] = {1, 123456};
    for (int i = 0; i < 4; i++) {
        claim_path(i < 2 ? a : b, numbers[i % 2], file, size);
        if (covers(i < 2 ? b : a, file))
            return 1;
    }
    return 0;
}

/* A device or a FIFO is written through, not replaced: two outputs may
 * share one (/dev/null). */
static int written_through(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* Two outputs that would write one file (one overwriting the other, or a
 * mask): refused. */
static int check_collisions(const run_options *o)
{
    output_claim claims[2 * OUTPUT_KINDS_MAX];
    int owner[2 * OUTPUT_KINDS_MAX], n = 0;
    for (int k = 0; k < output_kind_count; k++) {
        const char *path = output_wanted(o, k);
        int got = path ? claims_of(o, k, path, claims + n) : 0;
        for (int i = 0; i < got; i++)
            owner[n++] = k;
    }
    char file[PATH_MAX];
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (!claims_meet(&claims[i], &claims[j], file, sizeof file) ||
                written_through(file))
                continue;
            cli_error("%s %s and %s %s both write %s: give them other names",
                      output_kinds[owner[i]]->name, output_wanted(o, owner[i]),
                      output_kinds[owner[j]]->name, output_wanted(o, owner[j]), file);
            return EXIT_USAGE;
        }
    return 0;
}

int outputs_check(const run_options *o)
{
    /* stdout holds one thing: masks, statistics or blobs. */
    int first = -1;
    for (int k = 0; k < output_kind_count; k++) {
        const char *path = output_wanted(o, k);
        if (!path || strcmp(path, "-") != 0 || !(output_kinds[k]->flags & OUTPUT_STDOUT))
            continue;
        if (first >= 0) {
            cli_error("%s - and %s - cannot both write to stdout", output_kinds[first]->name,
                      output_kinds[k]->name);
            return EXIT_USAGE;
        }
        first = k;
    }
    for (int k = 0; k < output_kind_count; k++) {
        const char *path = output_wanted(o, k);
        int status = path && output_kinds[k]->check ? output_kinds[k]->check(path) : 0;
        if (status)
            return status;
    }
    return check_collisions(o);
}

/* ------------------------------------------------------------------------ */
/* The set of a run                                                         */
/* ------------------------------------------------------------------------ */

struct outputs {
    output_setup setup;
    output item[OUTPUT_KINDS_MAX];
    int live[OUTPUT_KINDS_MAX];   /* opened and not finished */
    int count;
    bgs_postproc *blob_finder;    /* for the in-order outputs that want blobs */
};

static int finish_item(outputs *s, int i, int keep, const output_end *end,
                       char *err, size_t errlen)
{
    output *out = &s->item[i];
    int status = 0;
    if (s->live[i] && out->kind->finish)
        status = out->kind->finish(out, keep, end, err, errlen);
    s->live[i] = 0;
    return status;
}

void outputs_close(outputs *s)
{
    if (!s)
        return;
    char ignored[512];
    for (int i = 0; i < s->count; i++) {
        finish_item(s, i, 0, NULL, ignored, sizeof ignored);
        free(s->item[i].state);
    }
    bgs_postproc_free(s->blob_finder);
    free(s);
}

int outputs_open(const output_setup *setup, outputs **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    outputs *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return EXIT_FAILURE_STATUS;
    }
    s->setup = *setup;
    for (int k = 0; k < output_kind_count; k++) {
        const output_kind *kind = output_kinds[k];
        const char *path = output_wanted(setup->opt, k);
        if (!path)
            continue;
        int i = s->count++;
        s->item[i] = (output){kind, &s->setup, path, calloc(1, kind->state_size + 1)};
        int status = 0;
        if (!s->item[i].state) {
            snprintf(err, errlen, "out of memory");
            status = EXIT_FAILURE_STATUS;
        } else if (kind->stage == OUTPUT_IN_ORDER && (kind->flags & OUTPUT_NEEDS_BLOBS) &&
                   !s->blob_finder &&
                   !(s->blob_finder = bgs_postproc_create(setup->width, setup->height))) {
            snprintf(err, errlen, "blobs: %s", bgs_last_error());
            status = EXIT_FAILURE_STATUS;
        } else if (kind->open) {
            status = kind->open(&s->item[i], err, errlen);
        }
        s->live[i] = status == 0; /* an open that fails cleans up after itself */
        if (status) {
            outputs_close(s);
            return status;
        }
    }
    *out = s;
    return 0;
}

int outputs_at(const outputs *s, output_stage stage)
{
    for (int i = 0; s && i < s->count; i++)
        if (s->item[i].kind->stage == stage)
            return 1;
    return 0;
}

int outputs_need_frames(const outputs *s)
{
    for (int i = 0; s && i < s->count; i++)
        if (s->item[i].kind->stage == OUTPUT_IN_ORDER &&
            (s->item[i].kind->flags & OUTPUT_NEEDS_FRAME))
            return 1;
    return 0;
}

/* Hands f to every live output of stage; one that fails is finished
 * without keeping its file when remove_failed. */
static int write_stage(outputs *s, output_stage stage, output_frame *f,
                       int remove_failed, char *err, size_t errlen)
{
    for (int i = 0; i < s->count; i++) {
        output *out = &s->item[i];
        if (out->kind->stage != stage || !s->live[i])
            continue;
        if ((out->kind->flags & OUTPUT_NEEDS_BLOBS) && !f->blobs &&
            bgs_postproc_blobs(s->blob_finder, f->mask, s->setup.width,
                               s->setup.opt->min_blob_area, &f->blobs,
                               &f->blob_count) != BGS_OK) {
            snprintf(err, errlen, "blobs of frame %ld: %s", f->number, bgs_last_error());
            return EXIT_FAILURE_STATUS;
        }
        int status = out->kind->frame(out, f, err, errlen);
        if (status) {
            if (remove_failed) {
                char ignored[512];
                finish_item(s, i, 0, NULL, ignored, sizeof ignored);
            }
            return status;
        }
    }
    return 0;
}

int outputs_write_any_order(void *ctx, const uint8_t *mask, long number,
                            char *err, size_t errlen)
{
    /* On several threads at once: nothing in the set changes here. */
    output_frame f = {.number = number, .mask = mask};
    return write_stage(ctx, OUTPUT_ANY_ORDER, &f, 0, err, errlen);
}

int outputs_write_in_order(void *ctx, const uint8_t *mask,
                           const uint8_t *frame, long number, long position,
                           char *err, size_t errlen)
{
    output_frame f = {.number = number, .position = position, .mask = mask,
                      .frame = frame};
    return write_stage(ctx, OUTPUT_IN_ORDER, &f, 1, err, errlen);
}

int outputs_write_with_model(outputs *s, const output_frame *f, char *err,
                             size_t errlen)
{
    output_frame copy = *f;
    return write_stage(s, OUTPUT_WITH_MODEL, &copy, 0, err, errlen);
}

int outputs_finish_streams(outputs *s, int keep, char *err, size_t errlen)
{
    int status = 0;
    for (int i = 0; s && i < s->count; i++) {
        if (s->item[i].kind->stage == OUTPUT_WITH_MODEL)
            continue;
        /* After a failure the others are still finished (the frames so far
         * are worth keeping), but a second message would be one too many. */
        char ignored[512];
        int failed = finish_item(s, i, keep, NULL, status ? ignored : err,
                                 status ? sizeof ignored : errlen);
        status = status ? status : failed;
    }
    return status;
}

int outputs_finish_with_model(outputs *s, int keep, const output_end *end,
                              char *err, size_t errlen)
{
    int status = 0;
    for (int i = 0; s && i < s->count; i++) {
        if (s->item[i].kind->stage != OUTPUT_WITH_MODEL)
            continue;
        int failed = finish_item(s, i, keep && !status, end, err, errlen);
        status = status ? status : failed;
    }
    return status;
}

void outputs_describe(const outputs *s, FILE *to)
{
    if (!outputs_at(s, OUTPUT_ANY_ORDER) && !outputs_at(s, OUTPUT_IN_ORDER))
        fprintf(to, "bgsub: output: no masks written\n");
    for (int i = 0; s && i < s->count; i++)
        if (s->item[i].kind->describe)
            s->item[i].kind->describe(&s->item[i], to);
}

void outputs_summary(const outputs *s, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; s && i < s->count && used + 2 < size; i++) {
        if (!s->item[i].kind->summary)
            continue;
        if (used) {
            memcpy(buf + used, ", ", 3);
            used += 2;
        }
        s->item[i].kind->summary(&s->item[i], buf + used, size - used);
        used += strlen(buf + used);
    }
    if (!buf[0])
        snprintf(buf, size, "no masks written");
}
