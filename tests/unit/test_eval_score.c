/*
 * test_eval_score.c - one sequence scored (src/cli/eval_score.c): the
 * counts against hand-made ground truth and masks (positives, negatives,
 * shadow, unknown and outside-the-region pixels), the frame range from
 * temporalROI.txt or from the ground truth files, --roi instead of
 * ROI.bmp, a larger region cut to the frames, and the errors (a mask
 * missing or of another size, a smaller region, no ground truth, a bad
 * temporalROI.txt), each naming its file. In a mkdtemp folder.
 */
#include "test.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/eval_score.h"
#include "io/image_io.h"

#define W 8
#define H 4

static char err[2048];

static void save(const char *path, const uint8_t *px, int w, int h)
{
    char e[512];
    if (image_save_png(path, px, w, h, 1, w, 1, 1, e, sizeof e) != 0)
        printf("  %s\n", e);
}

static void put_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Row 0: gt moving (255) x8; row 1: static (0) x8; row 2: shadow (50) x4
 * and unknown (170) x4; row 3: outside the region x8 (gt moving). The mask
 * says foreground in the left half of every row. Per frame, inside the
 * region: tp 4, fn 4 (row 0); fp 4, tn 4 (row 1); fp 4 (row 2: shadow is
 * negative, and the mask is foreground there; its unknown half, background
 * in the mask, is ignored). */
static void make_sequence(const char *seq, const char *masks, int frames)
{
    uint8_t gt[W * H], mask[W * H], roi[W * H];
    for (int x = 0; x < W; x++) {
        gt[x] = 255;
        gt[W + x] = 0;
        gt[2 * W + x] = x < 4 ? 50 : 170;
        gt[3 * W + x] = 255;
    }
    for (int i = 0; i < W * H; i++) {
        mask[i] = (i % W) < 4 ? 255 : 0;
        roi[i] = i < 3 * W ? 255 : 0;
    }
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s/groundtruth", seq);
    mkdir(seq, 0777);
    mkdir(path, 0777);
    mkdir(masks, 0777);
    for (int n = 1; n <= frames; n++) {
        snprintf(path, sizeof path, "%s/groundtruth/gt%06d.png", seq, n);
        save(path, gt, W, H);
        snprintf(path, sizeof path, "%s/bin%06d.png", masks, n);
        save(path, mask, W, H);
    }
    snprintf(path, sizeof path, "%s/ROI.bmp", seq); /* read by content: a PNG is fine */
    save(path, roi, W, H);
}

TEST(counts_follow_the_benchmark_rules)
{
    make_sequence(test_path("a"), test_path("a_masks"), 5);
    put_text(test_path("a/temporalROI.txt"), "2 4\n");
    eval_result r;
    REQUIRE(eval_score_sequence(test_path("a"), test_path("a_masks"), "bin%06d.png", NULL, &r, err,
                                sizeof err) == 0, "%s", err);
    CHECK(r.first == 2 && r.last == 4 && r.frames == 3, "range %ld-%ld, %ld frames", r.first,
          r.last, r.frames);
    CHECK(r.counts.tp == 12 && r.counts.fn == 12 && r.counts.fp == 24 && r.counts.tn == 12,
          "tp %llu fn %llu fp %llu tn %llu", (unsigned long long)r.counts.tp,
          (unsigned long long)r.counts.fn, (unsigned long long)r.counts.fp,
          (unsigned long long)r.counts.tn);
}

TEST(range_without_temporal_roi_is_every_ground_truth)
{
    make_sequence(test_path("b"), test_path("b_masks"), 3);
    eval_result r;
    REQUIRE(eval_score_sequence(test_path("b"), test_path("b_masks"), "bin%06d.png", NULL, &r, err,
                                sizeof err) == 0, "%s", err);
    CHECK(r.first == 1 && r.last == 3 && r.frames == 3, "range %ld-%ld", r.first, r.last);
}

TEST(roi_given_instead_of_roi_bmp)
{
    make_sequence(test_path("c"), test_path("c_masks"), 1);
    uint8_t all[W * H];
    memset(all, 255, sizeof all);
    save(test_path("all.png"), all, W, H); /* the whole frame: row 3 counts too */
    eval_result r;
    REQUIRE(eval_score_sequence(test_path("c"), test_path("c_masks"), "bin%06d.png", test_path("all.png"),
                                &r, err, sizeof err) == 0, "%s", err);
    CHECK(r.counts.tp == 8 && r.counts.fn == 8, "tp %llu fn %llu", (unsigned long long)r.counts.tp,
          (unsigned long long)r.counts.fn);
}

TEST(larger_roi_is_cut_smaller_is_an_error)
{
    make_sequence(test_path("d"), test_path("d_masks"), 1);
    uint8_t big[(W + 4) * (H + 2)];
    memset(big, 0, sizeof big);
    for (int y = 0; y < 3; y++) /* its top-left W x H: the first three rows */
        memset(big + y * (W + 4), 255, W);
    save(test_path("big.png"), big, W + 4, H + 2);
    eval_result r;
    /* The cut is announced with a warning on stderr: caught here. */
    fflush(stderr);
    int saved = dup(2);
    FILE *warning = freopen(test_path("warning.txt"), "w", stderr);
    int rc = eval_score_sequence(test_path("d"), test_path("d_masks"), "bin%06d.png", test_path("big.png"),
                                 &r, err, sizeof err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    REQUIRE(warning && rc == 0, "%s", err);
    FILE *f = fopen(test_path("warning.txt"), "r");
    char line[512] = "";
    if (f) {
        if (!fgets(line, sizeof line, f))
            line[0] = '\0';
        fclose(f);
    }
    CHECK(strstr(line, "big.png: size 12x6, the ground truth's is 8x4: using its top-left 8x4"),
          "warning: %s", line);
    CHECK(r.counts.tp == 4 && r.counts.fp == 8, "tp %llu fp %llu", (unsigned long long)r.counts.tp,
          (unsigned long long)r.counts.fp);
    uint8_t small[2 * 2] = {255, 255, 255, 255};
    save(test_path("small.png"), small, 2, 2);
    CHECK(eval_score_sequence(test_path("d"), test_path("d_masks"), "bin%06d.png", test_path("small.png"),
                              &r, err, sizeof err) == 3, "a smaller region accepted");
    CHECK(strstr(err, "small.png: size 2x2 is smaller") != NULL, "%s", err);
}

TEST(errors_name_the_file)
{
    make_sequence(test_path("e"), test_path("e_masks"), 3);
    unlink(test_path("e_masks/bin%06d.png", 2));
    eval_result r;
    CHECK(eval_score_sequence(test_path("e"), test_path("e_masks"), "bin%06d.png", NULL, &r, err,
                              sizeof err) == 3, "a missing mask accepted");
    CHECK(strstr(err, "bin000002.png") != NULL, "%s", err);
    uint8_t other[3 * 3] = {0};
    save(test_path("e_masks/bin%06d.png", 2), other, 3, 3);
    CHECK(eval_score_sequence(test_path("e"), test_path("e_masks"), "bin%06d.png", NULL, &r, err,
                              sizeof err) == 3, "a mask of another size accepted");
    CHECK(strstr(err, "bin000002.png: size 3x3 differs") != NULL, "%s", err);
    put_text(test_path("e/temporalROI.txt"), "five six\n");
    CHECK(eval_score_sequence(test_path("e"), test_path("e_masks"), "bin%06d.png", NULL, &r, err,
                              sizeof err) == 3, "a bad temporalROI.txt accepted");
    CHECK(strstr(err, "temporalROI.txt: expected two frame numbers") != NULL, "%s", err);
    mkdir(test_path("empty"), 0777);
    CHECK(eval_score_sequence(test_path("empty"), test_path("e_masks"), "bin%06d.png", NULL, &r, err,
                              sizeof err) == 3, "no ground truth accepted");
    CHECK(strstr(err, "no ground truth") != NULL, "%s", err);
}

TEST(result_json)
{
    eval_result r = {.first = 2, .last = 4, .frames = 3, .counts = {12, 18, 18, 12}};
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    REQUIRE(out, "memory");
    eval_write_result_json(out, &r, ", ");
    fclose(out);
    CHECK(strstr(text, "\"first_frame\": 2, \"last_frame\": 4, \"frames\": 3, ") == text,
          "%s", text);
    CHECK(strstr(text, "\"recall\": 0.500000") && strstr(text, "\"tp\": 12, \"fp\": 18"),
          "%s", text);
    free(text);
}

int main(void)
{
    if (test_make_dir("test_eval_score") != 0)
        return 1;
    RUN(counts_follow_the_benchmark_rules);
    RUN(range_without_temporal_roi_is_every_ground_truth);
    RUN(roi_given_instead_of_roi_bmp);
    RUN(larger_roi_is_cut_smaller_is_an_error);
    RUN(errors_name_the_file);
    RUN(result_json);
    test_remove_dir();
    return test_summary();
}
