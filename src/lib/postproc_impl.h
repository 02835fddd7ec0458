/*
 * postproc_impl.h - the clean-up workspace, shared by postproc.c (the
 * workspace, bit rows, local steps and the chain) and components.c
 * (connected components: hole filling, minimum area, blobs). Not public.
 */
#ifndef BGSUB_POSTPROC_IMPL_H
#define BGSUB_POSTPROC_IMPL_H

#include "lib/postproc.h"

#include <stdint.h>

#define LAYERS 3

/* Stripes a plane is labelled in at most: enough for any thread count a
 * frame's model pass uses well. And pixels per stripe at least, by default:
 * labelling 320x240 takes about a microsecond, less than handing out two
 * jobs to the pool costs, so small planes are labelled in one piece. */
#define MAX_LABEL_PARTS 64
#define MIN_LABEL_PART_PIXELS 65536

/* Runs of one stripe of a plane, numbered from 0 (see label_runs). */
typedef struct run_store {
    int32_t *edge;   /* run i covers [edge[2 i], edge[2 i + 1]) of its row */
    int32_t *parent;
    size_t cap;      /* runs edge and parent have room for */
} run_store;

struct bgs_postproc {
    int width, height;
    int words; /* 64-bit words per row of a bit plane */
    uint64_t *layers; /* LAYERS planes of words * height */
    /* Scratch for row-range calls, one slice per thread. */
    uint64_t *scratch;
    int scratch_threads;
    /* Per stripe: two row windows for the intermediate results of the
     * local steps (postproc_local_rows), window_rows rows each. */
    uint64_t *windows;
    int window_parts, window_rows;
    /* Connected components: runs of one class, row by row (label_runs). */
    run_store runs;    /* parent: union-find; after labelling, each run's root */
    int64_t *acc;      /* per root: area, or a blob index */
    uint8_t *border;   /* per root: touches the frame border */
    size_t root_cap;   /* runs acc and border have room for */
    int32_t *row_start; /* height + 1 entries: first run of each row */
    /* Labelling in stripes: the runs of stripe p > 0 are first numbered
     * from 0 in stripe_runs[p] (stripe 0 uses edge and parent directly),
     * then copied after the stripes above them. */
    run_store *stripe_runs;
    int stripe_runs_count;
    long label_part_pixels; /* pixels per stripe at least */
    bgs_blob *blobs;
    size_t blob_cap;
};

/* Bits of the last word that hold pixels. */
static inline uint64_t last_word_mask(int width)
{
    int used = width % 64;
    return used ? (~0ull >> (64 - used)) : ~0ull;
}

/* First row of stripe `part` of `parts` (stripes of rows of a plane). */
static inline int stripe_start(int height, int part, int parts)
{
    return (int)((int64_t)height * part / parts);
}

/* Runs job on parts stripes, on pool's threads or (pool NULL) here. */
static inline void run_striped(task_pool *pool, int parts, pool_job job, void *ctx)
{
    if (pool)
        pool_run_parts(pool, parts, job, ctx);
    else
        for (int part = 0; part < parts; part++)
            job(ctx, part, parts);
}

#endif
