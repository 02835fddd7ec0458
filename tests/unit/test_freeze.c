/*
 * test_freeze.c - alpha 0 freezes the model: frames are classified against
 * what it holds (masks follow the scene) and the model keeps no trace of
 * them: its background image, its state and its later masks are those of a
 * copy that never saw the frozen frames. Every kernel the CPU runs, one and
 * two threads.
 */
#include "bgsub.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { W = 61, H = 23, C = 3 };

/* A textured background with noise, and a 9x7 box that moves right by 2
 * pixels a frame from frame `from` on (absent before). */
static void make_frame(uint8_t *f, int n, int from)
{
    uint32_t seed = 2166136261u ^ (uint32_t)n * 16777619u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < C; c++) {
                seed = seed * 1664525u + 1013904223u;
                int noise = (int)(seed >> 29) - 4; /* -4..3 */
                int v = 60 + 3 * ((x * 7 + y * 13 + c * 29) % 40) + noise;
                f[(y * W + x) * C + c] = (uint8_t)v;
            }
    if (n < from)
        return;
    int x0 = ((n - from) * 2) % (W - 9);
    for (int y = 8; y < 15; y++)
        for (int x = x0; x < x0 + 9; x++)
            for (int c = 0; c < C; c++)
                f[(y * W + x) * C + c] = (uint8_t)(c == 0 ? 250 : 10);
}

static long count_foreground(const uint8_t *mask)
{
    long n = 0;
    for (int i = 0; i < W * H; i++)
        n += mask[i] == BGS_MASK_FOREGROUND;
    return n;
}

static void run_freeze(bgs_kernel kernel, const char *name, int threads)
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 20;
    p.median = 0; /* the box's own pixels, not the clean-up's, are checked */
    p.close_radius = 0;
    p.fill_holes = 0;
    p.min_area = 0;
    bgs_model *a = bgs_model_create(W, H, C, &p);
    REQUIRE(a, "%s", bgs_last_error());
    if (bgs_model_set_kernel(a, kernel) != BGS_OK) {
        bgs_model_free(a);
        SKIP("this CPU cannot run the %s kernel", name);
    }
    REQUIRE(bgs_model_set_threads(a, threads) == BGS_OK, "%s", bgs_last_error());
    static uint8_t frame[W * H * C], mask[W * H], mask_b[W * H];
    static uint8_t bg_before[W * H * C], bg_after[W * H * C], bg_b[W * H * C];
    int n = 0;
    for (; n < 60; n++) { /* learn the empty scene */
        make_frame(frame, n, 1000);
        REQUIRE(bgs_model_apply(a, frame, W * C, mask, W) == BGS_OK, "%s", bgs_last_error());
    }
    /* b: a copy of a as it is now, which will not see the frozen frames. */
    size_t size = bgs_model_checkpoint_size(a);
    uint8_t *cp = malloc(size);
    REQUIRE(cp && bgs_model_checkpoint(a, cp, size) == BGS_OK, "checkpoint");
    bgs_model *b = bgs_model_restore(cp, size);
    free(cp);
    REQUIRE(b, "%s", bgs_last_error());
    bgs_model_set_kernel(b, kernel);
    bgs_model_set_threads(b, threads);
    REQUIRE(bgs_model_background(a, bg_before, W * C) == BGS_OK, "background");

    /* 50 frozen frames with the box moving through: masks follow it. */
    bgs_params frozen = p;
    frozen.alpha = 0.0f;
    REQUIRE(bgs_model_set_params(a, &frozen) == BGS_OK, "%s", bgs_last_error());
    long first_fg = -1;
    int masks_changed = 0, every_mask_has_the_box = 1;
    static uint8_t previous[W * H];
    for (int i = 0; i < 50; i++, n++) {
        make_frame(frame, n, 60);
        REQUIRE(bgs_model_apply(a, frame, W * C, mask, W) == BGS_OK, "%s", bgs_last_error());
        long fg = count_foreground(mask);
        every_mask_has_the_box &= fg >= 9 * 7 / 2;
        if (i > 0 && memcmp(previous, mask, sizeof mask) != 0)
            masks_changed++;
        memcpy(previous, mask, sizeof mask);
        if (first_fg < 0)
            first_fg = fg;
    }
    CHECK(every_mask_has_the_box, "a frozen model still detects the box");
    CHECK(masks_changed >= 40, "masks follow the moving box (%d of 49 changed)", masks_changed);
    REQUIRE(bgs_model_background(a, bg_after, W * C) == BGS_OK, "background");
    CHECK(memcmp(bg_before, bg_after, sizeof bg_before) == 0,
          "the background image is unchanged by 50 frozen frames");
    CHECK(bgs_model_frame_count(a) == 110, "frozen frames are counted: %ld",
          bgs_model_frame_count(a));

    /* Thawed, a goes on exactly as b, which never saw those frames. */
    REQUIRE(bgs_model_set_params(a, &p) == BGS_OK, "%s", bgs_last_error());
    int same_masks = 1;
    for (int i = 0; i < 30; i++, n++) {
        make_frame(frame, n, 60);
        bgs_model_apply(a, frame, W * C, mask, W);
        bgs_model_apply(b, frame, W * C, mask_b, W);
        same_masks &= memcmp(mask, mask_b, sizeof mask) == 0;
    }
    bgs_model_background(a, bg_after, W * C);
    bgs_model_background(b, bg_b, W * C);
    CHECK(same_masks, "after thawing, the masks are those of a model that never froze");
    CHECK(memcmp(bg_after, bg_b, sizeof bg_b) == 0,
          "after thawing, the background is that of a model that never froze");

    bgs_model_free(a);
    bgs_model_free(b);
}

TEST(alpha_zero_freezes_scalar) { run_freeze(BGS_KERNEL_SCALAR, "scalar", 1); }
TEST(alpha_zero_freezes_avx2) { run_freeze(BGS_KERNEL_AVX2, "AVX2", 1); }
TEST(alpha_zero_freezes_avx512) { run_freeze(BGS_KERNEL_AVX512, "AVX-512", 1); }
TEST(alpha_zero_freezes_two_threads) { run_freeze(BGS_KERNEL_AUTO, "automatic", 2); }

/* The control: the same frames with alpha as usual move the background
 * (the box stops in the middle for 50 frames, long enough at alpha 0.05). */
TEST(learning_the_same_frames_changes_the_background)
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 20;
    p.alpha = 0.05f;
    bgs_model *m = bgs_model_create(W, H, C, &p);
    REQUIRE(m, "%s", bgs_last_error());
    static uint8_t frame[W * H * C], before[W * H * C], after[W * H * C];
    int n = 0;
    for (; n < 60; n++) {
        make_frame(frame, n, 1000);
        bgs_model_apply(m, frame, W * C, NULL, 0);
    }
    bgs_model_background(m, before, W * C);
    for (int i = 0; i < 50; i++) {
        make_frame(frame, 60, 60); /* the box standing at x 0..8 */
        bgs_model_apply(m, frame, W * C, NULL, 0);
    }
    bgs_model_background(m, after, W * C);
    CHECK(memcmp(before, after, sizeof before) != 0, "learning moves the background");
    bgs_model_free(m);
}

int main(void)
{
    RUN(alpha_zero_freezes_scalar);
    RUN(alpha_zero_freezes_avx2);
    RUN(alpha_zero_freezes_avx512);
    RUN(alpha_zero_freezes_two_threads);
    RUN(learning_the_same_frames_changes_the_background);
    return test_summary();
}
