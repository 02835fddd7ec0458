/*
 * synth.c - deterministic synthetic scene generator.
 *
 * Writes a sequence folder laid out like a ChangeDetection.net (CDnet) one,
 * so that the bgsub tests, benchmarks and the bundled sample can run on data
 * whose ground truth is exact and whose content is chosen to exercise the
 * hard cases of background subtraction:
 *
 *   OUT/input/in000001.png ...        8-bit RGB frames (gray with --gray)
 *   OUT/groundtruth/gt000001.png ...  8-bit labels, see below
 *   OUT/ROI.bmp                       8-bit gray BMP, all 255 (whole frame)
 *   OUT/temporalROI.txt               "FIRST LAST": frames scored
 *
 * The scene (fractions are of the frame size, so it scales with --width and
 * --height):
 *   - a street seen from above at an angle: buildings along the top, a
 *     pavement, a two-lane road with a dashed centre line, grass and paving
 *     patches below; all with smooth value-noise texture (octave sum);
 *   - a pond in the lower right whose pixels switch among three colours
 *     (dark water, mid, sun glint) as ripples pass: each pixel's history is
 *     tri-modal with well separated modes, which one Gaussian cannot model
 *     but a mixture can. No object ever enters it, so its ground truth is 0;
 *   - a slow global illumination drift: every pixel is multiplied by
 *     1 + 0.03 sin(2 pi t / frames);
 *   - per-pixel, per-channel Gaussian camera noise (--noise, default 3);
 *   - --objects objects with their own colour and texture. Object 0 is a car
 *     that drives in from the left edge just after the learning frames,
 *     stops for up to 150 frames (long enough that a model which absorbs
 *     stopped things will have absorbed it), then drives off to the right.
 *     The others alternate between cars crossing in their lane and
 *     pedestrians walking along the pavement or across the road; their
 *     start times are spread from the middle of the learning frames to the
 *     end, and each leaves before the last frame when there is time.
 *
 * Ground truth: 255 where an object fully covers the pixel (a stopped object
 * stays 255, as CDnet labels stopped objects that had been moving), 0 where
 * no object touches it, and 170 ("unknown" in CDnet) on the one-pixel band an
 * object's edge passes through: objects are anti-aliased (4x4 supersampling),
 * so there the colour is a blend and the label really is uncertain. Scoring
 * ignores 170, like CDnet does.
 *
 * Scene kinds (--scene): "street" is the scene above. Each other kind is the
 * same street (same background, same objects on the same paths, so the same
 * 255/170 labels) plus one hard case of background subtraction, so that the
 * F-measure a kind loses against "street" is what that case costs:
 *   - shadows: every object casts a shadow on the ground, hard or soft-edged,
 *     that multiplies what is under it by a factor of 0.4..0.8 (one per
 *     object, the same for the three channels, so the chromaticity stays;
 *     +-8% of static ground grain in the darkening). Shadow pixels that no
 *     object touches and that are at least 10% darker are labelled 50,
 *     CDnet's "hard shadow", which scoring counts as negative, like 0;
 *   - light-switch: the light changes abruptly twice during the scored
 *     frames: to x0.58/0.60/0.66 (R/G/B: dimmer and a little bluer) at 35%
 *     of them, back to x1 at 70%. Labels as in "street";
 *   - waving: a tree stands in front of the buildings; its crown sways
 *     (a periodic sway, random gusts and per-leaf flutter) so that its
 *     pixels alternate among dark leaf, lit leaf and what is behind. It is
 *     background (0); pedestrians pass in front of it;
 *   - noise: a poor camera: Gaussian noise of sigma 10 unless --noise says
 *     otherwise, 0.2% salt-and-pepper pixels per frame and a per-frame gain
 *     jitter of about 1.5%. Labels as in "street".
 * The kinds below stand for what a background model meets on real footage
 * beyond the street's own cases. Their times are in seconds at 25 frames/s
 * (scene.txt: "fps 25"), so that a test can ask for a behaviour in seconds:
 *   - stop: object 0 is a person who walks in along the pavement, stands
 *     still for 30 seconds (750 frames, or as long as the sequence allows)
 *     and walks on; labelled 255 throughout, as CDnet labels people who
 *     stand still ("stop_frames A B": first and last frame standing);
 *   - ghost: object 0 is a car parked in the lower lane from the first
 *     frame (so it is learnt as background) that drives off at 20% of the
 *     scored frames; the road it leaves behind is background (0)
 *     ("leave_frame N": the first frame it moves);
 *   - sun: the sun comes out over half of the view (the part left of a
 *     soft diagonal edge, 10% of the width wide): the light there rises by
 *     x1.55/1.50/1.40 (R/G/B) within 2 seconds (50 frames) from 30% of the
 *     scored frames and stays ("sun_frames A B": first and last frame of
 *     the rise). Every object is a person, so that the true foreground
 *     stays small;
 *   - large-object: object 0 is a textured box covering 75% of the view
 *     that slides in from the left within a second at 30% of the scored
 *     frames, stays 4 seconds swaying by a few pixels, and slides out
 *     ("large_frames A B": first and last frame fully in view);
 *   - jitter: the camera shakes: every frame, labels included, is shifted
 *     by a whole number of pixels drawn from -2..2 in x and in y (the
 *     frame's edge repeated where it moves in) ("jitter_max 2").
 * OUT/scene.txt describes the sequence for scripts and tests: one "key
 * values..." line each (scene kind, size, frames, the light switch frames
 * and gains, the tree's box...).
 *
 * Determinism: one splitmix64 stream derived from --seed lays out the scene,
 * and frame t's camera noise comes from its own stream seeded by (seed, t),
 * so the output depends only on the options (and on the C library's sin/exp
 * rounding, which could in principle differ on another platform). The scene
 * kinds draw from streams of their own, so "street" is unchanged by them.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/image_io.h"

#define MAX_OBJECTS 16
#define MAX_KEYS 4
#define SUPERSAMPLE 4 /* per axis, so coverage counts 0..16 */
#define FULL_COVER (SUPERSAMPLE * SUPERSAMPLE)
#define TWO_PI 6.283185307179586

/* ------------------------------------------------------------------------ */
/* Random numbers and noise                                                 */
/* ------------------------------------------------------------------------ */

/* splitmix64: tiny, fast, good enough statistically, and the same on every
 * platform (rand() is neither). */
typedef struct rng {
    uint64_t state;
    double spare; /* second Box-Muller value, valid if has_spare */
    int has_spare;
} rng;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static rng rng_make(uint64_t seed, uint64_t stream)
{
    rng r = { mix64(seed) ^ mix64(stream + 0x9e3779b97f4a7c15ULL), 0.0, 0 };
    return r;
}

static uint64_t rng_next(rng *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return mix64(r->state);
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(r);
}

/* Standard normal by Box-Muller; both values of a pair are used. */
static double rng_gauss(rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = 1.0 - rng_uniform(r); /* (0, 1], so log() is finite */
    double u2 = rng_uniform(r);
    double m = sqrt(-2.0 * log(u1));
    r->spare = m * sin(TWO_PI * u2);
    r->has_spare = 1;
    return m * cos(TWO_PI * u2);
}

/* Random value in [0, 1) attached to an integer lattice point. */
static double lattice(uint64_t seed, int ix, int iy)
{
    uint64_t key = ((uint64_t)(uint32_t)ix << 32) | (uint32_t)iy;
    return (double)(mix64(seed ^ mix64(key)) >> 11) * 0x1.0p-53;
}

static double lerp(double a, double b, double t) { return a + (b - a) * t; }

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    return t * t * (3.0 - 2.0 * t);
}

/* Value noise: lattice values blended with a smooth curve, so the texture
 * has no visible grid and no hard edges. Range [0, 1). */
static double value_noise(uint64_t seed, double x, double y)
{
    double fx = floor(x), fy = floor(y);
    int ix = (int)fx, iy = (int)fy;
    double tx = smoothstep(0.0, 1.0, x - fx), ty = smoothstep(0.0, 1.0, y - fy);
    double top = lerp(lattice(seed, ix, iy), lattice(seed, ix + 1, iy), tx);
    double bot = lerp(lattice(seed, ix, iy + 1), lattice(seed, ix + 1, iy + 1), tx);
    return lerp(top, bot, ty);
}

/* Sum of octaves, rescaled so that it still spans about [0, 1]: averaging
 * octaves pulls values towards 0.5, which would flatten the texture. */
static double fractal_noise(uint64_t seed, double x, double y, int octaves)
{
    double sum = 0.0, amp = 1.0, norm = 0.0;
    for (int o = 0; o < octaves; o++) {
        sum += amp * value_noise(seed + (uint64_t)o * 0x632be59bd9b4e019ULL, x, y);
        norm += amp;
        amp *= 0.5;
        x *= 2.0;
        y *= 2.0;
    }
    double v = 0.5 + (sum / norm - 0.5) * 2.0;
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum scene_kind {
    SCENE_STREET, SCENE_SHADOWS, SCENE_LIGHT_SWITCH, SCENE_WAVING, SCENE_NOISE,
    SCENE_STOP, SCENE_GHOST, SCENE_SUN, SCENE_LARGE, SCENE_JITTER,
    SCENE_KINDS
} scene_kind;

static const char *const scene_names[SCENE_KINDS] = {
    "street", "shadows", "light-switch", "waving", "noise",
    "stop", "ghost", "sun", "large-object", "jitter",
};

#define NOISY_CAMERA_SIGMA 10.0 /* --scene noise without --noise */

typedef struct options {
    int width, height, frames, learn, objects;
    uint64_t seed;
    double noise;
    int gray;
    const char *out;
    scene_kind kind;
    int noise_given;
} options;

static const char usage[] =
    "usage: synth -o OUT [options]\n"
    "Writes a deterministic synthetic ChangeDetection.net-style sequence:\n"
    "OUT/input/inNNNNNN.png, OUT/groundtruth/gtNNNNNN.png, OUT/ROI.bmp and\n"
    "OUT/temporalROI.txt. Existing files of the same names are replaced.\n"
    "\n"
    "  -o, --output OUT   output folder (created if missing)\n"
    "  --width W          frame width, 32..8192 (default 320)\n"
    "  --height H         frame height, 32..8192 (default 240)\n"
    "  --frames N         number of frames, 1..999999 (default 300)\n"
    "  --learn N          learning frames, not scored, 0..frames-1 (default\n"
    "                     100); temporalROI.txt says \"N+1 frames\"\n"
    "  --seed S           scene and noise seed, 0..2^64-1 (default 1)\n"
    "  --noise SIGMA      camera noise std. deviation in levels, 0..100\n"
    "                     (default 3)\n"
    "  --objects N        moving objects, 0..16 (default 4); object 1 stops\n"
    "                     for up to 150 frames after the learning frames\n"
    "  --gray             write 8-bit gray input frames instead of RGB\n"
    "  --scene KIND       street (default), or the street plus one hard case:\n"
    "                     shadows (cast shadows, labelled 50), light-switch\n"
    "                     (abrupt global light changes), waving (a swaying\n"
    "                     tree, background), noise (sigma 10 unless --noise,\n"
    "                     salt-and-pepper, per-frame gain jitter), stop (a\n"
    "                     person stands still for 30 s), ghost (a car parked\n"
    "                     from the start drives off), sun (the light rises on\n"
    "                     half the view within 2 s), large-object (a box\n"
    "                     covering 75% of the view for 4 s) or jitter (the\n"
    "                     camera shakes by up to 2 pixels); times at 25\n"
    "                     frames/s\n"
    "  -h, --help         show this help\n"
    "\n"
    "Ground truth: 0 static, 255 object (also while stopped), 170 on the\n"
    "one-pixel anti-aliased edge band of objects (to be ignored by scoring),\n"
    "50 cast shadow (--scene shadows; scored as negative, like 0).\n"
    "The scene has textured background, a rippling pond (multi-modal\n"
    "background), slow illumination drift and Gaussian camera noise.\n"
    "OUT/scene.txt lists the kind, size, frames and, for light-switch, the\n"
    "frames where the light changes (\"switch_frames A B\"); for waving, the\n"
    "tree's box (\"waving_box X0 Y0 X1 Y1\", pixels, X1 and Y1 excluded);\n"
    "for stop, sun and large-object the frames of the event (\"stop_frames\",\n"
    "\"sun_frames\", \"large_frames\": first and last), for ghost the frame\n"
    "the car leaves (\"leave_frame\").\n"
    "Exit status: 0 success, 1 write error, 2 bad arguments.\n";

static int bad_arg(const char *what, const char *value, const char *expect)
{
    fprintf(stderr, "synth: %s: expected %s, got '%s' (see --help)\n", what,
            expect, value);
    return 2;
}

static int parse_long(const char *what, const char *s, long lo, long hi,
                      long *out)
{
    char buf[64], *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        snprintf(buf, sizeof buf, "an integer from %ld to %ld", lo, hi);
        return bad_arg(what, s, buf);
    }
    *out = v;
    return 0;
}

static int parse_int(const char *what, const char *s, int lo, int hi, int *out)
{
    long v;
    if (parse_long(what, s, lo, hi, &v) != 0)
        return 2;
    *out = (int)v;
    return 0;
}

static int parse_seed(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    /* strtoull would accept " -1" by negating; a seed is never negative */
    if (!isdigit((unsigned char)*s) || *end != '\0' || errno != 0)
        return bad_arg("--seed", s, "an integer from 0 to 2^64-1");
    *out = (uint64_t)v;
    return 0;
}

static int parse_scene(const char *s, scene_kind *out)
{
    for (int k = 0; k < SCENE_KINDS; k++)
        if (strcmp(s, scene_names[k]) == 0) {
            *out = (scene_kind)k;
            return 0;
        }
    return bad_arg("--scene", s, "street, shadows, light-switch, waving, noise, stop, "
                                 "ghost, sun, large-object or jitter");
}

static int parse_noise(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= 0.0 && v <= 100.0))
        return bad_arg("--noise", s, "a number from 0 to 100");
    *out = v;
    return 0;
}

/* Applies one option that takes a value. Returns 0, or 2 after the error
 * line, also for an unknown name. */
static int set_option(options *o, const char *name, const char *value)
{
    if (strcmp(name, "-o") == 0 || strcmp(name, "--output") == 0) {
        if (*value == '\0')
            return bad_arg(name, value, "a folder name");
        o->out = value;
        return 0;
    }
    if (strcmp(name, "--width") == 0)
        return parse_int(name, value, 32, 8192, &o->width);
    if (strcmp(name, "--height") == 0)
        return parse_int(name, value, 32, 8192, &o->height);
    if (strcmp(name, "--frames") == 0)
        return parse_int(name, value, 1, 999999, &o->frames);
    if (strcmp(name, "--learn") == 0)
        return parse_int(name, value, 0, 999998, &o->learn);
    if (strcmp(name, "--objects") == 0)
        return parse_int(name, value, 0, MAX_OBJECTS, &o->objects);
    if (strcmp(name, "--seed") == 0)
        return parse_seed(value, &o->seed);
    if (strcmp(name, "--noise") == 0) {
        o->noise_given = 1;
        return parse_noise(value, &o->noise);
    }
    if (strcmp(name, "--scene") == 0)
        return parse_scene(value, &o->kind);
    fprintf(stderr, "synth: unknown option '%s' (see --help)\n", name);
    return 2;
}

/* "--name=value": splits at the '=' and applies it. */
static int set_inline_option(options *o, const char *arg, const char *eq)
{
    char name[32];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof name)
        n = sizeof name - 1; /* too long to be known: still reported */
    memcpy(name, arg, n);
    name[n] = '\0';
    if (strcmp(name, "--gray") == 0 || strcmp(name, "--help") == 0) {
        fprintf(stderr, "synth: %s takes no value (see --help)\n", name);
        return 2;
    }
    return set_option(o, name, eq + 1);
}

/* Handles argv[*i]: a flag, "--name=value" or "--name value". Returns 0, 1
 * when --help was printed, or 2 after an error line. */
static int parse_one(options *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *eq = strchr(arg, '=');
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        fputs(usage, stdout);
        return 1;
    }
    if (strcmp(arg, "--gray") == 0) {
        o->gray = 1;
        return 0;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
        fprintf(stderr, "synth: unexpected argument '%s' (see --help)\n", arg);
        return 2;
    }
    if (eq != NULL && strncmp(arg, "--", 2) == 0)
        return set_inline_option(o, arg, eq);
    if (*i + 1 >= argc) {
        fprintf(stderr, "synth: %s needs a value (see --help)\n", arg);
        return 2;
    }
    *i += 1;
    return set_option(o, arg, argv[*i]);
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){ 320, 240, 300, 100, 4, 1, 3.0, 0, NULL, SCENE_STREET, 0 };
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(o, argc, argv, &i);
        if (rc != 0)
            return rc;
    }
    if (o->out == NULL) {
        fprintf(stderr, "synth: no output folder given (-o OUT, see --help)\n");
        return 2;
    }
    if (o->learn >= o->frames) {
        fprintf(stderr, "synth: --learn (%d) must be less than --frames (%d)\n",
                o->learn, o->frames);
        return 2;
    }
    if (o->kind == SCENE_NOISE && !o->noise_given)
        o->noise = NOISY_CAMERA_SIGMA;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Scene description                                                        */
/* ------------------------------------------------------------------------ */

typedef enum shape { SHAPE_CAR, SHAPE_PERSON, SHAPE_BOX } shape;

/* Objects follow straight lines between key frames; two keys at the same
 * place make it stand still. Before the first key and after the last one
 * the object is not in the scene. Positions are of the centre, in pixels. */
typedef struct keyframe {
    int frame;
    double x, y;
} keyframe;

typedef struct object {
    shape shape;            /* car: rectangle, person: ellipse */
    double half_w, half_h;
    double colour[3];
    uint64_t texture_seed;
    int nkeys;
    keyframe keys[MAX_KEYS];
    double shadow_factor;   /* --scene shadows: what its shadow multiplies by */
    double shadow_soft;     /* width of the shadow's edge ramp, pixels */
    double sway;            /* amplitude (pixels) of a sideways sway between
                               keys 1 and 2 (large-object), 0 none */
} object;

/* A static textured rectangle of the background, in fractions of the frame. */
typedef struct patch {
    double x0, y0, x1, y1;
    double rgb[3];
} patch;

typedef struct box {
    int x0, y0, x1, y1; /* half-open: x0 <= x < x1 */
} box;

/* --scene waving: a tree whose crown sways in front of the buildings. */
typedef struct tree {
    double cx, cy, rx, ry; /* crown ellipse at rest, pixels */
    double amp;            /* sway amplitude at the top of the crown, pixels */
    double period;         /* frames per sway cycle */
    double leaf;           /* leaf texture cell, pixels */
    uint64_t seed;
    box reach;             /* every pixel the swaying crown can cover */
} tree;

typedef struct scene {
    int width, height, frames;
    float *background;   /* width*height*3, before illumination and noise */
    box pond;
    float *pond_phase;   /* per pond pixel: ripple phase at t = 0 */
    float *pond_rate;    /* per pond pixel: radians per frame */
    int nobjects;
    object objects[MAX_OBJECTS];
    scene_kind kind;
    uint64_t effect_seed;  /* the scene kinds' own random numbers */
    double sun_dx, sun_dy; /* shadows: unit vector along which shadows fall */
    int switch_frames[2];  /* light-switch: first frame of each change, 0 none */
    tree tree;
    int event[2];          /* stop, sun, large-object: first and last frame
                              of the event; ghost: the frame the car leaves */
} scene;

/* Layout, in fractions of the frame: the road and its lanes, where people
 * walk, where the pond is. Objects are placed relative to these. */
#define ROAD_TOP 0.46
#define ROAD_BOTTOM 0.80
#define LANE_LEFTWARD 0.545  /* upper lane, traffic to the left */
#define LANE_RIGHTWARD 0.705 /* lower lane, traffic to the right */
#define PAVEMENT_Y 0.37
#define STOP_X 0.20          /* where the stopping car waits */
#define STOP_FRAMES 150
/* The kinds stop, ghost, sun and large-object count time at this rate. */
#define SCENE_FPS 25
#define PERSON_STOP_FRAMES (30 * SCENE_FPS) /* stop: the person stands 30 s */
#define PERSON_STOP_X 0.40
#define LEAVE_AT 0.20        /* ghost: share of the scored frames parked */
#define EVENT_AT 0.30        /* sun, large-object: share of the scored frames before */
#define SUN_RISE_FRAMES (2 * SCENE_FPS)
#define LARGE_SIDE 0.87      /* large-object: width and height, of the view's */
#define LARGE_STAY_FRAMES (4 * SCENE_FPS)
#define JITTER_MAX 2

static const patch scene_patches[] = {
    { 0.00, 0.00, 1.00, 0.30, { 150, 150, 150 } }, /* backdrop behind houses */
    { 0.02, 0.03, 0.30, 0.30, { 170, 148, 122 } }, /* sandstone building */
    { 0.34, 0.00, 0.60, 0.30, { 96, 104, 124 } },  /* blue-grey building */
    { 0.64, 0.05, 0.97, 0.30, { 152, 94, 80 } },   /* brick building */
    { 0.00, 0.30, 1.00, ROAD_TOP, { 140, 136, 128 } }, /* pavement */
    { 0.00, ROAD_TOP, 1.00, ROAD_BOTTOM, { 74, 74, 80 } }, /* road */
};

static const double pond_colours[3][3] = {
    { 24, 52, 78 },   /* water in a trough */
    { 46, 88, 112 },  /* flat water */
    { 150, 176, 190 } /* sun glint on a crest */
};

/* Saturated colours that stand out from the greys and greens around. */
static const double object_palette[][3] = {
    { 205, 35, 35 },  { 235, 200, 30 }, { 240, 240, 232 }, { 30, 70, 210 },
    { 240, 120, 20 }, { 190, 40, 170 }, { 20, 190, 200 },  { 250, 150, 180 },
};
#define PALETTE_SIZE (sizeof object_palette / sizeof object_palette[0])

static box frac_box(const scene *s, double x0, double y0, double x1, double y1)
{
    box b = { (int)lround(x0 * s->width), (int)lround(y0 * s->height),
              (int)lround(x1 * s->width), (int)lround(y1 * s->height) };
    return b;
}

/* Lower part of the frame: paving and grass in irregular patches. */
static void ground_colour(const scene *s, uint64_t seed, int x, int y,
                          double rgb[3])
{
    static const double paving[3] = { 124, 118, 110 }, grass[3] = { 88, 122, 62 };
    double scale = s->width / 4.0;
    double g = smoothstep(0.45, 0.6, fractal_noise(seed, x / scale, y / scale, 2));
    for (int c = 0; c < 3; c++)
        rgb[c] = lerp(paving[c], grass[c], g);
}

static void paint_ground(scene *s, uint64_t seed)
{
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++) {
            double rgb[3];
            ground_colour(s, seed, x, y, rgb);
            for (int c = 0; c < 3; c++)
                s->background[((size_t)y * s->width + x) * 3 + c] = (float)rgb[c];
        }
}

static void paint_patch(scene *s, const patch *p)
{
    box b = frac_box(s, p->x0, p->y0, p->x1, p->y1);
    for (int y = b.y0; y < b.y1; y++)
        for (int x = b.x0; x < b.x1; x++)
            for (int c = 0; c < 3; c++)
                s->background[((size_t)y * s->width + x) * 3 + c] = (float)p->rgb[c];
}

/* Dashes 1/16 of the width long, 2 pixels thick, between the lanes. */
static void paint_centre_line(scene *s)
{
    int yc = (int)lround(0.625 * s->height), dash = s->width / 16;
    for (int y = yc - 1; y <= yc; y++)
        for (int x = 0; x < s->width; x++) {
            if ((x / dash) % 2 != 0)
                continue;
            float *p = &s->background[((size_t)y * s->width + x) * 3];
            p[0] = 205.f, p[1] = 205.f, p[2] = 190.f;
        }
}

/* Multiplies everything by a 5-octave texture (0.78..1.22, details down to
 * about 1 pixel), so no area is flat and there are gradients of every
 * strength, as in real footage. */
static void apply_texture(scene *s, uint64_t seed)
{
    double cell = 20.0;
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++) {
            double f = 0.78 + 0.44 * fractal_noise(seed, x / cell, y / cell, 5);
            float *p = &s->background[((size_t)y * s->width + x) * 3];
            for (int c = 0; c < 3; c++)
                p[c] = (float)(p[c] * f);
        }
}

/* Ripples travel across the pond; each pixel's phase is disturbed by noise
 * and its rate (one cycle per 10..16 frames) varies smoothly, so the
 * pattern never repeats exactly. */
static void init_pond(scene *s, uint64_t seed)
{
    box b = s->pond;
    for (int y = b.y0; y < b.y1; y++)
        for (int x = b.x0; x < b.x1; x++) {
            size_t i = (size_t)(y - b.y0) * (size_t)(b.x1 - b.x0) + (size_t)(x - b.x0);
            double wobble = fractal_noise(seed, x / 10.0, y / 6.0, 2);
            double period = 10.0 + 6.0 * value_noise(seed + 1, x / 20.0, y / 20.0);
            s->pond_phase[i] = (float)(0.35 * x + 0.9 * y + 9.0 * wobble);
            s->pond_rate[i] = (float)(TWO_PI / period);
        }
}

static void paint_trunk(scene *s); /* --scene waving, with the tree below */

static void paint_background(scene *s, uint64_t seed)
{
    paint_ground(s, seed + 1);
    for (size_t i = 0; i < sizeof scene_patches / sizeof scene_patches[0]; i++)
        paint_patch(s, &scene_patches[i]);
    paint_centre_line(s);
    if (s->kind == SCENE_WAVING)
        paint_trunk(s);
    apply_texture(s, seed + 2);
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

static int travel_frames(double distance, double speed)
{
    return (int)ceil(fabs(distance) / speed);
}

/* Consecutive palette entries from a random start, so up to PALETTE_SIZE
 * objects all differ in colour. */
static void set_colour(object *ob, rng *r, size_t index)
{
    size_t k = index % PALETTE_SIZE;
    for (int c = 0; c < 3; c++)
        ob->colour[c] = object_palette[k][c];
    ob->texture_seed = rng_next(r);
}

static void make_car(object *ob, const scene *s, rng *r)
{
    ob->shape = SHAPE_CAR;
    ob->half_w = rng_range(r, 0.07, 0.095) * s->width;
    ob->half_h = rng_range(r, 0.048, 0.062) * s->height;
}

static void make_person(object *ob, const scene *s, rng *r)
{
    ob->shape = SHAPE_PERSON;
    ob->half_w = rng_range(r, 0.024, 0.032) * s->width;
    ob->half_h = rng_range(r, 0.075, 0.09) * s->height;
}

/* Object 0: drives in from the left in the right-hand lane, waits, then
 * drives off to the right, faster. The wait is cut short if the sequence
 * is too short for 150 frames. */
static void plan_stopper(object *ob, const scene *s, const options *o)
{
    double y = LANE_RIGHTWARD * s->height, stop_x = STOP_X * s->width;
    double x_in = -ob->half_w, x_out = s->width + ob->half_w;
    int margin = 1 + (o->frames - o->learn) / 100;
    int in = travel_frames(stop_x - x_in, s->width / 48.0);
    int out = travel_frames(x_out - stop_x, s->width / 32.0);
    int wait = o->frames - o->learn - 2 * margin - in - out;
    wait = wait > STOP_FRAMES ? STOP_FRAMES : wait < 0 ? 0 : wait;
    int t0 = o->learn + margin;
    ob->nkeys = 4;
    ob->keys[0] = (keyframe){ t0, x_in, y };
    ob->keys[1] = (keyframe){ t0 + in, stop_x, y };
    ob->keys[2] = (keyframe){ t0 + in + wait, stop_x, y };
    ob->keys[3] = (keyframe){ t0 + in + wait + out, x_out, y };
}

/* A straight crossing from (x0, y0) to (x1, y1) starting at frame t0. */
static void plan_crossing(object *ob, double x0, double y0, double x1,
                          double y1, int t0, double speed)
{
    int n = travel_frames(hypot(x1 - x0, y1 - y0), speed);
    ob->nkeys = 2;
    ob->keys[0] = (keyframe){ t0, x0, y0 };
    ob->keys[1] = (keyframe){ t0 + n, x1, y1 };
}

/* Cars keep to their lane: rightward in the lower one, leftward above. */
static void route_car(object *ob, const scene *s, rng *r, double *pts)
{
    double w = s->width, h = s->height, out = ob->half_w + 1;
    int right = rng_next(r) & 1;
    double y = (right ? LANE_RIGHTWARD : LANE_LEFTWARD) * h;
    pts[0] = right ? -out : w + out;
    pts[2] = right ? w + out : -out;
    pts[1] = pts[3] = y;
    pts[4] = rng_range(r, w / 64.0, w / 36.0);
}

/* People walk along the pavement, or across the road at some x well left of
 * the pond (which starts at 0.62 of the width), in either direction. */
static void route_person(object *ob, const scene *s, rng *r, double *pts)
{
    double w = s->width, h = s->height;
    double ox = ob->half_w + 1, oy = ob->half_h + 1;
    int dir = (int)(rng_next(r) % 4);
    if (dir < 2) {
        double y = PAVEMENT_Y * h + rng_range(r, -0.03, 0.03) * h;
        pts[0] = dir == 0 ? -ox : w + ox;
        pts[2] = dir == 0 ? w + ox : -ox;
        pts[1] = pts[3] = y;
    } else {
        double x = rng_range(r, 0.30, 0.50) * w;
        pts[1] = dir == 2 ? -oy : h + oy;
        pts[3] = dir == 2 ? h + oy : -oy;
        pts[0] = x;
        pts[2] = x + rng_range(r, -0.05, 0.05) * w;
    }
    pts[4] = rng_range(r, w / 190.0, w / 130.0);
}

/* Mover j of m: starts somewhere in its slice of [learn/2, last start that
 * still lets it leave before the end]. */
static int mover_start(const options *o, int duration, int j, int m, rng *r)
{
    int first = 1 + o->learn / 2;
    int last = o->frames - duration - 1 - (o->frames - o->learn) / 40;
    if (last < first)
        last = first;
    return first + (int)((last - first) * (j + rng_uniform(r)) / m);
}

static void plan_mover(object *ob, const scene *s, const options *o, rng *r,
                       int j)
{
    double p[5]; /* x0, y0, x1, y1, speed */
    if (j % 2 == 0 && s->kind != SCENE_SUN) {
        make_car(ob, s, r);
        route_car(ob, s, r, p);
    } else {
        make_person(ob, s, r);
        route_person(ob, s, r, p);
    }
    int duration = travel_frames(hypot(p[2] - p[0], p[3] - p[1]), p[4]);
    /* sun: every object moves (object 0 too), spread over all of them */
    int movers = s->kind == SCENE_SUN ? o->objects : o->objects - 1;
    int t0 = mover_start(o, duration, j, movers, r);
    plan_crossing(ob, p[0], p[1], p[2], p[3], t0, p[4]);
}

/* stop: object 0 walks in from the left along the pavement, stands at
 * PERSON_STOP_X for PERSON_STOP_FRAMES (less if the sequence is too short)
 * and walks on to the right. */
static void plan_standing_person(scene *s, object *ob, const options *o, rng *r)
{
    make_person(ob, s, r);
    double y = PAVEMENT_Y * s->height, stop_x = PERSON_STOP_X * s->width;
    double x_in = -ob->half_w - 1, x_out = s->width + ob->half_w + 1;
    double speed = s->width / 160.0;
    int margin = 1 + (o->frames - o->learn) / 100;
    int in = travel_frames(stop_x - x_in, speed), out = travel_frames(x_out - stop_x, speed);
    int wait = o->frames - o->learn - 2 * margin - in - out;
    wait = wait > PERSON_STOP_FRAMES ? PERSON_STOP_FRAMES : wait < 1 ? 1 : wait;
    int t0 = o->learn + margin;
    ob->nkeys = 4;
    ob->keys[0] = (keyframe){ t0, x_in, y };
    ob->keys[1] = (keyframe){ t0 + in, stop_x, y };
    ob->keys[2] = (keyframe){ t0 + in + wait - 1, stop_x, y };
    ob->keys[3] = (keyframe){ t0 + in + wait - 1 + out, x_out, y };
    s->event[0] = t0 + in;
    s->event[1] = t0 + in + wait - 1;
}

/* ghost: object 0 is parked where the stopping car waits from frame 1 and
 * drives off to the right at LEAVE_AT of the scored frames. */
static void plan_parked_car(scene *s, object *ob, const options *o, rng *r)
{
    make_car(ob, s, r);
    double y = LANE_RIGHTWARD * s->height, x = STOP_X * s->width;
    double x_out = s->width + ob->half_w + 1;
    int leave = o->learn + 1 + (int)lround(LEAVE_AT * (o->frames - o->learn));
    ob->nkeys = 3;
    ob->keys[0] = (keyframe){ 1, x, y };
    ob->keys[1] = (keyframe){ leave - 1, x, y };
    ob->keys[2] = (keyframe){ leave - 1 + travel_frames(x_out - x, s->width / 40.0), x_out, y };
    s->event[0] = leave;
}

/* large-object: object 0, a box of LARGE_SIDE of the view's width and
 * height, slides in from the left within a second from EVENT_AT of the
 * scored frames, stays LARGE_STAY_FRAMES swaying, and slides back out. */
static void plan_large_object(scene *s, object *ob, const options *o)
{
    ob->shape = SHAPE_BOX;
    ob->half_w = LARGE_SIDE * s->width / 2;
    ob->half_h = LARGE_SIDE * s->height / 2;
    ob->sway = s->width / 100.0;
    double cx = s->width / 2.0, cy = s->height / 2.0, x_in = -ob->half_w - 1;
    int t0 = o->learn + 1 + (int)lround(EVENT_AT * (o->frames - o->learn));
    ob->nkeys = 4;
    ob->keys[0] = (keyframe){ t0, x_in, cy };
    ob->keys[1] = (keyframe){ t0 + SCENE_FPS, cx, cy };
    ob->keys[2] = (keyframe){ t0 + SCENE_FPS + LARGE_STAY_FRAMES - 1, cx, cy };
    ob->keys[3] = (keyframe){ t0 + 2 * SCENE_FPS + LARGE_STAY_FRAMES - 1, x_in, cy };
    s->event[0] = t0 + SCENE_FPS;
    s->event[1] = t0 + SCENE_FPS + LARGE_STAY_FRAMES - 1;
}

static void plan_objects(scene *s, const options *o, rng *r)
{
    size_t first_colour = (size_t)(rng_next(r) % PALETTE_SIZE);
    s->nobjects = o->objects;
    for (int i = 0; i < o->objects; i++) {
        object *ob = &s->objects[i];
        set_colour(ob, r, first_colour + (size_t)i);
        if (i > 0 || s->kind == SCENE_SUN) {
            plan_mover(ob, s, o, r, s->kind == SCENE_SUN ? i : i - 1);
        } else if (s->kind == SCENE_STOP) {
            plan_standing_person(s, ob, o, r);
        } else if (s->kind == SCENE_GHOST) {
            plan_parked_car(s, ob, o, r);
        } else if (s->kind == SCENE_LARGE) {
            plan_large_object(s, ob, o);
        } else {
            make_car(ob, s, r);
            plan_stopper(ob, s, o);
        }
    }
}

/* Where the object's centre is at frame t; 0 if it is not in the scene. */
static int object_position(const object *ob, int t, double *x, double *y)
{
    if (ob->nkeys == 0 || t < ob->keys[0].frame || t > ob->keys[ob->nkeys - 1].frame)
        return 0;
    int k = 0;
    while (k + 2 < ob->nkeys && t > ob->keys[k + 1].frame)
        k++;
    const keyframe *a = &ob->keys[k], *b = &ob->keys[k + 1];
    double f = b->frame > a->frame ? (double)(t - a->frame) / (b->frame - a->frame) : 0.0;
    *x = lerp(a->x, b->x, f);
    *y = lerp(a->y, b->y, f);
    if (ob->sway > 0.0 && k == 1)
        *x += ob->sway * sin(TWO_PI * (t - a->frame) / (2.0 * SCENE_FPS));
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

static int object_contains(const object *ob, double u, double v)
{
    double a = u / ob->half_w, b = v / ob->half_h;
    if (ob->shape != SHAPE_PERSON)
        return fabs(a) <= 1.0 && fabs(b) <= 1.0;
    return a * a + b * b <= 1.0;
}

/* Samples of a SUPERSAMPLE x SUPERSAMPLE grid inside the object; (u, v) is
 * the pixel's top-left corner relative to the object's centre. */
static int object_coverage(const object *ob, double u, double v)
{
    int n = 0;
    for (int j = 0; j < SUPERSAMPLE; j++)
        for (int i = 0; i < SUPERSAMPLE; i++)
            n += object_contains(ob, u + (i + 0.5) / SUPERSAMPLE,
                                 v + (j + 0.5) / SUPERSAMPLE);
    return n;
}

/* Colour at (u, v) from the centre. The texture is in object coordinates so
 * it moves with the object; cars get dark windows, people dark legs, so
 * objects are not flat blobs. */
static void object_colour(const object *ob, double u, double v, double rgb[3])
{
    double f = 0.72 + 0.28 * value_noise(ob->texture_seed, u / 4.0, v / 4.0);
    double a = u / ob->half_w, b = v / ob->half_h;
    if (ob->shape == SHAPE_CAR && fabs(a) < 0.55 && b > -0.75 && b < 0.75)
        f *= (fabs(a) < 0.2 || fabs(b) > 0.45) ? 1.0 : 0.45; /* roof, windows */
    else if (ob->shape == SHAPE_PERSON && b > 0.2)
        f *= 0.55;
    for (int c = 0; c < 3; c++)
        rgb[c] = ob->colour[c] * f;
}

/* Blends the object into rgb by coverage and keeps the largest coverage per
 * pixel in cover (for the labels). */
static void draw_object(const scene *s, const object *ob, double cx, double cy,
                        float *rgb, uint8_t *cover)
{
    int x0 = (int)floor(cx - ob->half_w), x1 = (int)ceil(cx + ob->half_w);
    int y0 = (int)floor(cy - ob->half_h), y1 = (int)ceil(cy + ob->half_h);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > s->width - 1 ? s->width - 1 : x1;
    y1 = y1 > s->height - 1 ? s->height - 1 : y1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            int n = object_coverage(ob, x - cx, y - cy);
            if (n == 0)
                continue;
            size_t i = (size_t)y * s->width + x;
            double col[3], a = (double)n / FULL_COVER;
            object_colour(ob, x + 0.5 - cx, y + 0.5 - cy, col);
            for (int c = 0; c < 3; c++)
                rgb[i * 3 + c] = (float)lerp(rgb[i * 3 + c], col[c], a);
            if (n > cover[i])
                cover[i] = (uint8_t)n;
        }
}

/* Each pond pixel shows one of three colours depending on where the ripple
 * is: thresholds at +-0.5 give each colour a third of the time. Hard
 * switching (no blending) keeps the three modes distinct. */
static void draw_pond(const scene *s, int t, float *rgb)
{
    box b = s->pond;
    for (int y = b.y0; y < b.y1; y++)
        for (int x = b.x0; x < b.x1; x++) {
            size_t k = (size_t)(y - b.y0) * (size_t)(b.x1 - b.x0) + (size_t)(x - b.x0);
            double w = sin(s->pond_phase[k] + s->pond_rate[k] * t);
            const double *col = pond_colours[w < -0.5 ? 0 : w < 0.5 ? 1 : 2];
            size_t i = (size_t)y * s->width + x;
            for (int c = 0; c < 3; c++)
                rgb[i * 3 + c] = (float)col[c];
        }
}

/* ------------------------------------------------------------------------ */
/* Scene kinds: shadows, light switch, waving tree, noisy camera            */
/* ------------------------------------------------------------------------ */

/* Random streams of the scene kinds, apart from the street's layout (stream
 * 0) and frame t's camera noise (stream t <= 999999). */
#define EFFECT_STREAM (1ULL << 40)       /* sun, shadows, tree */
#define FRAME_EFFECT_STREAM (1ULL << 41) /* + t: frame t's gain, salt-and-pepper */

#define SHADOW_FACTOR_MIN 0.4
#define SHADOW_FACTOR_MAX 0.8
#define SHADOW_LABEL_DARKENING 0.1f /* label 50 from 10% darker */
#define SWITCH_AT_1 0.35 /* share of the scored frames before each switch */
#define SWITCH_AT_2 0.70
#define SALT_PEPPER_RATE 0.002
#define GAIN_JITTER_SIGMA 0.015
#define GAIN_JITTER_MAX 0.04

static const double switched_gains[3] = { 0.58, 0.60, 0.66 };
static const double leaf_colours[2][3] = { { 38, 78, 34 }, { 104, 150, 62 } };
static const double trunk_colour[3] = { 92, 70, 52 };

static double clamp01(double v) { return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v; }

/* The sun is low, behind the camera: shadows fall down the frame and to
 * one side, 20..45 degrees below the horizontal. Objects take turns at a
 * hard (1-pixel) and a soft (2.5..4-pixel) edge; each has its own darkness. */
static void plan_shadows(scene *s, rng *r)
{
    double angle = rng_range(r, 20.0, 45.0) * TWO_PI / 360.0;
    s->sun_dx = ((rng_next(r) & 1) ? 1.0 : -1.0) * cos(angle);
    s->sun_dy = sin(angle);
    for (int i = 0; i < s->nobjects; i++) {
        object *ob = &s->objects[i];
        ob->shadow_factor = rng_range(r, SHADOW_FACTOR_MIN, SHADOW_FACTOR_MAX);
        ob->shadow_soft = i % 2 == 0 ? 1.0 : rng_range(r, 2.5, 4.0);
    }
}

/* A shadow on the ground: an ellipse, or a rectangle for cars, centred at
 * (cx, cy) with half axes a along (ux, uy) and b across it. */
typedef struct shadow_shape {
    double cx, cy, a, b, ux, uy;
    int ellipse;
} shadow_shape;

static shadow_shape object_shadow(const scene *s, const object *ob, double x,
                                  double y)
{
    if (ob->shape == SHAPE_CAR) {
        /* the car's footprint pushed along the sun by about its height */
        double len = 0.9 * ob->half_h;
        return (shadow_shape){ x + s->sun_dx * len, y + s->sun_dy * len,
                               ob->half_w, ob->half_h, 1.0, 0.0, 0 };
    }
    /* a standing person: a long thin ellipse that starts at the feet */
    double len = 1.6 * ob->half_h, feet_y = y + 0.9 * ob->half_h;
    return (shadow_shape){ x + s->sun_dx * len / 2, feet_y + s->sun_dy * len / 2,
                           len / 2, 0.9 * ob->half_w, s->sun_dx, s->sun_dy, 1 };
}

/* Signed distance in pixels from (px, py) to the shadow's edge, negative
 * inside: Chebyshev for the rectangle, first order for the ellipse (the
 * implicit function over its gradient), which is all an edge ramp needs. */
static double shadow_distance(const shadow_shape *sh, double px, double py)
{
    double dx = px - sh->cx, dy = py - sh->cy;
    double u = dx * sh->ux + dy * sh->uy, v = -dx * sh->uy + dy * sh->ux;
    if (!sh->ellipse)
        return fmax(fabs(u) - sh->a, fabs(v) - sh->b);
    double gu = u / (sh->a * sh->a), gv = v / (sh->b * sh->b);
    double r = sqrt(u * gu + v * gv), g = hypot(gu, gv);
    if (g < 1e-12)
        return -fmin(sh->a, sh->b);
    return (r - 1.0) * r / g;
}

/* shade = how much each pixel is darkened (1 - factor; 0: no shadow). Where
 * shadows overlap the darker one wins: they come from the same sun. */
static void cast_shadows(const scene *s, int t, float *shade)
{
    memset(shade, 0, (size_t)s->width * s->height * sizeof *shade);
    for (int k = 0; k < s->nobjects; k++) {
        const object *ob = &s->objects[k];
        double x, y;
        if (!object_position(ob, t, &x, &y))
            continue;
        shadow_shape sh = object_shadow(s, ob, x, y);
        double reach = hypot(sh.a, sh.b) + ob->shadow_soft + 1.0;
        int x0 = (int)fmax(0.0, floor(sh.cx - reach));
        int x1 = (int)fmin(s->width - 1.0, ceil(sh.cx + reach));
        int y0 = (int)fmax(0.0, floor(sh.cy - reach));
        int y1 = (int)fmin(s->height - 1.0, ceil(sh.cy + reach));
        for (int py = y0; py <= y1; py++)
            for (int px = x0; px <= x1; px++) {
                double d = shadow_distance(&sh, px + 0.5, py + 0.5);
                double strength = clamp01(0.5 - d / ob->shadow_soft);
                size_t i = (size_t)py * s->width + px;
                float dark = (float)(strength * (1.0 - ob->shadow_factor));
                if (dark > shade[i])
                    shade[i] = dark;
            }
    }
}

/* Darkens rgb by shade, the same for the three channels so the colour's
 * chromaticity stays, with +-8% of fixed grain in the darkening: a shadow
 * on real ground is not flat. */
static void apply_shade(const scene *s, const float *shade, float *rgb)
{
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++) {
            size_t i = (size_t)y * s->width + x;
            if (shade[i] <= 0.0f)
                continue;
            double grain = value_noise(s->effect_seed, x / 2.5, y / 2.5);
            double f = 1.0 - shade[i] * (0.92 + 0.16 * grain);
            for (int c = 0; c < 3; c++)
                rgb[i * 3 + c] = (float)(rgb[i * 3 + c] * f);
        }
}

/* The light changes at 35% and 70% of the scored frames (the second is
 * left out when it would not come after the first, in a short sequence). */
static void plan_switches(scene *s, const options *o)
{
    int scored = o->frames - o->learn;
    int first = o->learn + (int)lround(SWITCH_AT_1 * scored);
    int second = o->learn + (int)lround(SWITCH_AT_2 * scored);
    if (first <= o->learn)
        first = o->learn + 1;
    s->switch_frames[0] = first;
    s->switch_frames[1] = second > first && second <= o->frames ? second : 0;
}

static int lights_switched(const scene *s, int t)
{
    return t >= s->switch_frames[0] &&
           (s->switch_frames[1] == 0 || t < s->switch_frames[1]);
}

static void apply_gains(float *rgb, size_t n, const double gains[3])
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            rgb[i * 3 + c] = (float)(rgb[i * 3 + c] * gains[c]);
}

/* The crown stands in front of the left buildings, low enough that people
 * on the pavement and those crossing at 0.30..0.50 of the width pass in
 * front of it. Sizes scale with the frame. */
static void plan_tree(scene *s, uint64_t seed)
{
    tree *tr = &s->tree;
    tr->cx = 0.29 * s->width;
    tr->cy = 0.20 * s->height;
    tr->rx = 0.13 * s->width;
    tr->ry = 0.17 * s->height;
    tr->amp = s->width / 90.0;
    tr->period = 36.0;
    tr->leaf = s->width / 64.0;
    tr->seed = seed;
    /* the ragged outline reaches 1.15 radii; sway and flutter add 1.55 amp */
    double mx = 1.15 * tr->rx + 1.55 * tr->amp + 1.0, my = 1.15 * tr->ry + 1.0;
    tr->reach.x0 = (int)fmax(0.0, floor(tr->cx - mx));
    tr->reach.x1 = (int)fmin(s->width, ceil(tr->cx + mx));
    tr->reach.y0 = (int)fmax(0.0, floor(tr->cy - my));
    tr->reach.y1 = (int)fmin(s->height, ceil(tr->cy + my));
}

/* The trunk is part of the static background (textured with it). */
static void paint_trunk(scene *s)
{
    const tree *tr = &s->tree;
    box b = { (int)lround(tr->cx - 0.012 * s->width), (int)lround(tr->cy + 0.5 * tr->ry),
              (int)lround(tr->cx + 0.012 * s->width), (int)lround(0.42 * s->height) };
    for (int y = b.y0; y < b.y1; y++)
        for (int x = b.x0; x < b.x1; x++)
            for (int c = 0; c < 3; c++)
                s->background[((size_t)y * s->width + x) * 3 + c] = (float)trunk_colour[c];
}

/* The crown at frame t: leaves in two tones with gaps between them, the
 * whole shifted sideways by a periodic sway plus slow random gusts (more at
 * the top than near the trunk) and a per-leaf flutter. Like the pond, the
 * tones switch hard, so a pixel's history has two or three distinct modes
 * (dark leaf, lit leaf, what is behind). */
static void draw_tree(const scene *s, int t, float *rgb)
{
    const tree *tr = &s->tree;
    double gust = 2.0 * value_noise(tr->seed + 1, t / 17.0, 0.5) - 1.0;
    double swing = 0.7 * sin(TWO_PI * t / tr->period) + 0.5 * gust;
    box b = tr->reach;
    for (int y = b.y0; y < b.y1; y++) {
        double py = y + 0.5;
        double bend = 1.0 - 0.6 * clamp01((py - (tr->cy - tr->ry)) / (2.0 * tr->ry));
        for (int x = b.x0; x < b.x1; x++) {
            double px = x + 0.5;
            double flutter = 0.35 * tr->amp *
                (2.0 * value_noise(tr->seed + 2, px / 6.0, py / 6.0 + 0.45 * t) - 1.0);
            double sx = px - tr->amp * bend * swing - flutter;
            double u = (sx - tr->cx) / tr->rx, v = (py - tr->cy) / tr->ry;
            double ragged = 0.3 * (fractal_noise(tr->seed + 3, sx / 10.0, py / 10.0, 2) - 0.5);
            if (sqrt(u * u + v * v) + ragged >= 1.0)
                continue;
            double leaf = fractal_noise(tr->seed + 4, sx / tr->leaf, py / tr->leaf, 3);
            if (leaf < 0.35)
                continue; /* a gap: what is behind shows */
            const double *col = leaf_colours[leaf < 0.62 ? 0 : 1];
            double tone = 0.92 + 0.16 * value_noise(tr->seed + 5, sx / 2.0, py / 2.0);
            size_t i = (size_t)y * s->width + x;
            for (int c = 0; c < 3; c++)
                rgb[i * 3 + c] = (float)(col[c] * tone);
        }
    }
}

/* Noisy camera: frame t's gain, 1 +- about 1.5%, at most 4% off. */
static double gain_jitter(rng *r)
{
    double j = GAIN_JITTER_SIGMA * rng_gauss(r);
    return 1.0 + (j < -GAIN_JITTER_MAX ? -GAIN_JITTER_MAX : j > GAIN_JITTER_MAX ? GAIN_JITTER_MAX : j);
}

/* Dead and hot pixels that differ frame to frame: all channels 0 or 255. */
static void salt_and_pepper(uint8_t *pixels, size_t n, int channels, rng *r)
{
    for (size_t i = 0; i < n; i++)
        if (rng_uniform(r) < SALT_PEPPER_RATE)
            memset(pixels + i * channels, (rng_next(r) & 1) ? 255 : 0, (size_t)channels);
}

/* Lays out what the scene kind adds, from a stream of its own. */
static void plan_scene_kind(scene *s, const options *o)
{
    rng r = rng_make(o->seed, EFFECT_STREAM);
    s->effect_seed = rng_next(&r);
    if (s->kind == SCENE_SHADOWS)
        plan_shadows(s, &r);
    else if (s->kind == SCENE_LIGHT_SWITCH)
        plan_switches(s, o);
    else if (s->kind == SCENE_SUN) {
        s->event[0] = o->learn + 1 + (int)lround(EVENT_AT * (o->frames - o->learn));
        s->event[1] = s->event[0] + SUN_RISE_FRAMES - 1;
    }
}

/* --scene sun: left of a diagonal through the middle (its edge ramps over
 * 10% of the width) the light rises from x1 to sun_gains within
 * event[0]..event[1] and stays. Objects there are lit too. */
static const double sun_gains[3] = { 1.55, 1.50, 1.40 };

static void apply_sun(const scene *s, int t, float *rgb)
{
    double rise = clamp01((double)(t - s->event[0] + 1) / (s->event[1] - s->event[0] + 1));
    if (rise <= 0.0)
        return;
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++) {
            double u = (x + 0.5) / s->width - 0.5 + 0.25 * ((y + 0.5) / s->height - 0.5);
            double lit = rise * (1.0 - smoothstep(-0.05, 0.05, u));
            float *p = &rgb[((size_t)y * s->width + x) * 3];
            for (int c = 0; c < 3; c++)
                p[c] = (float)(p[c] * (1.0 + (sun_gains[c] - 1.0) * lit));
        }
}

/* --scene jitter: img (width x height, `channels` bytes a pixel) shifted by
 * (dx, dy): pixel (x, y) shows what was at (x - dx, y - dy), the edge
 * repeated where that is outside. tmp holds a copy. */
static void shift_image(uint8_t *img, uint8_t *tmp, int width, int height, int channels,
                        int dx, int dy)
{
    size_t row = (size_t)width * channels;
    memcpy(tmp, img, row * height);
    for (int y = 0; y < height; y++) {
        int sy = y - dy < 0 ? 0 : y - dy >= height ? height - 1 : y - dy;
        for (int x = 0; x < width; x++) {
            int sx = x - dx < 0 ? 0 : x - dx >= width ? width - 1 : x - dx;
            memcpy(img + y * row + (size_t)x * channels, tmp + sy * row + (size_t)sx * channels,
                   (size_t)channels);
        }
    }
}

/* Noise-free frame t (1-based) in rgb, object coverage in cover, and for
 * --scene shadows the shadows' darkening in shade (NULL otherwise). The
 * light switch is applied later, on the whole frame. */
static void render_frame(const scene *s, int t, float *rgb, uint8_t *cover,
                         float *shade)
{
    size_t n = (size_t)s->width * s->height;
    memcpy(rgb, s->background, n * 3 * sizeof *rgb);
    memset(cover, 0, n);
    draw_pond(s, t, rgb);
    if (s->kind == SCENE_WAVING)
        draw_tree(s, t, rgb);
    if (shade != NULL) {
        cast_shadows(s, t, shade);
        apply_shade(s, shade, rgb);
    }
    for (int i = 0; i < s->nobjects; i++) {
        double x, y;
        if (object_position(&s->objects[i], t, &x, &y))
            draw_object(s, &s->objects[i], x, y, rgb, cover);
    }
}

static double illumination(const scene *s, int t)
{
    return 1.0 + 0.03 * sin(TWO_PI * (t - 1) / s->frames);
}

static uint8_t to_byte(double v)
{
    v = floor(v + 0.5);
    return (uint8_t)(v < 0.0 ? 0 : v > 255.0 ? 255 : v);
}

/* Illumination, camera noise (independent per channel, or on the luma for
 * gray) and rounding to 8 bits. */
static void expose(const float *rgb, size_t n, int channels, double gain,
                   double sigma, rng *r, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        const float *p = &rgb[i * 3];
        if (channels == 1) {
            double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            out[i] = to_byte(gain * y + sigma * rng_gauss(r));
            continue;
        }
        for (int c = 0; c < 3; c++)
            out[i * 3 + c] = to_byte(gain * p[c] + sigma * rng_gauss(r));
    }
}

/* CDnet labels from coverage: full 255, partial 170 (unknown), none 0 or,
 * where a shadow darkens the ground by SHADOW_LABEL_DARKENING or more, 50
 * (shadow): the faint outer rim of a soft shadow stays 0, as a person
 * labelling the frame would leave it. */
static void label(const uint8_t *cover, const float *shade, size_t n,
                  uint8_t *gt)
{
    for (size_t i = 0; i < n; i++)
        gt[i] = cover[i] == FULL_COVER ? 255 : cover[i] > 0 ? 170
              : shade != NULL && shade[i] >= SHADOW_LABEL_DARKENING ? 50 : 0;
}

static void scene_free(scene *s)
{
    free(s->background);
    free(s->pond_phase);
    free(s->pond_rate);
}

static int scene_init(scene *s, const options *o)
{
    memset(s, 0, sizeof *s);
    s->width = o->width;
    s->height = o->height;
    s->frames = o->frames;
    s->kind = o->kind;
    s->pond = frac_box(s, 0.62, 0.84, 0.97, 0.98);
    size_t n = (size_t)s->width * s->height;
    size_t np = (size_t)(s->pond.x1 - s->pond.x0) * (size_t)(s->pond.y1 - s->pond.y0);
    s->background = malloc(n * 3 * sizeof *s->background);
    s->pond_phase = malloc((np ? np : 1) * sizeof *s->pond_phase);
    s->pond_rate = malloc((np ? np : 1) * sizeof *s->pond_rate);
    if (!s->background || !s->pond_phase || !s->pond_rate) {
        scene_free(s);
        return -1;
    }
    rng r = rng_make(o->seed, 0);
    uint64_t tex_seed = rng_next(&r);
    if (s->kind == SCENE_WAVING)
        plan_tree(s, tex_seed + 4);
    paint_background(s, tex_seed);
    init_pond(s, tex_seed + 3);
    plan_objects(s, o, &r);
    plan_scene_kind(s, o);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/* mkdir -p: creates path and its missing parents. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char keep = buf[i];
        buf[i] = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0) {
            if (errno != EEXIST || stat(buf, &st) != 0)
                return -1;
            if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR; /* clearer than "File exists" */
                return -1;
            }
        }
        buf[i] = keep;
    }
    return 0;
}

/* Writes len bytes to a temporary file beside path, then renames it into
 * place, so a reader never sees half a file (as image_save_png does). */
static int write_file(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    mode_t mask = umask(0);
    umask(mask);
    FILE *f = fdopen(fd, "wb");
    int ok = f != NULL && fchmod(fd, 0666 & ~mask) == 0 &&
             fwrite(data, 1, len, f) == len;
    if (f == NULL)
        close(fd);
    else if (fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) == 0)
        return 0;
    int saved = errno;
    remove(tmp);
    errno = saved;
    return -1;
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ROI.bmp as in CDnet: 8-bit indexed BMP (BITMAPINFOHEADER, 256 entries).
 * Our palette is the identity gray ramp and every index is 255, so a reader
 * gets 255 (inside the ROI) whether it applies the palette or not. */
static int write_roi_bmp(const char *path, int width, int height)
{
    uint32_t row = ((uint32_t)width + 3u) & ~3u; /* rows pad to 4 bytes */
    uint32_t offset = 14 + 40 + 256 * 4, size = offset + row * (uint32_t)height;
    uint8_t *b = calloc(size, 1);
    if (b == NULL)
        return -1;
    b[0] = 'B', b[1] = 'M';
    put_le(b + 2, size, 4);
    put_le(b + 10, offset, 4);
    put_le(b + 14, 40, 4);              /* header size */
    put_le(b + 18, (uint32_t)width, 4);
    put_le(b + 22, (uint32_t)height, 4); /* positive: bottom-up rows */
    put_le(b + 26, 1, 2);               /* planes */
    put_le(b + 28, 8, 2);               /* bits per pixel */
    put_le(b + 34, row * (uint32_t)height, 4);
    put_le(b + 38, 2835, 4), put_le(b + 42, 2835, 4); /* 72 dpi */
    put_le(b + 46, 256, 4), put_le(b + 50, 256, 4);   /* colours used */
    for (int i = 0; i < 256; i++)
        b[54 + 4 * i] = b[55 + 4 * i] = b[56 + 4 * i] = (uint8_t)i;
    for (int y = 0; y < height; y++)
        memset(b + offset + (size_t)y * row, 255, (size_t)width);
    int rc = write_file(path, b, size);
    free(b);
    return rc;
}

static int write_temporal_roi(const char *path, int first, int last)
{
    char text[64];
    int len = snprintf(text, sizeof text, "%d %d\n", first, last);
    return write_file(path, text, (size_t)len);
}

/* Joins dir and a name into buf; fails (ENAMETOOLONG) if it does not fit. */
static int join_path(char *buf, size_t size, const char *dir, const char *name)
{
    if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int fail_errno(const char *what, const char *path)
{
    fprintf(stderr, "synth: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static int write_layout(const options *o)
{
    char path[PATH_MAX];
    static const char *dirs[] = { "input", "groundtruth" };
    if (make_dirs(o->out) != 0)
        return fail_errno("cannot create", o->out);
    for (int i = 0; i < 2; i++)
        if (join_path(path, sizeof path, o->out, dirs[i]) != 0 || make_dirs(path) != 0)
            return fail_errno("cannot create", path);
    if (join_path(path, sizeof path, o->out, "ROI.bmp") != 0 ||
        write_roi_bmp(path, o->width, o->height) != 0)
        return fail_errno("cannot write", path);
    if (join_path(path, sizeof path, o->out, "temporalROI.txt") != 0 ||
        write_temporal_roi(path, o->learn + 1, o->frames) != 0)
        return fail_errno("cannot write", path);
    return 0;
}

/* OUT/scene.txt: what scripts and tests need to know of the sequence, one
 * "key values..." line each. */
static int write_scene_info(const options *o, const scene *s)
{
    char text[1024], path[PATH_MAX];
    size_t len = 0;
#define ADD(...) (len += (size_t)snprintf(text + len, sizeof text - len, __VA_ARGS__))
    ADD("# synth scene description (see synth --help)\n");
    ADD("scene %s\nsize %d %d\nchannels %d\nframes %d\nlearn %d\n",
        scene_names[o->kind], o->width, o->height, o->gray ? 1 : 3, o->frames, o->learn);
    ADD("scored %d %d\nseed %llu\nnoise %g\nobjects %d\n", o->learn + 1, o->frames,
        (unsigned long long)o->seed, o->noise, o->objects);
    ADD("labels 0 static%s, 170 unknown, 255 moving\n",
        o->kind == SCENE_SHADOWS ? ", 50 shadow" : "");
    if (o->kind == SCENE_SHADOWS)
        ADD("shadow_factor_range %.2f %.2f\nsun_direction %.4f %.4f\n",
            SHADOW_FACTOR_MIN, SHADOW_FACTOR_MAX, s->sun_dx, s->sun_dy);
    if (o->kind == SCENE_LIGHT_SWITCH) {
        ADD("switch_frames %d", s->switch_frames[0]);
        if (s->switch_frames[1])
            ADD(" %d", s->switch_frames[1]);
        ADD("\nswitch_gains %.2f %.2f %.2f\n", switched_gains[0], switched_gains[1],
            switched_gains[2]);
    }
    if (o->kind == SCENE_WAVING)
        ADD("waving_box %d %d %d %d\n", s->tree.reach.x0, s->tree.reach.y0,
            s->tree.reach.x1, s->tree.reach.y1);
    if (o->kind == SCENE_NOISE)
        ADD("salt_pepper_rate %g\ngain_jitter_sigma %g\n", SALT_PEPPER_RATE,
            GAIN_JITTER_SIGMA);
    if (o->kind >= SCENE_STOP)
        ADD("fps %d\n", SCENE_FPS);
    if (o->kind == SCENE_STOP || o->kind == SCENE_SUN || o->kind == SCENE_LARGE)
        ADD("%s %d %d\n", o->kind == SCENE_STOP ? "stop_frames" :
                          o->kind == SCENE_SUN ? "sun_frames" : "large_frames",
            s->event[0], s->event[1]);
    if (o->kind == SCENE_SUN)
        ADD("sun_gains %.2f %.2f %.2f\n", sun_gains[0], sun_gains[1], sun_gains[2]);
    if (o->kind == SCENE_GHOST)
        ADD("leave_frame %d\n", s->event[0]);
    if (o->kind == SCENE_JITTER)
        ADD("jitter_max %d\n", JITTER_MAX);
#undef ADD
    if (join_path(path, sizeof path, o->out, "scene.txt") != 0 ||
        write_file(path, text, len) != 0)
        return fail_errno("cannot write", path);
    return 0;
}

/* Buffers for one frame; shade only for --scene shadows. */
typedef struct frame_buffers {
    float *rgb, *shade;
    uint8_t *cover, *pixels, *gt, *tmp;
} frame_buffers;

static void buffers_free(frame_buffers *b)
{
    free(b->rgb);
    free(b->shade);
    free(b->cover);
    free(b->pixels);
    free(b->gt);
    free(b->tmp);
}

static int buffers_alloc(frame_buffers *b, size_t n, int shadows)
{
    b->rgb = malloc(n * 3 * sizeof *b->rgb);
    b->shade = shadows ? malloc(n * sizeof *b->shade) : NULL;
    b->cover = malloc(n);
    b->pixels = malloc(n * 3);
    b->gt = malloc(n);
    b->tmp = malloc(n * 3);
    if (b->rgb && (b->shade || !shadows) && b->cover && b->pixels && b->gt && b->tmp)
        return 0;
    buffers_free(b);
    return -1;
}

/* zlib levels of the PNG files. The frames are stored (level 0): camera
 * noise leaves them almost incompressible (level 1 saves under 20% of the
 * bytes), and deflating them took half of synth's time, and inflating them
 * half of the time bgsub takes to read them, in every test, benchmark and
 * accuracy run that makes a scene. The labels are long runs of a few values:
 * level 1 (run-length coded) keeps them as small as level 9 did, faster.
 * The pixels are the same at every level. */
#define FRAME_PNG_LEVEL 0
#define LABEL_PNG_LEVEL 1

static int save_frame(const options *o, int t, const frame_buffers *b)
{
    char path[PATH_MAX], err[512];
    int ch = o->gray ? 1 : 3;
    snprintf(path, sizeof path, "%s/input/in%06d.png", o->out, t);
    if (image_save_png(path, b->pixels, o->width, o->height, ch,
                       (ptrdiff_t)o->width * ch, FRAME_PNG_LEVEL, 1, err, sizeof err) != 0) {
        fprintf(stderr, "synth: %s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/groundtruth/gt%06d.png", o->out, t);
    if (image_save_png(path, b->gt, o->width, o->height, 1, o->width, LABEL_PNG_LEVEL, 1, err,
                       sizeof err) != 0) {
        fprintf(stderr, "synth: %s\n", err);
        return 1;
    }
    return 0;
}

static int write_frames(const options *o, const scene *s, frame_buffers *b)
{
    size_t n = (size_t)o->width * o->height;
    int channels = o->gray ? 1 : 3;
    for (int t = 1; t <= o->frames; t++) {
        rng r = rng_make(o->seed, (uint64_t)t); /* frame t on its own */
        rng fx = rng_make(o->seed, FRAME_EFFECT_STREAM + (uint64_t)t);
        double gain = illumination(s, t);
        render_frame(s, t, b->rgb, b->cover, b->shade);
        if (s->kind == SCENE_LIGHT_SWITCH && lights_switched(s, t))
            apply_gains(b->rgb, n, switched_gains);
        if (s->kind == SCENE_SUN)
            apply_sun(s, t, b->rgb);
        if (s->kind == SCENE_NOISE)
            gain *= gain_jitter(&fx);
        expose(b->rgb, n, channels, gain, o->noise, &r, b->pixels);
        if (s->kind == SCENE_NOISE)
            salt_and_pepper(b->pixels, n, channels, &fx);
        label(b->cover, b->shade, n, b->gt);
        if (s->kind == SCENE_JITTER) {
            int dx = (int)(rng_next(&fx) % (2 * JITTER_MAX + 1)) - JITTER_MAX;
            int dy = (int)(rng_next(&fx) % (2 * JITTER_MAX + 1)) - JITTER_MAX;
            shift_image(b->pixels, b->tmp, o->width, o->height, channels, dx, dy);
            shift_image(b->gt, b->tmp, o->width, o->height, 1, dx, dy);
        }
        if (save_frame(o, t, b) != 0)
            return 1;
    }
    return 0;
}

static int generate(const options *o)
{
    /* longest name written: OUT + "/groundtruth/gt000001.png" */
    if (strlen(o->out) + 32 > PATH_MAX) {
        fprintf(stderr, "synth: output folder name too long\n");
        return 2;
    }
    scene s;
    frame_buffers b;
    if (scene_init(&s, o) != 0) {
        fprintf(stderr, "synth: out of memory\n");
        return 1;
    }
    if (buffers_alloc(&b, (size_t)o->width * o->height, o->kind == SCENE_SHADOWS) != 0) {
        scene_free(&s);
        fprintf(stderr, "synth: out of memory\n");
        return 1;
    }
    int rc = write_layout(o);
    if (rc == 0)
        rc = write_scene_info(o, &s);
    if (rc == 0)
        rc = write_frames(o, &s, &b);
    buffers_free(&b);
    scene_free(&s);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = generate(&o);
    if (rc == 0)
        printf("synth: wrote %d frames of %dx%d to %s (scored %d..%d)\n",
               o.frames, o.width, o.height, o.out, o.learn + 1, o.frames);
    return rc;
}
