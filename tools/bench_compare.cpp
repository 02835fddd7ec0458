/*
 * bench_compare.cpp - bgsub against OpenCV's MOG2, measured side by side in
 * one run (`make bench` builds and runs it when OpenCV is installed).
 *
 *   build/tools/bench_compare [options] [VIDEO]
 *
 * Sections (docs/bench.md explains each):
 *   a. the model alone on frames decoded into memory, colour, default
 *      parameters, 1920x1080 and 320x240: bgsub on 1 and 2 threads and MOG2
 *      (cv::createBackgroundSubtractorMOG2() defaults) on 1 and 2 threads,
 *      run alternately R times, median frames/s of each;
 *   b. the memory limit: the model's pass over its state at 1080p against
 *      a plain read-modify-write pass over as many bytes, alternately;
 *   c. the whole command at 1080p on two threads: `bgsub -j 2 VIDEO -o DIR`
 *      against VideoCapture -> MOG2 -> imwrite, both as child processes;
 *   d. (--long) peak RSS of bgsub on a 10-second and a 10-minute video.
 * A summary table compares the ratios with the targets of the speed issue.
 *
 * With no VIDEO, a 1920x1080 synthetic video (250 frames, 10 s at 25
 * frames/s) is made once with tools/synth and the ffmpeg program and kept in
 * BUILD/bench/.
 *
 * Child processes are started by a small helper process forked before
 * anything big is allocated: wait4()'s ru_maxrss then measures the child
 * alone (a child forked from this process would count the pages of the frames
 * held here, and a vfork'd one the high-water mark of this process).
 *
 * This program is benchmark-only: OpenCV is never a dependency of libbgsub or
 * of the bgsub program.
 */
extern "C" {
#include "bgsub.h"
#include "io/frame_source.h"
}

#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/background_segm.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

struct options {
    std::string build = "build";
    std::string cache;                 /* default BUILD/bench */
    std::string video;                 /* 1080p input; empty = make one */
    std::string small = "samples/sample.mp4";
    int frames = 120;                  /* 1080p frames held in memory */
    int repeat = 5;                    /* in-memory repetitions */
    int runs = 3;                      /* whole-command runs */
    bool long_test = false;
    bool strict = false;
};

/* The test video made when none is given. */
const int SYNTH_WIDTH = 1920, SYNTH_HEIGHT = 1080, SYNTH_FRAMES = 250;
const int SYNTH_FPS = 25;
/* At least this long per in-memory repetition of the fastest variant. */
const double MIN_REPETITION_SECONDS = 0.7;
const double LONG_VIDEO_SECONDS = 600.0;
const int COMMAND_THREADS = 2;
/* Most 320x240 frames held in memory (the sample has 300). */
const int SMALL_MAX_FRAMES = 1000;

volatile sig_atomic_t g_stop = 0;
volatile uint64_t g_sink = 0; /* keeps the plain pass's result alive */
double g_children_cpu_seconds = 0.0; /* of the children run so far */
double g_most_other_load = 0.0; /* cores other processes took, worst section */

void on_stop_signal(int) { g_stop = 1; }

double now_seconds()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void usage(FILE *out)
{
    fprintf(out,
"usage: bench_compare [options] [VIDEO]\n"
"Benchmarks bgsub against OpenCV MOG2 (defaults) in one run and checks the\n"
"targets of the speed issue. VIDEO: a 1080p video; without it a synthetic\n"
"1920x1080 video of %d frames is made once (tools/synth + ffmpeg) and kept\n"
"in BUILD/bench/.\n"
"\n"
"  --build DIR    where bgsub and tools/synth are (default build)\n"
"  --cache DIR    where the test video is kept (default BUILD/bench)\n"
"  --small VIDEO  source of the 320x240 frames (default samples/sample.mp4;\n"
"                 if it cannot be read, the 1080p frames downscaled)\n"
"  --frames N     1080p frames decoded into memory, 2..10000 (default 120)\n"
"  --repeat R     repetitions of each in-memory variant, 1..99 (default 5)\n"
"  --runs N       runs of each whole command, 1..99 (default 3)\n"
"  --long         also compare peak RSS on a 10-second and a 10-minute\n"
"                 video (section d; several minutes)\n"
"  --strict       exit with status 1 if a target is missed\n"
"  -h, --help     this help\n"
"Exit status: 0 done (whatever the results, unless --strict), 1 a step\n"
"failed, 2 bad arguments, 130 interrupted.\n",
            SYNTH_FRAMES);
}

bool parse_int(const char *text, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* 0 ok, 1 help printed, 2 bad arguments. */
int parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        bool has_value = i + 1 < argc;
        if (a == "-h" || a == "--help") {
            usage(stdout);
            return 1;
        } else if (a == "--long") {
            o->long_test = true;
        } else if (a == "--strict") {
            o->strict = true;
        } else if ((a == "--build" || a == "--cache" || a == "--small") &&
                   has_value) {
            std::string v = argv[++i];
            (a == "--build" ? o->build : a == "--cache" ? o->cache : o->small) = v;
        } else if (a == "--frames" && has_value) {
            if (!parse_int(argv[++i], 2, 10000, &o->frames))
                goto bad_value;
        } else if (a == "--repeat" && has_value) {
            if (!parse_int(argv[++i], 1, 99, &o->repeat))
                goto bad_value;
        } else if (a == "--runs" && has_value) {
            if (!parse_int(argv[++i], 1, 99, &o->runs))
                goto bad_value;
        } else if (a.size() > 1 && a[0] == '-') {
            fprintf(stderr, "bench_compare: unknown option or missing value: %s "
                    "(see --help)\n", a.c_str());
            return 2;
        } else if (o->video.empty()) {
            o->video = a;
        } else {
            fprintf(stderr, "bench_compare: more than one VIDEO given\n");
            return 2;
        }
        continue;
    bad_value:
        fprintf(stderr, "bench_compare: %s: bad value '%s' (see --help)\n",
                a.c_str(), argv[i]);
        return 2;
    }
    if (o->cache.empty())
        o->cache = o->build + "/bench";
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

bool file_exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int remove_entry(const char *path, const struct stat *, int, struct FTW *)
{
    remove(path);
    return 0;
}

void remove_tree(const std::string &path)
{
    if (!path.empty())
        nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

long count_png_files(const std::string &dir)
{
    DIR *d = opendir(dir.c_str());
    if (!d)
        return -1;
    long n = 0;
    while (struct dirent *e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".png") == 0)
            n++;
    }
    closedir(d);
    return n;
}

std::string self_path()
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return "";
    buf[n] = '\0';
    return buf;
}

/* The 1-minute load average: other work on the machine skews the numbers. */
std::string load_average()
{
    FILE *f = fopen("/proc/loadavg", "r");
    char buf[128] = "unknown";
    if (f) {
        if (fscanf(f, "%127s", buf) != 1)
            strcpy(buf, "unknown");
        fclose(f);
    }
    return buf;
}

/* CPU time this process and its children used so far, in seconds. */
double own_cpu_seconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6 + g_children_cpu_seconds;
}

/* Busy (not idle, not iowait) CPU time of the whole machine so far, in
 * seconds summed over the cores; steal time counts as busy. */
double machine_busy_seconds()
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0.0;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return 0.0;
    /* user nice system idle iowait irq softirq steal */
    unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* How much of the machine other processes took during a section: the
 * benchmark's numbers are only as good as this is small. */
class load_meter {
public:
    load_meter() : wall_(now_seconds()), busy_(machine_busy_seconds()),
                   own_(own_cpu_seconds()) {}
    void report() const
    {
        double wall = now_seconds() - wall_;
        double others = (machine_busy_seconds() - busy_) - (own_cpu_seconds() - own_);
        if (wall <= 0.0)
            return;
        double cores = std::max(0.0, others / wall);
        g_most_other_load = std::max(g_most_other_load, cores);
        printf("  other processes on the machine: %.2f of %ld cores busy on "
               "average%s\n", cores, sysconf(_SC_NPROCESSORS_ONLN),
               cores > 0.1 ? " (the numbers above are disturbed)" : "");
    }

private:
    double wall_, busy_, own_;
};

std::string cpu_model()
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    std::string model = "unknown CPU";
    if (!f)
        return model;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *colon = strchr(line, ':');
            if (colon) {
                model = colon + 2;
                while (!model.empty() && (model.back() == '\n' || model.back() == ' '))
                    model.pop_back();
            }
            break;
        }
    }
    fclose(f);
    return model;
}

/* ------------------------------------------------------------------------ */
/* Child processes, started by a helper forked at start-up                  */
/* ------------------------------------------------------------------------ */

struct run_result {
    bool started = false;
    int status = 0;        /* wait status */
    double seconds = 0.0;  /* fork to exit */
    long maxrss_kb = 0;    /* ru_maxrss of the child alone */
};

bool write_all(int fd, const void *buf, size_t n)
{
    const char *p = static_cast<const char *>(buf);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads exactly n bytes; on EINTR after a stop signal, calls on_stop once
 * (if given) and goes on reading. */
bool read_all(int fd, void *buf, size_t n, pid_t stop_child = 0)
{
    char *p = static_cast<char *>(buf);
    bool killed = false;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            if (g_stop && stop_child > 0 && !killed) {
                kill(stop_child, SIGTERM);
                killed = true;
            }
            continue;
        }
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

struct spawn_reply {
    int32_t status;
    int32_t error; /* errno of a failed fork */
    int64_t maxrss_kb;
    double seconds;
    double cpu_seconds; /* user + system time of the child */
};

/* The helper: reads argument vectors, runs each, answers with the pid and
 * then the wait status, time and peak RSS. Never returns. */
[[noreturn]] void spawner_loop(int fd)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    for (;;) {
        uint32_t argc_u = 0;
        if (!read_all(fd, &argc_u, sizeof argc_u))
            _exit(0);
        std::vector<std::string> args(argc_u);
        for (auto &arg : args) {
            uint32_t len = 0;
            if (!read_all(fd, &len, sizeof len))
                _exit(0);
            arg.resize(len);
            if (len && !read_all(fd, &arg[0], len))
                _exit(0);
        }
        std::vector<char *> argv;
        for (auto &arg : args)
            argv.push_back(&arg[0]);
        argv.push_back(nullptr);

        double t0 = now_seconds();
        pid_t pid = fork();
        if (pid == 0) {
            close(fd);
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            execvp(argv[0], argv.data());
            fprintf(stderr, "bench_compare: cannot run %s: %s\n", argv[0],
                    strerror(errno));
            _exit(127);
        }
        int32_t pid32 = pid;
        spawn_reply reply = {0, pid < 0 ? errno : 0, 0, 0.0, 0.0};
        if (!write_all(fd, &pid32, sizeof pid32))
            _exit(0);
        if (pid > 0) {
            int status = 0;
            struct rusage ru;
            memset(&ru, 0, sizeof ru);
            while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
            }
            reply.seconds = now_seconds() - t0;
            reply.status = status;
            reply.maxrss_kb = ru.ru_maxrss;
            reply.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                                ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
        }
        if (!write_all(fd, &reply, sizeof reply))
            _exit(0);
    }
}

class spawner {
public:
    bool start()
    {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            return false;
        fflush(nullptr);
        pid_ = fork();
        if (pid_ < 0)
            return false;
        if (pid_ == 0) {
            close(sv[0]);
            spawner_loop(sv[1]);
        }
        close(sv[1]);
        fd_ = sv[0];
        return true;
    }

    void stop()
    {
        if (fd_ >= 0)
            close(fd_);
        fd_ = -1;
        if (pid_ > 0)
            waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    run_result run(const std::vector<std::string> &args)
    {
        run_result res;
        fflush(nullptr);
        uint32_t n = (uint32_t)args.size();
        bool ok = write_all(fd_, &n, sizeof n);
        for (const auto &a : args) {
            uint32_t len = (uint32_t)a.size();
            ok = ok && write_all(fd_, &len, sizeof len) &&
                 write_all(fd_, a.data(), len);
        }
        int32_t pid = 0;
        if (!ok || !read_all(fd_, &pid, sizeof pid))
            return res;
        if (g_stop && pid > 0)
            kill(pid, SIGTERM);
        spawn_reply reply;
        if (!read_all(fd_, &reply, sizeof reply, pid) || pid <= 0)
            return res;
        res.started = true;
        res.status = reply.status;
        res.seconds = reply.seconds;
        res.maxrss_kb = (long)reply.maxrss_kb;
        g_children_cpu_seconds += reply.cpu_seconds;
        return res;
    }

private:
    int fd_ = -1;
    pid_t pid_ = -1;
};

spawner g_spawner;

std::string describe(const run_result &r)
{
    if (!r.started)
        return "could not be started";
    char buf[64];
    if (WIFEXITED(r.status))
        snprintf(buf, sizeof buf, "exit status %d", WEXITSTATUS(r.status));
    else if (WIFSIGNALED(r.status))
        snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(r.status));
    else
        snprintf(buf, sizeof buf, "wait status %d", r.status);
    return buf;
}

bool succeeded(const run_result &r)
{
    return r.started && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0;
}

std::string join(const std::vector<std::string> &args)
{
    std::string s;
    for (const auto &a : args)
        s += (s.empty() ? "" : " ") + a;
    return s;
}

/* Temporary folders, all under one folder made at start-up and removed at
 * the end (also after an interrupt). */
std::string g_work_dir;

std::string fresh_dir(const std::string &name)
{
    std::string dir = g_work_dir + "/" + name;
    remove_tree(dir);
    mkdir(dir.c_str(), 0700);
    return dir;
}

[[noreturn]] void finish(int status)
{
    remove_tree(g_work_dir);
    g_spawner.stop();
    exit(status);
}

void check_stop()
{
    if (g_stop) {
        fprintf(stderr, "bench_compare: interrupted\n");
        finish(130);
    }
}

/* ------------------------------------------------------------------------ */
/* The test video                                                           */
/* ------------------------------------------------------------------------ */

bool make_dirs(const std::string &path)
{
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        if (mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
            return false;
    }
    return true;
}

/* A cached synthetic 1080p video: made with tools/synth and ffmpeg once.
 * Returns its path, or "" on failure. */
std::string test_video(const options &o)
{
    char name[128];
    snprintf(name, sizeof name, "synth-%dx%d-%d.mp4", SYNTH_WIDTH, SYNTH_HEIGHT,
             SYNTH_FRAMES);
    std::string path = o.cache + "/" + name;
    if (file_exists(path)) {
        printf("test video: %s (cached; delete it to make it again)\n", path.c_str());
        return path;
    }
    if (!make_dirs(o.cache)) {
        fprintf(stderr, "bench_compare: cannot create %s: %s\n", o.cache.c_str(),
                strerror(errno));
        return "";
    }
    std::string frames = fresh_dir("synth");
    std::string part = path + ".part.mp4";
    std::vector<std::vector<std::string>> steps = {
        {o.build + "/tools/synth", "-o", frames, "--width", std::to_string(SYNTH_WIDTH),
         "--height", std::to_string(SYNTH_HEIGHT), "--frames",
         std::to_string(SYNTH_FRAMES), "--learn", "20"},
        {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
         "-framerate", std::to_string(SYNTH_FPS), "-i", frames + "/input/in%06d.png",
         "-c:v", "libx264", "-preset", "fast", "-pix_fmt", "yuv420p", part},
    };
    printf("test video: making %s (%d frames, %d frames/s):\n", path.c_str(),
           SYNTH_FRAMES, SYNTH_FPS);
    for (const auto &step : steps) {
        printf("  $ %s\n", join(step).c_str());
        run_result r = g_spawner.run(step);
        check_stop();
        if (!succeeded(r)) {
            fprintf(stderr, "bench_compare: %s: %s\n", step[0].c_str(),
                    describe(r).c_str());
            remove_tree(frames);
            remove(part.c_str());
            return "";
        }
        printf("    %.1f s\n", r.seconds);
    }
    remove_tree(frames);
    if (rename(part.c_str(), path.c_str()) != 0) {
        fprintf(stderr, "bench_compare: cannot rename %s: %s\n", part.c_str(),
                strerror(errno));
        return "";
    }
    return path;
}

/* ------------------------------------------------------------------------ */
/* Frames in memory                                                         */
/* ------------------------------------------------------------------------ */

struct frame_set {
    int width = 0, height = 0, count = 0;
    double fps = 0.0;
    long total_frames = -1; /* frames in the file, if known */
    std::vector<uint8_t> pixels; /* count RGB24 frames, rows packed */

    size_t frame_bytes() const { return (size_t)width * height * 3; }
    uint8_t *frame(int i) { return pixels.data() + frame_bytes() * (size_t)i; }
};

bool load_frames(const std::string &input, int max_frames, frame_set *set,
                 bool quiet_failure = false)
{
    char err[512];
    frame_source *src = frame_source_open(input.c_str(), 3, err, sizeof err);
    if (!src) {
        if (!quiet_failure)
            fprintf(stderr, "bench_compare: %s\n", err);
        return false;
    }
    set->width = frame_source_width(src);
    set->height = frame_source_height(src);
    set->fps = frame_source_fps(src);
    set->total_frames = frame_source_frame_count(src);
    set->count = 0;
    set->pixels.clear();
    if (set->total_frames > 0) /* most videos: no reallocation */
        set->pixels.reserve(set->frame_bytes() *
                            (size_t)std::min<long>(max_frames, set->total_frames));
    const uint8_t *data;
    ptrdiff_t stride;
    size_t row = (size_t)set->width * 3;
    while (set->count < max_frames &&
           frame_source_read(src, &data, &stride, err, sizeof err) == 1) {
        set->pixels.resize(set->frame_bytes() * (size_t)(set->count + 1));
        uint8_t *dst = set->frame(set->count++);
        for (int y = 0; y < set->height; y++)
            memcpy(dst + row * y, data + stride * y, row);
    }
    frame_source_close(src);
    set->pixels.shrink_to_fit();
    if (set->count < 2) {
        if (!quiet_failure)
            fprintf(stderr, "bench_compare: %s: fewer than 2 frames\n", input.c_str());
        return false;
    }
    return true;
}

void downscale(frame_set &from, int width, int height, frame_set *to)
{
    to->width = width;
    to->height = height;
    to->count = from.count;
    to->fps = from.fps;
    to->pixels.resize(to->frame_bytes() * (size_t)to->count);
    for (int i = 0; i < from.count; i++) {
        cv::Mat src(from.height, from.width, CV_8UC3, from.frame(i));
        cv::Mat dst(height, width, CV_8UC3, to->frame(i));
        cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_AREA);
    }
}

/* Frame order of one repetition: forward and back (no jump in the scene when
 * the frames in memory are too few), length frames in all. */
std::vector<int> ping_pong(int count, int length)
{
    std::vector<int> order;
    int period = 2 * count - 2;
    for (int i = 0; i < length; i++) {
        int j = i % period;
        order.push_back(j < count ? j : period - j);
    }
    return order;
}

struct model_info {
    size_t bytes_per_pixel = 0;
    std::string kernel;
};

/* Frames/s of bgsub over order (the first frame untimed: it pays for the
 * first touch of the model), fresh model with default parameters. */
double time_bgsub(frame_set &set, const std::vector<int> &order, int threads,
                  std::vector<uint8_t> &mask, model_info *info)
{
    bgs_params params;
    bgs_params_default(&params);
    bgs_model *model = bgs_model_create(set.width, set.height, 3, &params);
    if (!model || bgs_model_set_threads(model, threads) != BGS_OK) {
        fprintf(stderr, "bench_compare: bgsub model: %s\n", bgs_last_error());
        finish(1);
    }
    if (info) {
        info->bytes_per_pixel = bgs_model_bytes_per_pixel(model);
        info->kernel = bgs_model_kernel_name(model);
    }
    ptrdiff_t stride = (ptrdiff_t)set.width * 3;
    bgs_model_apply(model, set.frame(order[0]), stride, mask.data(), set.width);
    double t0 = now_seconds();
    for (size_t i = 1; i < order.size() && !g_stop; i++)
        bgs_model_apply(model, set.frame(order[i]), stride, mask.data(), set.width);
    double seconds = now_seconds() - t0;
    bgs_model_free(model);
    return (double)(order.size() - 1) / seconds;
}

/* The same for a fresh MOG2 with OpenCV's defaults. */
double time_mog2(frame_set &set, const std::vector<int> &order, int threads,
                 std::vector<uint8_t> &mask)
{
    cv::setNumThreads(threads);
    cv::Ptr<cv::BackgroundSubtractorMOG2> mog = cv::createBackgroundSubtractorMOG2();
    cv::Mat out(set.height, set.width, CV_8UC1, mask.data());
    auto frame = [&](int i) {
        return cv::Mat(set.height, set.width, CV_8UC3, set.frame(order[i]));
    };
    mog->apply(frame(0), out);
    double t0 = now_seconds();
    for (size_t i = 1; i < order.size() && !g_stop; i++)
        mog->apply(frame((int)i), out);
    double seconds = now_seconds() - t0;
    return (double)(order.size() - 1) / seconds;
}

/* Section a for one frame size. */
struct model_results {
    int width = 0, height = 0;
    double bgsub1 = 0, bgsub2 = 0, mog1 = 0, mog2 = 0;
    model_info info;
};

model_results model_section(frame_set &set, const options &o)
{
    load_meter meter;
    model_results res;
    res.width = set.width;
    res.height = set.height;
    std::vector<uint8_t> mask((size_t)set.width * set.height);
    /* A repetition plays the frames forward and back, as many whole times
     * as the fastest variant (bgsub, 2 threads) needs to take at least
     * MIN_REPETITION_SECONDS; this calibration pass also warms up. */
    int period = 2 * set.count - 2;
    std::vector<int> order = ping_pong(set.count, period + 1);
    double fastest = time_bgsub(set, order, 2, mask, &res.info);
    int cycles = std::max(1, (int)std::ceil(MIN_REPETITION_SECONDS * fastest / period));
    int length = cycles * period + 1;
    order = ping_pong(set.count, length);
    printf("%dx%d: %d frames in memory; model %zu bytes/pixel, kernel %s\n",
           set.width, set.height, set.count, res.info.bytes_per_pixel,
           res.info.kernel.c_str());
    printf("  repetitions: %d of %d frames each (the frames forward and back, "
           "%d time%s), the first frame of each untimed; median frames/s "
           "(min..max)\n", o.repeat, length, cycles, cycles > 1 ? "s" : "");
    std::vector<double> b1, b2, m1, m2;
    for (int r = 0; r < o.repeat; r++) {
        b1.push_back(time_bgsub(set, order, 1, mask, nullptr));
        m1.push_back(time_mog2(set, order, 1, mask));
        b2.push_back(time_bgsub(set, order, 2, mask, nullptr));
        m2.push_back(time_mog2(set, order, 2, mask));
        check_stop();
    }
    res.bgsub1 = median(b1);
    res.bgsub2 = median(b2);
    res.mog1 = median(m1);
    res.mog2 = median(m2);
    auto spread = [](const std::vector<double> &v) {
        return std::string("(") + std::to_string((int)std::lround(
                   *std::min_element(v.begin(), v.end()))) + ".." +
               std::to_string((int)std::lround(*std::max_element(v.begin(), v.end()))) +
               ")";
    };
    printf("  %-28s %9.1f frames/s  %s\n", "bgsub, 1 thread", res.bgsub1,
           spread(b1).c_str());
    printf("  %-28s %9.1f frames/s  %s\n", "bgsub, 2 threads", res.bgsub2,
           spread(b2).c_str());
    printf("  %-28s %9.1f frames/s  %s\n", "OpenCV MOG2, 1 thread", res.mog1,
           spread(m1).c_str());
    printf("  %-28s %9.1f frames/s  %s\n", "OpenCV MOG2, 2 threads", res.mog2,
           spread(m2).c_str());
    printf("  %-28s %9.2fx\n", "bgsub / MOG2, 1 thread", res.bgsub1 / res.mog1);
    printf("  %-28s %9.2fx\n", "bgsub / MOG2, 2 threads", res.bgsub2 / res.mog2);
    printf("  %-28s %9.2fx\n", "bgsub 2 threads / 1 thread", res.bgsub2 / res.bgsub1);
    printf("  %-28s %9.2fx\n", "MOG2 2 threads / 1 thread", res.mog2 / res.mog1);
    meter.report();
    return res;
}

/* ------------------------------------------------------------------------ */
/* Section b: the memory limit                                              */
/* ------------------------------------------------------------------------ */

__attribute__((noinline)) void plain_pass(uint64_t *words, size_t n, uint8_t *tail,
                                          size_t tail_n)
{
    for (size_t i = 0; i < n; i++)
        words[i] = words[i] * 3 + 1;
    for (size_t i = 0; i < tail_n; i++)
        tail[i] = (uint8_t)(tail[i] * 3 + 1);
}

struct limit_results {
    size_t bytes = 0;
    double plain_seconds = 0, model_seconds = 0, ratio = 0;
};

/* The model's pass over its state (a frame of bgsub on 1 thread, frames as in
 * section a) and a plain pass over as many bytes, timed alternately R times
 * so that other work on the machine hits both alike. */
limit_results limit_section(frame_set &set, size_t bytes_per_pixel, const options &o)
{
    load_meter meter;
    limit_results res;
    res.bytes = (size_t)set.width * set.height * bytes_per_pixel;
    size_t n = res.bytes / 8, tail_n = res.bytes - n * 8, words = (res.bytes + 7) / 8;
    /* On huge pages where the kernel offers them, as the model's state is
     * (bgs_model_create): both then pay alike for address translation. */
    uint64_t *buf = static_cast<uint64_t *>(frame_source_alloc(words * 8));
    if (!buf) {
        fprintf(stderr, "bench_compare: out of memory for a %zu-byte buffer\n", words * 8);
        finish(1);
    }
    std::unique_ptr<uint64_t, void (*)(void *)> owner(buf, free);
    std::fill(buf, buf + words, 1); /* touched: no page faults */
    uint8_t *tail = reinterpret_cast<uint8_t *>(buf) + n * 8;
    std::vector<uint8_t> mask((size_t)set.width * set.height);
    std::vector<int> order = ping_pong(set.count, 2 * set.count - 1);
    int passes = (int)order.size() - 1;
    printf("%dx%d x %zu bytes/pixel = %.1f MB of model state, 1 thread; "
           "repetitions: %d, each a model run of %d frames then %d plain passes; "
           "median\n", set.width, set.height, bytes_per_pixel, res.bytes / 1e6,
           o.repeat, passes, passes);
    plain_pass(buf, n, tail, tail_n); /* warm-up */
    std::vector<double> tm, tp, ratio;
    for (int r = 0; r < o.repeat && !g_stop; r++) {
        tm.push_back(1.0 / time_bgsub(set, order, 1, mask, nullptr));
        double t0 = now_seconds();
        for (int p = 0; p < passes; p++)
            plain_pass(buf, n, tail, tail_n);
        tp.push_back((now_seconds() - t0) / passes);
        ratio.push_back(tm.back() / tp.back());
    }
    check_stop();
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i += 4096)
        sum += buf[i];
    g_sink = sum;
    res.plain_seconds = median(tp);
    res.model_seconds = median(tm);
    res.ratio = median(ratio);
    printf("  %-28s %9.2f ms  (%.1f GB/s read + write)\n", "plain pass (x = 3x + 1)",
           res.plain_seconds * 1e3, 2.0 * res.bytes / res.plain_seconds / 1e9);
    printf("  %-28s %9.2f ms  (%.1f GB/s of model read + write)\n",
           "model pass (one frame)", res.model_seconds * 1e3,
           2.0 * res.bytes / res.model_seconds / 1e9);
    printf("  %-28s %9.2fx\n", "model / plain", res.ratio);
    meter.report();
    return res;
}

/* ------------------------------------------------------------------------ */
/* Section c: the whole command                                             */
/* ------------------------------------------------------------------------ */

/* The OpenCV pipeline, run as a child process: VideoCapture -> MOG2 ->
 * imwrite of one PNG mask per frame (OpenCV's defaults throughout). */
int opencv_pipeline(const char *input, const char *out_dir, int threads)
{
    cv::setNumThreads(threads);
    cv::ocl::setUseOpenCL(false);
    cv::VideoCapture cap(input, cv::CAP_FFMPEG);
    if (!cap.isOpened()) {
        fprintf(stderr, "bench_compare: OpenCV cannot open %s\n", input);
        return 3;
    }
    cv::Ptr<cv::BackgroundSubtractorMOG2> mog = cv::createBackgroundSubtractorMOG2();
    cv::Mat frame, mask;
    char path[4096];
    for (long n = 1; cap.read(frame); n++) {
        mog->apply(frame, mask);
        snprintf(path, sizeof path, "%s/bin%06ld.png", out_dir, n);
        if (!cv::imwrite(path, mask)) {
            fprintf(stderr, "bench_compare: cannot write %s\n", path);
            return 4;
        }
    }
    return 0;
}

/* Does this bgsub take -j N? Its --help says so. */
bool bgsub_has_threads_option(const std::string &bgsub)
{
    std::string cmd = "'" + bgsub + "' --help 2>/dev/null";
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return false;
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        text.append(buf, n);
    pclose(p);
    return text.find(" -j,") != std::string::npos ||
           text.find(" -j ") != std::string::npos;
}

std::vector<std::string> bgsub_command(const options &o, bool with_j,
                                       const std::string &input,
                                       const std::string &out)
{
    std::vector<std::string> cmd = {o.build + "/bgsub", "-q", "--force"};
    if (with_j) {
        cmd.push_back("-j");
        cmd.push_back(std::to_string(COMMAND_THREADS));
    }
    cmd.push_back(input);
    cmd.push_back("-o");
    cmd.push_back(out);
    return cmd;
}

struct command_results {
    bool ok = false;
    long frames = 0;
    double bgsub_fps = 0, opencv_fps = 0;
    long bgsub_rss_kb = 0, opencv_rss_kb = 0;
};

/* Runs cmd with a fresh, empty output folder; frames/s from the masks it
 * wrote, or a negative value on failure. */
double run_command(const std::vector<std::string> &cmd, const std::string &out,
                   long expected_frames, long *rss_kb)
{
    fresh_dir(out.substr(g_work_dir.size() + 1));
    run_result r = g_spawner.run(cmd);
    check_stop();
    long masks = count_png_files(out);
    remove_tree(out);
    if (!succeeded(r)) {
        fprintf(stderr, "bench_compare: %s: %s\n", join(cmd).c_str(),
                describe(r).c_str());
        return -1.0;
    }
    if (expected_frames > 0 && masks != expected_frames)
        printf("  note: %s wrote %ld masks, the video has %ld frames\n",
               cmd[0].c_str(), masks, expected_frames);
    *rss_kb = std::max(*rss_kb, r.maxrss_kb);
    return (double)masks / r.seconds;
}

command_results command_section(const options &o, const std::string &video,
                                long video_frames, bool with_j)
{
    load_meter meter;
    command_results res;
    std::string bgsub_out = g_work_dir + "/masks-bgsub";
    std::string cv_out = g_work_dir + "/masks-opencv";
    std::vector<std::string> bgsub = bgsub_command(o, with_j, video, bgsub_out);
    std::vector<std::string> ocv = {self_path(), "--opencv-pipeline", video, cv_out,
                                    std::to_string(COMMAND_THREADS)};
    printf("  bgsub:  $ %s\n", join(bgsub).c_str());
    printf("  OpenCV: VideoCapture -> MOG2 (defaults) -> imwrite PNG per frame, "
           "cv::setNumThreads(%d), in a child process\n", COMMAND_THREADS);
    if (!with_j)
        printf("  note: this bgsub has no -j option yet; it runs on its default "
               "thread count\n");
    printf("  runs: %d of each, alternately, into empty folders; frames/s = masks "
           "written / wall time of the process; median\n", o.runs);
    std::vector<double> fb, fc;
    for (int r = 0; r < o.runs; r++) {
        double b = run_command(bgsub, bgsub_out, video_frames, &res.bgsub_rss_kb);
        double c = run_command(ocv, cv_out, video_frames, &res.opencv_rss_kb);
        if (b < 0 || c < 0)
            return res;
        fb.push_back(b);
        fc.push_back(c);
    }
    res.ok = true;
    res.frames = video_frames;
    res.bgsub_fps = median(fb);
    res.opencv_fps = median(fc);
    printf("  %-28s %9.1f frames/s  peak RSS %6.1f MB\n", "bgsub", res.bgsub_fps,
           res.bgsub_rss_kb / 1024.0);
    printf("  %-28s %9.1f frames/s  peak RSS %6.1f MB\n", "OpenCV pipeline",
           res.opencv_fps, res.opencv_rss_kb / 1024.0);
    printf("  %-28s %9.2fx\n", "bgsub / OpenCV", res.bgsub_fps / res.opencv_fps);
    meter.report();
    return res;
}

/* ------------------------------------------------------------------------ */
/* Section d: peak RSS, 10 seconds against 10 minutes                      */
/* ------------------------------------------------------------------------ */

struct rss_results {
    bool ok = false;
    double short_seconds = 0, long_seconds = 0;
    long short_kb = 0, long_kb = 0;
};

rss_results rss_section(const options &o, const std::string &video,
                        const frame_set &head, bool with_j)
{
    load_meter meter;
    rss_results res;
    if (head.total_frames <= 0 || head.fps <= 0) {
        fprintf(stderr, "bench_compare: %s: frame count or rate unknown; "
                "section d skipped\n", video.c_str());
        return res;
    }
    res.short_seconds = head.total_frames / head.fps;
    int copies = std::max(2, (int)std::lround(LONG_VIDEO_SECONDS / res.short_seconds));
    res.long_seconds = copies * res.short_seconds;
    std::string long_video = g_work_dir + "/long.mp4";
    std::vector<std::string> loop = {
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-stream_loop", std::to_string(copies - 1), "-i", video, "-c", "copy",
        long_video};
    printf("  short: %s (%ld frames, %.1f s)\n", video.c_str(), head.total_frames,
           res.short_seconds);
    printf("  long:  $ %s\n", join(loop).c_str());
    run_result r = g_spawner.run(loop);
    check_stop();
    if (!succeeded(r)) {
        fprintf(stderr, "bench_compare: ffmpeg: %s\n", describe(r).c_str());
        return res;
    }
    printf("         (%ld frames, %.1f s; made in %.1f s)\n",
           head.total_frames * copies, res.long_seconds, r.seconds);
    std::string out = g_work_dir + "/masks-rss";
    printf("  bgsub:  $ %s\n", join(bgsub_command(o, with_j, "VIDEO", out)).c_str());
    double fps_short = run_command(bgsub_command(o, with_j, video, out), out,
                                   head.total_frames, &res.short_kb);
    double fps_long = fps_short < 0 ? -1.0 :
        run_command(bgsub_command(o, with_j, long_video, out), out,
                    head.total_frames * copies, &res.long_kb);
    remove(long_video.c_str());
    if (fps_long < 0)
        return res;
    res.ok = true;
    printf("  %-28s %9.1f frames/s  peak RSS %6.1f MB\n", "bgsub, 10-second video",
           fps_short, res.short_kb / 1024.0);
    printf("  %-28s %9.1f frames/s  peak RSS %6.1f MB\n", "bgsub, 10-minute video",
           fps_long, res.long_kb / 1024.0);
    printf("  %-28s %+8.1f%%\n", "peak RSS, long / short - 1",
           100.0 * ((double)res.long_kb / res.short_kb - 1.0));
    meter.report();
    return res;
}

/* ------------------------------------------------------------------------ */
/* Summary                                                                  */
/* ------------------------------------------------------------------------ */

struct target_row {
    std::string what, measured, target;
    int result; /* 1 pass, 0 fail, -1 not measured */
};

std::string fmt(const char *format, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, format, v);
    return buf;
}

void section(const char *title)
{
    printf("\n== %s ==\n", title);
}

} /* namespace */

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--opencv-pipeline") == 0) {
        int threads;
        if (!parse_int(argv[4], 1, 256, &threads))
            return 2;
        return opencv_pipeline(argv[2], argv[3], threads);
    }
    options o;
    int parsed = parse_options(argc, argv, &o);
    if (parsed)
        return parsed == 1 ? 0 : 2;

    setvbuf(stdout, nullptr, _IOLBF, 0); /* progress shows in logs at once */
    /* First, while this process is small: the helper that starts children. */
    if (!g_spawner.start()) {
        fprintf(stderr, "bench_compare: cannot start the helper process: %s\n",
                strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: waits see EINTR */
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    cv::ocl::setUseOpenCL(false);

    const char *tmp = getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/bench_compare.XXXXXX";
    std::vector<char> tmpl_buf(tmpl.begin(), tmpl.end());
    tmpl_buf.push_back('\0');
    if (!mkdtemp(tmpl_buf.data())) {
        fprintf(stderr, "bench_compare: cannot create %s: %s\n", tmpl.c_str(),
                strerror(errno));
        finish(1);
    }
    g_work_dir = tmpl_buf.data();

    std::string bgsub = o.build + "/bgsub";
    if (access(bgsub.c_str(), X_OK) != 0) {
        fprintf(stderr, "bench_compare: %s not found (run make first)\n", bgsub.c_str());
        finish(1);
    }
    bool with_j = bgsub_has_threads_option(bgsub);

    time_t now = time(nullptr);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", localtime(&now));
    printf("bench_compare: bgsub %s against OpenCV %s, %s\n", bgs_version(),
           CV_VERSION, date);
    printf("machine: %s, %ld online cores; load average %s\n", cpu_model().c_str(),
           sysconf(_SC_NPROCESSORS_ONLN), load_average().c_str());

    std::string video = o.video.empty() ? test_video(o) : o.video;
    if (video.empty())
        finish(1);
    if (!o.video.empty())
        printf("test video: %s (given)\n", video.c_str());

    /* a. The model alone. */
    section("a. Model only: frames in memory, colour, default parameters");
    frame_set big;
    if (!load_frames(video, o.frames, &big))
        finish(1);
    printf("%dx%d frames: the first %d of %s\n", big.width, big.height, big.count,
           video.c_str());
    if (big.width != 1920 || big.height != 1080)
        printf("note: the targets are for 1920x1080; this video is %dx%d\n",
               big.width, big.height);
    model_results a_big = model_section(big, o);
    check_stop();

    frame_set small;
    if (load_frames(o.small, SMALL_MAX_FRAMES, &small, true) && small.width == 320 &&
        small.height == 240) {
        printf("320x240 frames: all %d of %s\n", small.count, o.small.c_str());
    } else {
        downscale(big, 320, 240, &small);
        printf("320x240 frames: the %d frames above downscaled (%s not usable)\n",
               small.count, o.small.c_str());
    }
    model_results a_small = model_section(small, o);
    small.pixels = std::vector<uint8_t>();
    check_stop();

    /* b. The memory limit. */
    section("b. Memory limit: model pass against a plain read-modify-write pass");
    limit_results b = limit_section(big, a_big.info.bytes_per_pixel, o);
    big.pixels = std::vector<uint8_t>(); /* keep the frame count and rate */

    /* c. The whole command. */
    section("c. Whole command: video in, PNG masks out, 2 threads");
    if (big.total_frames > 0)
        printf("%s, %ld frames\n", video.c_str(), big.total_frames);
    else
        printf("%s, frame count unknown\n", video.c_str());
    command_results c = command_section(o, video, big.total_frames, with_j);
    check_stop();

    /* d. Peak RSS against video length. */
    rss_results d;
    if (o.long_test) {
        section("d. Peak RSS: 10-second video against a 10-minute one");
        d = rss_section(o, video, big, with_j);
        check_stop();
    }

    /* Summary. */
    section("Summary: targets of the speed issue");
    std::vector<target_row> rows = {
        {"model 1920x1080 colour 1 thread, bgsub / MOG2",
         fmt("%.2fx", a_big.bgsub1 / a_big.mog1), ">= 4x",
         a_big.bgsub1 >= 4.0 * a_big.mog1},
        {"model 320x240 colour 1 thread, bgsub / MOG2",
         fmt("%.2fx", a_small.bgsub1 / a_small.mog1), ">= 3x",
         a_small.bgsub1 >= 3.0 * a_small.mog1},
        {"model 1920x1080, bgsub 2 threads / 1 thread",
         fmt("%.2fx", a_big.bgsub2 / a_big.bgsub1), ">= 1.7x",
         a_big.bgsub2 >= 1.7 * a_big.bgsub1},
        {"model pass / plain read-write pass, 1080p",
         fmt("%.2fx", b.ratio), "<= 2x", b.ratio <= 2.0},
        {"whole command 1080p 2 threads, bgsub / OpenCV",
         c.ok ? fmt("%.2fx", c.bgsub_fps / c.opencv_fps) : "failed", ">= 3x",
         c.ok ? c.bgsub_fps >= 3.0 * c.opencv_fps : 0},
    };
    if (!o.long_test)
        rows.push_back({"peak RSS, 10-minute / 10-second video", "not run",
                        "within 10%", -1});
    else if (!d.ok)
        rows.push_back({"peak RSS, 10-minute / 10-second video", "failed",
                        "within 10%", 0});
    else {
        double change = (double)d.long_kb / d.short_kb - 1.0;
        rows.push_back({"peak RSS, 10-minute / 10-second video",
                        fmt("%+.1f%%", 100.0 * change), "within 10%",
                        std::fabs(change) <= 0.10});
    }
    printf("load average at the end: %s; other processes took up to %.2f of "
           "%ld cores during a section%s\n", load_average().c_str(),
           g_most_other_load, sysconf(_SC_NPROCESSORS_ONLN),
           g_most_other_load > 0.1 ? " (numbers disturbed: run on an idle machine)"
                                   : "");
    printf("%-48s %-10s %-11s %s\n", "target", "measured", "goal", "result");
    int failed = 0;
    for (const auto &row : rows) {
        const char *result = row.result > 0 ? "PASS" : row.result == 0 ? "FAIL"
                                                    : "-- (use --long)";
        failed += row.result == 0;
        printf("%-48s %-10s %-11s %s\n", row.what.c_str(), row.measured.c_str(),
               row.target.c_str(), result);
    }
    if (!with_j)
        printf("note: bgsub had no -j option; the whole command ran without it\n");
    finish(o.strict && failed ? 1 : 0);
}
