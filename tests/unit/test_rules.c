/*
 * test_rules.c - the rules around the mixture (issue 15): the selective
 * update and its absorb time, ghosts, the tile test of light changes, the
 * camera-shake shift, the texture test of shadows. model.c is included
 * whole so that the state (counters, shift) can be read directly. Expected
 * values come from the scenes themselves (the shift applied, the frame the
 * object appears) or from closed forms, never from the code under test.
 */
#include "test.h"
#include "../../src/lib/model.c"

#include <stdint.h>

static uint32_t rng_state = 2024u;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}
/* Uniform noise in [-a, a]. */
static double noise(double a)
{
    return a * (2.0 * (rng_next() >> 8) / (double)(1u << 24) - 1.0);
}
static uint8_t clamp_u8(double v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

/* Value noise: a hashed value at each corner of CELL x CELL cells, blended
 * bilinearly; nothing repeats, as in real scenes. */
static double lattice(uint32_t seed, int i, int j)
{
    uint32_t h = seed ^ (uint32_t)i * 0x9e3779b1u ^ (uint32_t)j * 0x85ebca6bu;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return (h & 0xffff) / 65535.0;
}

static double value_noise(uint32_t seed, double x, double y, double cell)
{
    double fx = floor(x / cell), fy = floor(y / cell);
    double tx = x / cell - fx, ty = y / cell - fy;
    int i = (int)fx, j = (int)fy;
    double top = lattice(seed, i, j) * (1 - tx) + lattice(seed, i + 1, j) * tx;
    double bot = lattice(seed, i, j + 1) * (1 - tx) + lattice(seed, i + 1, j + 1) * tx;
    return top * (1 - ty) + bot * ty;
}

/* A textured background: a broad pattern with cells of 6 pixels and
 * faint edges between them (a busier texture hides a ghost's outline: see
 * find_ghosts). */
static double texture(int x, int y, int c)
{
    return 50 + 120 * value_noise(7u + (uint32_t)c, x, y, 18.0) +
           20 * lattice(11u, (int)floor(x / 6.0), (int)floor(y / 6.0));
}

/* Another texture, for objects: another pattern and colour. */
static double object_texture(int x, int y, int c)
{
    return 40 + 35 * c + 100 * value_noise(91u + (uint32_t)c, x, y, 5.0);
}

/* A frame of the background, shifted by (dx, dy): pixel (x, y) shows the
 * background at (x - dx, y - dy), and lit by gain[c]; noise of +-2. */
static void background_frame(uint8_t *f, int W, int H, int C, int dx, int dy,
                             const double gain[3])
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < C; c++)
                f[((size_t)y * W + x) * C + c] =
                    clamp_u8(gain[c] * texture(x - dx, y - dy, c) + noise(2));
}

static const double unlit[3] = {1, 1, 1};

/* Paints the object texture over the box [x0, x1) x [y0, y1). */
static void paint_object(uint8_t *f, int W, int C, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            for (int c = 0; c < C; c++)
                f[((size_t)y * W + x) * C + c] = clamp_u8(object_texture(x, y, c) + noise(2));
}

static long count_value(const uint8_t *mask, size_t n, uint8_t value)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        k += mask[i] == value;
    return k;
}

/* Parameters with every rule of the defaults but at a frame rate of 25 and
 * times short enough for small tests; the clean-up off, so that masks are
 * the rules' own. */
static bgs_params rule_params(void)
{
    bgs_params p;
    bgs_params_default(&p);
    p.median = 0;
    p.open_radius = p.close_radius = 0;
    p.fill_holes = p.min_area = 0;
    p.learning_frames = 30;
    return p;
}

/* Runs frames through two models and compares masks and every uint16 of
 * the state (counters included) for the pixels inside the width. */
static int same_models(bgs_model *a, bgs_model *b, uint8_t *const *frames, int nframes,
                       char *why, size_t whylen)
{
    const model_shape *s = &a->shape;
    size_t n = (size_t)s->width * a->height;
    uint8_t *ma = malloc(n), *mb = malloc(n);
    int agree = 1;
    for (int f = 0; f < nframes && agree; f++) {
        bgs_model_apply(a, frames[f], (ptrdiff_t)s->width * s->channels, ma, s->width);
        bgs_model_apply(b, frames[f], (ptrdiff_t)s->width * s->channels, mb, s->width);
        if (memcmp(ma, mb, n) != 0) {
            snprintf(why, whylen, "masks differ at frame %d", f + 1);
            agree = 0;
        }
        for (int y = 0; y < a->height && agree; y++)
            for (int x = 0; x < s->width && agree; x++) {
                const uint16_t *fa = pixel_fields(a, x, y), *fb = pixel_fields(b, x, y);
                for (size_t v = 0; v < s->block_u16; v += BLOCK)
                    if (fa[v] != fb[v]) {
                        snprintf(why, whylen, "frame %d pixel (%d,%d) value %zu: %u vs %u",
                                 f + 1, x, y, v / BLOCK, fa[v], fb[v]);
                        agree = 0;
                        break;
                    }
            }
    }
    free(ma);
    free(mb);
    return agree;
}

/* A busy sequence for the kernel and thread comparisons: the background
 * shaken now and then, a light change, an object that stops (held, then
 * absorbed), one that passes, a darkened band (shadow colour). */
static uint8_t **busy_sequence(int W, int H, int C, int n)
{
    uint8_t **frames = malloc((size_t)n * sizeof *frames);
    for (int f = 0; f < n; f++) {
        frames[f] = malloc((size_t)W * H * C);
        double gain[3] = {1, 1, 1};
        if (f >= 90 && f < 100)
            gain[0] = 0.6, gain[1] = 0.62, gain[2] = 0.66;
        int shake = f > 40 && f % 7 == 0 ? 1 : 0;
        background_frame(frames[f], W, H, C, shake, -shake, gain);
        if (f >= 35)
            paint_object(frames[f], W, C, 3, 2, 9, H - 2); /* stops */
        int at = (f * 2) % W;
        paint_object(frames[f], W, C, at, 1, at + 4 < W ? at + 4 : W, 4); /* passes */
        for (int y = H - 3; y < H; y++) /* a band darkened: a shadow's colour */
            for (int x = W / 2; x < W; x++)
                for (int c = 0; c < C; c++)
                    if (f % 5 < 2)
                        frames[f][((size_t)y * W + x) * C + c] =
                            (uint8_t)(frames[f][((size_t)y * W + x) * C + c] * 0.7);
    }
    return frames;
}

static void free_sequence(uint8_t **frames, int n)
{
    for (int f = 0; f < n; f++)
        free(frames[f]);
    free(frames);
}

static void check_kernel_with_rules(bgs_kernel kernel, const char *name)
{
    bgs_params p = rule_params();
    bgs_model *probe = bgs_model_create(1, 1, 1, &p);
    REQUIRE(probe, "create");
    int have = bgs_model_set_kernel(probe, kernel) == BGS_OK;
    bgs_model_free(probe);
    if (!have)
        SKIP("this CPU cannot run the %s kernel", name);
    /* Absorbed after 1 s (25 frames), ghosts looked for after 0.4 s. */
    p.absorb_after = 1.0f;
    p.ghost_after = 0.4f;
    p.max_shift = 2;
    const int n = 130;
    for (int C = 1; C <= 3; C += 2)
        for (int K = 1; K <= BGS_MAX_COMPONENTS; K += 2) {
            const int W = K % 4 == 1 ? 37 : 45, H = 19;
            p.components = K;
            rng_state = 99;
            uint8_t **frames = busy_sequence(W, H, C, n);
            bgs_model *a = bgs_model_create(W, H, C, &p), *b = bgs_model_create(W, H, C, &p);
            REQUIRE(a && b, "create");
            bgs_model_set_kernel(a, BGS_KERNEL_SCALAR);
            bgs_model_set_kernel(b, kernel);
            char why[200] = "";
            CHECK(same_models(a, b, frames, n, why, sizeof why), "%s K=%d C=%d: %s", name, K, C,
                  why);
            bgs_model_free(a);
            bgs_model_free(b);
            free_sequence(frames, n);
        }
}

TEST(avx2_kernel_matches_scalar_with_every_rule)
{
    check_kernel_with_rules(BGS_KERNEL_AVX2, "avx2");
}

TEST(avx512_kernel_matches_scalar_with_every_rule)
{
    check_kernel_with_rules(BGS_KERNEL_AVX512, "avx512");
}

TEST(threads_give_the_same_result_with_every_rule)
{
    const int W = 64, H = 48, C = 3, n = 130;
    bgs_params p = rule_params();
    p.absorb_after = 1.0f;
    p.ghost_after = 0.4f;
    p.max_shift = 3;
    /* Clean-up on too: its stripes must join the rules' passes. */
    p.median = 3;
    p.close_radius = 1;
    rng_state = 5;
    uint8_t **frames = busy_sequence(W, H, C, n);
    for (int threads = 2; threads <= 5; threads += 3) {
        bgs_model *a = bgs_model_create(W, H, C, &p), *b = bgs_model_create(W, H, C, &p);
        REQUIRE(a && b, "create");
        REQUIRE(bgs_model_set_threads(b, threads) == BGS_OK, "threads");
        char why[200] = "";
        CHECK(same_models(a, b, frames, n, why, sizeof why), "1 vs %d threads: %s", threads, why);
        bgs_model_free(a);
        bgs_model_free(b);
    }
    free_sequence(frames, n);
}

/* Feeds one 1x1 gray frame; returns the mask value. */
static int feed1(bgs_model *m, uint8_t v)
{
    uint8_t mask = 77;
    return bgs_model_apply(m, &v, 1, &mask, 1) == BGS_OK ? mask : -1;
}

TEST(held_until_the_absorb_time_then_absorbed)
{
    bgs_params p = rule_params();
    p.learning_frames = 30;
    p.absorb_after = 2.0f;
    p.illumination = 0;
    p.max_shift = 0;
    p.shadows = 0;
    p.ghost_after = 0;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    REQUIRE(bgs_model_set_frame_rate(m, 10.0) == BGS_OK, "frame rate");
    for (int i = 0; i < 60; i++)
        feed1(m, 100);
    uint16_t before[BGS_MAX_COMPONENTS * 5 + BLOCK];
    const uint16_t *f = pixel_fields(m, 0, 0);
    for (size_t v = 0; v < m->shape.block_u16; v += BLOCK)
        before[v / BLOCK] = f[v];
    /* 2 s at 10 frames/s: foreground for 19 frames, absorbed on the 20th
     * (background from then on). A background frame in between starts the
     * count again. */
    for (int i = 0; i < 10; i++)
        CHECK(feed1(m, 200) == 255, "frame %d of the object not foreground", i + 1);
    CHECK(feed1(m, 100) == 0, "the background again is not background");
    int changed = 0;
    for (size_t v = 0; v + BLOCK < m->shape.block_u16; v += BLOCK)
        changed += f[v] != before[v / BLOCK];
    CHECK(changed == 0, "%d fields of a held pixel changed", changed);
    int first_background = 0;
    for (int i = 1; i <= 30 && !first_background; i++)
        if (feed1(m, 200) == 0)
            first_background = i;
    CHECK(first_background == 20, "absorbed on frame %d of the object, want 20",
          first_background);
    /* Absorption: the object's component weight 1.02 - T = 0.42, the
     * background's (weight 1 after learning a constant) the rest, 0.58;
     * the new component starts at the initial variance. */
    pixel_model px;
    model_unpack_pixel(&m->shape, f - 0, 0, &px);
    int obj = fabsf(px.mean[0][0] - 200) < 0.01f ? 0 : 1, bg = 1 - obj;
    CHECK(fabsf(px.mean[obj][0] - 200) < 0.01f && fabsf(px.mean[bg][0] - 100) < 0.01f,
          "means %g %g", px.mean[0][0], px.mean[1][0]);
    CHECK(fabsf(px.weight[obj] - 0.42f) <= 1.0f / 65535 &&
          fabsf(px.weight[bg] - 0.58f) <= 1.0f / 65535,
          "weights %g (object) %g (background)", px.weight[obj], px.weight[bg]);
    CHECK(px.var[obj] == p.var_init, "object variance %g", px.var[obj]);
    CHECK(feed1(m, 200) == 0 && feed1(m, 100) == 0, "object and background both background");
    bgs_model_free(m);

    /* 0: the plain update (absorbed by alpha within tens of frames). */
    p.absorb_after = 0;
    m = bgs_model_create(1, 1, 1, &p);
    for (int i = 0; i < 60; i++)
        feed1(m, 100);
    int fg = 0;
    for (int i = 0; i < 300; i++)
        fg += feed1(m, 200) == 255;
    CHECK(fg > 20 && fg < 300, "plain update: %d foreground frames", fg);
    bgs_model_free(m);
}

TEST(nothing_held_while_learning_nor_when_frozen)
{
    bgs_params p = rule_params();
    p.learning_frames = 0;
    p.illumination = p.shadows = 0;
    p.max_shift = 0;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    /* An empty model is not held: frame 1 teaches it. */
    CHECK(feed1(m, 90) == 255, "first frame");
    CHECK(feed1(m, 90) == 0, "second frame of the same value is not background");
    bgs_model_free(m);
    /* alpha 0 freezes: no count, no absorption. */
    p.learning_frames = 5;
    p.absorb_after = 0.2f; /* 5 frames at 25 */
    m = bgs_model_create(1, 1, 1, &p);
    for (int i = 0; i < 20; i++)
        feed1(m, 90);
    p.alpha = 0;
    bgs_model_set_params(m, &p);
    int fg = 0;
    for (int i = 0; i < 30; i++)
        fg += feed1(m, 200) == 255;
    CHECK(fg == 30, "frozen model: %d of 30 frames foreground", fg);
    CHECK(*(pixel_fields(m, 0, 0) + counter_offset(1, p.components)) == 0,
          "frozen model counted");
    bgs_model_free(m);
}

TEST(frame_rate_setter)
{
    bgs_params p = rule_params();
    bgs_model *m = bgs_model_create(4, 4, 1, &p);
    REQUIRE(m, "create");
    CHECK(bgs_model_frame_rate(m) == 25.0, "default %g", bgs_model_frame_rate(m));
    CHECK(bgs_model_set_frame_rate(m, 0) != BGS_OK, "0 accepted");
    CHECK(bgs_model_set_frame_rate(m, 1001) != BGS_OK, "1001 accepted");
    CHECK(bgs_model_set_frame_rate(m, NAN) != BGS_OK, "NaN accepted");
    CHECK(bgs_model_set_frame_rate(m, 30) == BGS_OK && bgs_model_frame_rate(m) == 30,
          "30 refused");
    CHECK(frames_in(m, 2.0f) == 60 && frames_in(m, 0.0f) == 0 && frames_in(m, 0.001f) == 1,
          "2 s at 30 = %ld frames", frames_in(m, 2.0f));
    bgs_model_free(m);
}

/* A colour model of W x H that has learnt the plain background. */
static bgs_model *learnt_model(int W, int H, bgs_params *p, uint8_t *frame, uint8_t *mask)
{
    bgs_model *m = bgs_model_create(W, H, 3, p);
    if (!m)
        return NULL;
    for (int f = 0; f < 120; f++) {
        background_frame(frame, W, H, 3, 0, 0, unlit);
        bgs_model_apply(m, frame, W * 3, mask, W);
    }
    return m;
}

TEST(light_change_is_background_objects_stay)
{
    const int W = 96, H = 72;
    uint8_t frame[96 * 72 * 3], mask[96 * 72];
    bgs_params p = rule_params();
    rng_state = 11;
    bgs_model *m = learnt_model(W, H, &p, frame, mask);
    REQUIRE(m, "create");
    /* The light drops to 0.6 at once, an object stands in the middle. */
    const double dim[3] = {0.58, 0.60, 0.66};
    background_frame(frame, W, H, 3, 0, 0, dim);
    paint_object(frame, W, 3, 40, 30, 56, 46);
    bgs_model_apply(m, frame, W * 3, mask, W);
    long outside = 0, inside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int in = x >= 40 && x < 56 && y >= 30 && y < 46;
            if (mask[y * W + x] == 255)
                *(in ? &inside : &outside) += 1;
        }
    CHECK(outside <= W * H / 100, "%ld pixels of the changed light foreground", outside);
    CHECK(inside >= 16 * 16 * 9 / 10, "object: %ld of 256 pixels foreground", inside);
    /* The next frames, the light as it now is: learnt. */
    for (int f = 0; f < 3; f++) {
        background_frame(frame, W, H, 3, 0, 0, dim);
        bgs_model_apply(m, frame, W * 3, mask, W);
    }
    CHECK(count_value(mask, (size_t)W * H, 255) <= W * H / 100, "%ld foreground after",
          count_value(mask, (size_t)W * H, 255));
    bgs_model_free(m);

    /* Without the test (nor the shadow test, which a darkening that keeps
     * the texture passes) the whole view is foreground. */
    p.illumination = 0;
    p.shadows = 0;
    m = learnt_model(W, H, &p, frame, mask);
    background_frame(frame, W, H, 3, 0, 0, dim);
    bgs_model_apply(m, frame, W * 3, mask, W);
    CHECK(count_value(mask, (size_t)W * H, 255) > W * H / 2, "without the test: %ld",
          count_value(mask, (size_t)W * H, 255));
    bgs_model_free(m);
}

TEST(large_object_stays_foreground)
{
    const int W = 96, H = 72;
    uint8_t frame[96 * 72 * 3], mask[96 * 72];
    bgs_params p = rule_params();
    rng_state = 12;
    bgs_model *m = learnt_model(W, H, &p, frame, mask);
    REQUIRE(m, "create");
    /* 84 x 62 of 96 x 72: 75% of the view, for 2 seconds. */
    long worst = W * H;
    for (int f = 0; f < 50; f++) {
        background_frame(frame, W, H, 3, 0, 0, unlit);
        paint_object(frame, W, 3, 6, 5, 90, 67);
        bgs_model_apply(m, frame, W * 3, mask, W);
        long in = 0;
        for (int y = 5; y < 67; y++)
            for (int x = 6; x < 90; x++)
                in += mask[y * W + x] == 255;
        worst = in < worst ? in : worst;
    }
    CHECK(worst >= 84 * 62 * 9 / 10, "object: %ld of %d pixels foreground in the worst frame",
          worst, 84 * 62);
    bgs_model_free(m);
}

TEST(camera_shift_is_found_and_undone)
{
    const int W = 128, H = 96;
    static uint8_t frame[128 * 96 * 3], mask[128 * 96];
    bgs_params p = rule_params();
    p.max_shift = 6;
    rng_state = 13;
    bgs_model *m = learnt_model(W, H, &p, frame, mask);
    REQUIRE(m, "create");
    /* The view moves by (3, -2), then (-4, 1), (0, 2), (5, 5), (-1, -6):
     * model pixel p sees frame pixel p + (dx, dy). */
    const int moves[5][2] = {{3, -2}, {-4, 1}, {0, 2}, {5, 5}, {-1, -6}};
    for (int i = 0; i < 5; i++) {
        background_frame(frame, W, H, 3, moves[i][0], moves[i][1], unlit);
        bgs_model_apply(m, frame, W * 3, mask, W);
        CHECK(m->shift_x == moves[i][0] && m->shift_y == moves[i][1],
              "shift found (%d, %d), want (%d, %d)", m->shift_x, m->shift_y, moves[i][0],
              moves[i][1]);
        /* Foreground only where the frame's edge moved in. */
        long edge = (long)abs(moves[i][0]) * H + (long)abs(moves[i][1]) * W;
        CHECK(count_value(mask, (size_t)W * H, 255) <= edge, "%ld foreground pixels, edge %ld",
              count_value(mask, (size_t)W * H, 255), edge);
    }
    /* An object in the shifted view is reported where it is in the frame. */
    background_frame(frame, W, H, 3, 3, -2, unlit);
    paint_object(frame, W, 3, 60, 40, 76, 56);
    bgs_model_apply(m, frame, W * 3, mask, W);
    long in = 0;
    for (int y = 40; y < 56; y++)
        for (int x = 60; x < 76; x++)
            in += mask[y * W + x] == 255;
    CHECK(in >= 230, "object at its place in the frame: %ld of 256", in);
    bgs_model_free(m);

    p.max_shift = 0;
    m = learnt_model(W, H, &p, frame, mask);
    background_frame(frame, W, H, 3, 3, -2, unlit);
    bgs_model_apply(m, frame, W * 3, mask, W);
    CHECK(count_value(mask, (size_t)W * H, 255) > W * H / 10, "without: %ld",
          count_value(mask, (size_t)W * H, 255));
    bgs_model_free(m);
}

TEST(shadow_keeps_texture_object_does_not)
{
    const int W = 96, H = 72;
    uint8_t frame[96 * 72 * 3], mask[96 * 72];
    bgs_params p = rule_params();
    p.illumination = 0;
    rng_state = 14;
    bgs_model *m = learnt_model(W, H, &p, frame, mask);
    REQUIRE(m, "create");
    /* Left box: the background darkened to 0.6 (a shadow keeps the texture).
     * Right box: a patch of another texture with the same mean brightness
     * (an object). */
    background_frame(frame, W, H, 3, 0, 0, unlit);
    double mean = 0;
    for (int y = 20; y < 50; y++)
        for (int x = 10; x < 40; x++)
            for (int c = 0; c < 3; c++) {
                uint8_t *v = &frame[((size_t)y * W + x) * 3 + c];
                *v = clamp_u8(*v * 0.6);
                mean += *v;
            }
    mean /= 30 * 30 * 3;
    /* The object's own texture, scaled to the shadow's mean brightness. */
    double object_mean = 0;
    for (int y = 20; y < 50; y++)
        for (int x = 56; x < 86; x++)
            for (int c = 0; c < 3; c++)
                object_mean += object_texture(x, y, c);
    object_mean /= 30 * 30 * 3;
    for (int y = 20; y < 50; y++)
        for (int x = 56; x < 86; x++)
            for (int c = 0; c < 3; c++)
                frame[((size_t)y * W + x) * 3 + c] =
                    clamp_u8(object_texture(x, y, c) * mean / object_mean);
    bgs_model_apply(m, frame, W * 3, mask, W);
    long shadow_fg = 0, object_fg = 0;
    for (int y = 22; y < 48; y++) {
        for (int x = 12; x < 38; x++)
            shadow_fg += mask[y * W + x] == 255;
        for (int x = 58; x < 84; x++)
            object_fg += mask[y * W + x] == 255;
    }
    /* (where the 5x5 window has too little texture to tell, it stays) */
    CHECK(shadow_fg <= 26 * 26 / 4, "shadow: %ld of 676 pixels foreground", shadow_fg);
    CHECK(object_fg >= 26 * 26 * 8 / 10, "dark object: %ld of 676 foreground", object_fg);
    bgs_model_free(m);
}

TEST(ghost_goes_a_stopped_object_stays)
{
    const int W = 96, H = 72;
    uint8_t frame[96 * 72 * 3], mask[96 * 72];
    bgs_params p = rule_params();
    p.ghost_after = 0.4f;  /* 10 frames at 25 */
    p.absorb_after = 10.0f;
    p.illumination = 0;
    rng_state = 15;
    bgs_model *m = bgs_model_create(W, H, 3, &p);
    REQUIRE(m, "create");
    /* Learnt with an object parked on the left; it leaves. Meanwhile an
     * object stops on the right. */
    for (int f = 0; f < 120; f++) {
        background_frame(frame, W, H, 3, 0, 0, unlit);
        paint_object(frame, W, 3, 10, 20, 34, 44);
        bgs_model_apply(m, frame, W * 3, mask, W);
    }
    int ghost_gone = 0;
    long stopped_min = 24 * 24;
    for (int f = 1; f <= 60; f++) {
        background_frame(frame, W, H, 3, 0, 0, unlit);
        paint_object(frame, W, 3, 60, 20, 84, 44);
        bgs_model_apply(m, frame, W * 3, mask, W);
        long ghost = 0, stopped = 0;
        for (int y = 20; y < 44; y++) {
            for (int x = 10; x < 34; x++)
                ghost += mask[y * W + x] == 255;
            for (int x = 60; x < 84; x++)
                stopped += mask[y * W + x] == 255;
        }
        if (f == 1)
            CHECK(ghost > 24 * 24 / 2, "no ghost to begin with (%ld of 576)", ghost);
        if (!ghost_gone && ghost <= 24 * 24 / 20)
            ghost_gone = f;
        stopped_min = stopped < stopped_min ? stopped : stopped_min;
    }
    CHECK(ghost_gone >= 1 && ghost_gone <= 12, "ghost gone at frame %d, want 10 or so",
          ghost_gone);
    CHECK(stopped_min >= 24 * 24 * 9 / 10, "stopped object: at worst %ld of 576 foreground",
          stopped_min);
    bgs_model_free(m);
}

TEST(checkpoint_resumes_exactly_with_every_rule)
{
    const int W = 64, H = 48, C = 3, n = 130;
    bgs_params p = rule_params();
    p.absorb_after = 1.0f;
    p.ghost_after = 0.4f;
    p.max_shift = 3;
    rng_state = 21;
    uint8_t **frames = busy_sequence(W, H, C, n);
    bgs_model *a = bgs_model_create(W, H, C, &p);
    REQUIRE(a, "create");
    bgs_model_set_frame_rate(a, 20);
    uint8_t mask[64 * 48];
    /* Frame 95: a change of light is held (frames 90-99 are dimmed). */
    for (int f = 0; f < 95; f++)
        bgs_model_apply(a, frames[f], W * C, mask, W);
    int held = 0;
    for (int t = 0; t < a->tiles_x * a->tiles_y; t++)
        held += a->frames < a->tile_until[t];
    CHECK(held > 0, "no change of light held at the checkpoint (test too weak)");
    size_t size = bgs_model_checkpoint_size(a);
    uint8_t *buf = malloc(size);
    REQUIRE(buf && bgs_model_checkpoint(a, buf, size) == BGS_OK, "checkpoint");
    bgs_model *b = bgs_model_restore(buf, size);
    REQUIRE(b, "restore: %s", bgs_last_error());
    CHECK(bgs_model_frame_rate(b) == 20, "frame rate %g", bgs_model_frame_rate(b));
    CHECK(b->shift_npoints == a->shift_npoints && b->shift_refreshed == a->shift_refreshed,
          "shift points %d/%ld vs %d/%ld", b->shift_npoints, b->shift_refreshed,
          a->shift_npoints, a->shift_refreshed);
    char why[200] = "";
    CHECK(same_models(a, b, frames + 95, n - 95, why, sizeof why), "resumed: %s", why);
    /* A forged shift point outside the frame is refused. */
    bgs_model_checkpoint(a, buf, size);
    size_t tiles = (size_t)a->tiles_x * a->tiles_y;
    size_t points = size - 8 - tiles * 20 - SHIFT_POINTS * 16; /* the first point's x */
    buf[points] = 0xff, buf[points + 1] = 0xff;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size - 8; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ull;
    }
    for (int i = 0; i < 8; i++)
        buf[size - 8 + i] = (uint8_t)(h >> (8 * i));
    bgs_model *c = bgs_model_restore(buf, size);
    CHECK(!c && strstr(bgs_last_error(), "camera-shake"), "forged point: %s",
          c ? "restored" : bgs_last_error());
    bgs_model_free(c);
    free(buf);
    bgs_model_free(a);
    bgs_model_free(b);
    free_sequence(frames, n);
}

int main(void)
{
    RUN(avx2_kernel_matches_scalar_with_every_rule);
    RUN(avx512_kernel_matches_scalar_with_every_rule);
    RUN(threads_give_the_same_result_with_every_rule);
    RUN(held_until_the_absorb_time_then_absorbed);
    RUN(nothing_held_while_learning_nor_when_frozen);
    RUN(frame_rate_setter);
    RUN(light_change_is_background_objects_stay);
    RUN(large_object_stays_foreground);
    RUN(camera_shift_is_found_and_undone);
    RUN(shadow_keeps_texture_object_does_not);
    RUN(ghost_goes_a_stopped_object_stays);
    RUN(checkpoint_resumes_exactly_with_every_rule);
    return test_summary();
}
