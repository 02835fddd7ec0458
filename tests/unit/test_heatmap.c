/*
 * test_heatmap.c - the motion heat map (src/draw/heatmap.c): what it
 * counts (foreground 255 only, per frame), the top of its colour scale
 * (a percentile rounded up to 1, 2, 2.5 or 5 times a power of ten, not
 * washed out by a few pixels that always move), the colours' order on the
 * scale, and the picture: still pixels gray, moving ones coloured, the
 * scale drawn under the scene.
 */
#include "test.h"

#include "draw/heatmap.h"

TEST(counts_foreground_pixels_per_frame)
{
    heatmap h;
    REQUIRE(heatmap_init(&h, 4, 2) == 0, "init");
    /* Stride 5: a padding byte a row that must not count. */
    const uint8_t a[10] = {255, 0, 127, 255, 255, /* row 2 */ 0, 0, 255, 255, 255};
    const uint8_t b[10] = {255, 255, 0, 0, 255, /* row 2 */ 0, 127, 255, 0, 255};
    heatmap_add(&h, a, 5);
    heatmap_add(&h, b, 5);
    heatmap_add(&h, b, 5);
    /* By hand: (0,0) 3 of 3; (1,0) 2; (2,0) 0 (127 is a shadow); (3,0) 1;
     * (0,1) 0; (1,1) 0; (2,1) 3; (3,1) 1. */
    const double want[8] = {1, 2 / 3.0, 0, 1 / 3.0, 0, 0, 1, 1 / 3.0};
    for (int i = 0; i < 8; i++)
        CHECK(fabs(heatmap_share(&h, i % 4, i / 4) - want[i]) < 1e-12,
              "pixel %d: %g, want %g", i, heatmap_share(&h, i % 4, i / 4), want[i]);
    CHECK(h.frames == 3, "%ld frames", h.frames);
    heatmap_free(&h);
}

/* n pixels, the first `moved` with count c each, frames f. */
static void fill(heatmap *h, int moved, uint32_t c, long frames)
{
    for (int i = 0; i < h->width * h->height; i++)
        h->counts[i] = i < moved ? c : 0;
    h->frames = frames;
}

TEST(scale_top_is_a_rounded_percentile)
{
    heatmap h;
    REQUIRE(heatmap_init(&h, 50, 40) == 0, "init");
    fill(&h, 0, 0, 100);
    CHECK(heatmap_scale_top(&h) == 0, "nothing moved: %g", heatmap_scale_top(&h));
    fill(&h, 1000, 3, 100); /* 3% of the frames */
    CHECK(fabs(heatmap_scale_top(&h) - 0.05) < 1e-12, "3%%: %g", heatmap_scale_top(&h));
    fill(&h, 1000, 2, 100); /* exactly 2% stays 2% */
    CHECK(fabs(heatmap_scale_top(&h) - 0.02) < 1e-12, "2%%: %g", heatmap_scale_top(&h));
    fill(&h, 1000, 22, 100); /* 22% -> 25% */
    CHECK(fabs(heatmap_scale_top(&h) - 0.25) < 1e-12, "22%%: %g", heatmap_scale_top(&h));
    /* Three pixels that always move among 1000 at 3%: below the 99.5th
     * percentile (index 995 of 1003), so the top stays 5%. */
    fill(&h, 1000, 3, 100);
    h.counts[1000] = h.counts[1001] = h.counts[1002] = 100;
    CHECK(fabs(heatmap_scale_top(&h) - 0.05) < 1e-12, "outliers: %g", heatmap_scale_top(&h));
    fill(&h, 2000, 100, 100); /* everything always: 100% */
    CHECK(fabs(heatmap_scale_top(&h) - 1) < 1e-12, "all: %g", heatmap_scale_top(&h));
    heatmap_free(&h);
}

TEST(colours_run_blue_green_red)
{
    canvas_rgb low = heatmap_colour(0.15), mid = heatmap_colour(0.5),
               high = heatmap_colour(0.92);
    CHECK(low.b > low.r && low.b > low.g, "0.15: %d %d %d", low.r, low.g, low.b);
    CHECK(mid.g > mid.r && mid.g > mid.b, "0.5: %d %d %d", mid.r, mid.g, mid.b);
    CHECK(high.r > high.g && high.r > high.b, "0.92: %d %d %d", high.r, high.g, high.b);
    canvas_rgb below = heatmap_colour(-1), zero = heatmap_colour(0);
    CHECK(below.r == zero.r && below.g == zero.g && below.b == zero.b, "clamped below");
}

TEST(picture_gray_where_still_coloured_where_moving)
{
    enum { W = 16, H = 8 };
    heatmap h;
    REQUIRE(heatmap_init(&h, W, H) == 0, "init");
    uint8_t mask[W * H] = {0}, background[W * H];
    memset(background, 100, sizeof background);
    /* A 4x4 block at (8..11, 2..5) moves in every frame. */
    for (int y = 2; y < 6; y++)
        memset(mask + y * W + 8, 255, 4);
    for (int i = 0; i < 20; i++)
        heatmap_add(&h, mask, W);
    canvas cv;
    REQUIRE(heatmap_render(&h, background, W, 1, "test", &cv) == 0, "render");
    int zoom = cv.width / W;
    CHECK(zoom == 4 && cv.width == 64, "16 pixels enlarged 4 times: %d", cv.width);
    CHECK(cv.height > H * zoom, "the scale under the scene: height %d", cv.height);
    /* A still pixel: the background's gray, dimmed (100 * 0.55 + 12). */
    const uint8_t *still = cv.px + ((size_t)(1 * zoom + 1) * cv.width + 1 * zoom + 1) * 3;
    CHECK(still[0] == 67 && still[1] == 67 && still[2] == 67, "still: %d %d %d", still[0],
          still[1], still[2]);
    /* The middle of the block: the top of the scale, red. */
    const uint8_t *hot = cv.px + ((size_t)(4 * zoom) * cv.width + 10 * zoom) * 3;
    CHECK(hot[0] > 100 && hot[0] > hot[1] + 60 && hot[0] > hot[2] + 60, "moving: %d %d %d",
          hot[0], hot[1], hot[2]);
    canvas_free(&cv);
    heatmap_free(&h);
}

int main(void)
{
    RUN(counts_foreground_pixels_per_frame);
    RUN(scale_top_is_a_rounded_percentile);
    RUN(colours_run_blue_green_red);
    RUN(picture_gray_where_still_coloured_where_moving);
    return test_summary();
}
