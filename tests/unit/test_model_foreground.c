/*
 * test_model_foreground.c - bgs_model_foreground: after every frame it is
 * the number of BGS_MASK_FOREGROUND bytes in the mask bgs_model_apply just
 * wrote, whatever shaped that mask: the learning phase, shadows (with a
 * visible shadow value), the clean-up (local steps, hole filling, the
 * smallest blob), a region of interest, a global change that blanks the
 * mask, several threads, widths that are not a multiple of 64, gray and
 * colour; 0 when no mask is asked for.
 */
#include "test.h"

#include <stdint.h>

#include "bgsub.h"

/* A scene: a textured, noisy background; a bright box and a darker
 * (shadow-like) box moving over it; the whole frame brightened from
 * frame `jump` on (a global change), when jump > 0. */
static void make_frame(uint8_t *f, int w, int h, int ch, int t, int jump,
                       uint32_t *seed)
{
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            *seed = *seed * 1664525u + 1013904223u;
            int noise = (int)(*seed >> 29) - 4;
            int v = 90 + (x * 7 + y * 3) % 60 + noise;
            int bx = (t * 3) % w, by = h / 4;
            if (x >= bx && x < bx + w / 5 && y >= by && y < by + h / 3)
                v = 230; /* the object */
            int sx = w - 1 - (t * 2) % w, sy = h / 2;
            if (x <= sx && x > sx - w / 6 && y >= sy && y < sy + h / 4)
                v = v * 7 / 10; /* a shadow: darker, same colour */
            if (jump > 0 && t >= jump)
                v = v + 80 > 255 ? 255 : v + 80;
            for (int c = 0; c < ch; c++)
                f[((size_t)y * w + x) * ch + c] = (uint8_t)(c == 1 ? v * 9 / 10 : v);
        }
    }
}

static long count_255(const uint8_t *mask, size_t n)
{
    long fg = 0;
    for (size_t i = 0; i < n; i++)
        fg += mask[i] == BGS_MASK_FOREGROUND;
    return fg;
}

typedef struct scenario {
    const char *name;
    int width, height, channels, threads, jump, roi;
    void (*tune)(bgs_params *p);
} scenario;

static void no_cleanup(bgs_params *p)
{
    p->median = 0;
    p->open_radius = p->close_radius = 0;
    p->fill_holes = p->min_area = 0;
}
static void shadows_seen(bgs_params *p)
{
    no_cleanup(p);
    p->shadows = 1;
    p->shadow_value = 127;
}
static void shadows_cleaned(bgs_params *p)
{
    p->shadows = 1;
    p->shadow_value = 127;
}
static void global_steps(bgs_params *p)
{
    p->median = 3;
    p->close_radius = 1;
    p->fill_holes = 0.01f;
    p->min_area = 0.002f;
}
static void relearn(bgs_params *p)
{
    p->relearn_fraction = 0.5f;
    p->relearn_frames = 3;
    /* The brightening is a change of light that the tile test would
     * explain: this case is about the count of a re-learnt frame. */
    p->illumination = 0;
}
static void relearn_no_cleanup(bgs_params *p)
{
    relearn(p);
    no_cleanup(p);
}

/* Runs the scenario; the number of frames whose count disagreed, -1 if the
 * model could not be made; the foreground seen, the shadow pixels seen and
 * the global changes in what[0..2]. */
static int run(const scenario *s, long what[3])
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 8;
    if (s->tune)
        s->tune(&p);
    bgs_model *m = bgs_model_create(s->width, s->height, s->channels, &p);
    if (!m)
        return -1;
    bgs_model_set_threads(m, s->threads);
    size_t pixels = (size_t)s->width * s->height;
    uint8_t *frame = malloc(pixels * s->channels), *mask = malloc(pixels);
    uint8_t *roi = calloc(pixels, 1);
    if (s->roi) { /* the left two thirds, and a hole in them */
        for (int y = 0; y < s->height; y++)
            for (int x = 0; x < s->width * 2 / 3; x++)
                roi[(size_t)y * s->width + x] = !(x > 10 && x < 20 && y > 5 && y < 15);
        bgs_model_set_roi(m, roi, s->width);
    }
    uint32_t seed = 12345;
    int wrong = 0;
    what[0] = what[1] = 0;
    for (int t = 0; t < 40; t++) {
        make_frame(frame, s->width, s->height, s->channels, t, s->jump, &seed);
        if (bgs_model_apply(m, frame, (ptrdiff_t)s->width * s->channels, mask, s->width) != BGS_OK) {
            wrong++;
            break;
        }
        long want = count_255(mask, pixels);
        if (bgs_model_foreground(m) != want) {
            if (wrong++ == 0)
                printf("  %s: frame %d: bgs_model_foreground %ld, the mask holds %ld\n",
                       s->name, t, bgs_model_foreground(m), want);
        }
        what[0] += want;
        for (size_t i = 0; i < pixels; i++)
            what[1] += mask[i] == 127;
    }
    what[2] = bgs_model_relearn_count(m);
    /* Learning only: no mask, no foreground. */
    make_frame(frame, s->width, s->height, s->channels, 41, s->jump, &seed);
    if (bgs_model_apply(m, frame, (ptrdiff_t)s->width * s->channels, NULL, 0) != BGS_OK ||
        bgs_model_foreground(m) != 0)
        wrong++;
    free(frame);
    free(mask);
    free(roi);
    bgs_model_free(m);
    return wrong;
}

TEST(foreground_is_the_mask_count)
{
    static const scenario cases[] = {
        {"defaults (median clean-up)", 96, 64, 3, 1, 0, 0, NULL},
        {"no clean-up", 96, 64, 3, 1, 0, 0, no_cleanup},
        {"shadows shown as 127", 96, 64, 3, 1, 0, 0, shadows_seen},
        {"shadows and clean-up", 96, 64, 3, 1, 0, 0, shadows_cleaned},
        {"hole filling and smallest blob", 100, 70, 3, 1, 0, 0, global_steps},
        {"region of interest", 100, 70, 3, 1, 0, 1, NULL},
        {"region of interest, no clean-up", 100, 70, 3, 1, 0, 1, no_cleanup},
        {"gray, width 70", 70, 50, 1, 1, 0, 0, NULL},
        {"four threads, clean-up", 130, 300, 3, 4, 0, 0, global_steps},
        {"four threads, shadows", 130, 300, 3, 4, 0, 0, shadows_seen},
        {"global change", 96, 64, 3, 1, 25, 0, relearn},
        {"global change, no clean-up", 96, 64, 3, 2, 25, 0, relearn_no_cleanup},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long what[3] = {0, 0, 0};
        int wrong = run(&cases[i], what);
        CHECK(wrong == 0, "%s: %d frames disagree", cases[i].name, wrong);
        CHECK(what[0] > 0, "%s: no foreground at all: the scenario tests nothing",
              cases[i].name);
        CHECK(cases[i].tune != shadows_seen || what[1] > 0, "%s: no shadow pixels",
              cases[i].name);
        CHECK(cases[i].jump == 0 || what[2] > 0, "%s: no global change", cases[i].name);
    }
}

TEST(no_model_no_foreground)
{
    CHECK(bgs_model_foreground(NULL) == 0, "NULL model");
}

int main(void)
{
    RUN(foreground_is_the_mask_count);
    RUN(no_model_no_foreground);
    return test_summary();
}
