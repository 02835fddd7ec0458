/*
 * embed.c - libbgsub inside your own program: the smallest complete use of
 * the library, built against the installed copy through pkg-config.
 *
 * libbgsub never reads files: it takes frames that are already in memory.
 * Decoding is the caller's job, so this example brings its own "decoder":
 * it reads raw RGB24 frames (width * height * 3 bytes each, no header) from
 * a file or from stdin, which is what FFmpeg writes with -f rawvideo:
 *
 *   cc embed.c $(pkg-config --cflags --libs bgsub) -o embed
 *   ffmpeg -loglevel error -i samples/sample.mp4 -f rawvideo -pix_fmt rgb24 - |
 *       ./embed 320 240 background.ppm
 *
 * For every frame it prints one line "FRAME FOREGROUND" on stdout (the frame
 * number from 1 and the share of its pixels that are foreground, 0..1), and
 * at the end it writes the model's background image as a binary PPM (P6).
 *
 * Usage: embed WIDTH HEIGHT BACKGROUND.ppm [INPUT.rgb]   (no INPUT: stdin)
 * Exit status: 0 success, 1 failure (one line on stderr).
 */
#include <bgsub.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a frame side: a whole number from 1 to 16384. */
static int parse_side(const char *text, int *side)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < 1 || v > 16384)
        return -1;
    *side = (int)v;
    return 0;
}

/* Read exactly one frame. 1: a frame, 0: clean end of input, -1: error
 * (a read error, or the input ends in the middle of a frame). */
static int read_frame(FILE *in, uint8_t *frame, size_t size)
{
    size_t got = fread(frame, 1, size, in);
    if (got == size)
        return 1;
    if (ferror(in)) {
        fprintf(stderr, "embed: cannot read input: %s\n", strerror(errno));
        return -1;
    }
    if (got != 0) {
        fprintf(stderr, "embed: input ends inside a frame (%zu of %zu bytes): "
                "is the frame size right?\n", got, size);
        return -1;
    }
    return 0;
}

/* Write an RGB24 image as a binary PPM: "P6 width height 255" + pixels. */
static int write_ppm(const char *path, const uint8_t *rgb, int width,
                     int height)
{
    FILE *out = fopen(path, "wb");
    if (!out) {
        fprintf(stderr, "embed: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t size = (size_t)width * height * 3;
    fprintf(out, "P6\n%d %d\n255\n", width, height);
    int failed = fwrite(rgb, 1, size, out) != size;
    failed |= fclose(out) != 0;
    if (failed) {
        fprintf(stderr, "embed: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int width, height;
    if (argc < 4 || argc > 5 || parse_side(argv[1], &width) != 0 ||
        parse_side(argv[2], &height) != 0) {
        fprintf(stderr, "usage: embed WIDTH HEIGHT BACKGROUND.ppm [INPUT.rgb]\n");
        return 1;
    }
    const char *background_path = argv[3];
    FILE *in = stdin;
    if (argc == 5 && strcmp(argv[4], "-") != 0 && !(in = fopen(argv[4], "rb"))) {
        fprintf(stderr, "embed: %s: %s\n", argv[4], strerror(errno));
        return 1;
    }

    /* 1. Parameters: start from the defaults, change what you need. Every
     *    setter checks its bounds; on failure bgs_last_error() says why. */
    bgs_params params;
    bgs_params_default(&params);
    if (bgs_params_set(&params, BGS_PARAM_LEARNING_FRAMES, 50) != BGS_OK) {
        fprintf(stderr, "embed: %s\n", bgs_last_error());
        return 1;
    }

    /* 2. The model: one per video, for one frame size and channel count
     *    (3: RGB, any fixed order; 1: gray). */
    bgs_model *model = bgs_model_create(width, height, 3, &params);
    if (!model) {
        fprintf(stderr, "embed: %s\n", bgs_last_error());
        return 1;
    }
    /* Threads: 0 = one per core. The masks are the same for any number. */
    if (bgs_model_set_threads(model, 0) != BGS_OK)
        fprintf(stderr, "embed: %s; going on with one thread\n", bgs_last_error());
    fprintf(stderr, "embed: libbgsub %s, kernel %s, %d thread(s)\n",
            bgs_version(), bgs_model_kernel_name(model),
            bgs_model_threads(model));

    /* 3. The frame loop: a frame in, a mask out (255 foreground, 0 background).
     *    Frames and masks are the caller's memory, rows `stride` bytes apart;
     *    here they are packed, so the stride is the row width. */
    size_t pixels = (size_t)width * height;
    uint8_t *frame = malloc(pixels * 3);
    uint8_t *mask = malloc(pixels);
    int status = frame && mask ? 0 : 1;
    if (status)
        fprintf(stderr, "embed: out of memory for %dx%d frames\n", width, height);
    long frames = 0;
    while (status == 0) {
        int got = read_frame(in, frame, pixels * 3);
        if (got <= 0) {
            status = got < 0;
            break;
        }
        if (bgs_model_apply(model, frame, (ptrdiff_t)width * 3, mask, width) != BGS_OK) {
            fprintf(stderr, "embed: frame %ld: %s\n", frames + 1, bgs_last_error());
            status = 1;
            break;
        }
        size_t foreground = 0;
        for (size_t i = 0; i < pixels; i++)
            foreground += mask[i] == BGS_MASK_FOREGROUND;
        printf("%ld %.6f\n", ++frames, (double)foreground / (double)pixels);
    }

    /* 4. The background the model has learnt: the mean of its background
     *    components per pixel, in the frames' channel layout. */
    if (status == 0 && frames == 0) {
        fprintf(stderr, "embed: no frames in the input\n");
        status = 1;
    }
    if (status == 0) {
        bgs_model_background(model, frame, (ptrdiff_t)width * 3);
        status = write_ppm(background_path, frame, width, height) != 0;
    }
    if (status == 0)
        fprintf(stderr, "embed: %ld frames, background in %s\n", frames,
                background_path);

    /* 5. Free what was created. */
    bgs_model_free(model);
    free(frame);
    free(mask);
    if (in != stdin)
        fclose(in);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}
