/*
 * test_events_boxes.c - the boxes of `bgsub events --boxes`
 * (src/cli/events_boxes.c): which blobs are kept (the 8 largest of at
 * least 1/1000 of the frame), their boxes in the input's pixels (times
 * --scale), looked up by frame position, and the outline drawn just
 * outside each box.
 */
#include "test.h"

#include "cli/events_boxes.h"

#include <string.h>

enum { W = 200, H = 50 }; /* min area: 200 * 50 / 1000 = 10 pixels */

static void square(uint8_t *mask, int x, int y, int side)
{
    for (int r = y; r < y + side; r++)
        memset(mask + (size_t)r * W + x, 255, (size_t)side);
}

TEST(keeps_the_eight_largest_blobs_scaled)
{
    static uint8_t mask[W * H];
    memset(mask, 0, sizeof mask);
    /* Ten squares of sides 2 (4 pixels: below the minimum) and 4..12, apart
     * from each other along the row. */
    int sides[10] = {2, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    for (int i = 0; i < 10; i++)
        square(mask, 1 + 19 * i, 3 + i, sides[i]);
    events_boxes b;
    REQUIRE(events_boxes_init(&b, W, H, 3) == 0, "init");
    REQUIRE(events_boxes_add(&b, 7, mask, W) == 0, "add");
    /* Kept: sides 5..12 (the 8 largest); side 4 (16 pixels) is the 9th,
     * side 2 is below 10 pixels. */
    CHECK(b.count == 8, "%zu boxes, want 8", b.count);
    int seen[10] = {0};
    for (size_t k = 0; k < b.count; k++) {
        const events_box *o = &b.box[k];
        int i = (o->x / 3 - 1) / 19;
        CHECK(o->position == 7, "position %ld", o->position);
        CHECK(i >= 0 && i < 10 && o->x == 3 * (1 + 19 * i) && o->y == 3 * (3 + i) &&
                  o->w == 3 * sides[i] && o->h == 3 * sides[i],
              "box %zu: %d,%d %dx%d", k, o->x, o->y, o->w, o->h);
        if (i >= 0 && i < 10)
            seen[i]++;
    }
    for (int i = 0; i < 10; i++)
        CHECK(seen[i] == (i >= 2), "square %d (side %d) kept %d times", i, sides[i], seen[i]);
    events_boxes_free(&b);
}

TEST(drawn_outside_the_box_of_its_frame_only)
{
    static uint8_t mask[W * H];
    events_boxes b;
    REQUIRE(events_boxes_init(&b, W, H, 1) == 0, "init");
    /* Frame 3: one square at (50, 10), side 20; frame 4: nothing; frame 9:
     * one at (120, 20), side 10. */
    memset(mask, 0, sizeof mask);
    square(mask, 50, 10, 20);
    REQUIRE(events_boxes_add(&b, 3, mask, W) == 0, "add 3");
    memset(mask, 0, sizeof mask);
    REQUIRE(events_boxes_add(&b, 4, mask, W) == 0, "add 4");
    square(mask, 120, 20, 10);
    REQUIRE(events_boxes_add(&b, 9, mask, W) == 0, "add 9");
    canvas cv;
    const canvas_rgb black = {0, 0, 0};
    for (long pos = 2; pos <= 10; pos++) {
        REQUIRE(canvas_init(&cv, W, H, black) == 0, "canvas");
        events_boxes_draw(&b, pos, &cv);
        long lit = 0;
        for (int i = 0; i < W * H; i++)
            lit += cv.px[3 * i] != 0;
        /* The box's own pixels stay, a 2-pixel ring around it is drawn:
         * (s + 4)^2 - s^2 pixels. */
        long want = pos == 3 ? 24 * 24 - 20 * 20 : pos == 9 ? 14 * 14 - 10 * 10 : 0;
        CHECK(lit == want, "frame %ld: %ld pixels drawn, want %ld", pos, lit, want);
        if (pos == 3) {
            const uint8_t *p = cv.px + 3 * ((size_t)20 * W + 48); /* 2 left of the box */
            CHECK(p[0] == 255 && p[1] == 220 && p[2] == 0, "colour %d %d %d", p[0], p[1], p[2]);
            CHECK(cv.px[3 * ((size_t)20 * W + 50)] == 0, "the box's edge is drawn on");
            CHECK(cv.px[3 * ((size_t)20 * W + 47)] == 0, "3 left of the box is drawn on");
        }
        canvas_free(&cv);
    }
    events_boxes_free(&b);
}

int main(void)
{
    RUN(keeps_the_eight_largest_blobs_scaled);
    RUN(drawn_outside_the_box_of_its_frame_only);
    return test_summary();
}
