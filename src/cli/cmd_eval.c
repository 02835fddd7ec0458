/*
 * cmd_eval.c - `bgsub eval SEQ_DIR MASK_DIR`: score masks against a
 * ChangeDetection.net sequence folder (groundtruth/gt%06d.png, ROI.bmp,
 * temporalROI.txt) with the benchmark's rules (see bgs_counts_add_frame).
 * Given a dataset root of category/sequence folders instead, the whole
 * tree is scored by eval_tree.c.
 */
#include "cli/cli.h"
#include "cli/eval.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void print_eval_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub eval [options] SEQ_DIR MASK_DIR\n"
"       bgsub eval [options] DATASET RESULTS\n"
"       bgsub eval --run [options] DATASET RESULTS [-- BGSUB_OPTIONS...]\n"
"\n"
"Scores the masks in MASK_DIR against the ChangeDetection.net sequence in\n"
"SEQ_DIR: groundtruth/gt%%06d.png (255 moving = positive; 0 static and 50\n"
"shadow = negative; 85 and 170 ignored), ROI.bmp (0 = ignored; optional) and\n"
"temporalROI.txt (\"FIRST LAST\": frames scored; without it every frame that\n"
"has ground truth). A mask pixel is foreground when it is 255.\n"
"\n"
"A region of interest larger than the frames (the benchmark's own traffic/\n"
"ROI.bmp is 352x240 for 320x240 frames) is cut to its top-left part of the\n"
"frames' size, with a warning; a smaller one is an error.\n"
"\n"
"A folder without groundtruth/ is taken as a dataset, laid out as the\n"
"benchmark publishes it: DATASET/CATEGORY/SEQUENCE/ sequence folders, with\n"
"the masks in RESULTS/CATEGORY/SEQUENCE/. Every sequence is scored; the table\n"
"has one row per sequence, then each category's mean over its sequences,\n"
"then the overall mean over the categories (the benchmark's averaging). A\n"
"sequence that cannot be scored (no results folder, a mask missing) is an\n"
"error row, its category's and the overall means are left out, and the exit\n"
"status is 3.\n"
"\n"
"      --json[=FILE]       the results as JSON: alone on stdout (--json or\n"
"                          --json=-), or written to FILE beside the table\n"
"      --mask-pattern PAT  mask names in each mask folder (default bin%%06d.png)\n"
"      --roi FILE          the region of interest (0 = ignored) instead of each\n"
"                          sequence's ROI.bmp\n"
"      --run               first run bgsub on every sequence of DATASET, into\n"
"                          RESULTS/CATEGORY/SEQUENCE/; options after -- are\n"
"                          given to each run (e.g. -- --alpha 0.01 --force)\n"
"  -h, --help              this help\n"
"\n"
"Exit status: 0 success, 2 bad usage, 3 a file missing or unreadable (or a\n"
"sequence not scored), 4 --json FILE cannot be written; with --run, a\n"
"failed run's own status.\n");
}

static int parse_eval_options(int argc, char **argv, eval_options *o)
{
    static const struct option longopts[] = {
        {"json", optional_argument, NULL, 'j'},
        {"mask-pattern", required_argument, NULL, 'p'},
        {"run", no_argument, NULL, 'r'},
        {"roi", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->mask_pattern = "bin%06d.png";
    /* Whatever follows "--" is for bgsub itself (--run): cut it off before
     * getopt, which would otherwise move it among our own arguments. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            o->run_args = argv + i + 1;
            o->run_argc = argc - i - 1;
            argc = i;
            break;
        }
    }
    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (optarg && optarg[0] == '\0') {
                cli_error("--json= needs a file name (or - for stdout)");
                return EXIT_USAGE;
            }
            o->json_path = optarg ? optarg : "-";
            break;
        case 'p':
            if (!cli_is_frame_pattern(optarg)) {
                cli_error("--mask-pattern '%s' needs one integer conversion such as bin%%06d.png",
                          optarg);
                return EXIT_USAGE;
            }
            o->mask_pattern = optarg;
            break;
        case 'r': o->run = 1; break;
        case 'R':
            if (cli_refuse_empty_names("--roi", "a file name", optarg, (const char *)NULL))
                return EXIT_USAGE;
            o->roi_path = optarg;
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
        cli_error("eval needs SEQ_DIR and MASK_DIR, or DATASET and RESULTS (see bgsub eval --help)");
        return EXIT_USAGE;
    }
    o->dataset = argv[optind];
    o->results = argv[optind + 1];
    if (cli_refuse_empty_names("SEQ_DIR", "a folder name", o->dataset,
                               "MASK_DIR", "a folder name", o->results,
                               (const char *)NULL))
        return EXIT_USAGE;
    if (o->run_args && !o->run) {
        cli_error("eval: options after -- are for --run, which was not given");
        return EXIT_USAGE;
    }
    return -1;
}

/* Reads "FIRST LAST" from temporalROI.txt; without the file, scores from
 * frame 1 up to the last ground-truth file. Returns an exit status. */
static int read_frame_range(const char *seq_dir, long *first, long *last,
                            char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/temporalROI.txt", seq_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        int n = fscanf(f, "%ld %ld", first, last);
        fclose(f);
        if (n != 2 || *first < 1 || *last < *first) {
            snprintf(err, errlen, "%s: expected two frame numbers \"FIRST LAST\"", path);
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
        snprintf(err, errlen, "%s/groundtruth: no ground truth (gt000001.png ...) found",
                 seq_dir);
        return EXIT_INPUT;
    }
    return 0;
}

/* The region of interest: roi_path if given, else SEQ_DIR/ROI.bmp, which is
 * optional (a missing file means every pixel counts). Its name goes to
 * roi_name for the messages of fit_roi. */
static int load_roi(const char *seq_dir, const char *roi_path, image *roi,
                    char *roi_name, size_t name_size, char *err, size_t errlen)
{
    memset(roi, 0, sizeof *roi);
    if (roi_path)
        snprintf(roi_name, name_size, "%s", roi_path);
    else
        snprintf(roi_name, name_size, "%s/ROI.bmp", seq_dir);
    if (!roi_path && access(roi_name, F_OK) != 0)
        return 0;
    return image_load(roi_name, 1, roi, err, errlen) != 0 ? EXIT_INPUT : 0;
}

/* Makes the region of interest the ground truth's size. One larger in both
 * directions is cut to its top-left part (the image keeps its stride), with
 * a warning: the benchmark publishes such a file (traffic/ROI.bmp, 352x240
 * for 320x240 frames), and its top-left part is the one that lines up with
 * the frames. A smaller one cannot cover the frames: an error. */
static int fit_roi(image *roi, const char *roi_name, int width, int height,
                   char *err, size_t errlen)
{
    if (!roi->data || (roi->width == width && roi->height == height))
        return 0;
    if (roi->width < width || roi->height < height) {
        snprintf(err, errlen, "%s: size %dx%d is smaller than the ground truth's %dx%d",
                 roi_name, roi->width, roi->height, width, height);
        return EXIT_INPUT;
    }
    cli_error("warning: %s: size %dx%d, the ground truth's is %dx%d: "
              "using its top-left %dx%d", roi_name, roi->width, roi->height,
              width, height, width, height);
    roi->width = width;
    roi->height = height;
    return 0;
}

static int load_gray_same_size(const char *path, image *img, int width,
                               int height, char *err, size_t errlen)
{
    if (image_load(path, 1, img, err, errlen) != 0)
        return EXIT_INPUT;
    if (width > 0 && (img->width != width || img->height != height)) {
        snprintf(err, errlen, "%s: size %dx%d differs from the ground truth's %dx%d",
                 path, img->width, img->height, width, height);
        image_free(img);
        return EXIT_INPUT;
    }
    return 0;
}

static int score_frame(const char *seq_dir, const char *mask_dir,
                       const char *mask_pattern, long number, image *roi,
                       const char *roi_name, bgs_counts *counts, char *err,
                       size_t errlen)
{
    char gt_dir[PATH_MAX], gt_path[PATH_MAX], mask_path[PATH_MAX];
    snprintf(gt_dir, sizeof gt_dir, "%s/groundtruth", seq_dir);
    if (cli_frame_path(gt_path, sizeof gt_path, gt_dir, "gt%06d.png", number) ||
        cli_frame_path(mask_path, sizeof mask_path, mask_dir, mask_pattern, number)) {
        snprintf(err, errlen, "%s: path too long", mask_dir);
        return EXIT_USAGE;
    }

    image gt = {0}, mask = {0}; /* image_free is safe on a zeroed image */
    int status = load_gray_same_size(gt_path, &gt, 0, 0, err, errlen);
    if (status)
        return status;
    status = load_gray_same_size(mask_path, &mask, gt.width, gt.height, err, errlen);
    if (status == 0)
        status = fit_roi(roi, roi_name, gt.width, gt.height, err, errlen);
    if (status == 0)
        bgs_counts_add_frame(counts, gt.width, gt.height, mask.data, mask.stride,
                             gt.data, gt.stride, roi->data, roi->stride);
    image_free(&mask);
    image_free(&gt);
    return status;
}

int eval_score_sequence(const char *seq_dir, const char *mask_dir,
                        const char *mask_pattern, const char *roi_path,
                        eval_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int status = read_frame_range(seq_dir, &r->first, &r->last, err, errlen);
    if (status)
        return status;
    image roi;
    char roi_name[PATH_MAX];
    status = load_roi(seq_dir, roi_path, &roi, roi_name, sizeof roi_name, err, errlen);
    if (status)
        return status;
    for (long n = r->first; n <= r->last && status == 0; n++) {
        status = score_frame(seq_dir, mask_dir, mask_pattern, n, &roi, roi_name,
                             &r->counts, err, errlen);
        r->frames += status == 0;
    }
    image_free(&roi);
    return status;
}

static void print_text(const char *seq_dir, const eval_result *r)
{
    bgs_metrics m = bgs_metrics_from_counts(&r->counts);
    printf("sequence     %s\n", seq_dir);
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

void eval_write_result_json(FILE *out, const eval_result *r, const char *sep)
{
    bgs_metrics m = bgs_metrics_from_counts(&r->counts);
    fprintf(out, "\"first_frame\": %ld, \"last_frame\": %ld, \"frames\": %ld%s",
            r->first, r->last, r->frames, sep);
    fprintf(out, "\"recall\": %.6f, \"specificity\": %.6f, \"fpr\": %.6f, "
            "\"fnr\": %.6f, \"pwc\": %.6f, \"precision\": %.6f, \"f_measure\": %.6f%s",
            m.recall, m.specificity, m.fpr, m.fnr, m.pwc, m.precision, m.f_measure, sep);
    fprintf(out, "\"tp\": %llu, \"fp\": %llu, \"tn\": %llu, \"fn\": %llu",
            (unsigned long long)r->counts.tp, (unsigned long long)r->counts.fp,
            (unsigned long long)r->counts.tn, (unsigned long long)r->counts.fn);
}

int eval_write_json(const char *json_path, void (*fill)(FILE *, const void *),
                    const void *ctx)
{
    char err[PATH_MAX + 128];
    if (output_file_report(json_path, 1, fill, ctx, "the JSON", err, sizeof err) != 0) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    return 0;
}

typedef struct sequence_report {
    const char *seq_dir;
    const eval_result *result;
} sequence_report;

static void fill_sequence_json(FILE *out, const void *ctx)
{
    const sequence_report *r = ctx;
    fputs("{\"sequence\": ", out);
    cli_json_string(out, r->seq_dir);
    fputs(", ", out);
    eval_write_result_json(out, r->result, ",\n ");
    fputs("}\n", out);
}

static int eval_one_sequence(const eval_options *o)
{
    if (o->run) {
        cli_error("eval --run needs a DATASET of CATEGORY/SEQUENCE folders; "
                  "%s is one sequence (run bgsub on it directly)", o->dataset);
        return EXIT_USAGE;
    }
    eval_result r;
    char err[PATH_MAX + 256];
    int status = eval_score_sequence(o->dataset, o->results, o->mask_pattern,
                                     o->roi_path, &r, err, sizeof err);
    if (status) {
        cli_error("%s", err);
        return status;
    }
    if (!o->json_path || strcmp(o->json_path, "-") != 0)
        print_text(o->dataset, &r);
    if (!o->json_path)
        return 0;
    sequence_report report = {o->dataset, &r};
    return eval_write_json(o->json_path, fill_sequence_json, &report);
}

int cmd_eval(int argc, char **argv)
{
    eval_options o;
    int status = parse_eval_options(argc, argv, &o);
    if (status >= 0)
        return status;

    /* A folder with groundtruth/ is one sequence; any other folder is a
     * dataset root (eval_tree reports one that holds no sequence). */
    char gt_dir[PATH_MAX];
    struct stat st;
    snprintf(gt_dir, sizeof gt_dir, "%s/groundtruth", o.dataset);
    if (stat(gt_dir, &st) == 0 && S_ISDIR(st.st_mode))
        return eval_one_sequence(&o);
    return eval_tree(&o);
}
