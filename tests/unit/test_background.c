/*
 * test_background.c - bgs_model_background: per pixel, the weight-averaged
 * mean of the background components (the first B in rank order whose
 * weights first sum past T). Checked against closed forms on scenes whose
 * models are known: a pixel that alternates between two values in equal
 * shares keeps two components of about equal weight, both background under
 * T = 0.6, so its background is their average; under T = 0.3 only the
 * first counts. A steady pixel's background is its value.
 */
#include "bgsub.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { W = 32, H = 4 };

/* Runs frames in which pixel (x, y) alternates between lo and hi (x odd) or
 * stays at steady (x even), gray; returns the background image in bg. */
static int run_scene(float bg_ratio, int frames, uint8_t lo, uint8_t hi,
                     uint8_t steady, uint8_t bg[W * H])
{
    bgs_params p;
    bgs_params_default(&p);
    p.bg_ratio = bg_ratio;
    p.alpha = 0.01f;
    bgs_model *m = bgs_model_create(W, H, 1, &p);
    if (!m)
        return -1;
    uint8_t frame[W * H];
    for (int n = 0; n < frames; n++) {
        for (int i = 0; i < W * H; i++)
            frame[i] = (i % 2) ? (n % 2 ? hi : lo) : steady;
        bgs_model_apply(m, frame, W, NULL, 0);
    }
    int rc = bgs_model_background(m, bg, W) == BGS_OK ? 0 : -1;
    bgs_model_free(m);
    return rc;
}

TEST(two_equal_modes_average)
{
    uint8_t bg[W * H];
    REQUIRE(run_scene(0.6f, 400, 60, 180, 100, bg) == 0, "%s", bgs_last_error());
    for (int i = 0; i < W * H; i++) {
        if (i % 2) {
            /* Weights of the two modes stay within a few percent of each
             * other (each frame moves them by α = 0.01 in turn), so the
             * average is 120 within 0.04 · 120 = ±5 levels. */
            CHECK(bg[i] >= 115 && bg[i] <= 125,
                  "pixel %d: background %d, the two modes' average is 120", i, bg[i]);
        } else {
            CHECK(bg[i] == 100, "steady pixel %d: background %d, not 100", i, bg[i]);
        }
    }
}

TEST(a_low_threshold_keeps_one_mode)
{
    uint8_t bg[W * H];
    REQUIRE(run_scene(0.3f, 400, 60, 180, 100, bg) == 0, "%s", bgs_last_error());
    for (int i = 1; i < W * H; i += 2)
        CHECK(bg[i] == 60 || bg[i] == 180,
              "pixel %d: background %d, one mode (60 or 180) under T 0.3", i, bg[i]);
}

TEST(an_unequal_mix_weights_the_average)
{
    /* Three frames in four at 40, one at 200: weights about 3/4 and 1/4,
     * both background under T 0.8 (the first alone is 0.75): the average
     * is 0.75 · 40 + 0.25 · 200 = 80. */
    bgs_params p;
    bgs_params_default(&p);
    p.bg_ratio = 0.8f;
    p.alpha = 0.005f;
    bgs_model *m = bgs_model_create(W, H, 1, &p);
    REQUIRE(m, "%s", bgs_last_error());
    uint8_t frame[W * H], bg[W * H];
    for (int n = 0; n < 800; n++) {
        memset(frame, n % 4 == 3 ? 200 : 40, sizeof frame);
        bgs_model_apply(m, frame, W, NULL, 0);
    }
    REQUIRE(bgs_model_background(m, bg, W) == BGS_OK, "%s", bgs_last_error());
    for (int i = 0; i < W * H; i++)
        CHECK(bg[i] >= 74 && bg[i] <= 86, "pixel %d: background %d, expected 80 +- 6", i, bg[i]);
    bgs_model_free(m);
}

int main(void)
{
    RUN(two_equal_modes_average);
    RUN(a_low_threshold_keeps_one_mode);
    RUN(an_unequal_mix_weights_the_average);
    return test_summary();
}
