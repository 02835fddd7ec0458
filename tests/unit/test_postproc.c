/* test_postproc.c - mask clean-up and blobs against brute-force references
 * (direct window counting, direct erosion / dilation, flood-fill labelling)
 * on many random masks, plus hand-made cases. */
#include "bgsub.h"
#include "lib/pool.h"
#include "lib/postproc.h"
#include "test.h"

#include <limits.h>
#include <stdint.h>

#define REQUIRE_OK(call, ...)                                                \
    do {                                                                     \
        bgs_status require_status_ = (call);                                 \
        REQUIRE(require_status_ == BGS_OK, __VA_ARGS__);                     \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Random masks                                                             */
/* ------------------------------------------------------------------------ */

static uint64_t rng_state = 12345;

static uint32_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static int rnd_below(int n) { return (int)(rnd() % (uint32_t)n); }

/* A mask of 0 / 255 / 127 ("shadow") pixels: either independent noise of
 * the given foreground density (percent), or rectangles and discs (some
 * cut by the border, some with holes) plus salt-and-pepper noise. */
static void random_mask(uint8_t *m, int w, int h, ptrdiff_t stride, int kind)
{
    int density = kind == 0 ? 5 : kind == 1 ? 50 : kind == 2 ? 90 : 3;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int r = rnd_below(100);
            m[y * stride + x] = r < density ? 255 : r < density + 5 ? 127 : 0;
        }
    if (kind < 3)
        return;
    int shapes = 1 + rnd_below(6);
    for (int s = 0; s < shapes; s++) {
        int cx = rnd_below(w + 4) - 2, cy = rnd_below(h + 4) - 2;
        int rx = 1 + rnd_below(w / 3 + 2), ry = 1 + rnd_below(h / 3 + 2);
        int disc = rnd_below(2), hole = rnd_below(2);
        for (int y = cy - ry; y <= cy + ry; y++)
            for (int x = cx - rx; x <= cx + rx; x++) {
                if (x < 0 || y < 0 || x >= w || y >= h)
                    continue;
                double dx = (double)(x - cx) / rx, dy = (double)(y - cy) / ry;
                double d2 = dx * dx + dy * dy;
                if (disc && d2 > 1.0)
                    continue;
                int in_hole = hole && (disc ? d2 < 0.2
                                            : abs(x - cx) < rx / 2 &&
                                                  abs(y - cy) < ry / 2);
                m[y * stride + x] = in_hole ? 0 : 255;
            }
    }
}

/* ------------------------------------------------------------------------ */
/* References                                                               */
/* ------------------------------------------------------------------------ */

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* fg[] is 0/1, w*h, no padding. */
static void ref_median(const uint8_t *fg, uint8_t *out, int w, int h, int n)
{
    int r = n / 2, t = (n * n + 1) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int c = 0;
            for (int dy = -r; dy <= r; dy++)
                for (int dx = -r; dx <= r; dx++)
                    c += fg[clampi(y + dy, 0, h - 1) * w +
                            clampi(x + dx, 0, w - 1)];
            out[y * w + x] = c >= t;
        }
}

/* Erosion: min over the window clipped to the frame; dilation: max. */
static void ref_morph(const uint8_t *fg, uint8_t *out, int w, int h, int r,
                      int erode)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = erode;
            for (int yy = y - r; yy <= y + r; yy++)
                for (int xx = x - r; xx <= x + r; xx++) {
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    if (erode)
                        v &= fg[yy * w + xx];
                    else
                        v |= fg[yy * w + xx];
                }
            out[y * w + x] = (uint8_t)v;
        }
}

/* Flood fill from (x0, y0) over pixels whose fg equals cls; labels[] gets
 * id. Returns the area; *border is set if the region touches the border.
 * Box, area and coordinate sums go to the optional blob. */
static long flood(const uint8_t *fg, int *labels, int *queue, int w, int h,
                  int x0, int y0, int cls, int eight, int id, int *border,
                  bgs_blob *blob)
{
    long head = 0, tail = 0, area = 0;
    int minx = x0, maxx = x0, miny = y0, maxy = y0;
    double sx = 0, sy = 0;
    *border = 0;
    labels[y0 * w + x0] = id;
    queue[tail++] = y0 * w + x0;
    while (head < tail) {
        int p = queue[head++], x = p % w, y = p / w;
        area++;
        sx += x;
        sy += y;
        if (x < minx) minx = x;
        if (x > maxx) maxx = x;
        if (y < miny) miny = y;
        if (y > maxy) maxy = y;
        if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
            *border = 1;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                if ((dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0))
                    continue;
                int xx = x + dx, yy = y + dy;
                if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                    continue;
                int q = yy * w + xx;
                if (labels[q] == 0 && fg[q] == cls) {
                    labels[q] = id;
                    queue[tail++] = q;
                }
            }
    }
    if (blob) {
        blob->x = minx;
        blob->y = miny;
        blob->width = maxx - minx + 1;
        blob->height = maxy - miny + 1;
        blob->area = area;
        blob->cx = sx / area;
        blob->cy = sy / area;
    }
    return area;
}

/* Background regions (4-connected) off the border of at most max_area
 * pixels become foreground. */
static void ref_fill_holes(uint8_t *fg, int w, int h, long max_area)
{
    int *labels = calloc((size_t)w * h, sizeof *labels);
    int *queue = malloc((size_t)w * h * sizeof *queue);
    int id = 0;
    for (int p = 0; p < w * h; p++) {
        if (labels[p] || fg[p])
            continue;
        int border;
        long area = flood(fg, labels, queue, w, h, p % w, p / w, 0, 0, ++id,
                          &border, NULL);
        if (!border && area <= max_area)
            for (int q = 0; q < w * h; q++)
                if (labels[q] == id)
                    fg[q] = 2; /* filled later: keeps it out of other floods */
    }
    for (int p = 0; p < w * h; p++)
        if (fg[p] == 2)
            fg[p] = 1;
    free(labels);
    free(queue);
}

/* Foreground blobs (8-connected) of fewer than min_area pixels become
 * background. */
static void ref_remove_small(uint8_t *fg, int w, int h, long min_area)
{
    int *labels = calloc((size_t)w * h, sizeof *labels);
    int *queue = malloc((size_t)w * h * sizeof *queue);
    int id = 0;
    for (int p = 0; p < w * h; p++) {
        if (labels[p] || fg[p] != 1)
            continue;
        int border;
        long area = flood(fg, labels, queue, w, h, p % w, p / w, 1, 1, ++id,
                          &border, NULL);
        if (area < min_area)
            for (int q = 0; q < w * h; q++)
                if (labels[q] == id)
                    fg[q] = 3; /* removed later, as above */
    }
    for (int p = 0; p < w * h; p++)
        if (fg[p] == 3)
            fg[p] = 0;
    free(labels);
    free(queue);
}

/* Blobs in raster order of their first pixel: scanning pixels in raster
 * order meets each blob first at its first pixel. */
static size_t ref_blobs(const uint8_t *mask, ptrdiff_t stride, int w, int h,
                        long min_area, bgs_blob *out)
{
    uint8_t *fg = malloc((size_t)w * h);
    int *labels = calloc((size_t)w * h, sizeof *labels);
    int *queue = malloc((size_t)w * h * sizeof *queue);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            fg[y * w + x] = mask[y * stride + x] == 255;
    size_t n = 0;
    int id = 0;
    for (int p = 0; p < w * h; p++) {
        if (labels[p] || !fg[p])
            continue;
        int border;
        bgs_blob b;
        flood(fg, labels, queue, w, h, p % w, p / w, 1, 1, ++id, &border, &b);
        if (b.area >= min_area)
            out[n++] = b;
    }
    free(fg);
    free(labels);
    free(queue);
    return n;
}

/* The whole chain on a copy: fg layer, steps, then merge. */
static void ref_clean(uint8_t *mask, ptrdiff_t stride, int w, int h,
                      const bgs_cleanup *c)
{
    size_t n = (size_t)w * h;
    uint8_t *fg = malloc(n), *tmp = malloc(n);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            fg[y * w + x] = mask[y * stride + x] == 255;
    if (c->median) {
        ref_median(fg, tmp, w, h, c->median);
        memcpy(fg, tmp, n);
    }
    if (c->open_radius) {
        ref_morph(fg, tmp, w, h, c->open_radius, 1);
        ref_morph(tmp, fg, w, h, c->open_radius, 0);
    }
    if (c->close_radius) {
        ref_morph(fg, tmp, w, h, c->close_radius, 0);
        ref_morph(tmp, fg, w, h, c->close_radius, 1);
    }
    if (c->fill_holes)
        ref_fill_holes(fg, w, h, c->fill_holes);
    if (c->min_area)
        ref_remove_small(fg, w, h, c->min_area);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *m = &mask[y * stride + x];
            if (fg[y * w + x])
                *m = 255;
            else if (*m == 255)
                *m = 0;
        }
    free(fg);
    free(tmp);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static const int sizes[][2] = {
    {1, 1},  {1, 9},  {9, 1},   {1, 40}, {40, 1}, {2, 2},  {3, 7},
    {7, 3},  {5, 5},  {16, 16}, {17, 13}, {31, 17}, {33, 2}, {64, 48},
    {100, 37}, {47, 71}, {128, 9}, {130, 21}, {193, 12},
};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

/* A random mask of w x h with a stride larger than w; the padding holds
 * a canary value that must survive. */
typedef struct test_mask {
    int w, h;
    ptrdiff_t stride;
    uint8_t *data;
} test_mask;

static test_mask make_mask(int w, int h, int kind)
{
    test_mask t = {w, h, w + (kind & 1 ? 3 : 0), NULL};
    t.data = malloc((size_t)t.stride * h);
    memset(t.data, 0xA5, (size_t)t.stride * h);
    random_mask(t.data, w, h, t.stride, kind);
    return t;
}

static int canary_intact(const test_mask *t)
{
    for (int y = 0; y < t->h; y++)
        for (ptrdiff_t x = t->w; x < t->stride; x++)
            if (t->data[y * t->stride + x] != 0xA5)
                return 0;
    return 1;
}

/* First differing pixel, or -1. */
static long first_difference(const uint8_t *a, const uint8_t *b, int w, int h,
                             ptrdiff_t stride)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (a[y * stride + x] != b[y * stride + x])
                return (long)y * w + x;
    return -1;
}

static uint8_t *copy_mask(const test_mask *t)
{
    uint8_t *c = malloc((size_t)t->stride * t->h);
    memcpy(c, t->data, (size_t)t->stride * t->h);
    return c;
}

/* Clean with the library and with the reference; compare. Returns 0 on a
 * mismatch after reporting it. */
static int clean_matches_reference(const test_mask *t, const bgs_cleanup *c,
                                   const char *what)
{
    bgs_postproc *pp = bgs_postproc_create(t->w, t->h);
    uint8_t *got = copy_mask(t), *want = copy_mask(t);
    bgs_status st = bgs_postproc_clean(pp, c, got, t->stride);
    ref_clean(want, t->stride, t->w, t->h, c);
    long d = first_difference(got, want, t->w, t->h, t->stride);
    int ok = pp && st == BGS_OK && d < 0;
    test_mask g = *t;
    g.data = got;
    ok = ok && canary_intact(&g);
    if (!ok)
        CHECK(ok, "%s: %dx%d median %d open %d close %d fill %ld min %ld: "
                  "status %d, first difference at pixel %ld (got %d want %d)",
              what, t->w, t->h, c->median, c->open_radius, c->close_radius,
              c->fill_holes, c->min_area, (int)st, d, d < 0 ? -1 : got[(d / t->w) * t->stride + d % t->w],
              d < 0 ? -1 : want[(d / t->w) * t->stride + d % t->w]);
    free(got);
    free(want);
    bgs_postproc_free(pp);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Tests: each step and the chain against the references                   */
/* ------------------------------------------------------------------------ */

static int for_all_masks(const bgs_cleanup *c, const char *what, int reps)
{
    int failures = 0;
    for (int s = 0; s < NSIZES; s++)
        for (int kind = 0; kind < 5; kind++)
            for (int rep = 0; rep < reps; rep++) {
                test_mask t = make_mask(sizes[s][0], sizes[s][1], kind);
                if (!clean_matches_reference(&t, c, what))
                    failures++;
                free(t.data);
                if (failures > 3)
                    return failures;
            }
    return failures;
}

TEST(median_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.median = 3;
    for_all_masks(&c, "median 3", 3);
    c.median = 5;
    for_all_masks(&c, "median 5", 3);
}

TEST(opening_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    int radii[] = {1, 2, 3, 4, 7, 12};
    for (int i = 0; i < 6; i++) {
        c.open_radius = radii[i];
        for_all_masks(&c, "opening", 2);
    }
}

TEST(closing_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    int radii[] = {1, 2, 3, 5, 8, 16};
    for (int i = 0; i < 6; i++) {
        c.close_radius = radii[i];
        for_all_masks(&c, "closing", 2);
    }
}

TEST(largest_radius_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.open_radius = BGS_CLEANUP_MAX_RADIUS;
    /* Sparse noise with a 75x72 block, holed here and there: parts of it
     * survive a 65x65 erosion. */
    test_mask t = make_mask(90, 80, 0);
    for (int y = 3; y < 75; y++)
        for (int x = 5; x < 80; x++)
            t.data[y * t.stride + x] = rnd_below(400) ? 255 : 0;
    clean_matches_reference(&t, &c, "opening, largest radius");
    c.open_radius = 0;
    c.close_radius = BGS_CLEANUP_MAX_RADIUS;
    clean_matches_reference(&t, &c, "closing, largest radius");
    free(t.data);
}

TEST(hole_filling_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    long limits[] = {1, 3, 10, 100, LONG_MAX};
    for (int i = 0; i < 5; i++) {
        c.fill_holes = limits[i];
        for_all_masks(&c, "fill holes", 2);
    }
}

TEST(minimum_area_matches_reference)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    long limits[] = {1, 2, 5, 30, 1000};
    for (int i = 0; i < 5; i++) {
        c.min_area = limits[i];
        for_all_masks(&c, "min area", 2);
    }
}

TEST(whole_chain_matches_reference)
{
    for (int i = 0; i < 60; i++) {
        bgs_cleanup c;
        bgs_cleanup_default(&c);
        c.median = (int[]){0, 3, 5}[rnd_below(3)];
        c.open_radius = rnd_below(4);
        c.close_radius = rnd_below(4);
        c.fill_holes = rnd_below(3) ? rnd_below(40) : 0;
        c.min_area = rnd_below(3) ? rnd_below(40) : 0;
        if (for_all_masks(&c, "chain", 1))
            return;
    }
}

TEST(blobs_match_reference)
{
    bgs_postproc *pp = NULL;
    bgs_blob *want = NULL;
    for (int s = 0; s < NSIZES; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        pp = bgs_postproc_create(w, h);
        want = malloc((size_t)w * h * sizeof *want);
        REQUIRE(pp && want, "setup");
        for (int kind = 0; kind < 5; kind++)
            for (int rep = 0; rep < 3; rep++) {
                test_mask t = make_mask(w, h, kind);
                long min_area = rnd_below(3) ? 0 : rnd_below(20);
                const bgs_blob *got;
                size_t n = 99;
                bgs_status st = bgs_postproc_blobs(pp, t.data, t.stride,
                                                   min_area, &got, &n);
                size_t nw = ref_blobs(t.data, t.stride, w, h, min_area, want);
                int same = st == BGS_OK && n == nw;
                for (size_t i = 0; same && i < n; i++)
                    same = got[i].x == want[i].x && got[i].y == want[i].y &&
                           got[i].width == want[i].width &&
                           got[i].height == want[i].height &&
                           got[i].area == want[i].area &&
                           fabs(got[i].cx - want[i].cx) < 1e-9 &&
                           fabs(got[i].cy - want[i].cy) < 1e-9;
                free(t.data);
                CHECK(same, "%dx%d kind %d min_area %ld: status %d, %zu blobs,"
                            " reference %zu", w, h, kind, min_area, (int)st,
                      n, nw);
                if (!same)
                    goto done;
            }
        bgs_postproc_free(pp);
        free(want);
        pp = NULL;
        want = NULL;
    }
done:
    bgs_postproc_free(pp);
    free(want);
}

/* ------------------------------------------------------------------------ */
/* Tests: stripes and threads                                               */
/* ------------------------------------------------------------------------ */

typedef void (*rows_fn)(bgs_postproc *, const uint64_t *, uint64_t *, int,
                        int, int, uint64_t *);

TEST(stripes_match_whole_frame)
{
    struct {
        rows_fn fn;
        int param;
        const char *name;
    } filters[] = {
        {postproc_median_rows, 3, "median 3"}, {postproc_median_rows, 5, "median 5"},
        {postproc_erode_rows, 1, "erode 1"},   {postproc_erode_rows, 4, "erode 4"},
        {postproc_dilate_rows, 2, "dilate 2"}, {postproc_dilate_rows, 9, "dilate 9"},
    };
    for (int s = 0; s < NSIZES; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        bgs_postproc *pp = bgs_postproc_create(w, h);
        REQUIRE(pp && postproc_reserve(pp, 1) == BGS_OK, "setup");
        size_t words = (size_t)postproc_words(pp) * h;
        uint64_t *src = postproc_layer(pp, 0), *whole = postproc_layer(pp, 1);
        uint64_t *striped = postproc_layer(pp, 2);
        for (int f = 0; f < 6; f++) {
            test_mask t = make_mask(w, h, 3);
            postproc_pack_rows(pp, t.data, t.stride, src, 0, h);
            filters[f].fn(pp, src, whole, filters[f].param, 0, h,
                          postproc_scratch(pp, 0));
            /* Random cuts, including empty and one-row stripes. */
            memset(striped, 0x77, words * sizeof *striped);
            int y = 0;
            while (y < h) {
                int y1 = y + rnd_below(4);
                if (y1 > h)
                    y1 = h;
                filters[f].fn(pp, src, striped, filters[f].param, y, y1,
                              postproc_scratch(pp, 0));
                y = y1;
            }
            CHECK(memcmp(whole, striped, words * sizeof *whole) == 0,
                  "%s %dx%d: stripes differ", filters[f].name, w, h);
            free(t.data);
        }
        bgs_postproc_free(pp);
    }
}

/* Stripes on a pool: each stripe runs all local steps on its own with a
 * halo of rows around it (more stripes than rows on the small sizes), so
 * compare with the reference over many chains, with and without the global
 * steps (without them each stripe merges its own rows), on 2 and 3
 * threads. */
TEST(thread_pool_matches_reference)
{
    for (int threads = 2; threads <= 3; threads++) {
        task_pool *pool = pool_create(threads);
        REQUIRE(pool, "pool_create");
        int failures = 0;
        for (int s = 0; s < NSIZES && failures < 3; s++) {
            int w = sizes[s][0], h = sizes[s][1];
            bgs_postproc *pp = bgs_postproc_create(w, h);
            REQUIRE(pp, "create");
            postproc_set_label_part_pixels(pp, 1 + rnd_below(2 * w)); /* 1-2 rows and up */
            for (int rep = 0; rep < 12 && failures < 3; rep++) {
                bgs_cleanup c;
                bgs_cleanup_default(&c);
                c.median = (int[]){0, 3, 5}[rnd_below(3)];
                c.open_radius = rnd_below(3) ? rnd_below(4) : rnd_below(BGS_CLEANUP_MAX_RADIUS + 1);
                c.close_radius = rnd_below(4);
                int global = rep & 1;
                c.fill_holes = global ? rnd_below(40) : 0;
                c.min_area = global ? 1 + rnd_below(40) : 0;
                test_mask t = make_mask(w, h, rnd_below(5));
                uint8_t *got = copy_mask(&t), *want = copy_mask(&t);
                bgs_status st = postproc_clean_pool(pp, &c, got, t.stride, pool);
                ref_clean(want, t.stride, w, h, &c);
                long d = first_difference(got, want, w, h, t.stride);
                test_mask g = t;
                g.data = got;
                int ok = st == BGS_OK && d < 0 && canary_intact(&g);
                CHECK(ok, "%d threads, %dx%d, median %d open %d close %d fill %ld "
                          "min %ld: status %d, first difference at %ld",
                      threads, w, h, c.median, c.open_radius, c.close_radius,
                      c.fill_holes, c.min_area, (int)st, d);
                failures += !ok;
                free(got);
                free(want);
                free(t.data);
            }
            bgs_postproc_free(pp);
        }
        pool_free(pool);
    }
}

/* ------------------------------------------------------------------------ */
/* Tests: hand-made cases                                                   */
/* ------------------------------------------------------------------------ */

/* Draw rows of text: '#' = 255, 's' = 127, '.' = 0. */
static void draw(uint8_t *m, int w, const char *const *rows, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[y * w + x] = rows[y][x] == '#' ? 255 : rows[y][x] == 's' ? 127 : 0;
}

/* Hole filling and the blob minimum label their components in stripes of
 * rows on the pool (one row each here: more stripes than rows) and join
 * them at the stripe borders. Shapes that are one component only through
 * rows below their start: a V whose arms (4 pixels each, 6 with their
 * diagonal steps) meet two rows down, 11 pixels in all; a ring of 12 pixels
 * around a hole 5 rows tall; three pixels of which the last touches the
 * others only at a corner, across a border (8-neighbours). */
TEST(components_joined_across_stripes)
{
    static const char *const rows[] = {
        "..........",
        ".#...#..#.",
        ".#...#.#.#",
        ".#...#.#.#",
        ".#...#.#.#",
        "..#.#..#.#",
        "...#...#.#",
        "........#.",
        "..........",
        "##........",
        "..#.......",
    };
    enum { W = 10, H = 11 };
    struct {
        long fill, min_area;
        int v, hole, trio; /* expected: 255 or 0 at a pixel of each */
    } cases[] = {
        {4, 9, 255, 0, 0},   /* V joined (11 >= 9); hole of 5 > 4 */
        {5, 9, 255, 255, 0}, /* hole filled */
        {0, 3, 255, 0, 255}, /* the corner joins the trio (3 >= 3) */
        {0, 12, 0, 0, 0},    /* V (11) removed, ring (12) kept */
    };
    for (int threads = 2; threads <= 3; threads++) {
        task_pool *pool = pool_create(threads);
        bgs_postproc *pp = bgs_postproc_create(W, H);
        REQUIRE(pool && pp, "setup");
        postproc_set_label_part_pixels(pp, 1);
        for (int i = 0; i < 4; i++) {
            uint8_t m[W * H], want[W * H];
            draw(m, W, rows, H);
            bgs_cleanup c;
            bgs_cleanup_default(&c);
            c.fill_holes = cases[i].fill;
            c.min_area = cases[i].min_area;
            memcpy(want, m, sizeof want);
            ref_clean(want, W, W, H, &c);
            REQUIRE_OK(postproc_clean_pool(pp, &c, m, W, pool), "clean");
            CHECK(memcmp(m, want, sizeof m) == 0,
                  "%d threads, case %d: differs from the reference", threads, i);
            CHECK(m[1 * W + 1] == cases[i].v && m[1 * W + 5] == cases[i].v,
                  "%d threads, case %d: V arms %d %d", threads, i, m[1 * W + 1],
                  m[1 * W + 5]);
            CHECK(m[4 * W + 8] == cases[i].hole, "%d threads, case %d: hole %d",
                  threads, i, m[4 * W + 8]);
            CHECK(m[10 * W + 2] == cases[i].trio && m[9 * W] == cases[i].trio,
                  "%d threads, case %d: trio %d %d", threads, i, m[9 * W],
                  m[10 * W + 2]);
            CHECK(m[2 * W + 7] == 255, "%d threads, case %d: ring kept", threads, i);
        }
        bgs_postproc_free(pp);
        pool_free(pool);
    }
}

TEST(ring_hole_of_five_pixels)
{
    static const char *const rows[] = {
        ".........",
        ".#######.",
        ".#.....#.",
        ".#######.",
        ".........",
    };
    uint8_t m[45];
    bgs_postproc *pp = bgs_postproc_create(9, 5);
    REQUIRE(pp, "create");
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.fill_holes = 4;
    draw(m, 9, rows, 5);
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, 9), "clean");
    CHECK(m[2 * 9 + 4] == 0, "a 5-pixel hole is not filled with fill_holes 4");
    c.fill_holes = 5;
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, 9), "clean");
    for (int x = 2; x <= 6; x++)
        CHECK(m[2 * 9 + x] == 255, "hole pixel %d filled with fill_holes 5", x);
    CHECK(m[0] == 0 && m[2 * 9] == 0, "outside stays background");
    bgs_postproc_free(pp);
}

TEST(diagonal_chain_is_one_blob_and_closes_a_hole)
{
    static const char *const rows[] = {
        ".......",
        "...#...",
        "..#.#..",
        "...#...",
        ".......",
    };
    uint8_t m[35];
    draw(m, 7, rows, 5);
    bgs_postproc *pp = bgs_postproc_create(7, 5);
    REQUIRE(pp, "create");
    const bgs_blob *b;
    size_t n;
    REQUIRE_OK(bgs_postproc_blobs(pp, m, 7, 0, &b, &n), "blobs");
    REQUIRE(n == 1, "diagonal pixels are one 8-connected blob, got %zu", n);
    CHECK(b[0].x == 2 && b[0].y == 1 && b[0].width == 3 && b[0].height == 3 &&
              b[0].area == 4 && b[0].cx == 3.0 && b[0].cy == 2.0,
          "box %d,%d %dx%d area %ld centroid %g,%g", b[0].x, b[0].y,
          b[0].width, b[0].height, b[0].area, b[0].cx, b[0].cy);
    /* The centre is 4-connected to nothing: a hole of one pixel. */
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.fill_holes = 1;
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, 7), "clean");
    CHECK(m[2 * 7 + 3] == 255, "the pixel enclosed by a diagonal ring is filled");
    bgs_postproc_free(pp);
}

TEST(blob_boxes_and_centroids_are_exact)
{
    static const char *const rows[] = {
        "##......#",
        "#.....ss#",
        "#...###..",
        "....#....",
    };
    uint8_t m[36];
    draw(m, 9, rows, 4);
    bgs_postproc *pp = bgs_postproc_create(9, 4);
    REQUIRE(pp, "create");
    const bgs_blob *b;
    size_t n;
    REQUIRE_OK(bgs_postproc_blobs(pp, m, 9, 0, &b, &n), "blobs");
    REQUIRE(n == 3, "three blobs (shadow is not foreground), got %zu", n);
    /* In raster order of the first pixel: the L at (0,0), the bar at (8,0),
     * the T at (4,2). */
    CHECK(b[0].x == 0 && b[0].y == 0 && b[0].width == 2 && b[0].height == 3 &&
              b[0].area == 4 && b[0].cx == 0.25 && b[0].cy == 0.75,
          "L: %d,%d %dx%d %ld %g,%g", b[0].x, b[0].y, b[0].width,
          b[0].height, b[0].area, b[0].cx, b[0].cy);
    CHECK(b[1].x == 8 && b[1].y == 0 && b[1].width == 1 && b[1].height == 2 &&
              b[1].area == 2 && b[1].cx == 8.0 && b[1].cy == 0.5,
          "bar: %d,%d %dx%d %ld %g,%g", b[1].x, b[1].y, b[1].width,
          b[1].height, b[1].area, b[1].cx, b[1].cy);
    CHECK(b[2].x == 4 && b[2].y == 2 && b[2].width == 3 && b[2].height == 2 &&
              b[2].area == 4 && b[2].cx == 4.75 && b[2].cy == 2.25,
          "T: %d,%d %dx%d %ld %g,%g", b[2].x, b[2].y, b[2].width,
          b[2].height, b[2].area, b[2].cx, b[2].cy);
    REQUIRE_OK(bgs_postproc_blobs(pp, m, 9, 3, &b, &n), "blobs");
    CHECK(n == 2 && b[0].area == 4 && b[1].area == 4 && b[1].x == 4,
          "min_area 3 keeps the L and the T, got %zu", n);
    bgs_postproc_free(pp);
}

TEST(opening_keeps_objects_cut_by_the_border)
{
    enum { W = 12, H = 10 };
    uint8_t m[W * H];
    memset(m, 0, sizeof m);
    for (int y = 0; y < 3; y++)          /* 3x3 in the corner */
        for (int x = 0; x < 3; x++)
            m[y * W + x] = 255;
    for (int y = 4; y < 7; y++)          /* 3x3 inside */
        for (int x = 6; x < 9; x++)
            m[y * W + x] = 255;
    for (int y = 8; y < 10; y++)         /* 2x2 on the bottom edge */
        for (int x = 5; x < 7; x++)
            m[y * W + x] = 255;
    m[1 * W + 8] = 255;                  /* a lone pixel */
    bgs_postproc *pp = bgs_postproc_create(W, H);
    REQUIRE(pp, "create");
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.open_radius = 1;
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, W), "clean");
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            CHECK(m[y * W + x] == 255, "corner square kept at %d,%d", x, y);
    for (int y = 4; y < 7; y++)
        for (int x = 6; x < 9; x++)
            CHECK(m[y * W + x] == 255, "inner square kept at %d,%d", x, y);
    CHECK(m[1 * W + 8] == 0, "lone pixel removed");
    CHECK(m[9 * W + 5] == 0, "a 2x2 square is thinner than the 3x3 element, "
                             "even on the border");
    bgs_postproc_free(pp);
}

TEST(other_values_survive_where_foreground_does_not_change)
{
    /* Closing dilates over the shadow pixel and erodes it back: it ends as
     * background, so it keeps its shadow value. The gap between the two
     * bars is closed (joins the foreground). */
    static const char *const rows[] = {
        "..........",
        ".###.###..",
        ".###.###..",
        ".###.###..",
        "........s.",
        "s.........",
    };
    uint8_t m[60];
    draw(m, 10, rows, 6);
    bgs_postproc *pp = bgs_postproc_create(10, 6);
    REQUIRE(pp, "create");
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.close_radius = 1;
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, 10), "clean");
    CHECK(m[2 * 10 + 4] == 255, "gap closed");
    CHECK(m[4 * 10 + 8] == 127, "shadow next to the object kept, got %d",
          m[4 * 10 + 8]);
    CHECK(m[5 * 10 + 0] == 127, "shadow far away kept");
    /* Minimum area removes foreground to 0, never touches shadow. */
    c.close_radius = 0;
    c.min_area = 100;
    REQUIRE_OK(bgs_postproc_clean(pp, &c, m, 10), "clean");
    CHECK(m[2 * 10 + 2] == 0 && m[4 * 10 + 8] == 127,
          "foreground removed to 0, shadow kept");
    bgs_postproc_free(pp);
}

TEST(no_step_leaves_the_mask_alone)
{
    test_mask t = make_mask(23, 11, 3);
    uint8_t *before = copy_mask(&t);
    bgs_postproc *pp = bgs_postproc_create(23, 11);
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    REQUIRE_OK(bgs_postproc_clean(pp, &c, t.data, t.stride), "clean");
    CHECK(memcmp(before, t.data, (size_t)t.stride * 11) == 0, "unchanged");
    bgs_postproc_free(pp);
    free(before);
    free(t.data);
}

/* ------------------------------------------------------------------------ */
/* Tests: bad arguments                                                     */
/* ------------------------------------------------------------------------ */

TEST(check_rejects_bad_values)
{
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    CHECK(bgs_cleanup_check(&c) == BGS_OK, "all off is valid");
    c.median = 3;
    c.open_radius = c.close_radius = BGS_CLEANUP_MAX_RADIUS;
    c.fill_holes = LONG_MAX;
    c.min_area = 1;
    CHECK(bgs_cleanup_check(&c) == BGS_OK, "largest values are valid");
    CHECK(bgs_cleanup_check(NULL) == BGS_ERR_INVALID_ARGUMENT, "NULL");
    int medians[] = {1, 2, 4, 6, 7, -3};
    for (int i = 0; i < 6; i++) {
        bgs_cleanup_default(&c);
        c.median = medians[i];
        CHECK(bgs_cleanup_check(&c) == BGS_ERR_PARAMETER, "median %d", medians[i]);
        CHECK(strstr(bgs_last_error(), "median") != NULL, "message: %s",
              bgs_last_error());
    }
    int radii[] = {-1, BGS_CLEANUP_MAX_RADIUS + 1, INT32_MIN};
    for (int i = 0; i < 3; i++) {
        bgs_cleanup_default(&c);
        c.open_radius = radii[i];
        CHECK(bgs_cleanup_check(&c) == BGS_ERR_PARAMETER, "open %d", radii[i]);
        CHECK(strstr(bgs_last_error(), "open_radius") != NULL, "message: %s",
              bgs_last_error());
        bgs_cleanup_default(&c);
        c.close_radius = radii[i];
        CHECK(bgs_cleanup_check(&c) == BGS_ERR_PARAMETER, "close %d", radii[i]);
        CHECK(strstr(bgs_last_error(), "close_radius") != NULL, "message: %s",
              bgs_last_error());
    }
    bgs_cleanup_default(&c);
    c.fill_holes = -1;
    CHECK(bgs_cleanup_check(&c) == BGS_ERR_PARAMETER, "fill_holes -1");
    bgs_cleanup_default(&c);
    c.min_area = -5;
    CHECK(bgs_cleanup_check(&c) == BGS_ERR_PARAMETER, "min_area -5");

    /* bgs_postproc_clean checks too, and leaves the mask alone. */
    bgs_postproc *pp = bgs_postproc_create(4, 4);
    REQUIRE(pp, "create");
    uint8_t m[16];
    memset(m, 255, sizeof m);
    m[5] = 0;
    bgs_cleanup_default(&c);
    c.median = 4;
    c.fill_holes = 10;
    CHECK(bgs_postproc_clean(pp, &c, m, 4) == BGS_ERR_PARAMETER, "clean checks");
    CHECK(m[5] == 0, "mask untouched");
    bgs_postproc_free(pp);
}

TEST(bad_arguments_are_refused)
{
    CHECK(bgs_postproc_create(0, 5) == NULL, "width 0");
    CHECK(bgs_postproc_create(5, -1) == NULL, "height -1");
    CHECK(bgs_postproc_create(65537, 1) == NULL, "width 65537");
    CHECK(bgs_postproc_create(65536, 65536) == NULL, "2^32 pixels");
    CHECK(strstr(bgs_last_error(), "65536x65536") != NULL, "message: %s",
          bgs_last_error());
    bgs_postproc_free(NULL);
    bgs_postproc *pp = bgs_postproc_create(8, 2);
    REQUIRE(pp, "create");
    uint8_t m[16] = {0};
    bgs_cleanup c;
    bgs_cleanup_default(&c);
    c.median = 3;
    const bgs_blob *b;
    size_t n;
    CHECK(bgs_postproc_clean(NULL, &c, m, 8) == BGS_ERR_INVALID_ARGUMENT, "pp NULL");
    CHECK(bgs_postproc_clean(pp, NULL, m, 8) == BGS_ERR_INVALID_ARGUMENT, "cleanup NULL");
    CHECK(bgs_postproc_clean(pp, &c, NULL, 8) == BGS_ERR_INVALID_ARGUMENT, "mask NULL");
    CHECK(bgs_postproc_clean(pp, &c, m, 7) == BGS_ERR_INVALID_ARGUMENT, "stride 7");
    CHECK(bgs_postproc_blobs(pp, NULL, 8, 0, &b, &n) == BGS_ERR_INVALID_ARGUMENT, "mask NULL");
    CHECK(bgs_postproc_blobs(pp, m, 8, 0, NULL, &n) == BGS_ERR_INVALID_ARGUMENT, "blobs NULL");
    CHECK(bgs_postproc_blobs(pp, m, 8, 0, &b, NULL) == BGS_ERR_INVALID_ARGUMENT, "count NULL");
    CHECK(bgs_postproc_blobs(pp, m, 3, 0, &b, &n) == BGS_ERR_INVALID_ARGUMENT, "stride 3");
    CHECK(bgs_postproc_blobs(pp, m, 8, -1, &b, &n) == BGS_ERR_PARAMETER, "min_area -1");
    n = 5;
    CHECK(bgs_postproc_blobs(pp, m, 8, 0, &b, &n) == BGS_OK && n == 0,
          "an empty mask has no blobs (%zu)", n);
    bgs_postproc_free(pp);
}

int main(void)
{
    RUN(median_matches_reference);
    RUN(opening_matches_reference);
    RUN(closing_matches_reference);
    RUN(largest_radius_matches_reference);
    RUN(hole_filling_matches_reference);
    RUN(minimum_area_matches_reference);
    RUN(whole_chain_matches_reference);
    RUN(blobs_match_reference);
    RUN(stripes_match_whole_frame);
    RUN(thread_pool_matches_reference);
    RUN(components_joined_across_stripes);
    RUN(ring_hole_of_five_pixels);
    RUN(diagonal_chain_is_one_blob_and_closes_a_hole);
    RUN(blob_boxes_and_centroids_are_exact);
    RUN(opening_keeps_objects_cut_by_the_border);
    RUN(other_values_survive_where_foreground_does_not_change);
    RUN(no_step_leaves_the_mask_alone);
    RUN(check_rejects_bad_values);
    RUN(bad_arguments_are_refused);
    return test_summary();
}
