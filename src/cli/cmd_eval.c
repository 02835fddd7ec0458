/*
 * cmd_eval.c - `bgsub eval SEQ_DIR MASK_DIR`: score masks against a
 * ChangeDetection.net sequence folder (groundtruth/gt%06d.png, ROI.bmp,
 * temporalROI.txt) with the benchmark's rules (see bgs_counts_add_frame).
 */
#include "cli/cli.h"
#include "bgsub.h"
#include "io/image_io.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct eval_options {
    const char *seq_dir;
    const char *mask_dir;
    const char *mask_pattern;
    int json;
} eval_options;

typedef struct eval_result {
    long first, last;   /* scored frame range, inclusive */
    long frames;        /* frames scored */
    bgs_counts counts;
} eval_result;

static void print_eval_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub eval [options] SEQ_DIR MASK_DIR\n"
"\n"
"Scores the masks in MASK_DIR against the ChangeDetection.net sequence in\n"
"SEQ_DIR: groundtruth/gt%%06d.png (255 moving = positive; 0 static and 50\n"
"shadow = negative; 85 and 170 ignored), ROI.bmp (0 = ignored; optional) and\n"
"temporalROI.txt (\"FIRST LAST\": frames scored; without it every frame that\n"
"has ground truth). A mask pixel is foreground when it is 255.\n"
"\n"
"      --json              print the metrics and counts as JSON\n"
"      --mask-pattern PAT  mask names in MASK_DIR (default bin%%06d.png)\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 success, 2 bad usage, 3 a file missing or unreadable.\n");
}

static int parse_eval_options(int argc, char **argv, eval_options *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"mask-pattern", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->mask_pattern = "bin%06d.png";
    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o->json = 1; break;
        case 'p':
            if (!cli_is_frame_pattern(optarg)) {
                cli_error("--mask-pattern '%s' needs one integer conversion such as bin%%06d.png",
                          optarg);
                return EXIT_USAGE;
            }
            o->mask_pattern = optarg;
            break;
        case 'h': print_eval_usage(stdout); return EXIT_OK_STATUS;
        case ':':
            cli_error("option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            cli_error("eval: unknown option '%s' (see bgsub eval --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        cli_error("eval needs SEQ_DIR and MASK_DIR (see bgsub eval --help)");
        return EXIT_USAGE;
    }
    o->seq_dir = argv[optind];
    o->mask_dir = argv[optind + 1];
    if (cli_refuse_empty_names("SEQ_DIR", "a folder name", o->seq_dir,
                               "MASK_DIR", "a folder name", o->mask_dir,
                               (const char *)NULL))
        return EXIT_USAGE;
    return -1;
}

/* Reads "FIRST LAST" from temporalROI.txt; without the file, scores from
 * frame 1 up to the last ground-truth file. Returns an exit status. */
static int read_frame_range(const char *seq_dir, long *first, long *last)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/temporalROI.txt", seq_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        int n = fscanf(f, "%ld %ld", first, last);
        fclose(f);
        if (n != 2 || *first < 1 || *last < *first) {
            cli_error("%s: expected two frame numbers \"FIRST LAST\"", path);
            return EXIT_INPUT;
        }
        return 0;
    }
    *first = 1;
    for (*last = 0;; (*last)++) {
        snprintf(path, sizeof path, "%s/groundtruth/gt%06ld.png", seq_dir, *last + 1);
        if (access(path, F_OK) != 0)
            break;
    }
    if (*last == 0) {
        cli_error("%s/groundtruth: no ground truth (gt000001.png ...) found", seq_dir);
        return EXIT_INPUT;
    }
    return 0;
}

/* ROI.bmp is optional; a missing file means every pixel counts. */
static int load_roi(const char *seq_dir, image *roi)
{
    char path[PATH_MAX], err[512];
    memset(roi, 0, sizeof *roi);
    snprintf(path, sizeof path, "%s/ROI.bmp", seq_dir);
    if (access(path, F_OK) != 0)
        return 0;
    if (image_load(path, 1, roi, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    return 0;
}

static int load_gray_same_size(const char *path, image *img, int width,
                               int height)
{
    char err[512];
    if (image_load(path, 1, img, err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    if (width > 0 && (img->width != width || img->height != height)) {
        cli_error("%s: size %dx%d differs from the ground truth's %dx%d", path,
                  img->width, img->height, width, height);
        image_free(img);
        return EXIT_INPUT;
    }
    return 0;
}

static int score_frame(const eval_options *o, long number, const image *roi,
                       bgs_counts *counts)
{
    char gt_dir[PATH_MAX], gt_path[PATH_MAX], mask_path[PATH_MAX];
    snprintf(gt_dir, sizeof gt_dir, "%s/groundtruth", o->seq_dir);
    if (cli_frame_path(gt_path, sizeof gt_path, gt_dir, "gt%06d.png", number) ||
        cli_frame_path(mask_path, sizeof mask_path, o->mask_dir, o->mask_pattern, number)) {
        cli_error("%s: path too long", o->mask_dir);
        return EXIT_USAGE;
    }

    image gt = {0}, mask = {0}; /* image_free is safe on a zeroed image */
    int status = load_gray_same_size(gt_path, &gt, 0, 0);
    if (status)
        return status;
    status = load_gray_same_size(mask_path, &mask, gt.width, gt.height);
    if (status == 0 && roi->data &&
        (roi->width != gt.width || roi->height != gt.height)) {
        cli_error("%s/ROI.bmp: size %dx%d differs from the ground truth's %dx%d",
                  o->seq_dir, roi->width, roi->height, gt.width, gt.height);
        status = EXIT_INPUT;
    }
    if (status == 0)
        bgs_counts_add_frame(counts, gt.width, gt.height, mask.data, mask.stride,
                             gt.data, gt.stride, roi->data, roi->stride);
    image_free(&mask);
    image_free(&gt);
    return status;
}

static void print_text(const eval_options *o, const eval_result *r)
{
    bgs_metrics m = bgs_metrics_from_counts(&r->counts);
    printf("sequence     %s\n", o->seq_dir);
    printf("frames       %ld-%ld (%ld scored)\n", r->first, r->last, r->frames);
    printf("recall       %.4f\n", m.recall);
    printf("specificity  %.4f\n", m.specificity);
    printf("fpr          %.4f\n", m.fpr);
    printf("fnr          %.4f\n", m.fnr);
    printf("pwc          %.4f\n", m.pwc);
    printf("precision    %.4f\n", m.precision);
    printf("f_measure    %.4f\n", m.f_measure);
    printf("tp %llu  fp %llu  tn %llu  fn %llu\n",
           (unsigned long long)r->counts.tp, (unsigned long long)r->counts.fp,
           (unsigned long long)r->counts.tn, (unsigned long long)r->counts.fn);
}

static void print_json(const eval_options *o, const eval_result *r)
{
    bgs_metrics m = bgs_metrics_from_counts(&r->counts);
    printf("{\"sequence\": ");
    cli_json_string(stdout, o->seq_dir);
    printf(", \"first_frame\": %ld, \"last_frame\": %ld, \"frames\": %ld,\n",
           r->first, r->last, r->frames);
    printf(" \"recall\": %.6f, \"specificity\": %.6f, \"fpr\": %.6f, "
           "\"fnr\": %.6f, \"pwc\": %.6f, \"precision\": %.6f, \"f_measure\": %.6f,\n",
           m.recall, m.specificity, m.fpr, m.fnr, m.pwc, m.precision, m.f_measure);
    printf(" \"tp\": %llu, \"fp\": %llu, \"tn\": %llu, \"fn\": %llu}\n",
           (unsigned long long)r->counts.tp, (unsigned long long)r->counts.fp,
           (unsigned long long)r->counts.tn, (unsigned long long)r->counts.fn);
}

int cmd_eval(int argc, char **argv)
{
    eval_options o;
    int status = parse_eval_options(argc, argv, &o);
    if (status >= 0)
        return status;

    eval_result r;
    memset(&r, 0, sizeof r);
    status = read_frame_range(o.seq_dir, &r.first, &r.last);
    if (status)
        return status;
    image roi;
    status = load_roi(o.seq_dir, &roi);
    if (status)
        return status;
    for (long n = r.first; n <= r.last && status == 0; n++) {
        status = score_frame(&o, n, &roi, &r.counts);
        r.frames += status == 0;
    }
    image_free(&roi);
    if (status)
        return status;
    if (o.json)
        print_json(&o, &r);
    else
        print_text(&o, &r);
    return 0;
}
