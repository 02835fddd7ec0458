/*
 * cmd_eval.c - `bgsub eval SEQ_DIR MASK_DIR`: score masks against a
 * ChangeDetection.net sequence folder (groundtruth/gt%06d.png, ROI.bmp,
 * temporalROI.txt) with the benchmark's rules (see bgs_counts_add_frame).
 * Given a dataset root of category/sequence folders instead, the whole
 * tree is scored by eval_tree.c.
 */
#include "cli/cli.h"
#include "cli/eval.h"
#include "cli/eval_score.h"
#include "io/io_util.h"

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
"sequence not scored), 4 --json FILE or standard output cannot be written\n"
"(a full disk, a closed pipe); with --run, a failed run's own status.\n");
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
            if (!io_is_frame_pattern(optarg)) {
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
        case '?':
            return cli_bad_option(c, argv, "bgsub eval");
        default:
            cli_error("unhandled option (internal error)");
            return EXIT_FAILURE_STATUS;
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
    int status = eval_check_json_name(o->json_path, o->results, o->mask_pattern);
    if (status)
        return status;
    status = eval_score_sequence(o->dataset, o->results, o->mask_pattern,
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

static int eval_main(int argc, char **argv)
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

int cmd_eval(int argc, char **argv)
{
    /* The scores on stdout are the result: losing them is a failure. */
    int status = eval_main(argc, argv);
    return status == 0 ? cli_check_stdout() : status;
}
