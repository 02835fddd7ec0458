/*
 * test_frame_source.c - image folders, name patterns and videos
 * (src/io/frame_source.c).
 *
 * Image sequences are made here with image_save_png; every frame is flat
 * gray with the value of its number, so the order frames come out in can be
 * read off the pixels. Videos are made with the ffmpeg program when it is
 * installed (the video tests are skipped otherwise). Everything is written
 * in a mkdtemp folder that is removed at the end.
 */
#include "test.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/frame_source.h"
#include "io/image_io.h"

static char tmp_dir[4096];
static char err[512];
static char scratch[4200]; /* folders whose path the test does not need */

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* tmp_dir/name formatted printf-style; a few results stay valid at once. */
static const char *tmp_path(const char *fmt, ...)
{
    static char paths[4][4400];
    static int next;
    char *p = paths[next++ % 4];
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    snprintf(p, sizeof(paths[0]), "%s/%s", tmp_dir, name);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove dir and everything in it. */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh, empty folder tmp_dir/name; its path goes into path[size]
 * (tmp_path's results do not last long enough). */
static void make_folder(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s", tmp_path("%s", name));
    remove_tree(path);
    mkdir(path, 0777);
}

/* A flat gray PNG of the given size and value. */
static int write_flat_png(const char *path, int width, int height, int value)
{
    uint8_t *data = malloc((size_t)width * height);
    memset(data, value, (size_t)width * height);
    int r = image_save_png(path, data, width, height, 1, width, 1, 1, err,
                           sizeof(err));
    free(data);
    return r;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Read one frame and return its first pixel, -1 at the end, -2 on error. */
static int read_first_pixel(frame_source *src)
{
    const uint8_t *data;
    ptrdiff_t stride;
    int r = frame_source_read(src, &data, &stride, err, sizeof(err));
    return r == 1 ? data[0] : r == 0 ? -1 : -2;
}

static int have_ffmpeg(void)
{
    static int known = -1;
    if (known < 0)
        known = system("ffmpeg -version >/dev/null 2>&1") == 0;
    return known;
}

/* Run ffmpeg with the given arguments, quietly; 0 on success. */
static int run_ffmpeg(const char *args)
{
    char command[8192];
    snprintf(command, sizeof(command),
             "ffmpeg -nostdin -hide_banner -loglevel error -y %s "
             ">/dev/null 2>&1",
             args);
    return system(command) == 0 ? 0 : -1;
}

/* A test-pattern video of frames frames at 10 frames/s. */
static int make_video(const char *path, int width, int height, int frames,
                      const char *codec_args)
{
    char args[4096];
    snprintf(args, sizeof(args),
             "-f lavfi -i testsrc=size=%dx%d:rate=10 -frames:v %d %s '%s'",
             width, height, frames, codec_args, path);
    return run_ffmpeg(args);
}

static int saved_stderr = -1;

static void stderr_capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    FILE *f = fopen(tmp_path("stderr.txt"), "w");
    if (f) {
        dup2(fileno(f), 2);
        fclose(f);
    }
}

/* Bytes written to stderr since stderr_capture_begin. */
static long stderr_capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    struct stat st;
    long n = stat(tmp_path("stderr.txt"), &st) == 0 ? (long)st.st_size : -1;
    remove(tmp_path("stderr.txt"));
    return n;
}

/* ------------------------------------------------------------------------ */
/* Folders                                                                  */
/* ------------------------------------------------------------------------ */

TEST(folder_natural_order_and_filtering)
{
    char dir[4200];
    make_folder("natural", dir, sizeof(dir));
    const int values[] = {1, 2, 3, 9, 10, 11, 100};
    const char *names[] = {"in1.png", "in2.png",   "IN3.PNG",  "in9.jpg",
                           "in10.png", "in11.Jpeg", "in100.png"};
    for (int i = 0; i < 7; i++)
        REQUIRE(write_flat_png(tmp_path("natural/%s", names[i]), 4, 3,
                               values[i]) == 0, "%s", err);
    /* Not frames: hidden, other extensions, a folder named like an image. */
    write_flat_png(tmp_path("natural/.hidden.png"), 4, 3, 200);
    write_flat_png(tmp_path("natural/in5.gif"), 4, 3, 201);
    write_flat_png(tmp_path("natural/notes.txt"), 4, 3, 202);
    mkdir(tmp_path("natural/in4.png"), 0777);

    frame_source *src = frame_source_open(dir, 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_get_kind(src) == FRAME_SOURCE_FOLDER, "kind");
    CHECK(frame_source_frame_count(src) == 7, "count %ld",
          frame_source_frame_count(src));
    CHECK(frame_source_width(src) == 4 && frame_source_height(src) == 3,
          "size %d x %d", frame_source_width(src), frame_source_height(src));
    CHECK(frame_source_fps(src) == 0, "fps %g", frame_source_fps(src));
    for (int i = 0; i < 7; i++) {
        int v = read_first_pixel(src);
        CHECK(v == values[i], "frame %d has value %d, want %d (%s)", i, v,
              values[i], err);
        CHECK(ends_with(frame_source_current_name(src), names[i]),
              "frame %d named %s", i, frame_source_current_name(src));
    }
    CHECK(read_first_pixel(src) == -1, "more frames than expected");
    frame_source_close(src);
}

TEST(folder_uses_cdnet_input_subfolder)
{
    make_folder("cdnet", scratch, sizeof(scratch));
    mkdir(tmp_path("cdnet/input"), 0777);
    mkdir(tmp_path("cdnet/groundtruth"), 0777);
    for (int i = 1; i <= 3; i++) {
        REQUIRE(write_flat_png(tmp_path("cdnet/input/in%06d.png", i), 8, 6,
                               i) == 0, "%s", err);
        REQUIRE(write_flat_png(tmp_path("cdnet/groundtruth/gt%06d.png", i), 8,
                               6, 255) == 0, "%s", err);
    }
    write_flat_png(tmp_path("cdnet/stray.png"), 8, 6, 77);
    frame_source *src = frame_source_open(tmp_path("cdnet"), 3, err,
                                          sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_frame_count(src) == 3, "count %ld",
          frame_source_frame_count(src));
    CHECK(frame_source_channels(src) == 3, "channels %d",
          frame_source_channels(src));
    const uint8_t *data;
    ptrdiff_t stride;
    REQUIRE(frame_source_read(src, &data, &stride, err, sizeof(err)) == 1,
            "%s", err);
    CHECK(data[0] == 1 && data[1] == 1 && data[2] == 1 && stride >= 24,
          "gray frame as RGB: %d %d %d stride %td", data[0], data[1], data[2],
          stride);
    CHECK(strstr(frame_source_current_name(src), "input/in000001.png"),
          "name %s", frame_source_current_name(src));
    frame_source_close(src);
}

TEST(folder_skip_without_decoding)
{
    char dir[4200];
    make_folder("skip", dir, sizeof(dir));
    for (int i = 1; i <= 6; i++)
        REQUIRE(write_flat_png(tmp_path("skip/f%d.png", i), 2, 2, i) == 0,
                "%s", err);
    /* Frame 3 is broken: skipping over it must not decode it. */
    FILE *f = fopen(tmp_path("skip/f3.png"), "wb");
    fputs("garbage", f);
    fclose(f);
    frame_source *src = frame_source_open(dir, 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_skip(src, 3, err, sizeof(err)) == 3, "skip 3");
    CHECK(read_first_pixel(src) == 4, "after skip: %s", err);
    CHECK(frame_source_skip(src, 10, err, sizeof(err)) == 2, "skip at end");
    CHECK(read_first_pixel(src) == -1, "frames after the end");
    CHECK(frame_source_skip(src, 1, err, sizeof(err)) == 0, "skip past end");
    frame_source_close(src);
}

TEST(folder_bad_frame_names_its_file)
{
    char dir[4200];
    make_folder("badframe", dir, sizeof(dir));
    write_flat_png(tmp_path("badframe/in000006.jpg"), 4, 4, 6);
    FILE *f = fopen(tmp_path("badframe/in000007.jpg"), "wb");
    fwrite("\0\0\0\0", 1, 4, f);
    fclose(f);
    frame_source *src = frame_source_open(dir, 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(read_first_pixel(src) == 6, "first frame");
    CHECK(read_first_pixel(src) == -2, "broken frame read");
    CHECK(strstr(err, "in000007.jpg: not a PNG, JPEG or BMP image: starts "
                      "with 0x00 0x00"), "message: %s", err);
    frame_source_close(src);
}

TEST(size_change_mid_sequence_is_an_error)
{
    char dir[4200];
    make_folder("resize", dir, sizeof(dir));
    write_flat_png(tmp_path("resize/a1.png"), 8, 8, 1);
    write_flat_png(tmp_path("resize/a2.png"), 8, 8, 2);
    write_flat_png(tmp_path("resize/a3.png"), 8, 7, 3);
    frame_source *src = frame_source_open(dir, 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(read_first_pixel(src) == 1, "frame 1");
    CHECK(read_first_pixel(src) == 2, "frame 2");
    CHECK(read_first_pixel(src) == -2, "frame of another size accepted");
    CHECK(strstr(err, "a3.png") && strstr(err, "8 x 7"), "message: %s", err);
    frame_source_close(src);
}

TEST(empty_folder_and_missing_input)
{
    char dir[4200];
    make_folder("empty", dir, sizeof(dir));
    write_flat_png(tmp_path("empty/readme.txt"), 2, 2, 0);
    frame_source *src = frame_source_open(dir, 1, err, sizeof(err));
    CHECK(src == NULL, "empty folder opened");
    CHECK(strstr(err, dir) && strstr(err, "no PNG or JPEG"), "message: %s",
          err);
    frame_source_close(src);

    const char *missing = tmp_path("video.mp4");
    src = frame_source_open(missing, 1, err, sizeof(err));
    CHECK(src == NULL, "missing file opened");
    CHECK(strstr(err, missing) &&
          strstr(err, "cannot open: No such file or directory"),
          "message: %s", err);
    frame_source_close(src);

    src = frame_source_open(dir, 2, err, sizeof(err));
    CHECK(src == NULL, "2 channels accepted");
}

/* ------------------------------------------------------------------------ */
/* Patterns                                                                 */
/* ------------------------------------------------------------------------ */

TEST(pattern_from_zero_and_from_one)
{
    make_folder("p0", scratch, sizeof(scratch));
    for (int i = 0; i <= 4; i++)
        write_flat_png(tmp_path("p0/in%06d.png", i), 3, 3, 10 + i);
    frame_source *src = frame_source_open(tmp_path("p0/in%%06d.png"), 1, err,
                                          sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_get_kind(src) == FRAME_SOURCE_PATTERN, "kind");
    CHECK(frame_source_frame_count(src) == 5, "count %ld",
          frame_source_frame_count(src));
    for (int i = 0; i <= 4; i++)
        CHECK(read_first_pixel(src) == 10 + i, "frame %d: %s", i, err);
    CHECK(read_first_pixel(src) == -1, "past the end");
    frame_source_close(src);

    /* Starts at 1, and stops at the gap after 3. */
    make_folder("p1", scratch, sizeof(scratch));
    for (int i = 1; i <= 5; i++)
        if (i != 4)
            write_flat_png(tmp_path("p1/f%d.png", i), 3, 3, i);
    src = frame_source_open(tmp_path("p1/f%%d.png"), 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_frame_count(src) == 3, "count %ld",
          frame_source_frame_count(src));
    CHECK(read_first_pixel(src) == 1, "first frame");
    CHECK(ends_with(frame_source_current_name(src), "p1/f1.png"), "name %s",
          frame_source_current_name(src));
    CHECK(frame_source_skip(src, 1, err, sizeof(err)) == 1, "skip");
    CHECK(read_first_pixel(src) == 3, "third frame");
    CHECK(ends_with(frame_source_current_name(src), "p1/f3.png"), "name %s",
          frame_source_current_name(src));
    CHECK(read_first_pixel(src) == -1, "read past the gap");
    frame_source_close(src);
}

TEST(pattern_errors)
{
    make_folder("pe", scratch, sizeof(scratch));
    write_flat_png(tmp_path("pe/x12.png"), 3, 3, 1);
    const char *none = tmp_path("pe/x%%d.png"); /* 12 is past 0..9 */
    frame_source *src = frame_source_open(none, 1, err, sizeof(err));
    CHECK(src == NULL, "pattern without a first file opened");
    CHECK(strstr(err, none) && strstr(err, "no file"), "message: %s", err);

    const char *bad[] = {"pe/x%%s.png", "pe/x%%d%%d.png", "pe/x%%ld.png",
                         "pe/x%%0999d.png", "pe/x%%"};
    for (int i = 0; i < 5; i++) {
        src = frame_source_open(tmp_path(bad[i]), 1, err, sizeof(err));
        CHECK(src == NULL, "bad pattern %s opened", bad[i]);
        CHECK(strstr(err, "pattern"), "message: %s", err);
        frame_source_close(src);
    }
}

/* ------------------------------------------------------------------------ */
/* Videos                                                                   */
/* ------------------------------------------------------------------------ */

TEST(video_mp4_frames_size_and_rate)
{
    if (!have_ffmpeg())
        SKIP("the ffmpeg program is not installed");
    const char *path = tmp_path("test.mp4");
    REQUIRE(make_video(path, 64, 48, 20, "-c:v mpeg4 -pix_fmt yuv420p") == 0,
            "ffmpeg could not make %s", path);
    for (int channels = 1; channels <= 3; channels += 2) {
        frame_source *src = frame_source_open(path, channels, err, sizeof(err));
        REQUIRE(src != NULL, "%s", err);
        CHECK(frame_source_get_kind(src) == FRAME_SOURCE_VIDEO, "kind");
        CHECK(frame_source_width(src) == 64 && frame_source_height(src) == 48,
              "size %d x %d", frame_source_width(src),
              frame_source_height(src));
        CHECK(fabs(frame_source_fps(src) - 10) < 1e-6, "fps %g",
              frame_source_fps(src));
        CHECK(frame_source_frame_count(src) == 20, "count %ld",
              frame_source_frame_count(src));
        const uint8_t *data;
        ptrdiff_t stride;
        int frames = 0, varied = 0, r;
        while ((r = frame_source_read(src, &data, &stride, err,
                                      sizeof(err))) == 1) {
            frames++;
            CHECK(stride >= 64 * channels, "stride %td", stride);
            for (int x = 0; x < 64 * channels; x++)
                varied |= data[24 * stride + x] != data[24 * stride];
        }
        CHECK(r == 0, "read error: %s", err);
        CHECK(frames == 20, "%d frames with %d channels", frames, channels);
        CHECK(varied, "frames are flat");
        frame_source_close(src);
    }
}

/* A lossless RGB video must come out exactly as ffmpeg's own PNG of the same
 * frame, and a Matroska file (no frame count in the header) must still get
 * a count estimate. */
TEST(video_lossless_pixels_and_estimated_count)
{
    if (!have_ffmpeg())
        SKIP("the ffmpeg program is not installed");
    const char *video = tmp_path("lossless.mkv");
    const char *still = tmp_path("frame0.png");
    REQUIRE(make_video(video, 64, 48, 20, "-c:v ffv1 -pix_fmt bgr0") == 0,
            "ffmpeg could not make %s", video);
    REQUIRE(make_video(still, 64, 48, 1, "-pix_fmt rgb24") == 0,
            "ffmpeg could not make %s", still);
    image want;
    REQUIRE(image_load(still, 3, &want, err, sizeof(err)) == 0, "%s", err);
    frame_source *src = frame_source_open(video, 3, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    CHECK(frame_source_frame_count(src) == 20, "estimated count %ld",
          frame_source_frame_count(src));
    const uint8_t *data;
    ptrdiff_t stride;
    REQUIRE(frame_source_read(src, &data, &stride, err, sizeof(err)) == 1,
            "%s", err);
    int same = 1;
    for (int y = 0; y < 48; y++)
        same &= memcmp(data + y * stride, want.data + y * want.stride,
                       64 * 3) == 0;
    CHECK(same, "first frame differs from ffmpeg's PNG");
    CHECK(frame_source_skip(src, 5, err, sizeof(err)) == 5, "skip: %s", err);
    long rest = 0;
    while (frame_source_read(src, &data, &stride, err, sizeof(err)) == 1)
        rest++;
    CHECK(rest == 14, "%ld frames after skipping", rest);
    image_free(&want);
    frame_source_close(src);
}

TEST(video_size_change_is_an_error)
{
    if (!have_ffmpeg())
        SKIP("the ffmpeg program is not installed");
    const char *a = tmp_path("big.ts");
    const char *b = tmp_path("small.ts");
    const char *both = tmp_path("both.ts");
    REQUIRE(make_video(a, 64, 48, 5, "-c:v mpeg2video") == 0, "ffmpeg failed");
    REQUIRE(make_video(b, 32, 24, 5, "-c:v mpeg2video") == 0, "ffmpeg failed");
    char command[8192];
    snprintf(command, sizeof(command), "cat '%s' '%s' > '%s'", a, b, both);
    REQUIRE(system(command) == 0, "cat failed");
    frame_source *src = frame_source_open(both, 1, err, sizeof(err));
    REQUIRE(src != NULL, "%s", err);
    const uint8_t *data;
    ptrdiff_t stride;
    int r, frames = 0;
    while ((r = frame_source_read(src, &data, &stride, err, sizeof(err))) == 1)
        frames++;
    CHECK(r == -1, "size change not reported (%d frames)", frames);
    CHECK(strstr(err, both) && strstr(err, "32 x 24"), "message: %s", err);
    frame_source_close(src);
}

TEST(video_damaged_files_fail_quietly)
{
    if (!have_ffmpeg())
        SKIP("the ffmpeg program is not installed");
    const char *path = tmp_path("damaged.mp4");
    REQUIRE(make_video(path, 64, 48, 20, "-c:v mpeg4") == 0, "ffmpeg failed");
    struct stat st;
    REQUIRE(stat(path, &st) == 0, "no video");
    stderr_capture_begin();
    /* Cut at several points: open or read may fail, but with a message
     * naming the file, and never a crash. */
    int messages_named = 1;
    for (int part = 1; part < 8; part++) {
        if (truncate(path, st.st_size * (8 - part) / 8) != 0)
            break;
        err[0] = 0;
        frame_source *src = frame_source_open(path, 1, err, sizeof(err));
        const uint8_t *data;
        ptrdiff_t stride;
        int r = 0;
        while (src && (r = frame_source_read(src, &data, &stride, err,
                                             sizeof(err))) == 1)
            ;
        if (!src || r < 0)
            messages_named &= strstr(err, path) != NULL;
        frame_source_close(src);
    }
    /* Not a video at all. */
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 4096; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    frame_source *src = frame_source_open(path, 1, err, sizeof(err));
    long printed = stderr_capture_end();
    CHECK(src == NULL, "garbage opened as a video");
    CHECK(strstr(err, path) != NULL, "message: %s", err);
    CHECK(messages_named, "a message lacks the file name: %s", err);
    CHECK(printed == 0, "%ld bytes printed to stderr", printed);
    frame_source_close(src);
}

/* Reading into the caller's buffer (what the pipeline does: with
 * frame_source_stride a video frame is converted straight into it) gives
 * the frames frame_source_read lends, for sequences too. With a stride of
 * its own (tight: row + 7) the bytes between rows stay untouched. */
static int read_into_matches_read(const char *input, int channels,
                                  int preferred_stride, int *frames_out)
{
    frame_source *lent = frame_source_open(input, channels, err, sizeof(err));
    frame_source *into = frame_source_open(input, channels, err, sizeof(err));
    if (!lent || !into) {
        frame_source_close(lent);
        frame_source_close(into);
        return 0;
    }
    int w = frame_source_width(into), h = frame_source_height(into);
    ptrdiff_t row = (ptrdiff_t)w * channels;
    ptrdiff_t stride = preferred_stride ? frame_source_stride(into) : row + 7;
    if (stride < row) {
        frame_source_close(lent);
        frame_source_close(into);
        return 0;
    }
    uint8_t *buf = malloc((size_t)stride * h);
    int same = buf != NULL, frames = 0;
    const uint8_t *data;
    ptrdiff_t lent_stride;
    while (same) {
        memset(buf, 0xa5, (size_t)stride * h);
        int a = frame_source_read(lent, &data, &lent_stride, err, sizeof(err));
        int b = frame_source_read_into(into, buf, stride, err, sizeof(err));
        same = a == b;
        if (a != 1)
            break;
        frames++;
        for (int y = 0; same && y < h; y++) {
            same = memcmp(buf + y * stride, data + y * lent_stride, (size_t)row) == 0;
            for (ptrdiff_t x = row; same && !preferred_stride && x < stride; x++)
                same = buf[y * stride + x] == 0xa5;
        }
    }
    free(buf);
    frame_source_close(lent);
    frame_source_close(into);
    *frames_out = frames;
    return same;
}

TEST(read_into_gives_the_frames_read_lends)
{
    char folder[4096];
    make_folder("into", folder, sizeof(folder));
    for (int i = 0; i < 3; i++) {
        char name[4200];
        snprintf(name, sizeof(name), "%s/f%d.png", folder, i);
        REQUIRE(write_flat_png(name, 5, 3, 40 * i) == 0, "cannot write %s", name);
    }
    int frames = 0;
    for (int preferred = 0; preferred <= 1; preferred++)
        CHECK(read_into_matches_read(folder, 3, preferred, &frames) && frames == 3,
              "folder, stride %s: %d frames, %s", preferred ? "preferred" : "tight",
              frames, err);
    if (!have_ffmpeg())
        SKIP("the ffmpeg program is not installed: videos not checked");
    /* Widths that are not a multiple of 16: the converter writes whole
     * groups of pixels. */
    static const int widths[] = {66, 42};
    for (int i = 0; i < 2; i++) {
        const char *video = tmp_path("into%d.mp4", widths[i]);
        REQUIRE(make_video(video, widths[i], 46, 12, "-c:v mpeg4 -pix_fmt yuv420p") == 0,
                "ffmpeg could not make %s", video);
        for (int channels = 1; channels <= 3; channels += 2)
            for (int preferred = 0; preferred <= 1; preferred++)
                CHECK(read_into_matches_read(video, channels, preferred, &frames) &&
                      frames == 12, "%d wide video, %d channels, stride %s: %d frames, %s",
                      widths[i], channels, preferred ? "preferred" : "tight", frames, err);
    }
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_frame_source.XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        printf("cannot create %s: %s\n", tmp_dir, strerror(errno));
        return 1;
    }
    RUN(folder_natural_order_and_filtering);
    RUN(folder_uses_cdnet_input_subfolder);
    RUN(folder_skip_without_decoding);
    RUN(folder_bad_frame_names_its_file);
    RUN(size_change_mid_sequence_is_an_error);
    RUN(empty_folder_and_missing_input);
    RUN(pattern_from_zero_and_from_one);
    RUN(pattern_errors);
    RUN(video_mp4_frames_size_and_rate);
    RUN(video_lossless_pixels_and_estimated_count);
    RUN(video_size_change_is_an_error);
    RUN(video_damaged_files_fail_quietly);
    RUN(read_into_gives_the_frames_read_lends);
    remove_tree(tmp_dir);
    return test_summary();
}
