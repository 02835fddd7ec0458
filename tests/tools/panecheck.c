/*
 * panecheck.c - test helper: checks a snapshot of the `bgsub --show` window
 * (default layout: input, mask, background, overlay side by side) against
 * what each pane should hold. The panes are found with the window's own
 * layout rules (src/cli/preview_layout.h) from the snapshot's size and the
 * frame's size, so any window size works; each pane pixel is compared with
 * the source pixel the preview maps it to.
 *
 * usage: panecheck SNAPSHOT INPUT N [options]
 *   INPUT N          the video / sequence the run read, and the frame number
 *                    (from 1) the snapshot shows; decoded here with the same
 *                    frame source as bgsub
 *   --gray           the run used --gray
 *   --mask FILE      the mask bgsub wrote for frame N: the mask pane must
 *                    show it
 *   --background F   the background image bgsub wrote after frame N
 *   --gt FILE        ground truth (CDnet labels) of frame N: precision and
 *                    recall of the mask pane's white pixels (255 positive,
 *                    0 and 50 negative, other labels ignored)
 *   --min-precision P, --min-recall R   thresholds for --gt (default 0)
 *   --max-diff D     largest mean absolute difference (levels) allowed
 *                    between a pane and its reference (default 1)
 *
 * Prints one line per check ("input: mean_diff=..."), then "PASS" or the
 * failures; exit status 0 if every check passed, 1 if one failed, 2 on bad
 * usage or unreadable files.
 */
#include "cli/preview_layout.h"
#include "io/frame_source.h"
#include "io/image_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fraction of pane pixels allowed to break a rule that should hold exactly
 * (mask pane binary, equal to the mask file, overlay tint). */
#define MAX_BAD_FRACTION 0.001

typedef struct options {
    const char *snapshot, *input, *mask, *background, *gt;
    long frame;
    int channels;
    double min_precision, min_recall, max_diff;
} options;

/* Failed checks, printed after the measurements. */
#define MAX_FAILURES 32
static const char *failed[MAX_FAILURES];
static int failures;

static void check(int ok, const char *what)
{
    if (!ok && failures < MAX_FAILURES)
        failed[failures++] = what;
}

static int usage(void)
{
    fprintf(stderr, "usage: panecheck SNAPSHOT INPUT N [--gray] [--mask FILE] "
                    "[--background FILE] [--gt FILE] [--min-precision P] "
                    "[--min-recall R] [--max-diff D]\n");
    return 2;
}

static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->channels = 3;
    o->max_diff = 1.0;
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--gray") == 0)
            o->channels = 1;
        else if (strcmp(a, "--mask") == 0 && has_value)
            o->mask = argv[++i];
        else if (strcmp(a, "--background") == 0 && has_value)
            o->background = argv[++i];
        else if (strcmp(a, "--gt") == 0 && has_value)
            o->gt = argv[++i];
        else if (strcmp(a, "--min-precision") == 0 && has_value)
            o->min_precision = atof(argv[++i]);
        else if (strcmp(a, "--min-recall") == 0 && has_value)
            o->min_recall = atof(argv[++i]);
        else if (strcmp(a, "--max-diff") == 0 && has_value)
            o->max_diff = atof(argv[++i]);
        else if (a[0] == '-' && a[1] == '-')
            return -1;
        else if (positional == 0)
            o->snapshot = a, positional++;
        else if (positional == 1)
            o->input = a, positional++;
        else if (positional == 2)
            o->frame = atol(a), positional++;
        else
            return -1;
    }
    return positional == 3 && o->frame >= 1 ? 0 : -1;
}

/* Frame N (and N - 1 in prev, if N > 1) as owned RGB images. */
static int read_frames(const options *o, image *frame, image *prev)
{
    char err[512];
    frame_source *src = frame_source_open(o->input, o->channels, err, sizeof err);
    if (!src) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    int w = frame_source_width(src), h = frame_source_height(src);
    memset(prev, 0, sizeof *prev);
    int ok = frame_source_skip(src, o->frame > 1 ? o->frame - 2 : 0, err,
                               sizeof err) >= 0;
    for (long n = o->frame > 1 ? o->frame - 1 : o->frame; ok && n <= o->frame; n++) {
        const uint8_t *data;
        ptrdiff_t stride;
        image *dst = n == o->frame ? frame : prev;
        ok = frame_source_read(src, &data, &stride, err, sizeof err) == 1 &&
             image_alloc(dst, w, h, 3, err, sizeof err) == 0;
        for (int y = 0; ok && y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    dst->data[y * dst->stride + 3 * x + c] =
                        data[y * stride + x * o->channels + (o->channels == 3 ? c : 0)];
    }
    frame_source_close(src);
    if (!ok)
        fprintf(stderr, "%s: cannot read frame %ld%s%s\n", o->input, o->frame,
                err[0] ? ": " : "", err);
    return ok ? 0 : -1;
}

static const uint8_t *shot_px(const image *shot, preview_rect r, int x, int y)
{
    return shot->data + (r.y + y) * shot->stride + 3 * (r.x + x);
}

/* Source pixel (sx, sy) shown at (x, y) of a pane of rectangle r. */
static void source_of(preview_rect r, int x, int y, int w, int h, int *sx,
                      int *sy)
{
    *sx = preview_source_coord(x, r.w, w);
    *sy = preview_source_coord(y, r.h, h);
}

/* Mean absolute difference between a pane and an image (1 or 3 channels)
 * of the frame's size, over all channels. */
static double pane_diff(const image *shot, preview_rect r, const image *ref)
{
    double sum = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            int sx, sy;
            source_of(r, x, y, ref->width, ref->height, &sx, &sy);
            const uint8_t *p = shot_px(shot, r, x, y);
            const uint8_t *q = ref->data + sy * ref->stride + sx * ref->channels;
            for (int c = 0; c < 3; c++)
                sum += abs(p[c] - q[ref->channels == 3 ? c : 0]);
        }
    return sum / (3.0 * r.w * r.h);
}

static void check_input(const image *shot, preview_rect r, const image *frame,
                        const image *prev, const options *o)
{
    double d = pane_diff(shot, r, frame);
    printf("input: mean_diff=%.3f vs frame %ld", d, o->frame);
    check(d <= o->max_diff, "input pane differs from frame N");
    if (prev->data) {
        double dp = pane_diff(shot, r, prev);
        printf(", %.3f vs frame %ld", dp, o->frame - 1);
        check(d < dp, "input pane is closer to the previous frame");
    }
    printf("\n");
}

/* Mask pane: binary gray, equal to the mask file if given; then precision
 * and recall against the ground truth if given. */
static void check_mask(const image *shot, preview_rect r, int fw, int fh,
                       const options *o)
{
    char err[512];
    image mask = {0}, gt = {0};
    if (o->mask && image_load(o->mask, 1, &mask, err, sizeof err) != 0) {
        printf("%s\n", err);
        check(0, "mask file unreadable");
    }
    if (o->gt && image_load(o->gt, 1, &gt, err, sizeof err) != 0) {
        printf("%s\n", err);
        check(0, "ground truth unreadable");
    }
    long nonbinary = 0, mismatch = 0, white = 0;
    long tp = 0, fp = 0, fn = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            const uint8_t *p = shot_px(shot, r, x, y);
            int on = p[0] == 255 && p[1] == 255 && p[2] == 255;
            int off = p[0] == 0 && p[1] == 0 && p[2] == 0;
            nonbinary += !on && !off;
            white += on;
            int sx, sy;
            source_of(r, x, y, fw, fh, &sx, &sy);
            if (mask.data && mask.width == fw && mask.height == fh)
                mismatch += on != (mask.data[sy * mask.stride + sx] == 255);
            if (gt.data && gt.width == fw && gt.height == fh) {
                int label = gt.data[sy * gt.stride + sx];
                tp += on && label == 255;
                fp += on && (label == 0 || label == 50);
                fn += !on && label == 255;
            }
        }
    double n = (double)r.w * r.h;
    printf("mask: white=%ld nonbinary=%ld", white, nonbinary);
    check(nonbinary <= MAX_BAD_FRACTION * n, "mask pane is not black and white");
    if (mask.data) {
        printf(" mismatch_vs_mask_file=%ld", mismatch);
        check(mask.width == fw && mask.height == fh, "mask file has another size");
        check(mismatch <= MAX_BAD_FRACTION * n, "mask pane differs from the mask file");
    }
    printf("\n");
    if (gt.data) {
        double precision = tp + fp ? (double)tp / (tp + fp) : 0;
        double recall = tp + fn ? (double)tp / (tp + fn) : 0;
        printf("groundtruth: precision=%.3f recall=%.3f (tp=%ld fp=%ld fn=%ld "
               "pane pixels)\n", precision, recall, tp, fp, fn);
        check(gt.width == fw && gt.height == fh, "ground truth has another size");
        check(precision >= o->min_precision, "mask pane precision below the minimum");
        check(recall >= o->min_recall, "mask pane recall below the minimum");
    }
    image_free(&mask);
    image_free(&gt);
}

static void check_background(const image *shot, preview_rect r, int fw,
                             int fh, const options *o)
{
    char err[512];
    image bg;
    if (image_load(o->background, 0, &bg, err, sizeof err) != 0) {
        printf("%s\n", err);
        check(0, "background image unreadable");
        return;
    }
    check(bg.width == fw && bg.height == fh, "background image has another size");
    if (bg.width == fw && bg.height == fh) {
        double d = pane_diff(shot, r, &bg);
        printf("background: mean_diff=%.3f\n", d);
        check(d <= o->max_diff, "background pane differs from the background image");
    }
    image_free(&bg);
}

/* Overlay: the input where the mask pane is black; where it is white, the
 * input pushed towards red (red up, green and blue down). In the default
 * layout all panes have the same size, so the same pane offset shows the
 * same source pixel in each. */
static void check_overlay(const image *shot, const preview_layout *l)
{
    preview_rect in = l->image[PREVIEW_PANE_INPUT];
    preview_rect mk = l->image[PREVIEW_PANE_MASK];
    preview_rect ov = l->image[PREVIEW_PANE_OVERLAY];
    if (in.w != ov.w || in.h != ov.h || mk.w != ov.w || mk.h != ov.h) {
        check(0, "panes differ in size");
        return;
    }
    long bad = 0, tinted = 0;
    for (int y = 0; y < ov.h; y++)
        for (int x = 0; x < ov.w; x++) {
            const uint8_t *i = shot_px(shot, in, x, y);
            const uint8_t *m = shot_px(shot, mk, x, y);
            const uint8_t *o = shot_px(shot, ov, x, y);
            if (m[0] == 255) {
                tinted++;
                bad += !(o[0] >= i[0] && o[1] <= i[1] && o[2] <= i[2] &&
                         o[0] - o[1] >= i[0] - i[1]);
            } else {
                bad += abs(o[0] - i[0]) > 2 || abs(o[1] - i[1]) > 2 ||
                       abs(o[2] - i[2]) > 2;
            }
        }
    printf("overlay: tinted=%ld bad=%ld\n", tinted, bad);
    check(bad <= MAX_BAD_FRACTION * ov.w * ov.h,
          "overlay pane is not the input with the foreground tinted red");
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o) != 0)
        return usage();
    char err[512];
    image shot, frame = {0}, prev = {0};
    if (image_load(o.snapshot, 3, &shot, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (read_frames(&o, &frame, &prev) != 0)
        return 2;
    preview_layout l;
    preview_layout_compute(&l, shot.width, shot.height, frame.width,
                           frame.height, 0);
    preview_rect in = l.image[PREVIEW_PANE_INPUT];
    printf("layout: window %dx%d, frames %dx%d shown at %dx%d\n", shot.width,
           shot.height, frame.width, frame.height, in.w, in.h);
    for (int p = 0; p < PREVIEW_PANES; p++) {
        preview_rect r = l.image[p];
        if (r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 ||
            r.x + r.w > shot.width || r.y + r.h > shot.height) {
            printf("FAIL pane %d does not fit in the snapshot\n", p);
            return 1;
        }
    }
    check_input(&shot, in, &frame, &prev, &o);
    check_mask(&shot, l.image[PREVIEW_PANE_MASK], frame.width, frame.height, &o);
    if (o.background)
        check_background(&shot, l.image[PREVIEW_PANE_BACKGROUND], frame.width,
                         frame.height, &o);
    check_overlay(&shot, &l);
    for (int i = 0; i < failures; i++)
        printf("FAIL %s\n", failed[i]);
    if (failures)
        printf("%d check(s) failed\n", failures);
    else
        printf("PASS\n");
    image_free(&shot);
    image_free(&frame);
    image_free(&prev);
    return failures ? 1 : 0;
}
