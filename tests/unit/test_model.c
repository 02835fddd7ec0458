/*
 * test_model.c - unit tests of the mixture model on single pixels and small
 * frames. model.c is included whole so that the per-pixel steps (ranking,
 * replacement) can be checked directly as well as through the public API.
 */
#include "test.h"
#include "../../src/lib/model.c"

#include <stdint.h>

/* Deterministic noise for the tests (xorshift32 + Box-Muller-free sum). */
static uint32_t rng_state = 12345u;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}
/* Roughly normal with sd 1: sum of 12 uniforms minus 6. */
static double rng_normal(void)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += (rng_next() >> 8) / (double)(1u << 24);
    return s - 6.0;
}
static uint8_t clamp_u8(double v)
{
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)(v + 0.5);
}

static bgs_params test_params(void)
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 0;
    /* The mixture alone: these tests follow single pixels, which the
     * shadow test, the clean-up and the global-change rule (one pixel is
     * the whole frame) would otherwise change. Tests of those set them. */
    p.shadows = 0;
    p.median = 0;
    p.open_radius = p.close_radius = 0;
    p.fill_holes = p.min_area = 0;
    p.relearn_fraction = 0.0f;
    p.absorb_after = 0.0f;
    p.neighbour_radius = 0;
    p.illumination = 0;
    p.max_shift = 0;
    p.shadow_texture = 0.0f;
    return p;
}

/* Feed one 1x1 gray frame; returns the mask value. */
static int feed1(bgs_model *m, uint8_t v)
{
    uint8_t mask = 77;
    bgs_status st = bgs_model_apply(m, &v, 1, &mask, 1);
    return st == BGS_OK ? mask : -1;
}

static const uint16_t *block_of(const bgs_model *m, int x, int y)
{
    const model_shape *s = &m->shape;
    return m->state + ((size_t)y * s->blocks_per_row + x / BLOCK) * s->block_u16;
}

static pixel_model read_pixel(const bgs_model *m, int x, int y)
{
    pixel_model px;
    model_unpack_pixel(&m->shape, block_of(m, x, y), x % BLOCK, &px);
    return px;
}

TEST(learns_a_constant)
{
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create: %s", bgs_last_error());
    int fg = 0;
    for (int i = 0; i < 50; i++)
        fg += feed1(m, 100) == 255;
    /* Frame 1 meets an empty model: nothing matches, so it is foreground;
     * from frame 2 on the value is known. */
    CHECK(fg == 1, "foreground in %d of 50 constant frames", fg);
    CHECK(feed1(m, 100) == 0, "constant value not background");
    uint8_t bg = 0;
    bgs_model_background(m, &bg, 1);
    CHECK(bg == 100, "background image %d, want 100", bg);
    pixel_model px = read_pixel(m, 0, 0);
    CHECK(fabsf(px.weight[0] - 1.0f) < 1e-5f, "weight %g", px.weight[0]);
    CHECK(px.var[0] == p.var_min, "variance %g should sit on the floor %g",
          px.var[0], p.var_min);
    bgs_model_free(m);
}

TEST(start_up_rate_gives_running_mean)
{
    /* With the 1/n start-up rate the first component is the exact average
     * of the values it has matched. */
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    const uint8_t values[] = {100, 104, 98, 102, 101, 99, 103, 97};
    double sum = 0;
    for (int i = 0; i < 8; i++) {
        feed1(m, values[i]);
        sum += values[i];
    }
    pixel_model px = read_pixel(m, 0, 0);
    /* Means are stored to 1/256 of a gray level. */
    CHECK(fabs(px.mean[0][0] - sum / 8) <= 1.0 / 256, "mean %g, want %g",
          px.mean[0][0], sum / 8);
    CHECK(fabsf(px.weight[0] - 1.0f) < 1e-5f, "weight %g", px.weight[0]);
    bgs_model_free(m);
}

/* The value nearest to the matching limit of the learnt component, a
 * quarter σ inside (side -1 below the mean, +1 above) or outside it, read
 * from the model as it stands: each probe moves the mean a little. */
static uint8_t probe_near_limit(const bgs_model *m, double lambda, int side, int inside)
{
    pixel_model px = read_pixel(m, 0, 0);
    double sigma = sqrt(px.var[0]);
    double reach = (inside ? lambda - 0.25 : lambda + 0.25) * sigma;
    double v = px.mean[0][0] + side * reach;
    /* Round towards the mean inside the limit, away from it outside. */
    v = (side > 0) == (inside != 0) ? floor(v) : ceil(v);
    return clamp_u8(v);
}

TEST(flags_an_outlier)
{
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    const double sd = 5.0;
    for (int i = 0; i < 300; i++)
        feed1(m, clamp_u8(120 + sd * rng_normal()));
    pixel_model px = read_pixel(m, 0, 0);
    double sigma = sqrt(px.var[0]);
    CHECK(fabs(sigma - sd) < 1.5, "learnt sigma %g, noise sd %g", sigma, sd);
    CHECK(feed1(m, 120) == 0, "the mean itself is foreground");
    /* A gray pixel matches within λσ of the mean (λ = match_sigmas, one
     * channel): just inside the limit is background on both sides, just
     * outside it is foreground. */
    const double lambda = p.match_sigmas;
    for (int side = -1; side <= 1; side += 2) {
        uint8_t v = probe_near_limit(m, lambda, side, 1);
        CHECK(feed1(m, v) == 0, "%d, %.2f sigma inside the limit on side %+d, is foreground",
              v, 0.25, side);
        v = probe_near_limit(m, lambda, side, 0);
        CHECK(feed1(m, v) == 255, "%d, %.2f sigma outside the limit on side %+d, is background",
              v, 0.25, side);
    }
    CHECK(feed1(m, 200) == 255, "an outlier of 16 sigma is background");
    CHECK(feed1(m, 40) == 255, "an outlier below is background");
    bgs_model_free(m);
}

TEST(absorbs_a_stopped_object_when_alpha_predicts)
{
    /* A pixel sees 50 for long, then 200 for good (an object that stops).
     * The old component's weight decays as (1-α)^t; the pixel becomes
     * background when that weight no longer exceeds T, because the new
     * component then joins the background set. Predict that frame. */
    bgs_params p = test_params();
    p.alpha = 0.01f;
    p.bg_ratio = 0.7f;
    p.weight_init = 0.05f;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    for (int i = 0; i < 500; i++)
        feed1(m, 50);
    double a = p.alpha, w0 = p.weight_init;
    /* After the frame that creates the new component and renormalises: */
    double w_old = (1 - a) / (1 - a + w0);
    int predicted = 2;
    while (w_old > p.bg_ratio) {
        w_old *= 1 - a;
        predicted++;
    }
    int first_background = 0;
    for (int j = 1; j <= 400 && !first_background; j++)
        if (feed1(m, 200) == 0)
            first_background = j;
    CHECK(abs(first_background - predicted) <= 1,
          "absorbed after %d frames, α predicts %d", first_background, predicted);
    bgs_model_free(m);
}

TEST(ranks_by_weight_over_sigma)
{
    /* A light, narrow component outranks a heavier, wider one when its ω/σ
     * is higher. */
    pixel_model px = {0};
    px.weight[0] = 0.6f; px.var[0] = 400.0f; /* ω/σ = 0.03 */
    px.weight[1] = 0.4f; px.var[1] = 16.0f;  /* ω/σ = 0.10 */
    px.mean[0][0] = 10; px.mean[1][0] = 20;
    sort_components(&px, 2, 1);
    CHECK(px.weight[0] == 0.4f && px.mean[0][0] == 20,
          "first component ω=%g μ=%g", px.weight[0], px.mean[0][0]);
    /* B: the first components whose weights sum past T. */
    CHECK(background_count(&px, 2, 0.3f) == 1, "T=0.3 gives B=%d",
          background_count(&px, 2, 0.3f));
    CHECK(background_count(&px, 2, 0.5f) == 2, "T=0.5 gives B=%d",
          background_count(&px, 2, 0.5f));
}

TEST(ranking_observed_through_classification)
{
    /* Same idea through the public API: a pixel alternating between a
     * steady value and a noisy one keeps the steady one first. */
    bgs_params p = test_params();
    p.components = 3;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    for (int i = 0; i < 400; i++)
        feed1(m, i % 2 ? 60 : clamp_u8(180 + 20 * rng_normal()));
    pixel_model px = read_pixel(m, 0, 0);
    CHECK(fabsf(px.mean[0][0] - 60) < 1.0f, "first component mean %g, want 60",
          px.mean[0][0]);
    for (int k = 1; k < 3; k++)
        CHECK(px.weight[k] * px.weight[k] * px.var[k - 1] <=
                  px.weight[k - 1] * px.weight[k - 1] * px.var[k],
              "components %d and %d out of ω/σ order", k - 1, k);
    bgs_model_free(m);
}

TEST(replaces_the_least_probable_component)
{
    bgs_params p = test_params();
    p.components = 3;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    for (int i = 0; i < 300; i++)
        feed1(m, i % 10 == 0 ? 200 : 30); /* 30 frequent, 200 rare */
    feed1(m, 120);                        /* third component: 120 */
    pixel_model before = read_pixel(m, 0, 0);
    CHECK(fabsf(before.mean[2][0] - 120) < 1e-3f, "third component mean %g",
          before.mean[2][0]);
    feed1(m, 250); /* matches nothing: must replace the 120 one (last) */
    pixel_model after = read_pixel(m, 0, 0);
    int has30 = 0, has200 = 0, has250 = 0, has120 = 0;
    float total = 0;
    for (int k = 0; k < 3; k++) {
        has30 |= fabsf(after.mean[k][0] - 30) < 2;
        has200 |= fabsf(after.mean[k][0] - 200) < 2;
        has250 |= after.mean[k][0] == 250;
        has120 |= after.mean[k][0] == 120;
        total += after.weight[k];
    }
    CHECK(has30 && has200 && has250 && !has120,
          "means after replacement %g %g %g", after.mean[0][0],
          after.mean[1][0], after.mean[2][0]);
    /* Each stored weight is rounded to 1/65535. */
    CHECK(fabsf(total - 1.0f) <= 3.0f / 65535, "weights sum to %g", total);
    int k250 = after.mean[2][0] == 250 ? 2 : after.mean[1][0] == 250 ? 1 : 0;
    CHECK(after.var[k250] == p.var_init, "new component variance %g, want %g",
          after.var[k250], p.var_init);
    bgs_model_free(m);
}

TEST(learning_phase_masks_are_background)
{
    bgs_params p = test_params();
    p.learning_frames = 5;
    bgs_model *m = bgs_model_create(1, 1, 1, &p);
    REQUIRE(m, "create");
    for (int i = 0; i < 5; i++) {
        CHECK(bgs_model_is_learning(m), "frame %d not flagged as learning", i + 1);
        CHECK(feed1(m, i % 2 ? 0 : 255) == 0, "frame %d not background", i + 1);
    }
    CHECK(!bgs_model_is_learning(m), "still learning after N frames");
    CHECK(feed1(m, 128) == 255, "a new value after learning not detected");
    CHECK(bgs_model_frame_count(m) == 6, "frame count %ld", bgs_model_frame_count(m));
    bgs_model_free(m);
}

static int state_is_finite(const bgs_model *m)
{
    for (int y = 0; y < m->height; y++)
        for (int x = 0; x < m->shape.width; x++) {
            pixel_model px = read_pixel(m, x, y);
            for (int k = 0; k < m->shape.components; k++)
                if (!isfinite(px.var[k]) || px.var[k] <= 0 || px.weight[k] < 0 ||
                    px.weight[k] > 1)
                    return 0;
        }
    return 1;
}

TEST(no_nan_for_extreme_inputs)
{
    const int W = 37, H = 5; /* not a multiple of the block size */
    uint8_t frame[W * H * 3], mask[W * H], bg[W * H * 3];
    for (int K = 1; K <= BGS_MAX_COMPONENTS; K += 3) {
        bgs_params p = test_params();
        p.components = K;
        p.alpha = 1.0f; /* the harshest rate */
        bgs_model *m = bgs_model_create(W, H, 3, &p);
        REQUIRE(m, "create K=%d: %s", K, bgs_last_error());
        for (int f = 0; f < 200; f++) {
            for (int i = 0; i < W * H * 3; i++) {
                switch (f % 4) {
                case 0: frame[i] = 0; break;
                case 1: frame[i] = 255; break;
                case 2: frame[i] = (uint8_t)rng_next(); break;
                default: frame[i] = (i + f) % 2 ? 255 : 0; break;
                }
            }
            bgs_model_apply(m, frame, W * 3, mask, W);
        }
        CHECK(state_is_finite(m), "K=%d: NaN, infinity or negative in the state", K);
        bgs_model_background(m, bg, W * 3);
        bgs_model_free(m);
    }
}

TEST(deterministic)
{
    const int W = 40, H = 30, F = 60;
    uint8_t *masks[2];
    for (int run = 0; run < 2; run++) {
        rng_state = 99;
        bgs_params p = test_params();
        bgs_model *m = bgs_model_create(W, H, 3, &p);
        REQUIRE(m, "create");
        masks[run] = malloc((size_t)W * H * F);
        uint8_t frame[W * H * 3];
        for (int f = 0; f < F; f++) {
            for (int i = 0; i < W * H * 3; i++)
                frame[i] = clamp_u8(100 + 30 * rng_normal() + (f > 30 && i % 50 < 9 ? 90 : 0));
            bgs_model_apply(m, frame, W * 3, masks[run] + (size_t)f * W * H, W);
        }
        bgs_model_free(m);
    }
    CHECK(memcmp(masks[0], masks[1], (size_t)W * H * F) == 0,
          "two runs gave different masks");
    free(masks[0]);
    free(masks[1]);
}

TEST(colour_change_in_one_channel_is_detected)
{
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(1, 1, 3, &p);
    REQUIRE(m, "create");
    uint8_t px[3] = {80, 120, 160}, mask;
    for (int i = 0; i < 100; i++)
        bgs_model_apply(m, px, 3, &mask, 1);
    CHECK(mask == 0, "steady colour is foreground");
    uint8_t changed[3] = {80, 120, 230};
    bgs_model_apply(m, changed, 3, &mask, 1);
    CHECK(mask == 255, "blue channel change not detected");
    uint8_t bg[3];
    bgs_model_background(m, bg, 3);
    CHECK(bg[0] == 80 && bg[1] == 120 && bg[2] == 160, "background %d,%d,%d",
          bg[0], bg[1], bg[2]);
    /* K components of weight, variance and 3 means (16 bits each), and
     * the 16-bit foreground counter of the selective update. */
    CHECK(bgs_model_bytes_per_pixel(m) == (size_t)p.components * 5 * 2 + 2,
          "bytes per pixel %zu", bgs_model_bytes_per_pixel(m));
    bgs_model_free(m);
}

TEST(strides_and_odd_widths)
{
    /* A frame with padding between rows, a mask with padding, and a width
     * that is not a multiple of the block size: pixel (x, y) must only ever
     * see its own history. */
    const int W = 19, H = 3, FS = 64, MS = 32;
    uint8_t frame[FS * H], mask[MS * H];
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(W, H, 1, &p);
    REQUIRE(m, "create");
    memset(frame, 0xEE, sizeof frame); /* padding bytes: must be ignored */
    for (int f = 0; f < 30; f++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                frame[y * FS + x] = (uint8_t)(x * 10 + y);
        memset(mask, 0x11, sizeof mask);
        bgs_model_apply(m, frame, FS, mask, MS);
    }
    int bad = 0;
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++)
            bad += mask[y * MS + x] != 0;
        for (int x = W; x < MS; x++)
            bad += mask[y * MS + x] != 0x11; /* untouched padding */
    }
    CHECK(bad == 0, "%d mask bytes wrong", bad);
    uint8_t bg[W * H];
    bgs_model_background(m, bg, W);
    CHECK(bg[2 * W + 18] == 182, "background (18,2) = %d, want 182", bg[2 * W + 18]);
    bgs_model_free(m);
}

TEST(parameters_checked)
{
    bgs_params p;
    bgs_params_default(&p);
    CHECK(bgs_params_check(&p) == BGS_OK, "defaults refused: %s", bgs_last_error());
    CHECK(bgs_params_set(&p, BGS_PARAM_ALPHA, 1.5) == BGS_ERR_PARAMETER, "alpha 1.5 accepted");
    CHECK(strstr(bgs_last_error(), "alpha") != NULL, "message '%s'", bgs_last_error());
    CHECK(bgs_params_set(&p, BGS_PARAM_COMPONENTS, 2.5) == BGS_ERR_PARAMETER, "K 2.5 accepted");
    CHECK(bgs_params_set(&p, BGS_PARAM_COMPONENTS, 9) == BGS_ERR_PARAMETER, "K 9 accepted");
    CHECK(bgs_params_set(&p, BGS_PARAM_MATCH_SIGMAS, NAN) == BGS_ERR_PARAMETER, "NaN accepted");
    CHECK(p.alpha == bgs_param_get_info(BGS_PARAM_ALPHA)->default_value ||
              fabsf(p.alpha - 0.005f) < 1e-7f, "a refused value changed alpha");
    bgs_params q = p;
    q.var_init = 1.0f; /* below the floor */
    CHECK(bgs_params_check(&q) == BGS_ERR_PARAMETER, "var_init < var_min accepted");
    CHECK(bgs_model_create(10, 10, 1, &q) == NULL, "model created with bad params");
    CHECK(bgs_model_create(10, 10, 2, &p) == NULL, "2 channels accepted");
    CHECK(bgs_model_create(0, 10, 1, &p) == NULL, "width 0 accepted");
    bgs_model *m = bgs_model_create(4, 4, 1, &p);
    REQUIRE(m, "create");
    q = p;
    q.components = p.components + 1;
    CHECK(bgs_model_set_params(m, &q) == BGS_ERR_PARAMETER, "K changed on a live model");
    q = p;
    q.alpha = 0.02f;
    CHECK(bgs_model_set_params(m, &q) == BGS_OK, "alpha change refused");
    bgs_params r;
    bgs_model_get_params(m, &r);
    CHECK(r.alpha == 0.02f, "alpha not changed");
    for (int k = 0; k < BGS_PARAM_COUNT; k++) {
        const bgs_param_info *info = bgs_param_get_info((bgs_param)k);
        CHECK(info && info->name && info->description, "param %d has no info", k);
    }
    CHECK(bgs_param_get_info(BGS_PARAM_COUNT) == NULL, "info past the table");
    bgs_model_free(m);
}

TEST(metrics_follow_the_benchmark_rules)
{
    /* gt: 255 positive, 0/50 negative, 85/170 ignored; roi 0 ignored. */
    const uint8_t gt[8] = {255, 255, 0, 50, 85, 170, 255, 0};
    const uint8_t mask[8] = {255, 0, 255, 0, 255, 255, 255, 0};
    const uint8_t roi[8] = {1, 1, 1, 1, 1, 1, 0, 1};
    bgs_counts c = {0, 0, 0, 0};
    bgs_counts_add_frame(&c, 8, 1, mask, 8, gt, 8, roi, 8);
    CHECK(c.tp == 1 && c.fn == 1 && c.fp == 1 && c.tn == 2,
          "tp %llu fn %llu fp %llu tn %llu", (unsigned long long)c.tp,
          (unsigned long long)c.fn, (unsigned long long)c.fp, (unsigned long long)c.tn);
    bgs_metrics m = bgs_metrics_from_counts(&c);
    CHECK(fabs(m.recall - 0.5) < 1e-12, "recall %g", m.recall);
    CHECK(fabs(m.precision - 0.5) < 1e-12, "precision %g", m.precision);
    CHECK(fabs(m.specificity - 2.0 / 3) < 1e-12, "specificity %g", m.specificity);
    CHECK(fabs(m.fpr - 1.0 / 3) < 1e-12, "fpr %g", m.fpr);
    CHECK(fabs(m.fnr - 0.5) < 1e-12, "fnr %g", m.fnr);
    CHECK(fabs(m.pwc - 40.0) < 1e-12, "pwc %g", m.pwc);
    CHECK(fabs(m.f_measure - 0.5) < 1e-12, "f %g", m.f_measure);
    bgs_counts empty = {0, 0, 0, 0};
    m = bgs_metrics_from_counts(&empty);
    CHECK(m.f_measure == 0 && m.recall == 0 && isfinite(m.pwc), "empty counts not 0");
}

/* A frame with structure the model must cope with: noisy background,
 * a moving bright block, a flickering stripe, saturated pixels. */
static void busy_frame(uint8_t *frame, int W, int H, int C, int f)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < C; c++) {
                double v = 60 + 2 * x + 3 * y + 20 * c + 4 * rng_normal();
                if (x >= f % W && x < f % W + 6 && y > H / 3)
                    v = 230 - 10 * c;            /* moving object */
                if (y == 1)
                    v = (f / 3) % 2 ? 250 : 10;  /* flicker */
                if (x == W - 1)
                    v = 255;                     /* saturated column */
                frame[((size_t)y * W + x) * C + c] = clamp_u8(v);
            }
}

/* Runs the same frames through two models and compares masks and states. */
static int models_agree(bgs_model *a, bgs_model *b, int W, int H, int C,
                        int frames, char *why, size_t whylen)
{
    uint8_t *frame = malloc((size_t)W * H * C);
    uint8_t *ma = malloc((size_t)W * H), *mb = malloc((size_t)W * H);
    int agree = 1;
    for (int f = 0; f < frames && agree; f++) {
        busy_frame(frame, W, H, C, f);
        bgs_model_apply(a, frame, (ptrdiff_t)W * C, ma, W);
        bgs_model_apply(b, frame, (ptrdiff_t)W * C, mb, W);
        if (memcmp(ma, mb, (size_t)W * H) != 0) {
            snprintf(why, whylen, "masks differ at frame %d", f + 1);
            agree = 0;
        }
        for (int y = 0; y < H && agree; y++)
            for (int x = 0; x < W && agree; x++)
                for (int k = 0; k < a->shape.components; k++) {
                    const uint16_t *fa = block_of(a, x, y) + field_offset(C, k, 0) + x % BLOCK;
                    const uint16_t *fb = block_of(b, x, y) + field_offset(C, k, 0) + x % BLOCK;
                    for (int field = 0; field < 2 + C; field++)
                        if (fa[field * BLOCK] != fb[field * BLOCK]) {
                            snprintf(why, whylen, "frame %d pixel (%d,%d) component %d "
                                     "field %d: %u vs %u", f + 1, x, y, k, field,
                                     fa[field * BLOCK], fb[field * BLOCK]);
                            agree = 0;
                        }
                }
    }
    free(frame);
    free(ma);
    free(mb);
    return agree;
}

static void check_kernel_matches_scalar(bgs_kernel kernel, const char *name)
{
    bgs_params p = test_params();
    bgs_model *probe = bgs_model_create(1, 1, 1, &p);
    REQUIRE(probe, "create");
    int have = bgs_model_set_kernel(probe, kernel) == BGS_OK;
    bgs_model_free(probe);
    if (!have)
        SKIP("this CPU cannot run the %s kernel: only the others are checked", name);
    /* Every K, gray and colour, widths that leave partial blocks. */
    for (int C = 1; C <= 3; C += 2)
        for (int K = 1; K <= BGS_MAX_COMPONENTS; K++) {
            int W = K % 2 ? 37 : 21;
            p.components = K;
            p.alpha = K % 2 ? 0.005f : 0.05f;
            bgs_model *a = bgs_model_create(W, 9, C, &p);
            bgs_model *b = bgs_model_create(W, 9, C, &p);
            REQUIRE(a && b, "create");
            bgs_model_set_kernel(a, BGS_KERNEL_SCALAR);
            bgs_model_set_kernel(b, kernel);
            CHECK(strcmp(bgs_model_kernel_name(b), name) == 0, "kernel %s",
                  bgs_model_kernel_name(b));
            char why[200] = "";
            rng_state = 4242;
            CHECK(models_agree(a, b, W, 9, C, 120, why, sizeof why),
                  "%s K=%d C=%d: %s", name, K, C, why);
            bgs_model_free(a);
            bgs_model_free(b);
        }
}

TEST(avx2_kernel_matches_scalar_reference)
{
    check_kernel_matches_scalar(BGS_KERNEL_AVX2, "avx2");
}

TEST(avx512_kernel_matches_scalar_reference)
{
    check_kernel_matches_scalar(BGS_KERNEL_AVX512, "avx512");
}

TEST(threads_give_the_same_result)
{
    bgs_params p = test_params();
    bgs_model *a = bgs_model_create(50, 23, 3, &p);
    bgs_model *b = bgs_model_create(50, 23, 3, &p);
    REQUIRE(a && b, "create");
    CHECK(bgs_model_set_threads(b, 3) == BGS_OK, "3 threads: %s", bgs_last_error());
    CHECK(bgs_model_threads(b) == 3, "threads %d", bgs_model_threads(b));
    char why[200] = "";
    rng_state = 77;
    CHECK(models_agree(a, b, 50, 23, 3, 60, why, sizeof why), "1 vs 3 threads: %s", why);
    CHECK(bgs_model_set_threads(b, 0) == BGS_OK, "threads 0 (one per core)");
    CHECK(bgs_model_threads(b) >= 1, "threads %d", bgs_model_threads(b));
    CHECK(bgs_model_set_threads(b, -1) != BGS_OK, "-1 threads accepted");
    bgs_model_free(a);
    bgs_model_free(b);
}

TEST(half_float_conversion_round_trips)
{
    /* Every finite half converts to float and back unchanged, and floats
     * between two halves round to the nearer (ties to even). */
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00)
            continue; /* inf / NaN */
        if (float_to_half(half_to_float((uint16_t)h)) != h)
            bad++;
    }
    CHECK(bad == 0, "%d halves do not round-trip", bad);
    CHECK(float_to_half(1.0f + 1.0f / 2048) == 0x3c00, "tie to even (down)");
    CHECK(float_to_half(1.0f + 3.0f / 2048) == 0x3c02, "tie to even (up)");
    CHECK(float_to_half(65504.0f) == 0x7bff, "largest half");
    CHECK(half_to_float(0x3555) > 0.333f && half_to_float(0x3555) < 0.3334f, "1/3");
}

/* Recompute the trailing checksum after a deliberate edit (FNV-1a 64). */
static void reseal(uint8_t *buf, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i + 8 < size; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ull;
    }
    for (int i = 0; i < 8; i++)
        buf[size - 8 + i] = (uint8_t)(h >> (8 * i));
}

TEST(checkpoint_resumes_exactly)
{
    const int W = 29, H = 7, C = 3;
    bgs_params p = test_params();
    p.learning_frames = 10;
    /* Non-default detection settings: the checkpoint must carry them. */
    p.shadows = 1;
    p.shadow_value = 127;
    p.median = 3;
    p.relearn_fraction = 0.9f;
    bgs_model *a = bgs_model_create(W, H, C, &p);
    REQUIRE(a, "create");
    uint8_t frame[W * H * C], ma[W * H];
    rng_state = 5;
    for (int f = 0; f < 40; f++) {
        busy_frame(frame, W, H, C, f);
        bgs_model_apply(a, frame, W * C, ma, W);
    }
    size_t size = bgs_model_checkpoint_size(a);
    uint8_t *buf = malloc(size);
    REQUIRE(buf && bgs_model_checkpoint(a, buf, size) == BGS_OK, "checkpoint");
    bgs_model *b = bgs_model_restore(buf, size);
    REQUIRE(b, "restore: %s", bgs_last_error());
    CHECK(bgs_model_frame_count(b) == 40, "frame count %ld", bgs_model_frame_count(b));
    bgs_params q;
    bgs_model_get_params(b, &q);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        CHECK(bgs_params_get(&q, (bgs_param)key) == bgs_params_get(&p, (bgs_param)key),
              "parameter %s not carried", bgs_param_get_info((bgs_param)key)->name);
    char why[200] = "";
    CHECK(models_agree(a, b, W, H, C, 60, why, sizeof why), "resumed model: %s", why);
    bgs_model_free(b);

    /* Damage: one flipped byte, a cut, another magic, a forged NaN. */
    buf[size / 2] ^= 0x40;
    CHECK(!bgs_model_restore(buf, size) && strstr(bgs_last_error(), "damaged"),
          "flipped byte: %s", bgs_last_error());
    buf[size / 2] ^= 0x40;
    CHECK(!bgs_model_restore(buf, size - 100), "a cut checkpoint restored");
    CHECK(!bgs_model_restore(buf, 10), "10 bytes restored");
    buf[0] = 'X';
    CHECK(!bgs_model_restore(buf, size) && strstr(bgs_last_error(), "not a bgsub"),
          "bad magic: %s", bgs_last_error());
    buf[0] = 'B';
    /* The state sits between the header and the camera-shake points. */
    size_t tiles = (size_t)((W + 31) / 32) * ((H + 31) / 32);
    size_t header = size - 8 - tiles * 20 - (16 + SHIFT_POINTS * 16) - 2 * model_state_values(a);
    /* Variances no model can hold, as half floats: NaN, +infinity, zero,
     * negative; and a mean above 255. Each alone is refused. */
    static const struct { size_t field; uint16_t value; const char *what; } forged[] = {
        {FIELD_VAR, 0x7fff, "NaN variance"},      {FIELD_VAR, 0x7c00, "infinite variance"},
        {FIELD_VAR, 0x0000, "zero variance"},     {FIELD_VAR, 0xbc00, "variance -1"},
        {FIELD_MEAN, (uint16_t)(255 * MEAN_SCALE + 1), "mean above 255"},
    };
    for (size_t i = 0; i < sizeof forged / sizeof *forged; i++) {
        size_t at = header + 2 * field_offset(C, 0, (int)forged[i].field);
        uint8_t was[2] = {buf[at], buf[at + 1]};
        buf[at] = (uint8_t)(forged[i].value & 0xff);
        buf[at + 1] = (uint8_t)(forged[i].value >> 8);
        reseal(buf, size);
        CHECK(!bgs_model_restore(buf, size) && strstr(bgs_last_error(), "invalid"),
              "forged %s: %s", forged[i].what, bgs_last_error());
        buf[at] = was[0];
        buf[at + 1] = was[1];
    }
    /* ... and the untouched checkpoint, sealed again, still restores. */
    reseal(buf, size);
    bgs_model *c = bgs_model_restore(buf, size);
    CHECK(c != NULL, "the intact checkpoint: %s", bgs_last_error());
    bgs_model_free(c);
    free(buf);
    bgs_model_free(a);
}


/* Learn a flat colour background (with a little noise), then show one frame
 * with chosen pixels changed; returns that frame's mask in mask. */
static void shadow_scene(bgs_model *m, int W, int H, const uint8_t bg[3],
                         const int *xs, const uint8_t (*values)[3], int n,
                         uint8_t *mask)
{
    uint8_t frame[64 * 3];
    for (int f = 0; f < 60; f++) {
        for (int x = 0; x < W * H; x++)
            for (int c = 0; c < 3; c++)
                frame[x * 3 + c] = clamp_u8(bg[c] + 2 * rng_normal());
        bgs_model_apply(m, frame, W * 3, mask, W);
    }
    for (int x = 0; x < W * H; x++)
        memcpy(frame + x * 3, bg, 3);
    for (int i = 0; i < n; i++)
        memcpy(frame + xs[i] * 3, values[i], 3);
    bgs_model_apply(m, frame, W * 3, mask, W);
}

TEST(shadow_pixels_get_the_shadow_value)
{
    const int W = 16, H = 1;
    const uint8_t bg[3] = {120, 140, 160};
    /* 0.7 x background: shadow; 0.3 x: darker than the default lower bound
     * (0.5), object; same brightness, other colour: object; 0.7 x with a
     * colour cast: object; 1.2 x: brighter, object. */
    const int xs[5] = {2, 5, 8, 11, 14};
    const uint8_t values[5][3] = {{84, 98, 112}, {36, 42, 48}, {160, 140, 120},
                                  {84, 120, 90}, {144, 168, 192}};
    const uint8_t want[5] = {127, 255, 255, 255, 255};
    bgs_params p = test_params();
    p.shadows = 1;
    p.shadow_value = 127;
    bgs_model *m = bgs_model_create(W, H, 3, &p);
    REQUIRE(m, "create");
    uint8_t mask[16];
    rng_state = 11;
    shadow_scene(m, W, H, bg, xs, values, 5, mask);
    for (int i = 0; i < 5; i++)
        CHECK(mask[xs[i]] == want[i], "pixel %d (%u,%u,%u): mask %u, want %u", xs[i],
              values[i][0], values[i][1], values[i][2], mask[xs[i]], want[i]);
    int others = 0;
    for (int x = 0; x < W; x++)
        others += mask[x] != 0 && x != 2 && x != 5 && x != 8 && x != 11 && x != 14;
    CHECK(others == 0, "%d unchanged pixels not background", others);
    bgs_model_free(m);

    /* Default shadow value 0: the shadow pixel is background. */
    p.shadow_value = 0;
    m = bgs_model_create(W, H, 3, &p);
    rng_state = 11;
    shadow_scene(m, W, H, bg, xs, values, 5, mask);
    CHECK(mask[2] == 0 && mask[5] == 255, "shadow %u object %u", mask[2], mask[5]);
    bgs_model_free(m);

    /* Shadows off: the darkened pixel is an object. */
    p.shadows = 0;
    m = bgs_model_create(W, H, 3, &p);
    rng_state = 11;
    shadow_scene(m, W, H, bg, xs, values, 5, mask);
    CHECK(mask[2] == 255, "shadows off: darkened pixel %u", mask[2]);
    bgs_model_free(m);
}

TEST(region_of_interest_freezes_the_outside)
{
    /* 40 px wide: blocks 0-15, 16-31, 32-39. The ROI covers x 5..20 on
     * rows 1-2 (partial blocks on both sides) and nothing on row 0. */
    const int W = 40, H = 3, C = 3;
    uint8_t roi[40 * 3] = {0};
    for (int y = 1; y < H; y++)
        for (int x = 5; x <= 20; x++)
            roi[y * W + x] = 1;
    bgs_params p = test_params();
    bgs_model *m = bgs_model_create(W, H, C, &p);
    bgs_model *fresh = bgs_model_create(W, H, C, &p);
    REQUIRE(m && fresh, "create");
    REQUIRE(bgs_model_set_roi(m, roi, W) == BGS_OK, "set roi: %s", bgs_last_error());
    uint8_t frame[40 * 3 * 3], mask[40 * 3];
    rng_state = 3;
    for (int f = 0; f < 50; f++) {
        busy_frame(frame, W, H, C, f);
        bgs_model_apply(m, frame, W * C, mask, W);
        int outside_fg = 0;
        for (int i = 0; i < W * H; i++)
            outside_fg += !roi[i] && mask[i] != 0;
        CHECK(outside_fg == 0, "frame %d: %d pixels outside the ROI not background", f,
              outside_fg);
    }
    int changed_outside = 0, changed_inside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int differs = 0;
            for (int k = 0; k < p.components; k++)
                for (int field = 0; field < 2 + C; field++)
                    differs |= block_of(m, x, y)[field_offset(C, k, 0) + field * BLOCK + x % BLOCK] !=
                               block_of(fresh, x, y)[field_offset(C, k, 0) + field * BLOCK + x % BLOCK];
            if (roi[y * W + x])
                changed_inside += differs;
            else
                changed_outside += differs;
        }
    CHECK(changed_outside == 0, "%d pixels outside the ROI were updated", changed_outside);
    CHECK(changed_inside == 32, "%d of 32 pixels inside were updated", changed_inside);
    /* Inside, the model is the one a model without ROI has. */
    bgs_model *full = bgs_model_create(W, H, C, &p);
    rng_state = 3;
    for (int f = 0; f < 50; f++) {
        busy_frame(frame, W, H, C, f);
        bgs_model_apply(full, frame, W * C, NULL, 0);
    }
    int differ = 0;
    for (int y = 1; y < H; y++)
        for (int x = 5; x <= 20; x++)
            for (size_t f = 0; f < m->shape.block_u16; f += BLOCK)
                differ += block_of(m, x, y)[f + x % BLOCK] != block_of(full, x, y)[f + x % BLOCK];
    CHECK(differ == 0, "%d fields inside differ from a model without ROI", differ);
    CHECK(bgs_model_set_roi(m, NULL, 0) == BGS_OK, "remove roi");
    CHECK(bgs_model_set_roi(m, roi, W - 1) == BGS_ERR_INVALID_ARGUMENT, "short stride accepted");
    bgs_model_free(full);
    bgs_model_free(fresh);
    bgs_model_free(m);
}

/* A vector kernel gives the scalar reference's masks and state when a
 * region of interest leaves holes and partial blocks in every row. */
static void check_kernel_under_roi(bgs_kernel kernel, const char *name)
{
    const int W = 53, H = 9, C = 3;
    uint8_t roi[53 * 9];
    for (int i = 0; i < W * H; i++)
        roi[i] = (i * 7 + i / W) % 5 != 0 && i % W > 3;
    bgs_params p = test_params();
    p.shadows = 1;
    p.median = 3;
    bgs_model *a = bgs_model_create(W, H, C, &p);
    bgs_model *b = bgs_model_create(W, H, C, &p);
    REQUIRE(a && b, "create");
    if (bgs_model_set_kernel(b, kernel) != BGS_OK) {
        bgs_model_free(a);
        bgs_model_free(b);
        SKIP("this CPU cannot run the %s kernel", name);
    }
    bgs_model_set_kernel(a, BGS_KERNEL_SCALAR);
    bgs_model_set_roi(a, roi, W);
    bgs_model_set_roi(b, roi, W);
    bgs_model_set_threads(b, 3);
    char why[200] = "";
    rng_state = 9;
    CHECK(models_agree(a, b, W, H, C, 80, why, sizeof why), "%s: %s", name, why);
    bgs_model_free(a);
    bgs_model_free(b);
}

TEST(avx2_agrees_under_a_region_of_interest)
{
    check_kernel_under_roi(BGS_KERNEL_AVX2, "AVX2");
}

TEST(avx512_agrees_under_a_region_of_interest)
{
    check_kernel_under_roi(BGS_KERNEL_AVX512, "AVX-512");
}

TEST(global_change_is_relearnt)
{
    const int W = 32, H = 24;
    bgs_params p = test_params();
    p.relearn_fraction = 0.6f;
    p.relearn_frames = 5;
    bgs_model *m = bgs_model_create(W, H, 1, &p);
    p.relearn_fraction = 0.0f;
    bgs_model *never = bgs_model_create(W, H, 1, &p);
    REQUIRE(m && never, "create");
    uint8_t frame[32 * 24], mask[32 * 24], mask_never[32 * 24];
    rng_state = 4;
    int level = 100;
    long fg_after = -1, fg_never = 0;
    for (int f = 0; f < 140; f++) {
        if (f == 80)
            level = 170; /* the lights go on */
        for (int i = 0; i < W * H; i++)
            frame[i] = clamp_u8(level + (i % 7) * 3 + 2 * rng_normal());
        if (f >= 100) /* an object after the change (and the blank frames) */
            for (int y = 5; y < 10; y++)
                for (int x = 5; x < 12; x++)
                    frame[y * W + x] = 20;
        bgs_model_apply(m, frame, W, mask, W);
        bgs_model_apply(never, frame, W, mask_never, W);
        long fg = 0;
        for (int i = 0; i < W * H; i++)
            fg += mask[i] == 255;
        if (f == 80) {
            CHECK(fg == 0, "the change frame has %ld foreground pixels", fg);
            CHECK(bgs_model_relearn_count(m) == 1, "relearns %ld", bgs_model_relearn_count(m));
            CHECK(bgs_model_is_relearning(m), "not relearning at the change");
        }
        if (f > 80 && f <= 85)
            CHECK(fg == 0 && bgs_model_is_relearning(m), "frame %d in the blank frames: %ld", f, fg);
        if (f == 99)
            fg_after = fg;
        if (f == 101) {
            long obj = 0;
            for (int y = 5; y < 10; y++)
                for (int x = 5; x < 12; x++)
                    obj += mask[y * W + x] == 255;
            CHECK(obj == 35 && fg == 35, "object after the change: %ld of 35, %ld in all", obj, fg);
        }
        if (f == 99)
            for (int i = 0; i < W * H; i++)
                fg_never += mask_never[i] == 255;
    }
    CHECK(fg_after == 0, "%ld foreground pixels 19 frames after the change", fg_after);
    CHECK(fg_never > W * H / 2, "without re-learning only %ld pixels foreground (test too weak)",
          fg_never);
    CHECK(bgs_model_relearn_count(m) == 1, "relearns %ld", bgs_model_relearn_count(m));
    bgs_model_free(m);
    bgs_model_free(never);
}

/* The global-change rule counts foreground pixels as the kernels mark them:
 * the count must be exact for every kernel, thread count, colour and gray,
 * with a partial last block and under a region of interest. A frame with
 * exactly F changed pixels must trigger at a fraction just under F/pixels
 * and not at one just over it. */
static int relearns_at(bgs_kernel kernel, int threads, int C, int with_roi,
                       float fraction, long *status)
{
    const int W = 37, H = 9; /* 37: two whole blocks and 5 lanes */
    bgs_params p = test_params();
    p.relearn_fraction = fraction;
    p.relearn_frames = 3;
    bgs_model *m = bgs_model_create(W, H, C, &p);
    uint8_t frame[37 * 9 * 3], mask[37 * 9], roi[37 * 9];
    if (!m) {
        *status = -1;
        return -1;
    }
    if (bgs_model_set_kernel(m, kernel) != BGS_OK) {
        bgs_model_free(m);
        *status = 0; /* this CPU lacks it */
        return 0;
    }
    bgs_model_set_threads(m, threads);
    if (with_roi) { /* the first row and a column in the last block out */
        for (int i = 0; i < W * H; i++)
            roi[i] = i >= W && i % W != 34;
        bgs_model_set_roi(m, roi, W);
    }
    for (int f = 0; f < 12; f++) {
        for (int i = 0; i < W * H; i++)
            for (int c = 0; c < C; c++)
                frame[i * C + c] = (uint8_t)(60 + (i % 5) * 2 + c);
        if (f == 11) /* every 3rd pixel, tail lanes, row 0 and column 34 included */
            for (int i = 0; i < W * H; i += 3)
                for (int c = 0; c < C; c++)
                    frame[i * C + c] = 230;
        bgs_model_apply(m, frame, W * C, mask, W);
    }
    int relearns = (int)bgs_model_relearn_count(m);
    bgs_model_free(m);
    *status = 1;
    return relearns;
}

TEST(global_change_count_is_exact_for_every_kernel)
{
    const int W = 37, H = 9;
    static const bgs_kernel kernels[] = {BGS_KERNEL_SCALAR, BGS_KERNEL_AVX2,
                                         BGS_KERNEL_AVX512};
    int checked = 0;
    for (size_t k = 0; k < sizeof kernels / sizeof *kernels; k++)
        for (int threads = 1; threads <= 3; threads += 2)
            for (int C = 1; C <= 3; C += 2)
                for (int with_roi = 0; with_roi <= 1; with_roi++) {
                    long changed = 0; /* pixels i % 3 == 0 inside the region */
                    for (int i = 0; i < W * H; i += 3)
                        changed += !with_roi || (i >= W && i % W != 34);
                    long pixels = with_roi ? (long)(W * (H - 1) - (H - 1)) : (long)W * H;
                    long status;
                    int under = relearns_at(kernels[k], threads, C, with_roi,
                                            ((float)changed - 0.5f) / (float)pixels, &status);
                    if (status == 0)
                        continue;
                    int over = relearns_at(kernels[k], threads, C, with_roi,
                                           ((float)changed + 0.5f) / (float)pixels, &status);
                    CHECK(under == 1 && over == 0,
                          "kernel %d, %d threads, C %d, roi %d: %ld changed of %ld: "
                          "relearns %d just under, %d just over",
                          (int)kernels[k], threads, C, with_roi, changed, pixels, under, over);
                    checked++;
                }
    CHECK(checked >= 8, "only %d combinations ran", checked);
}

TEST(clean_up_in_apply_equals_postproc)
{
    const int W = 61, H = 37, C = 3;
    bgs_params raw = test_params(), clean = raw;
    clean.median = 5;
    clean.close_radius = 1;
    clean.fill_holes = 20.0f / (W * H); /* 20 and 4 pixels */
    clean.min_area = 4.0f / (W * H);
    bgs_model *a = bgs_model_create(W, H, C, &raw);
    bgs_model *b = bgs_model_create(W, H, C, &clean);
    bgs_postproc *pp = bgs_postproc_create(W, H);
    REQUIRE(a && b && pp, "create");
    bgs_model_set_threads(b, 2);
    bgs_cleanup c = {sizeof c, 5, 0, 1, 20, 4};
    uint8_t *frame = malloc((size_t)W * H * C), ma[61 * 37], mb[61 * 37];
    rng_state = 21;
    int bad = 0, fg = 0;
    for (int f = 0; f < 60; f++) {
        busy_frame(frame, W, H, C, f);
        bgs_model_apply(a, frame, W * C, ma, W);
        bgs_model_apply(b, frame, W * C, mb, W);
        bgs_postproc_clean(pp, &c, ma, W);
        bad += memcmp(ma, mb, sizeof ma) != 0;
        for (int i = 0; i < W * H; i++)
            fg += mb[i] == 255;
    }
    CHECK(bad == 0, "%d frames differ", bad);
    CHECK(fg > 0, "no foreground at all (test too weak)");
    free(frame);
    bgs_postproc_free(pp);
    bgs_model_free(a);
    bgs_model_free(b);
}

/* Frames with rings (holes of 9 pixels), dots of 1-2 pixels and a dark
 * square that the shadow test may take for a shadow, moving over a noisy
 * texture: what hole filling and the blob minimum act on. */
static void holes_and_dots_frame(uint8_t *frame, int W, int H, int C, int f)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v = 90 + x + 2 * y + 4 * rng_normal();
            int rx = x - (3 + f % (W - 14)), ry = y - 4;
            int ring = rx >= 0 && rx < 9 && ry >= 0 && ry < 9 &&
                       !(rx >= 3 && rx < 6 && ry >= 3 && ry < 6);
            int dot = (x * 7 + y * 13 + f * 5) % 97 == 0;
            int dark = x >= W - 12 - f % 9 && x < W - 4 - f % 9 && y >= H - 12 && y < H - 4;
            for (int c = 0; c < C; c++) {
                double px = ring ? 240 - 20 * c : dot ? 5 : dark ? 0.6 * v : v;
                frame[((size_t)y * W + x) * C + c] = clamp_u8(px + 3 * c);
            }
        }
}

/* Hole filling and the blob minimum alone inside bgs_model_apply give what
 * bgs_postproc_clean gives on the raw mask, on one thread and on two, with
 * shadows off, written as background and kept as a value of their own (the
 * test above has a median and a closing, which leave these steps little
 * to do). */
TEST(global_clean_up_steps_in_apply_equal_postproc)
{
    const int W = 67, H = 41, C = 3;
    bgs_cleanup c = {sizeof c, 0, 0, 0, 12, 5};
    int changed_any = 0;
    for (int variant = 0; variant < 6; variant++) {
        int threads = variant % 2 + 1, shadows = variant / 2; /* 0 off, 1 as 0, 2 as 127 */
        bgs_params raw = test_params();
        raw.shadows = shadows > 0;
        raw.shadow_value = shadows == 2 ? 127 : 0;
        bgs_params clean = raw;
        clean.fill_holes = 12.0f / (W * H);
        clean.min_area = 5.0f / (W * H);
        bgs_model *a = bgs_model_create(W, H, C, &raw);
        bgs_model *b = bgs_model_create(W, H, C, &clean);
        bgs_postproc *pp = bgs_postproc_create(W, H);
        uint8_t *frame = malloc((size_t)W * H * C), *ma = malloc((size_t)W * H),
                *mb = malloc((size_t)W * H), *before = malloc((size_t)W * H);
        REQUIRE(a && b && pp && frame && ma && mb && before, "create");
        bgs_model_set_threads(b, threads);
        rng_state = 33;
        int bad = 0, changed = 0, shadow_pixels = 0;
        for (int f = 0; f < 50; f++) {
            holes_and_dots_frame(frame, W, H, C, f);
            bgs_model_apply(a, frame, W * C, ma, W);
            bgs_model_apply(b, frame, W * C, mb, W);
            memcpy(before, ma, (size_t)W * H);
            bgs_postproc_clean(pp, &c, ma, W);
            bad += memcmp(ma, mb, (size_t)W * H) != 0;
            for (int i = 0; i < W * H; i++) {
                changed += before[i] != ma[i];
                shadow_pixels += mb[i] == 127;
            }
        }
        CHECK(bad == 0, "%d threads, shadows %d: %d frames differ", threads, shadows, bad);
        CHECK(changed > 100, "%d threads, shadows %d: the steps changed only %d pixels "
              "(test too weak)", threads, shadows, changed);
        if (shadows == 2)
            CHECK(shadow_pixels > 0, "no shadow pixel kept (test too weak)");
        changed_any += changed;
        free(frame), free(ma), free(mb), free(before);
        bgs_postproc_free(pp);
        bgs_model_free(a);
        bgs_model_free(b);
    }
    CHECK(changed_any > 0, "nothing changed");
}

int main(void)
{
    RUN(learns_a_constant);
    RUN(start_up_rate_gives_running_mean);
    RUN(flags_an_outlier);
    RUN(absorbs_a_stopped_object_when_alpha_predicts);
    RUN(ranks_by_weight_over_sigma);
    RUN(ranking_observed_through_classification);
    RUN(replaces_the_least_probable_component);
    RUN(learning_phase_masks_are_background);
    RUN(no_nan_for_extreme_inputs);
    RUN(deterministic);
    RUN(colour_change_in_one_channel_is_detected);
    RUN(strides_and_odd_widths);
    RUN(parameters_checked);
    RUN(metrics_follow_the_benchmark_rules);
    RUN(avx2_kernel_matches_scalar_reference);
    RUN(avx512_kernel_matches_scalar_reference);
    RUN(threads_give_the_same_result);
    RUN(half_float_conversion_round_trips);
    RUN(checkpoint_resumes_exactly);
    RUN(shadow_pixels_get_the_shadow_value);
    RUN(region_of_interest_freezes_the_outside);
    RUN(avx2_agrees_under_a_region_of_interest);
    RUN(avx512_agrees_under_a_region_of_interest);
    RUN(global_change_is_relearnt);
    RUN(global_change_count_is_exact_for_every_kernel);
    RUN(clean_up_in_apply_equals_postproc);
    RUN(global_clean_up_steps_in_apply_equal_postproc);
    return test_summary();
}
