/*
 * test_outputs.c - the output interface (src/cli/outputs.c and out_*.c):
 * the table is whole (each kind has a name, a stage and a frame function;
 * the FILE options are distinct); the checks before any work (stdout taken
 * twice, two outputs on one file through any spelling, a device shared);
 * and a set of outputs fed by hand, the way a run feeds it: mask PNGs,
 * blob CSV, statistics CSV and JSON, the model and the background, their
 * files' contents, the summary and -v lines, and what closing an
 * unfinished set leaves behind (nothing). In a mkdtemp folder.
 */
#include "test.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/outputs.h"
#include "io/image_io.h"

#define W 16
#define H 8

static char err[4200];

static int kind_row(const char *name)
{
    for (int k = 0; k < output_kind_count; k++)
        if (strcmp(output_kinds[k]->name, name) == 0 && output_kinds[k]->option)
            return k;
    return -1;
}

static void options(run_options *o)
{
    memset(o, 0, sizeof *o);
    o->input = "in.mp4";
    o->mask_pattern = "bin%06d.png";
    o->channels = 1;
    o->writers = 1;
    o->min_blob_area = 1;
    o->start_frame = 1;
    bgs_params_default(&o->params);
}

/* The status of outputs_check, with its message (stderr) thrown away. */
static int check_quietly(const run_options *o)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *null = freopen("/dev/null", "w", stderr);
    int status = outputs_check(o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return null ? status : -1;
}

TEST(the_table_is_whole)
{
    CHECK(output_kind_count >= 9 && output_kind_count <= OUTPUT_KINDS_MAX, "%d kinds",
          output_kind_count);
    for (int k = 0; k < output_kind_count; k++) {
        const output_kind *kind = output_kinds[k];
        CHECK(kind->name && kind->name[0] == '-', "row %d: no name", k);
        CHECK(kind->frame != NULL, "%s: no frame function", kind->name);
        CHECK(kind->option || kind->path, "%s: neither an option nor a path", kind->name);
        CHECK(!(kind->flags & (OUTPUT_NEEDS_FRAME | OUTPUT_NEEDS_BLOBS)) ||
              kind->stage == OUTPUT_IN_ORDER, "%s: frames or blobs only in order", kind->name);
        for (int j = 0; j < k; j++)
            CHECK(!kind->option || !output_kinds[j]->option ||
                  strcmp(kind->option, output_kinds[j]->option) != 0,
                  "--%s twice", kind->option);
    }
    CHECK(kind_row("--stats") >= 0 && kind_row("--blobs") >= 0 && kind_row("--mask-video") >= 0,
          "a FILE option is missing");
}

TEST(stdout_is_taken_once)
{
    run_options o;
    options(&o);
    o.masks_to_stdout = 1;
    CHECK(check_quietly(&o) == 0, "-o - alone refused");
    o.output_path[kind_row("--stats")] = "-";
    CHECK(check_quietly(&o) == EXIT_USAGE, "-o - and --stats - accepted");
    o.masks_to_stdout = 0;
    o.output_path[kind_row("--blobs")] = "-";
    CHECK(check_quietly(&o) == EXIT_USAGE, "--stats - and --blobs - accepted");
}

TEST(one_file_twice_is_refused)
{
    run_options o;
    options(&o);
    mkdir(test_path("o"), 0777);
    o.output_dir = test_path("o");
    o.output_path[kind_row("--stats")] = test_path("o/bin000003.png");
    CHECK(check_quietly(&o) == EXIT_USAGE, "--stats over a mask");
    o.output_path[kind_row("--stats")] = test_path("o/stats.json");
    CHECK(check_quietly(&o) == 0, "--stats beside the masks refused");
    o.output_path[kind_row("--stats-csv")] = test_path("o/../o/stats.json");
    CHECK(check_quietly(&o) == EXIT_USAGE, "--stats and --stats-csv on one file");
    o.output_path[kind_row("--stats-csv")] = NULL;
    o.background_every = 10;
    o.mask_pattern = "bg%06d.png";
    CHECK(check_quietly(&o) == EXIT_USAGE, "masks named as the background images");
    o.mask_pattern = "bin%06d.png";
    o.background_final = 1;
    o.output_path[kind_row("--save-model")] = test_path("o/background.png");
    CHECK(check_quietly(&o) == EXIT_USAGE, "the model over background.png");
    o.output_path[kind_row("--save-model")] = "/dev/null";
    o.output_path[kind_row("--stats")] = "/dev/null";
    CHECK(check_quietly(&o) == 0, "two outputs to /dev/null refused");
}

static void fill_masks(uint8_t *mask, int t)
{
    memset(mask, 0, W * H);
    for (int y = 2; y < 5; y++) /* one 3x3 blob that moves right */
        for (int x = t; x < t + 3; x++)
            mask[y * W + x] = 255;
}

/* A whole run's worth of outputs, fed by hand. */
TEST(a_set_writes_its_files)
{
    run_options o;
    options(&o);
    o.output_dir = test_path("run");
    o.background_final = 1;
    o.output_path[kind_row("--blobs")] = test_path("run/blobs.csv");
    o.output_path[kind_row("--stats-csv")] = test_path("run/fg.csv");
    o.output_path[kind_row("--stats")] = test_path("run/stats.json");
    o.output_path[kind_row("--save-model")] = test_path("run/m.bgs");
    bgs_model *model = bgs_model_create(W, H, 1, &o.params);
    REQUIRE(model, "%s", bgs_last_error());
    output_setup setup = {.opt = &o, .width = W, .height = H, .channels = 1, .fps = 10,
                          .video_fps = 10};
    outputs *set;
    REQUIRE(outputs_open(&setup, &set, err, sizeof err) == 0, "%s", err);
    CHECK(outputs_at(set, OUTPUT_ANY_ORDER) && outputs_at(set, OUTPUT_IN_ORDER) &&
          outputs_at(set, OUTPUT_WITH_MODEL) && !outputs_need_frames(set), "stages");
    uint8_t mask[W * H], frame[W * H];
    memset(frame, 100, sizeof frame);
    for (int t = 1; t <= 3; t++) {
        fill_masks(mask, t);
        bgs_model_apply(model, frame, W, NULL, 0);
        output_frame f = {.number = t, .position = t - 1, .mask = mask, .model = model,
                          .foreground = 9.0 / (W * H)};
        CHECK(outputs_write_any_order(set, mask, t, err, sizeof err) == 0, "%s", err);
        CHECK(outputs_write_in_order(set, mask, NULL, t, t - 1, err, sizeof err) == 0, "%s", err);
        CHECK(outputs_write_with_model(set, &f, err, sizeof err) == 0, "%s", err);
    }
    char summary[512];
    outputs_summary(set, summary, sizeof summary);
    CHECK(strstr(summary, "masks in ") == summary && strstr(summary, ", blobs in "),
          "summary: %s", summary);
    run_totals totals = {.frames = 3, .foreground_sum = 27.0 / (W * H)};
    output_end end = {model, &totals};
    CHECK(outputs_finish_streams(set, 1, err, sizeof err) == 0, "%s", err);
    CHECK(outputs_finish_with_model(set, 1, &end, err, sizeof err) == 0, "%s", err);
    outputs_close(set);

    image img;
    REQUIRE(image_load(test_path("run/bin000002.png"), 1, &img, err, sizeof err) == 0, "%s", err);
    fill_masks(mask, 2);
    int same = img.width == W && img.height == H;
    for (int y = 0; same && y < H; y++)
        same = memcmp(img.data + y * img.stride, mask + y * W, W) == 0;
    CHECK(same, "mask 2 is not what was given");
    image_free(&img);
    FILE *f = fopen(test_path("run/blobs.csv"), "r");
    char line[256] = "", third[256] = "";
    for (int i = 0; f && i < 3 && fgets(line, sizeof line, f); i++)
        if (i == 2)
            snprintf(third, sizeof third, "%s", line);
    if (f)
        fclose(f);
    CHECK(strcmp(third, "2,0.1000,1,2,2,3,3,9,3.00,3.00\n") == 0, "blob line: %s", third);
    f = fopen(test_path("run/fg.csv"), "r");
    int lines = 0;
    while (f && fgets(line, sizeof line, f))
        lines++;
    if (f)
        fclose(f);
    CHECK(lines == 4 && strcmp(line, "3,0.070312\n") == 0, "%d lines, last %s", lines, line);
    CHECK(access(test_path("run/stats.json"), F_OK) == 0 && access(test_path("run/m.bgs"), F_OK) == 0 &&
          access(test_path("run/background.png"), F_OK) == 0, "stats, model or background missing");
    bgs_model_free(model);
}

TEST(closing_unfinished_leaves_nothing)
{
    run_options o;
    options(&o);
    mkdir(test_path("gone"), 0777);
    o.output_path[kind_row("--blobs")] = test_path("gone/b.csv");
    o.output_path[kind_row("--stats")] = test_path("gone/s.json");
    output_setup setup = {.opt = &o, .width = W, .height = H, .channels = 1, .video_fps = 25};
    outputs *set;
    REQUIRE(outputs_open(&setup, &set, err, sizeof err) == 0, "%s", err);
    uint8_t mask[W * H];
    fill_masks(mask, 1);
    outputs_write_in_order(set, mask, NULL, 1, 0, err, sizeof err);
    outputs_close(set);
    CHECK(rmdir(test_path("gone")) == 0, "something was left: %s", strerror(errno));
}

TEST(an_existing_file_is_refused_at_open)
{
    run_options o;
    options(&o);
    FILE *f = fopen(test_path("taken.csv"), "w");
    if (f)
        fclose(f);
    o.output_path[kind_row("--blobs")] = test_path("taken.csv");
    output_setup setup = {.opt = &o, .width = W, .height = H, .channels = 1, .video_fps = 25};
    outputs *set;
    CHECK(outputs_open(&setup, &set, err, sizeof err) == EXIT_OUTPUT, "opened");
    CHECK(strstr(err, "taken.csv: already exists (use --force to overwrite)"), "%s", err);
    o.force = 1;
    REQUIRE(outputs_open(&setup, &set, err, sizeof err) == 0, "with --force: %s", err);
    outputs_close(set);
}

int main(void)
{
    if (test_make_dir("test_outputs") != 0)
        return 1;
    RUN(the_table_is_whole);
    RUN(stdout_is_taken_once);
    RUN(one_file_twice_is_refused);
    RUN(a_set_writes_its_files);
    RUN(closing_unfinished_leaves_nothing);
    RUN(an_existing_file_is_refused_at_open);
    test_remove_dir();
    return test_summary();
}
