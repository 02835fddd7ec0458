/*
 * scenecheck.c - what a synthetic scene kind (tools/synth --scene) is there
 * to show, measured on bgsub's masks against the scene's exact labels.
 *
 * Usage: scenecheck SEQ MASKS
 *   SEQ    a sequence written by synth (scene.txt, groundtruth/gt%06d.png)
 *   MASKS  bgsub's masks of it (bin%06d.png, 255 = foreground)
 *
 * Prints "key value" lines, times in seconds at the scene's frame rate
 * (scene.txt "fps", 25 when absent):
 *   stop          held_seconds S: how long the standing person stays
 *                 foreground (at least half of the pixels it covers when it
 *                 stops) from the frame it stops; stand_seconds S: how long
 *                 it stands; recall_after_held R: the share of its pixels
 *                 foreground from then until it walks on.
 *   ghost         ghost_seconds S: from the frame the parked car leaves,
 *                 until the place it leaves stays free of foreground (under
 *                 10% of the car's pixels) for the rest of the sequence.
 *   sun           max_foreground_after F: the largest share of a frame that
 *                 is foreground after the light has risen; max_false_after
 *                 F: the same for foreground where the labels say
 *                 background.
 *   large-object  recall_in_view R and min_frame_recall R: the share of the
 *                 box's pixels foreground while it is fully in view, over
 *                 all those frames and in the worst one.
 *   light-switch  relearn_seconds S1 [S2]: after each switch, until the
 *                 false foreground falls under 1% of the frame (and stays
 *                 there 5 frames).
 * Every kind also gets frames N and fps R. Exit status: 0, 1 a file that
 * cannot be read, 2 bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/image_io.h"

#define MAX_KIND 32

typedef struct scene_info {
    char kind[MAX_KIND];
    int frames, fps;
    int event[2];   /* stop_frames, sun_frames, large_frames; leave_frame */
    int switches[2];
} scene_info;

static int read_info(const char *seq, scene_info *info)
{
    char path[4096], line[256];
    snprintf(path, sizeof path, "%s/scene.txt", seq);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "scenecheck: cannot read %s\n", path);
        return -1;
    }
    memset(info, 0, sizeof *info);
    info->fps = 25;
    while (fgets(line, sizeof line, f)) {
        char key[64];
        int a = 0, b = 0;
        int n = sscanf(line, "%63s %d %d", key, &a, &b);
        if (n < 1)
            continue;
        if (strcmp(key, "scene") == 0)
            sscanf(line, "%*s %31s", info->kind);
        else if (strcmp(key, "frames") == 0 && n >= 2)
            info->frames = a;
        else if (strcmp(key, "fps") == 0 && n >= 2 && a > 0)
            info->fps = a;
        else if ((strcmp(key, "stop_frames") == 0 || strcmp(key, "sun_frames") == 0 ||
                  strcmp(key, "large_frames") == 0) && n >= 3)
            info->event[0] = a, info->event[1] = b;
        else if (strcmp(key, "leave_frame") == 0 && n >= 2)
            info->event[0] = a;
        else if (strcmp(key, "switch_frames") == 0 && n >= 2)
            info->switches[0] = a, info->switches[1] = n >= 3 ? b : 0;
    }
    fclose(f);
    if (!info->kind[0] || info->frames <= 0) {
        fprintf(stderr, "scenecheck: %s/scene.txt names no scene or no frames\n", seq);
        return -1;
    }
    return 0;
}

/* Loads frame t's labels and mask (both one byte a pixel, the same size). */
static int load_pair(const char *seq, const char *masks, int t, image *gt, image *mask)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/groundtruth/gt%06d.png", seq, t);
    if (image_load(path, 1, gt, err, sizeof err) != 0) {
        fprintf(stderr, "scenecheck: %s\n", err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/bin%06d.png", masks, t);
    if (image_load(path, 1, mask, err, sizeof err) != 0) {
        fprintf(stderr, "scenecheck: %s\n", err);
        image_free(gt);
        return -1;
    }
    if (gt->width != mask->width || gt->height != mask->height) {
        fprintf(stderr, "scenecheck: frame %d: mask and labels differ in size\n", t);
        image_free(gt);
        image_free(mask);
        return -1;
    }
    return 0;
}

/* Per-frame counts: in region (a byte per pixel, or NULL), pixels,
 * foreground and false foreground (where the labels say background); in
 * the whole frame, foreground and false foreground. */
typedef struct counts {
    long region, region_fg, region_false, pixels, fg, false_fg;
} counts;

static int count_frame(const char *seq, const char *masks, int t, const uint8_t *region,
                       counts *c)
{
    image gt, mask;
    if (load_pair(seq, masks, t, &gt, &mask) != 0)
        return -1;
    memset(c, 0, sizeof *c);
    for (int y = 0; y < gt.height; y++)
        for (int x = 0; x < gt.width; x++) {
            int fg = mask.data[y * mask.stride + x] == 255;
            int label = gt.data[y * gt.stride + x];
            c->pixels++;
            c->fg += fg;
            c->false_fg += fg && (label == 0 || label == 50);
            if (region && region[(size_t)y * gt.width + x]) {
                c->region++;
                c->region_fg += fg;
                c->region_false += fg && (label == 0 || label == 50);
            }
        }
    image_free(&gt);
    image_free(&mask);
    return 0;
}

/* region = the pixels labelled 255 in frame t. */
static uint8_t *labelled_region(const char *seq, int t, long *size)
{
    char path[4096], err[512];
    image gt;
    snprintf(path, sizeof path, "%s/groundtruth/gt%06d.png", seq, t);
    if (image_load(path, 1, &gt, err, sizeof err) != 0) {
        fprintf(stderr, "scenecheck: %s\n", err);
        return NULL;
    }
    uint8_t *region = malloc((size_t)gt.width * gt.height);
    *size = 0;
    for (int y = 0; region && y < gt.height; y++)
        for (int x = 0; x < gt.width; x++) {
            region[(size_t)y * gt.width + x] = gt.data[y * gt.stride + x] == 255;
            *size += gt.data[y * gt.stride + x] == 255;
        }
    image_free(&gt);
    return region;
}

static int check_stop(const char *seq, const char *masks, const scene_info *in)
{
    long size;
    uint8_t *region = labelled_region(seq, in->event[0], &size);
    if (!region)
        return 1;
    int held_until = in->event[1] + 1; /* first frame under half */
    long after = 0, after_fg = 0;
    for (int t = in->event[0]; t <= in->event[1]; t++) {
        counts c;
        if (count_frame(seq, masks, t, region, &c) != 0) {
            free(region);
            return 1;
        }
        if (held_until > in->event[1] && 2 * c.region_fg < c.region)
            held_until = t;
        if (t >= held_until)
            after += c.region, after_fg += c.region_fg;
    }
    free(region);
    printf("held_seconds %.2f\n", (double)(held_until - in->event[0]) / in->fps);
    printf("stand_seconds %.2f\n", (double)(in->event[1] - in->event[0] + 1) / in->fps);
    printf("recall_after_held %.4f\n", after ? (double)after_fg / after : 0.0);
    return 0;
}

static int check_ghost(const char *seq, const char *masks, const scene_info *in)
{
    long size;
    uint8_t *region = labelled_region(seq, in->event[0] - 1, &size);
    if (!region)
        return 1;
    int last = in->event[0] - 1; /* last frame with a ghost */
    for (int t = in->event[0]; t <= in->frames; t++) {
        counts c;
        if (count_frame(seq, masks, t, region, &c) != 0) {
            free(region);
            return 1;
        }
        /* Foreground in the car's old place where the labels say no
         * object: the ghost (an object passing there is labelled). */
        if (c.region_false * 10 >= c.region)
            last = t;
    }
    free(region);
    printf("ghost_seconds %.2f\n", (double)(last - in->event[0] + 1) / in->fps);
    return 0;
}

static int check_sun(const char *seq, const char *masks, const scene_info *in)
{
    double most = 0.0, most_false = 0.0;
    for (int t = in->event[1] + 1; t <= in->frames; t++) {
        counts c;
        if (count_frame(seq, masks, t, NULL, &c) != 0)
            return 1;
        double share = (double)c.fg / c.pixels, false_share = (double)c.false_fg / c.pixels;
        most = share > most ? share : most;
        most_false = false_share > most_false ? false_share : most_false;
    }
    printf("max_foreground_after %.4f\nmax_false_after %.4f\n", most, most_false);
    return 0;
}

static int check_large(const char *seq, const char *masks, const scene_info *in)
{
    long total = 0, total_fg = 0;
    double worst = 1.0;
    for (int t = in->event[0]; t <= in->event[1]; t++) {
        long size;
        uint8_t *region = labelled_region(seq, t, &size);
        counts c;
        if (!region || count_frame(seq, masks, t, region, &c) != 0) {
            free(region);
            return 1;
        }
        free(region);
        total += c.region, total_fg += c.region_fg;
        double recall = c.region ? (double)c.region_fg / c.region : 1.0;
        worst = recall < worst ? recall : worst;
    }
    printf("recall_in_view %.4f\nmin_frame_recall %.4f\n",
           total ? (double)total_fg / total : 0.0, worst);
    return 0;
}

static int check_light_switch(const char *seq, const char *masks, const scene_info *in)
{
    printf("relearn_seconds");
    for (int i = 0; i < 2 && in->switches[i]; i++) {
        int end = i == 0 && in->switches[1] ? in->switches[1] - 1 : in->frames;
        int calm = 0, settled = -1;
        for (int t = in->switches[i]; t <= end && settled < 0; t++) {
            counts c;
            if (count_frame(seq, masks, t, NULL, &c) != 0)
                return 1;
            calm = 100 * c.false_fg < c.pixels ? calm + 1 : 0;
            if (calm == 5)
                settled = t - 4;
        }
        if (settled < 0)
            printf(" never");
        else
            printf(" %.2f", (double)(settled - in->switches[i]) / in->fps);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        puts("usage: scenecheck SEQ MASKS (see the comment at the top of tools/scenecheck.c)");
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: scenecheck SEQ MASKS\n");
        return 2;
    }
    scene_info in;
    if (read_info(argv[1], &in) != 0)
        return 1;
    printf("scene %s\nframes %d\nfps %d\n", in.kind, in.frames, in.fps);
    if (strcmp(in.kind, "stop") == 0)
        return check_stop(argv[1], argv[2], &in);
    if (strcmp(in.kind, "ghost") == 0)
        return check_ghost(argv[1], argv[2], &in);
    if (strcmp(in.kind, "sun") == 0)
        return check_sun(argv[1], argv[2], &in);
    if (strcmp(in.kind, "large-object") == 0)
        return check_large(argv[1], argv[2], &in);
    if (strcmp(in.kind, "light-switch") == 0)
        return check_light_switch(argv[1], argv[2], &in);
    return 0;
}
