/*
 * cmd_bench.c - `bgsub bench`: how fast bgsub runs on this machine.
 *
 * The model alone first, on frames already in memory so that decoding is
 * not counted: one thread and -j threads take turns pass by pass (a busy
 * machine then slows both alike), and each reports the median of its
 * passes. Then, given a video, the whole command on it in a child process
 * (`bgsub -q -j N VIDEO -o TEMP`): frames written per second of wall time
 * and the child's peak RSS, run by run in turns with the ffmpeg program
 * decoding the video to null (the decoder's own speed: the floor the whole
 * command approaches), and the ratio of the two. Without a video the frames are a synthetic
 * scene made in memory: a textured background with camera noise and boxes
 * crossing it, a few percent of the frame, as in a street scene.
 *
 * `make bench` (tools/) is the developers' benchmark: it also runs OpenCV's
 * MOG2 beside bgsub. This sub-command needs nothing but bgsub.
 */
#include "cli/cli.h"
#include "io/frame_source.h"

#include "bgsub.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_FRAMES 60
#define MAX_FRAMES 10000
#define DEFAULT_REPEAT 5
#define MAX_REPEAT 99

enum {
    OPT_FRAMES = 1000, OPT_REPEAT, OPT_SIZE, OPT_GRAY, OPT_COLOR,
    OPT_PARAM_BASE = 2000, /* + bgs_param key */
};

typedef struct bench_options {
    const char *video;      /* NULL: the synthetic scene */
    int threads;            /* after -j: 0 = one per core */
    int frames, repeat;
    int width, height;      /* of the synthetic scene */
    int channels;
    bgs_params params;
    unsigned params_given;  /* bit per bgs_param key given on the command line */
} bench_options;

static void print_usage(FILE *out)
{
    fprintf(out,
"Usage: bgsub bench [options] [VIDEO]\n"
"\n"
"Measures how fast bgsub runs here. First the model alone, on frames held in\n"
"memory (decoding not counted): one thread and -j threads in turns, the\n"
"median of --repeat passes over the frames (forward then back) each. Then,\n"
"given a VIDEO, the whole command on it, `bgsub -q -j N VIDEO -o TEMP` in a\n"
"child process, each run's masks written to a temporary folder of its own,\n"
"all removed after the last run (in TMPDIR, else /tmp; its file system is\n"
"named, as the speed depends on it): frames per second of wall time and peak\n"
"memory; in turns with it, the ffmpeg program (when installed) decoding the\n"
"video to null on as many threads, the decoder's own speed that the whole\n"
"command can approach but not beat, and the ratio of the two speeds. Without VIDEO\n"
"the frames are a synthetic scene made in memory (a textured background,\n"
"camera noise, boxes crossing it).\n"
"\n"
"Options:\n"
"  -j, --threads N        threads of the second model run, of the whole\n"
"                         command and of the decoder (default 0: one per core;\n"
"                         the whole command then runs with its own default)\n"
"      --frames N         frames held in memory, 2..%d (default %d; a 1080p\n"
"                         colour frame takes 6.2 MB; at most half of the\n"
"                         machine's memory)\n"
"      --repeat R         timed passes per thread count, and runs of the whole\n"
"                         command and of decoding only, 1..%d (default %d)\n"
"      --size WxH         size of the synthetic scene (default 1920x1080)\n"
"      --gray             model gray frames\n"
"      --color            model colour frames (the default)\n"
"  -h, --help             this help\n"
"\n"
"Model parameters (as for the main command; they change the speed too):\n",
            MAX_FRAMES, DEFAULT_FRAMES, MAX_REPEAT, DEFAULT_REPEAT);
    cli_param_help(out, NULL);
    fprintf(out,
"\n"
"Exit status: 0 success, 2 bad option, 3 VIDEO missing or unreadable, 1 other\n"
"failure (the whole command's own failure included), 130 interrupted.\n");
}

static struct option *build_long_options(void)
{
    static const struct option fixed[] = {
        {"help", no_argument, NULL, 'h'},
        {"threads", required_argument, NULL, 'j'},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"repeat", required_argument, NULL, OPT_REPEAT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"gray", no_argument, NULL, OPT_GRAY},
        {"grey", no_argument, NULL, OPT_GRAY},
        {"color", no_argument, NULL, OPT_COLOR},
        {"colour", no_argument, NULL, OPT_COLOR},
    };
    enum { NFIXED = sizeof fixed / sizeof fixed[0] };
    static struct option all[NFIXED + BGS_PARAM_COUNT + 1];
    cli_long_options(all, fixed, NFIXED, OPT_PARAM_BASE);
    return all;
}

static int parse_size(const char *text, int *width, int *height)
{
    char tail;
    if (sscanf(text, "%dx%d%c", width, height, &tail) != 2 || *width < 16 ||
        *height < 16 || *width > 16384 || *height > 16384) {
        cli_error("--size needs WxH, each 16..16384, not '%s'", text);
        return -1;
    }
    return 0;
}

static int parse_options(int argc, char **argv, bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->frames = DEFAULT_FRAMES;
    o->repeat = DEFAULT_REPEAT;
    o->width = 1920;
    o->height = 1080;
    o->channels = 3;
    bgs_params_default(&o->params);
    struct option *longopts = build_long_options();
    optind = 0; /* 0, not 1: GNU getopt then resets all its state */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hj:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': print_usage(stdout); return -1;
        case 'j':
            if (cli_parse_int_in("-j", optarg, 0, 256, &o->threads)) return EXIT_USAGE;
            break;
        case OPT_FRAMES:
            if (cli_parse_int_in("--frames", optarg, 2, MAX_FRAMES, &o->frames)) return EXIT_USAGE;
            break;
        case OPT_REPEAT:
            if (cli_parse_int_in("--repeat", optarg, 1, MAX_REPEAT, &o->repeat)) return EXIT_USAGE;
            break;
        case OPT_SIZE:
            if (parse_size(optarg, &o->width, &o->height)) return EXIT_USAGE;
            break;
        case OPT_GRAY: o->channels = 1; break;
        case OPT_COLOR: o->channels = 3; break;
        case ':':
        case '?':
            return cli_bad_option(c, argv, "bgsub bench");
        default:
            if (c >= OPT_PARAM_BASE && c < OPT_PARAM_BASE + BGS_PARAM_COUNT) {
                if (cli_param_parse(&o->params, &o->params_given, c - OPT_PARAM_BASE,
                                    optarg))
                    return EXIT_USAGE;
                break;
            }
            cli_error("unhandled option (internal error)");
            return EXIT_FAILURE_STATUS;
        }
    }
    if (argc - optind > 1) {
        cli_error("bench takes one VIDEO at most, not %d (see bgsub bench --help)",
                  argc - optind);
        return EXIT_USAGE;
    }
    if (optind < argc)
        o->video = argv[optind];
    if (o->video && strcmp(o->video, "-") == 0) {
        cli_error("bench cannot take stdin (-): it reads the video twice; give a file");
        return EXIT_USAGE;
    }
    if (bgs_params_check(&o->params) != BGS_OK) {
        cli_error("%s", bgs_last_error());
        return EXIT_USAGE;
    }
    return EXIT_OK_STATUS;
}

/* ------------------------------------------------------------------------ */
/* Frames in memory                                                         */
/* ------------------------------------------------------------------------ */

typedef struct frame_set {
    uint8_t *pixels; /* count frames of width·channels bytes a row, packed */
    int count, width, height, channels;
    size_t frame_bytes;
} frame_set;

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/*
 * The synthetic scene: a background of 8x8-pixel tiles of random tones,
 * camera noise of up to +-7 levels (triangular) from a table, so that making
 * the frames costs little next to the model, and six boxes, 1/12 of the
 * width by 1/10 of the height, crossing at different speeds: up to 5 % of
 * the frame is foreground.
 */
static int make_scene(frame_set *set, int width, int height, int channels,
                      int count)
{
    set->width = width;
    set->height = height;
    set->channels = channels;
    set->count = count;
    set->frame_bytes = (size_t)width * height * channels;
    set->pixels = malloc(set->frame_bytes * (size_t)count);
    int8_t *noise = malloc(65536);
    if (!set->pixels || !noise) {
        free(noise);
        cli_error("out of memory for %d frames of %dx%d", count, width, height);
        return EXIT_FAILURE_STATUS;
    }
    for (int i = 0; i < 65536; i++) {
        uint32_t r = mix32((uint32_t)i + 0x9e3779b9u);
        noise[i] = (int8_t)((int)(r & 7) + (int)((r >> 3) & 7) - 7);
    }
    const int box_w = width / 12, box_h = height / 10; /* >= 1: sides >= 16 */
    for (int f = 0; f < count; f++) {
        uint8_t *frame = set->pixels + set->frame_bytes * (size_t)f;
        uint32_t n = mix32((uint32_t)f * 2654435761u);
        for (int y = 0; y < height; y++) {
            uint8_t *row = frame + (size_t)y * width * channels;
            for (int x = 0; x < width; x++) {
                uint32_t tile = mix32((uint32_t)(y / 8) * 4099u + (uint32_t)(x / 8));
                for (int c = 0; c < channels; c++) {
                    int v = 60 + (int)((tile >> (8 * c)) & 127) +
                            noise[(n + (uint32_t)((size_t)y * width + x) * 3u + (uint32_t)c) & 0xffff];
                    row[(size_t)x * channels + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
            }
        }
        for (int b = 0; b < 6; b++) {
            int y0 = (int)((long)height * (1 + 3 * (b % 3)) / 10);
            int span = width + box_w;
            int x0 = (int)(((long)f * (4 + 3 * b) + (long)b * span / 6) % span) - box_w;
            uint8_t colour[3] = {(uint8_t)(40 * b), (uint8_t)(255 - 30 * b), (uint8_t)(90 + 25 * b)};
            for (int y = y0 + (b / 3) * box_h; y < y0 + (b / 3 + 1) * box_h && y < height; y++)
                for (int x = x0 < 0 ? 0 : x0; x < x0 + box_w && x < width; x++)
                    for (int c = 0; c < channels; c++)
                        frame[((size_t)y * width + x) * channels + c] = colour[c];
        }
    }
    free(noise);
    return EXIT_OK_STATUS;
}

/* Refuses (EXIT_USAGE, one line) frames in memory that would take more
 * than half of the machine's memory: a benchmark that swaps, or is killed
 * for lack of memory, measures nothing. */
static int check_memory(int frames, int width, int height, int channels)
{
    double need = (double)frames * width * height * channels;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && page > 0 ? (double)pages * page : 0;
    if (have > 0 && need > have / 2) {
        cli_error("--frames %d of %dx%d take %.1f GB, more than half of this "
                  "machine's %.1f GB; give fewer", frames, width, height,
                  need / 1e9, have / 1e9);
        return EXIT_USAGE;
    }
    return EXIT_OK_STATUS;
}

static int load_video(frame_set *set, const char *video, int channels, int max)
{
    char err[512];
    frame_source *src = frame_source_open(video, channels, err, sizeof err);
    if (!src) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    set->width = frame_source_width(src);
    set->height = frame_source_height(src);
    set->channels = channels;
    set->frame_bytes = (size_t)set->width * set->height * channels;
    set->pixels = malloc(set->frame_bytes * (size_t)max);
    set->count = 0;
    if (!set->pixels) {
        frame_source_close(src);
        cli_error("out of memory for %d frames of %dx%d", max, set->width, set->height);
        return EXIT_FAILURE_STATUS;
    }
    const uint8_t *data;
    ptrdiff_t stride;
    int got = 1;
    while (set->count < max &&
           (got = frame_source_read(src, &data, &stride, err, sizeof err)) == 1) {
        uint8_t *dst = set->pixels + set->frame_bytes * (size_t)set->count++;
        size_t row = (size_t)set->width * channels;
        for (int y = 0; y < set->height; y++)
            memcpy(dst + row * y, data + stride * y, row);
    }
    frame_source_close(src);
    if (set->count < max && got < 0) {
        cli_error("%s", err);
        return EXIT_INPUT;
    }
    if (set->count < 2) {
        cli_error("%s: %s", video, set->count ? "only one frame" : "no frames");
        return EXIT_INPUT;
    }
    return EXIT_OK_STATUS;
}

/* ------------------------------------------------------------------------ */
/* The model alone                                                          */
/* ------------------------------------------------------------------------ */

/* Frame i of a pass that goes forward then back (2 count - 2 frames), so a
 * pass continues the scene where the last one left it. */
static const uint8_t *pass_frame(const frame_set *set, int i)
{
    int f = i < set->count ? i : 2 * set->count - 2 - i;
    return set->pixels + set->frame_bytes * (size_t)f;
}

static int pass_length(const frame_set *set) { return 2 * set->count - 2; }

/* A pass: the frames forward and back, loops times; its frames/s. */
static double timed_pass(bgs_model *model, const frame_set *set, uint8_t *mask,
                         int loops)
{
    double t0 = cli_now_seconds();
    for (int l = 0; l < loops; l++)
        for (int i = 0; i < pass_length(set); i++)
            bgs_model_apply(model, pass_frame(set, i),
                            (ptrdiff_t)set->width * set->channels, mask, set->width);
    return loops * pass_length(set) / (cli_now_seconds() - t0);
}

/* A pass should last about this long: long next to waking threads and to
 * the clock's resolution, short enough that noise from outside moves one
 * pass rather than the whole run. */
#define PASS_SECONDS 0.25

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v; its median. */
static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One line: the median of n passes' frames/s, their range, and the ratio
 * to one_thread when that is given. */
static void print_speed(const char *what, double *fps, int n, double one_thread)
{
    double median = median_of(fps, n);
    printf("  %-10s %8.1f frames/s  %6.2f ms/frame  (%.1f..%.1f)", what, median,
           1000.0 / median, fps[0], fps[n - 1]);
    if (one_thread > 0)
        printf("  %.2fx one thread", median / one_thread);
    printf("\n");
}

/* Models on 1 and o->threads threads, warmed up past their learning frames,
 * then timed pass by pass in turns. */
static int bench_model(const frame_set *set, const bench_options *o)
{
    bgs_model *models[2] = {NULL, NULL};
    uint8_t *mask = malloc((size_t)set->width * set->height);
    int status = EXIT_FAILURE_STATUS;
    for (int i = 0; i < 2; i++) {
        models[i] = bgs_model_create(set->width, set->height, set->channels, &o->params);
        if (!models[i] || bgs_model_set_threads(models[i], i ? o->threads : 1) != BGS_OK) {
            cli_error("%s", bgs_last_error());
            goto done;
        }
    }
    if (!mask) {
        cli_error("out of memory");
        goto done;
    }
    int threads = bgs_model_threads(models[1]);
    int runs = threads > 1 ? 2 : 1;
    printf("model alone: %d frames in memory (%.1f MB); model: %d components, "
           "%zu bytes/pixel (%.1f MB), kernel %s\n",
           set->count, set->frame_bytes * (double)set->count / 1e6,
           o->params.components, bgs_model_bytes_per_pixel(models[0]),
           bgs_model_bytes_per_pixel(models[0]) * (double)set->width * set->height / 1e6,
           bgs_model_kernel_name(models[0]));
    fflush(stdout);
    /* Warm-up, untimed: the learning frames run without the clean-up,
     * faster than the rest. The last warm-up pass sets the timed passes'
     * length. */
    double warm_fps = 0;
    for (int i = 0; i < runs; i++)
        do
            warm_fps = timed_pass(models[i], set, mask, 1);
        while (bgs_model_frame_count(models[i]) <= o->params.learning_frames + 1);
    double want = PASS_SECONDS * warm_fps / pass_length(set);
    int loops = want > 1 ? (want < 1000 ? (int)(want + 0.5) : 1000) : 1;
    printf("%d timed pass%s per thread count, in turns, each %d frames (the "
           "frames forward and back%s); median frames/s (slowest..fastest)\n",
           o->repeat, o->repeat > 1 ? "es" : "", loops * pass_length(set),
           loops > 1 ? ", repeated" : "");
    fflush(stdout);
    double fps[2][MAX_REPEAT];
    for (int r = 0; r < o->repeat; r++)
        for (int i = 0; i < runs; i++)
            fps[i][r] = timed_pass(models[i], set, mask, loops);
    print_speed("1 thread", fps[0], o->repeat, 0);
    if (runs == 2) {
        char what[32];
        snprintf(what, sizeof what, "%d threads", threads);
        print_speed(what, fps[1], o->repeat, median_of(fps[0], o->repeat));
    }
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    printf("  peak RSS %.1f MB (the frames in memory and both models)\n",
           self.ru_maxrss / 1024.0);
    status = EXIT_OK_STATUS;
done:
    bgs_model_free(models[0]);
    bgs_model_free(models[1]);
    free(mask);
    return status;
}

/* ------------------------------------------------------------------------ */
/* The whole command                                                        */
/* ------------------------------------------------------------------------ */

/* Removes dir and the files in it (the masks; it holds nothing else). */
static void remove_mask_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* The files in dir and the bytes they take on its disk. */
static long mask_dir_usage(const char *dir, double *bytes)
{
    long files = 0;
    *bytes = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    struct stat st;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            files++;
            *bytes += (double)st.st_blocks * 512;
        }
    closedir(d);
    return files;
}

/* Each run writes its masks to a folder of its own, run-N in the
 * temporary folder, and the folders are removed after the last run, not
 * between runs: on ext4 without a journal, a file made in the minutes after
 * thousands were deleted costs a search past every deleted one (the kernel
 * sets recently freed inodes aside for a while), so removing one run's
 * masks slowed the next run (3000 masks of 320x240: 3.5 s a run against
 * 2.0 s; docs/bench.md). Only when the disk could not hold another run's
 * masks with SPARE_BYTES to spare are the kept ones removed first. */
#define SPARE_BYTES (256.0 * 1024 * 1024)

static void run_folder(char *out, size_t size, const char *dir, int run)
{
    snprintf(out, size, "%s/run-%d", dir, run);
}

/* Removes the run folders first..last (those that are there). */
static void remove_run_folders(const char *dir, int first, int last)
{
    char path[4200];
    for (int i = first; i <= last; i++) {
        run_folder(path, sizeof path, dir, i);
        remove_mask_dir(path);
    }
}

/* Free bytes on dir's file system for this user, or -1 unknown. */
static double free_bytes(const char *dir)
{
    struct statvfs st;
    if (statvfs(dir, &st) != 0)
        return -1;
    return (double)st.f_bavail * (double)st.f_frsize;
}

/* One run of a child process: wall seconds, CPU seconds, peak RSS (MB)
 * and how it ended (exit status, or 128 + signal). */
typedef struct child_run {
    double seconds, cpu, peak_mb;
    int status;
} child_run;

/* Runs argv as a child (path looked up in PATH when search) and waits for
 * it. Returns 0, or posix_spawn's error when it could not start. */
static int run_child(const char *path, char *const argv[], int search, child_run *r)
{
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    memset(r, 0, sizeof *r);
    double t0 = cli_now_seconds();
    pid_t pid;
    int spawned = search ? posix_spawnp(&pid, path, NULL, NULL, argv, environ)
                         : posix_spawn(&pid, path, NULL, NULL, argv, environ);
    if (spawned != 0)
        return spawned;
    int wstatus = 0;
    while (wait4(pid, &wstatus, 0, &usage) < 0 && errno == EINTR)
        ;
    r->seconds = cli_now_seconds() - t0;
    r->cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
             usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
    r->peak_mb = usage.ru_maxrss / 1024.0;
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return 0;
}

static int cmp_run(const void *a, const void *b)
{
    double x = ((const child_run *)a)->seconds, y = ((const child_run *)b)->seconds;
    return (x > y) - (x < y);
}

/* The median run of n by wall time (runs sorted in place). */
static const child_run *median_run(child_run *runs, int n)
{
    qsort(runs, (size_t)n, sizeof *runs, cmp_run);
    return &runs[n / 2];
}

/* The kind of file system holding path, as the kernel names it: the
 * whole command's speed depends on it (creating thousands of files costs
 * far more kernel time on a disk than in memory). */
static const char *file_system_kind(const char *path)
{
    static const struct { long magic; const char *name; } KINDS[] = {
        {0xEF53, "ext2/3/4"}, {0x01021994, "tmpfs, in memory"}, {0x58465342, "xfs"},
        {0x9123683E, "btrfs"}, {0x794C7630, "overlayfs"}, {0x6969, "nfs"},
        {0x2FC12FC1, "zfs"}, {0xF2F52010, "f2fs"}, {0x4D44, "vfat"},
    };
    struct statfs st;
    if (statfs(path, &st) != 0)
        return "unknown";
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if ((long)st.f_type == KINDS[i].magic)
            return KINDS[i].name;
    return "another kind";
}

/* The whole command and decoding only, --repeat runs each in turns (a busy
 * machine then slows both alike); the ratio of their frames/s is taken run
 * by run. Decoding only is the ffmpeg program decoding the video to null on
 * as many threads: the floor the whole command can approach, not beat. */
static int bench_command(const bench_options *o, int threads)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], masks[4200];
    snprintf(dir, sizeof dir, "%s/bgsub-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("%s: cannot make a temporary folder: %s", dir, strerror(errno));
        return EXIT_FAILURE_STATUS;
    }
    /* bgsub -q [-j N] [params] [--gray] -o DIR/run-N -- VIDEO ("--": a name
     * that starts with '-' is still the input). Without -j the command runs
     * on its default threads, as it does for users (cli_model_threads). */
    char jobs[16], params[BGS_PARAM_COUNT][96];
    snprintf(jobs, sizeof jobs, "%d", threads);
    char *args[16 + BGS_PARAM_COUNT];
    int n = 0;
    args[n++] = "bgsub";
    args[n++] = "-q";
    if (o->threads > 0) {
        args[n++] = "-j";
        args[n++] = jobs;
    }
    for (int k = 0; k < BGS_PARAM_COUNT; k++)
        if (o->params_given & (1u << k)) {
            snprintf(params[k], sizeof params[k], "--%s=%.17g",
                     bgs_param_get_info((bgs_param)k)->name,
                     bgs_params_get(&o->params, (bgs_param)k));
            args[n++] = params[k];
        }
    if (o->channels == 1)
        args[n++] = "--gray";
    args[n++] = "-o";
    args[n++] = masks;
    args[n++] = "--";
    args[n++] = (char *)o->video;
    args[n] = NULL;
    /* ffmpeg -threads N -i file:VIDEO -f null - ("file:": a name with a
     * colon is a file, not a protocol) */
    char input[4200];
    snprintf(input, sizeof input, "file:%s", o->video);
    char *decode[] = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
                      "-threads", jobs, "-i", input, "-f", "null", "-", NULL};

    /* The command as it runs: the parameters given are passed on. */
    printf("whole command: bgsub -q");
    if (o->threads > 0)
        printf(" -j %d", threads);
    for (int k = 0; k < BGS_PARAM_COUNT; k++)
        if (o->params_given & (1u << k))
            printf(" --%s=%g", bgs_param_get_info((bgs_param)k)->name,
                   bgs_params_get(&o->params, (bgs_param)k));
    printf(" %s%s -o TEMP (a new folder in %s for each run, %s; TMPDIR chooses)\n",
           o->channels == 1 ? "--gray " : "", o->video, tmp && *tmp ? tmp : "/tmp",
           file_system_kind(dir));
    fflush(stdout);
    /* The children get a Ctrl-C too and finish cleanly; this process waits
     * for them, removes the masks and returns 130. */
    cli_catch_stop_signals();
    child_run whole[MAX_REPEAT], dec[MAX_REPEAT];
    double ratio[MAX_REPEAT];
    long written = 0;
    int runs = 0, pairs = 0, spawned = 0, kept_from = 0, removed_early = 0;
    double run_bytes = 0;
    const char *no_decoder = NULL;
    while (runs < o->repeat && !cli_stop) {
        double room = free_bytes(dir);
        if (runs > kept_from && room >= 0 && room < 2 * run_bytes + SPARE_BYTES) {
            remove_run_folders(dir, kept_from, runs - 1);
            kept_from = runs;
            removed_early = 1;
        }
        run_folder(masks, sizeof masks, dir, runs);
        spawned = run_child("/proc/self/exe", args, 0, &whole[runs]);
        written = mask_dir_usage(masks, &run_bytes);
        if (spawned != 0 || cli_stop || whole[runs].status != 0)
            break;
        runs++;
        if (no_decoder)
            continue;
        int error = run_child("ffmpeg", decode, 1, &dec[pairs]);
        if (cli_stop)
            break;
        if (error != 0)
            no_decoder = error == ENOENT ? "the ffmpeg program was not found" : strerror(error);
        else if (dec[pairs].status != 0)
            no_decoder = "ffmpeg failed on the video";
        else {
            ratio[pairs] = dec[pairs].seconds / whole[runs - 1].seconds;
            pairs++;
        }
    }
    cli_release_stop_signals();
    /* Up to folder `runs`: a failed or interrupted run's, if it made one. */
    remove_run_folders(dir, kept_from, runs);
    rmdir(dir);
    if (spawned != 0) {
        cli_error("cannot start the whole command (/proc/self/exe): %s", strerror(spawned));
        return EXIT_FAILURE_STATUS;
    }
    if (cli_stop)
        return EXIT_INTERRUPTED;
    if (runs < o->repeat) {
        int code = whole[runs].status;
        cli_error("the whole command on %s failed (exit status %d)", o->video, code);
        return code == EXIT_INPUT ? EXIT_INPUT : EXIT_FAILURE_STATUS;
    }
    const child_run *w = median_run(whole, runs);
    printf("  %ld frames in %.2f s: %.1f frames/s, CPU %.2f s, peak RSS %.1f MB\n",
           written, w->seconds, written / w->seconds, w->cpu, w->peak_mb);
    if (removed_early)
        printf("  (the disk could not hold every run's masks: each run's were removed "
               "before the next, which slows file creation on some file systems)\n");
    printf("decoding only: ffmpeg -threads %d -i %s -f null -", threads, o->video);
    if (pairs == 0) {
        printf(": not measured (%s)\n", no_decoder ? no_decoder : "no run");
        return EXIT_OK_STATUS;
    }
    const child_run *d = median_run(dec, pairs);
    printf("\n  %ld frames in %.2f s: %.1f frames/s, CPU %.2f s\n", written, d->seconds,
           written / d->seconds, d->cpu);
    printf("  whole command / decoding only: %.2f of the decoder's frames/s "
           "(median of %d run%s in turns)\n",
           median_of(ratio, pairs), pairs, pairs > 1 ? "s" : "");
    return EXIT_OK_STATUS;
}

int cmd_bench(int argc, char **argv)
{
    bench_options o;
    int status = parse_options(argc, argv, &o);
    if (status < 0)
        return EXIT_OK_STATUS; /* --help */
    if (status != EXIT_OK_STATUS)
        return status;
    frame_set set = {0};
    if (o.video) {
        /* The whole command first, while this process is small: a child's
         * peak RSS starts from its parent's at the exec (Linux), so it would
         * otherwise count the frames held here. The video is checked first
         * (its first two frames read), so that a bad one fails before any
         * work. */
        frame_set probe = {0};
        status = load_video(&probe, o.video, o.channels, 2);
        free(probe.pixels);
        if (status == EXIT_OK_STATUS)
            status = check_memory(o.frames, probe.width, probe.height, o.channels);
        if (status != EXIT_OK_STATUS)
            return status;
        printf("bgsub bench: %s, %dx%d %s\n", o.video, probe.width, probe.height,
               o.channels == 3 ? "colour" : "gray");
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int threads = o.threads ? o.threads : cores > 0 ? (int)(cores < 256 ? cores : 256) : 1;
        status = bench_command(&o, threads);
        if (status == EXIT_OK_STATUS)
            status = load_video(&set, o.video, o.channels, o.frames);
    } else {
        status = check_memory(o.frames, o.width, o.height, o.channels);
        if (status != EXIT_OK_STATUS)
            return status;
        printf("bgsub bench: synthetic scene, %dx%d %s\n", o.width, o.height,
               o.channels == 3 ? "colour" : "gray");
        status = make_scene(&set, o.width, o.height, o.channels, o.frames);
    }
    if (status == EXIT_OK_STATUS)
        status = bench_model(&set, &o);
    free(set.pixels);
    return status;
}
