/*
 * components.c - connected components of a bit plane of the clean-up
 * (postproc_impl.h): hole filling, the minimum blob area and the blob list.
 *
 * Runs of each row are linked with the overlapping runs of the previous row
 * by union-find; the runs come straight out of the words (count trailing
 * zeros), so the cost is one pass over the bit plane plus a term linear in
 * the number of runs. Large planes are labelled in stripes on the pool and
 * joined at the stripe borders.
 */
#include "lib/postproc_impl.h"
#include "lib/internal.h"

#include <stdlib.h>
#include <string.h>

/* A capacity of at least need, doubling from cap (1024 at first). */
static size_t grown(size_t cap, size_t need)
{
    cap = cap ? cap : 1024;
    while (cap < need)
        cap *= 2;
    return cap;
}

/* Room in acc and border for need runs; 0, or -1 for lack of memory. */
static int reserve_roots(bgs_postproc *pp, size_t need)
{
    if (need <= pp->root_cap)
        return 0;
    size_t cap = grown(pp->root_cap, need);
    int64_t *acc = realloc(pp->acc, cap * sizeof *acc);
    if (!acc)
        return -1;
    pp->acc = acc;
    uint8_t *border = realloc(pp->border, cap);
    if (!border)
        return -1;
    pp->border = border;
    pp->root_cap = cap;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Runs and connected components                                            */
/* ------------------------------------------------------------------------ */

/* The runs of set (want_set) or clear bits of one row, in order, as
 * edges: run i is [edge[2 i], edge[2 i + 1]). Returns the number of runs,
 * at most (width + 1) / 2. */
static int32_t row_runs(const uint64_t *row, int width, int words,
                        int want_set, int32_t *edge)
{
    /* Positions where the class changes alternate between run starts and
     * run ends, so in order they are the edges. */
    int32_t n = 0;
    uint64_t prev = 0; /* the bit before the word */
    for (int k = 0; k < words; k++) {
        uint64_t bits = want_set ? row[k] : ~row[k];
        if (k == words - 1)
            bits &= last_word_mask(width);
        uint64_t edges = bits ^ ((bits << 1) | prev);
        prev = bits >> 63;
        while (edges) {
            edge[n++] = 64 * k + __builtin_ctzll(edges);
            edges &= edges - 1;
        }
    }
    if (n & 1)
        edge[n++] = width; /* the last run reaches the right border */
    return n / 2;
}

static int32_t find_root(int32_t *parent, int32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]]; /* path halving */
        i = parent[i];
    }
    return i;
}

/* The smaller index becomes the root, so every parent index is at most its
 * child's and the root of a component is its first run in raster order. */
static void unite(int32_t *parent, int32_t a, int32_t b)
{
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* Link the runs [a, a_end) of one row with the runs [b, b_end) of the row
 * below: touch 1 links runs that meet at a corner too (8-neighbours), 0
 * only runs that overlap (4-neighbours). */
static void link_rows(int32_t *parent, const int32_t *edge, int32_t a,
                      int32_t a_end, int32_t b, int32_t b_end, int32_t touch)
{
    while (a < a_end && b < b_end) {
        int32_t a0 = edge[2 * a], a1 = edge[2 * a + 1];
        int32_t b0 = edge[2 * b], b1 = edge[2 * b + 1];
        if (a0 < b1 + touch && b0 < a1 + touch)
            unite(parent, a, b);
        /* Step past the run that ends first. */
        int32_t step_a = a1 < b1;
        a += step_a;
        b += 1 - step_a;
    }
}

/* Room for need runs in s; 0, or -1 for lack of memory. */
static int store_reserve(run_store *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    size_t cap = grown(s->cap, need);
    int32_t *edge = realloc(s->edge, 2 * cap * sizeof *edge);
    if (!edge)
        return -1;
    s->edge = edge;
    int32_t *parent = realloc(s->parent, cap * sizeof *parent);
    if (!parent)
        return -1;
    s->parent = parent;
    s->cap = cap;
    return 0;
}

/* The runs of rows [y0, y1) into s, numbered from 0, each row linked with
 * the one above it inside the rows; pp->row_start[y] gets the number of the
 * first run of row y. Returns the number of runs, or -1 for lack of memory. */
static int32_t label_rows(bgs_postproc *pp, const uint64_t *plane,
                          int want_set, int y0, int y1, run_store *s)
{
    const size_t row_max = ((size_t)pp->width + 1) / 2;
    const int32_t touch = want_set ? 1 : 0;
    int32_t n = 0;
    for (int y = y0; y < y1; y++) {
        if (store_reserve(s, (size_t)n + row_max) != 0)
            return -1;
        pp->row_start[y] = n;
        int32_t k = row_runs(plane + (size_t)y * pp->words, pp->width,
                             pp->words, want_set, s->edge + 2 * (size_t)n);
        for (int32_t i = n; i < n + k; i++)
            s->parent[i] = i;
        if (y > y0)
            link_rows(s->parent, s->edge, pp->row_start[y - 1], n, n, n + k,
                      touch);
        n += k;
    }
    return n;
}

typedef struct label_job {
    bgs_postproc *pp;
    const uint64_t *plane;
    int want_set;
    int32_t *count;  /* per stripe */
    int32_t *offset; /* per stripe: number of its first run, once counted */
} label_job;

static run_store *stripe_store(bgs_postproc *pp, int part)
{
    return part == 0 ? &pp->runs : &pp->stripe_runs[part];
}

/* Stripe 0 labels into pp->runs itself, the others into their own stores;
 * count[part] gets the stripe's runs, -1 for lack of memory. */
static void label_part(void *ctx, int part, int parts)
{
    const label_job *j = ctx;
    j->count[part] = label_rows(j->pp, j->plane, j->want_set,
                                stripe_start(j->pp->height, part, parts),
                                stripe_start(j->pp->height, part + 1, parts),
                                stripe_store(j->pp, part));
}

/* Stripe part > 0: its runs after those of the stripes above, its parents
 * and row starts renumbered to match. */
static void gather_part(void *ctx, int part, int parts)
{
    const label_job *j = ctx;
    if (part == 0)
        return;
    bgs_postproc *pp = j->pp;
    const run_store *s = &pp->stripe_runs[part];
    const int32_t off = j->offset[part], n = j->count[part];
    memcpy(pp->runs.edge + 2 * (size_t)off, s->edge, 2 * (size_t)n * sizeof *s->edge);
    for (int32_t i = 0; i < n; i++)
        pp->runs.parent[off + i] = off + s->parent[i];
    for (int y = stripe_start(pp->height, part, parts);
         y < stripe_start(pp->height, part + 1, parts); y++)
        pp->row_start[y] += off;
}

/*
 * Label the runs of set (foreground) or clear (background) bits of a
 * plane: afterwards pp->runs.edge holds the *count runs row by row (row y's
 * are [row_start[y], row_start[y + 1])), and pp->runs.parent[i] is the root
 * of run i, the first run of its component. Foreground is linked through
 * 8-neighbours (runs overlap or touch at a corner), background through
 * 4-neighbours (runs overlap).
 *
 * With parts > 1 the frame's stripes are labelled on pool's threads, each
 * on its own, then numbered one after the other and linked across the
 * stripe borders on one thread; the result is the same as in one stripe
 * (the roots are still the first runs of their components).
 */
static bgs_status label_runs(bgs_postproc *pp, const uint64_t *plane,
                             int want_set, task_pool *pool, int parts,
                             int32_t *count)
{
    const int height = pp->height;
    if (!pool || parts < 1)
        parts = 1;
    else if (parts > pool_parts(pool))
        parts = pool_parts(pool);
    if (parts > MAX_LABEL_PARTS)
        parts = MAX_LABEL_PARTS;
    if (parts > height)
        parts = height;
    int64_t by_size = (int64_t)pp->width * height / pp->label_part_pixels;
    if (parts > by_size)
        parts = by_size > 1 ? (int)by_size : 1;
    if (parts > pp->stripe_runs_count) {
        run_store *more = realloc(pp->stripe_runs, (size_t)parts * sizeof *more);
        if (!more)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for mask runs");
        memset(more + pp->stripe_runs_count, 0,
               (size_t)(parts - pp->stripe_runs_count) * sizeof *more);
        pp->stripe_runs = more;
        pp->stripe_runs_count = parts;
    }
    int32_t counts[MAX_LABEL_PARTS], offsets[MAX_LABEL_PARTS];
    label_job job = {pp, plane, want_set, counts, offsets};
    run_striped(pool, parts, label_part, &job);
    int64_t n = 0;
    for (int p = 0; p < parts; p++) {
        if (counts[p] < 0)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for mask runs");
        offsets[p] = (int32_t)n;
        n += counts[p];
    }
    if (parts > 1) {
        if (store_reserve(&pp->runs, (size_t)n) != 0)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for %lld mask runs",
                            (long long)n);
        run_striped(pool, parts, gather_part, &job);
    }
    pp->row_start[height] = (int32_t)n;
    int32_t *parent = pp->runs.parent;
    const int32_t touch = want_set ? 1 : 0;
    for (int p = 1; p < parts; p++) {
        int y = stripe_start(height, p, parts);
        if (y > 0 && y < stripe_start(height, p + 1, parts))
            link_rows(parent, pp->runs.edge, pp->row_start[y - 1], pp->row_start[y],
                      pp->row_start[y], pp->row_start[y + 1], touch);
    }
    /* Parents come before children: one pass in order flattens all. */
    for (int32_t i = 0; i < (int32_t)n; i++)
        parent[i] = parent[parent[i]];
    if (reserve_roots(pp, (size_t)n + 1) != 0) /* never NULL, even for none */
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for %lld mask runs",
                        (long long)n);
    *count = (int32_t)n;
    return BGS_OK;
}

/* pp->acc[root] = area of each component (0 for non-roots). */
static void component_areas(bgs_postproc *pp, int32_t n)
{
    memset(pp->acc, 0, (size_t)n * sizeof *pp->acc);
    for (int32_t i = 0; i < n; i++)
        pp->acc[pp->runs.parent[i]] += pp->runs.edge[2 * i + 1] - pp->runs.edge[2 * i];
}

/* Set (value 1) or clear bits [x0, x1) of a row. */
static void set_bits(uint64_t *row, int x0, int x1, int value)
{
    while (x0 < x1) {
        int k = x0 / 64, lo = x0 % 64;
        int hi = x1 - 64 * k < 64 ? x1 - 64 * k : 64;
        uint64_t bits = (hi == 64 ? ~0ull : (1ull << hi) - 1) & (~0ull << lo);
        row[k] = value ? row[k] | bits : row[k] & ~bits;
        x0 = 64 * k + hi;
    }
}

bgs_status postproc_fill_holes(bgs_postproc *pp, uint64_t *plane,
                               long max_area, task_pool *pool, int parts)
{
    int32_t n;
    bgs_status st = label_runs(pp, plane, 0, pool, parts, &n);
    if (st != BGS_OK)
        return st;
    component_areas(pp, n);
    memset(pp->border, 0, (size_t)n);
    const int last_row = pp->height - 1;
    for (int y = 0; y < pp->height; y++)
        for (int32_t i = pp->row_start[y]; i < pp->row_start[y + 1]; i++)
            if (y == 0 || y == last_row || pp->runs.edge[2 * i] == 0 ||
                pp->runs.edge[2 * i + 1] == pp->width)
                pp->border[pp->runs.parent[i]] = 1;
    for (int y = 0; y < pp->height; y++) {
        uint64_t *row = plane + (size_t)y * pp->words;
        for (int32_t i = pp->row_start[y]; i < pp->row_start[y + 1]; i++) {
            int32_t root = pp->runs.parent[i];
            if (!pp->border[root] && pp->acc[root] <= max_area)
                set_bits(row, pp->runs.edge[2 * i], pp->runs.edge[2 * i + 1], 1);
        }
    }
    return BGS_OK;
}

bgs_status postproc_remove_small(bgs_postproc *pp, uint64_t *plane,
                                 long min_area, task_pool *pool, int parts)
{
    int32_t n;
    bgs_status st = label_runs(pp, plane, 1, pool, parts, &n);
    if (st != BGS_OK)
        return st;
    component_areas(pp, n);
    for (int y = 0; y < pp->height; y++) {
        uint64_t *row = plane + (size_t)y * pp->words;
        for (int32_t i = pp->row_start[y]; i < pp->row_start[y + 1]; i++)
            if (pp->acc[pp->runs.parent[i]] < min_area)
                set_bits(row, pp->runs.edge[2 * i], pp->runs.edge[2 * i + 1], 0);
    }
    return BGS_OK;
}

bgs_status bgs_postproc_blobs(bgs_postproc *pp, const uint8_t *mask,
                              ptrdiff_t stride, long min_area,
                              const bgs_blob **blobs, size_t *count)
{
    if (!pp || !mask || !blobs || !count)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_postproc_blobs: a pointer argument is NULL");
    if (stride < pp->width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "bgs_postproc_blobs: row stride %td is smaller than "
                        "the width %d", stride, pp->width);
    if (min_area < 0)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "bgs_postproc_blobs: min_area %ld is negative",
                        min_area);
    *blobs = NULL;
    *count = 0;
    bgs_status st = postproc_reserve(pp, 1);
    if (st != BGS_OK)
        return st;
    uint64_t *plane = postproc_layer(pp, 0);
    postproc_pack_rows(pp, mask, stride, plane, 0, pp->height);
    int32_t n;
    st = label_runs(pp, plane, 1, NULL, 1, &n);
    if (st != BGS_OK)
        return st;
    /* Roots are first runs: numbering them in run order numbers the blobs
     * in raster order of their first pixel. */
    size_t nblobs = 0;
    for (int32_t i = 0; i < n; i++)
        if (pp->runs.parent[i] == i)
            pp->acc[i] = (int64_t)nblobs++;
    if (nblobs > pp->blob_cap) {
        bgs_blob *b = realloc(pp->blobs, nblobs * sizeof *b);
        if (!b)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for %zu blobs",
                            nblobs);
        pp->blobs = b;
        pp->blob_cap = nblobs;
    }
    /* Accumulate: x = min x, width = max end, y = first row, height = last
     * row, cx / cy = coordinate sums (exact in a double: < 2^53). */
    for (int y = 0; y < pp->height; y++) {
        for (int32_t i = pp->row_start[y]; i < pp->row_start[y + 1]; i++) {
            int32_t x0 = pp->runs.edge[2 * i], x1 = pp->runs.edge[2 * i + 1];
            int32_t root = pp->runs.parent[i];
            bgs_blob *b = &pp->blobs[pp->acc[root]];
            long len = x1 - x0;
            if (root == i) {
                b->x = x0;
                b->width = x1;
                b->y = y;
                b->area = 0;
                b->cx = b->cy = 0.0;
            }
            if (x0 < b->x)
                b->x = x0;
            if (x1 > b->width)
                b->width = x1;
            b->height = y;
            b->area += len;
            b->cx += (double)((int64_t)len * (x0 + x1 - 1) / 2);
            b->cy += (double)len * y;
        }
    }
    size_t kept = 0;
    for (size_t j = 0; j < nblobs; j++) {
        bgs_blob b = pp->blobs[j];
        if (b.area < min_area)
            continue;
        b.width -= b.x;
        b.height = b.height - b.y + 1;
        b.cx /= (double)b.area;
        b.cy /= (double)b.area;
        pp->blobs[kept++] = b;
    }
    *blobs = pp->blobs;
    *count = kept;
    return BGS_OK;
}

