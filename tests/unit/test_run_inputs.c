/*
 * test_run_inputs.c - the folder names of several inputs
 * (src/cli/run_inputs.c): network streams named by host, port and path so
 * that cameras sharing a path get folders of their own; what is a network
 * stream and what is live (src/io/source_live.c).
 */
#include "test.h"

#include "cli/run_inputs.h"
#include "io/frame_source.h"

static void check_name(const char *input, const char *want)
{
    char name[256];
    int rc = run_input_folder_name(input, name, sizeof name);
    if (!want) {
        CHECK(rc != 0, "%s: named '%s', wanted none", input, name);
        return;
    }
    CHECK(rc == 0 && strcmp(name, want) == 0, "%s: '%s' (rc %d), wanted '%s'", input,
          rc == 0 ? name : "", rc, want);
}

TEST(url_names)
{
    check_name("rtsp://user:pw@cam1:554/live/ch1.sdp?x=1", "cam1-554-live-ch1");
    check_name("rtsp://cam1/stream1", "cam1-stream1");
    check_name("rtsp://cam2/stream1", "cam2-stream1");
    check_name("tcp://127.0.0.1:40501", "127.0.0.1-40501");
    check_name("tcp://127.0.0.1:40501?listen=0", "127.0.0.1-40501");
    check_name("http://host/live.ts", "host-live");
    check_name("http://host/", "host");
    check_name("udp://@:1234", "1234");
    check_name("rtsp://", NULL);
}

TEST(file_names_unchanged)
{
    check_name("clips/a.mp4", "a");
    check_name("file:///tmp/a.mp4", "a");
    check_name("-", "stdin");
    check_name("seq/input/in%06d.png", "seq");
}

TEST(cameras_with_one_path_are_told_apart)
{
    const char *inputs[] = {"rtsp://10.0.0.5/stream1", "rtsp://10.0.0.6/stream1"};
    char err[512];
    CHECK(run_inputs_check_names(inputs, 2, "out", err, sizeof err) == 0, "%s", err);
}

TEST(network_and_live)
{
    CHECK(frame_source_is_network("rtsp://cam/x"), "rtsp://cam/x");
    CHECK(frame_source_is_network("tcp://127.0.0.1:5"), "tcp://127.0.0.1:5");
    CHECK(frame_source_is_network("srt://127.0.0.1:5"), "srt://127.0.0.1:5");
    CHECK(!frame_source_is_network("file:///a.mp4"), "file:///a.mp4");
    CHECK(!frame_source_is_network("pipe:0"), "pipe:0");
    CHECK(!frame_source_is_network("a.mp4"), "a.mp4");
    CHECK(!frame_source_is_network("weird name://x"), "weird name://x");
    CHECK(!frame_source_is_network("-"), "-");
    CHECK(frame_source_is_live("/dev/video0"), "/dev/video0");
    CHECK(frame_source_is_live("http://h/x.mjpg"), "http://h/x.mjpg");
    CHECK(!frame_source_is_live("/dev/null"), "/dev/null");
}

int main(void)
{
    RUN(url_names);
    RUN(file_names_unchanged);
    RUN(cameras_with_one_path_are_told_apart);
    RUN(network_and_live);
    return test_summary();
}
