/*
 * bgsub.h - the whole public interface of libbgsub.
 *
 * libbgsub is a background-subtraction library: a per-pixel online Gaussian
 * mixture model (Stauffer & Grimson, with the KaewTraKulPong & Bowden 1/n
 * start-up rate), scoring against ChangeDetection.net-style ground truth, and
 * a histogram mixture fit for single-image segmentation.
 *
 * The library never touches files: it sees frames in memory (width, height,
 * row stride in bytes, 1 or 3 interleaved 8-bit channels). Decoding and
 * encoding belong to the caller (the bgsub program does them with FFmpeg,
 * libpng and libjpeg).
 *
 * Conventions
 *  - Every name starts with bgs_ / BGS_.
 *  - Handles are opaque and created/freed in pairs (bgs_model_create/free).
 *  - Functions that can fail return a bgs_status (0 = BGS_OK) or NULL; the
 *    reason is then available as a one-line string from bgs_last_error(),
 *    which is per thread and stays valid until the next failing call.
 *  - Nothing here prints, exits or aborts.
 */
#ifndef BGSUB_H
#define BGSUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and the binary interface (ABI)                                  */
/* ------------------------------------------------------------------------ */

/*
 * Version MAJOR.MINOR.PATCH, and what each part promises to a program built
 * against this header and linked with libbgsub.so:
 *  - PATCH: fixes only; nothing declared here changes.
 *  - MINOR: additions only: new functions, new enum values, new
 *    parameters (BGS_PARAM_*), new fields at the END of the size-checked
 *    structs below. A program built against an older MINOR of the same
 *    MAJOR runs unchanged with the newer library.
 *  - MAJOR: anything else (a removal, a changed signature or meaning). The
 *    shared library's soname is libbgsub.so.MAJOR, so a program built
 *    against another MAJOR never loads this one by mistake: it does not
 *    start ("libbgsub.so.N: cannot open shared object file") instead of
 *    running with misread structs. 1.0.0 is the first release with this
 *    promise; programs built against 0.x must be rebuilt.
 * A program built against a NEWER minor than the library it runs with may
 * call a function that library lacks (the dynamic linker then refuses to
 * start it), and its size-checked structs are refused with
 * BGS_ERR_INVALID_ARGUMENT (see below): compare bgs_version_number() with
 * BGS_VERSION_NUMBER to choose what to call.
 *
 * Size-checked structs. The structs a caller fills (bgs_params,
 * bgs_cleanup, bgs_hist_fit_params, bgs_frame) begin with a field
 * `size_t struct_size` that their X_default() macro sets to sizeof as the
 * CALLER's header declares it. The library accepts the sizes of the
 * versions it knows - reading only the fields inside that size and taking
 * the defaults for the fields a newer version added - and refuses any other
 * size (a struct never initialised, one from a newer header, a 0.x layout)
 * with BGS_ERR_INVALID_ARGUMENT and a message naming the struct and both
 * sizes. Always initialise them with their X_default() macro before setting
 * fields; never with = {...} in field order.
 * Structs the library fills for the caller (bgs_hist_fit_result, and
 * bgs_params through bgs_model_get_params) are passed with their size by
 * macros over *_ex functions, so the library writes no byte beyond the
 * caller's struct. bgs_blob, bgs_counts, bgs_metrics and bgs_hist are
 * frozen for the life of a MAJOR (arrays and values of them cross the
 * interface); bgs_param_info may only grow at its end.
 */
#define BGS_VERSION_MAJOR 1
#define BGS_VERSION_MINOR 0
#define BGS_VERSION_PATCH 0
#define BGS_VERSION_STRING "1.0.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH: 10000 for 1.0.0. */
#define BGS_VERSION_NUMBER \
    (BGS_VERSION_MAJOR * 10000 + BGS_VERSION_MINOR * 100 + BGS_VERSION_PATCH)

/* Version of the library actually linked, e.g. "1.0.0". */
const char *bgs_version(void);
/* The same as a number, to compare with BGS_VERSION_NUMBER (the header the
 * program was built against). */
unsigned bgs_version_number(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum bgs_status {
    BGS_OK = 0,
    BGS_ERR_INVALID_ARGUMENT = 1, /* a NULL pointer, a size that does not fit */
    BGS_ERR_PARAMETER = 2,        /* a model parameter outside its bounds     */
    BGS_ERR_NO_MEMORY = 3,
    BGS_ERR_MISMATCH = 4,         /* frame size / channels differ from model  */
    BGS_ERR_UNSUPPORTED = 5,      /* e.g. a kernel this CPU cannot run        */
} bgs_status;

/* One-line, human-readable reason for the last failure on this thread
 * ("" if none). Never NULL. */
const char *bgs_last_error(void);

/* ------------------------------------------------------------------------ */
/* Model parameters                                                         */
/* ------------------------------------------------------------------------ */

/*
 * Parameters of the mixture model. Fill with bgs_params_default(), change
 * fields, and check with bgs_params_check() (bgs_model_create checks too).
 * Variances are in (8-bit intensity units)^2. Defaults and bounds are listed
 * in the parameter table (bgs_param_info) and in the README. Size-checked
 * (see "Versions and the binary interface"): new parameters are added at
 * the end.
 */
typedef struct bgs_params {
    size_t struct_size;   /* sizeof(bgs_params): set by bgs_params_default */
    int components;       /* K: Gaussians per pixel                          */
    float alpha;          /* learning rate α after the start-up phase; 0
                             freezes the model: no update of any kind (nor
                             the start-up schedule, nor re-learning), frames
                             are only classified against what it holds    */
    float bg_ratio;       /* T: weight the background components must exceed */
    float match_sigmas;   /* λ: match within λ standard deviations           */
    float var_init;       /* variance of a newly created component           */
    float var_min;        /* variance floor                                  */
    float var_max;        /* variance ceiling                                */
    float weight_init;    /* weight of a newly created component             */
    int learning_frames;  /* N: frames learnt before detection starts        */

    /* Cast shadows (colour frames only; ignored for gray). A foreground
     * pixel is shadow when, against one of its background components of
     * mean E and variance σ², its brightness ratio a = (I·E)/(E·E) lies in
     * [shadow_min_brightness, shadow_max_brightness] and its colour
     * distortion |I - aE| is below shadow_chroma · a · σ·√C (Horprasert et
     * al.; the test OpenCV's MOG2 uses). Shadow pixels are written as
     * shadow_value (0 = background, the default). */
    int shadows;                  /* 1 = detect shadows, 0 = off           */
    int shadow_value;             /* mask value of shadow pixels, 0..254   */
    float shadow_min_brightness;  /* darkest shadow, fraction of background */
    float shadow_max_brightness;  /* lightest shadow                        */
    float shadow_chroma;          /* colour distortion limit, in σ           */
    /* ... and the texture around it is the background's, darkened: over the
     * 5x5 window, the normalised cross-correlation of the frame's
     * brightness with the background's is at least shadow_texture, where
     * the background has texture to tell (on plain ground a shadow and a
     * dark object look alike, and the pixel stays foreground). 0 = no
     * texture test (the colour test alone). */
    float shadow_texture;

    /* Mask clean-up, in this order (see bgs_cleanup): median, opening,
     * closing, hole filling, smallest blob. 0 turns a step off. */
    int median;                   /* 0, 3 or 5: median window side          */
    int open_radius;              /* opening with a (2r+1)² square          */
    int close_radius;             /* closing with a (2r+1)² square          */
    /* Areas are fractions of the frame (0.002 = 0.2 % of its pixels), so
     * one setting means the same at 320x240 and at 1920x1080. */
    float fill_holes;             /* fill enclosed holes up to this area    */
    float min_area;               /* drop blobs smaller than this area      */

    /* Sudden global change (lights, camera gain): when more than
     * relearn_fraction of the pixels (inside the region of interest) are
     * foreground in one frame, that frame's mask is cleared and the model
     * restarts its start-up schedule (learning rate 1/n from n = 1), with
     * blank masks for relearn_frames frames. 0 = never. */
    float relearn_fraction;
    int relearn_frames;

    /* Selective update (stationary objects). A pixel classified foreground
     * does not update its model, so a person who stops stays foreground;
     * once it has been foreground absorb_after seconds in a row (at the
     * model's frame rate, bgs_model_set_frame_rate), what it shows becomes
     * background at once. 0 = the plain Stauffer-Grimson update (every
     * pixel learns at alpha, a stopped object fades in within seconds). */
    float absorb_after;
    /* Ghosts (what was background leaves, as a car parked from the start
     * that drives off): a region foreground ghost_after seconds in a row
     * whose outline is an edge of the background image rather than of the
     * frame is background at once. 0 = off (the region waits absorb_after
     * like a stopped object). Needs absorb_after. */
    float ghost_after;

    /* Spatial consistency (camera jitter, dynamic background). A foreground
     * pixel that matches a background component of a pixel at most
     * neighbour_radius pixels away (square window) is background, and learns
     * as one. 0 = off. */
    int neighbour_radius;

    /* Changes of light (lights switched, sun and clouds, camera gain). The
     * frame is cut into tiles of 32x32 pixels; in a tile where many pixels
     * are foreground, a gain per channel between the frame and the
     * background is estimated (the median of the ratios) and checked: when
     * most of the tile matches its background once divided by that gain
     * (the texture is kept, only the light changed), every foreground pixel
     * there that the gain explains is background, and what it shows is
     * learnt at once. An object, which does not keep the texture behind it,
     * stays foreground. 1 = on, 0 = off. */
    int illumination;

    /* Camera shake: before each frame, the shift (whole pixels, up to
     * max_shift in x and y) that best lays the frame over the background
     * is estimated, at points where the background has edges; the frame is
     * compared with the model shifted by it, and the mask is given in the
     * frame's own position. 0 = off. */
    int max_shift;
} bgs_params;

/* Keys for the table-driven interface (CLI options, help, man page). */
typedef enum bgs_param {
    BGS_PARAM_COMPONENTS = 0,
    BGS_PARAM_ALPHA,
    BGS_PARAM_BG_RATIO,
    BGS_PARAM_MATCH_SIGMAS,
    BGS_PARAM_VAR_INIT,
    BGS_PARAM_VAR_MIN,
    BGS_PARAM_VAR_MAX,
    BGS_PARAM_WEIGHT_INIT,
    BGS_PARAM_LEARNING_FRAMES,
    BGS_PARAM_SHADOWS,
    BGS_PARAM_SHADOW_VALUE,
    BGS_PARAM_SHADOW_MIN_BRIGHTNESS,
    BGS_PARAM_SHADOW_MAX_BRIGHTNESS,
    BGS_PARAM_SHADOW_CHROMA,
    BGS_PARAM_SHADOW_TEXTURE,
    BGS_PARAM_MEDIAN,
    BGS_PARAM_OPEN_RADIUS,
    BGS_PARAM_CLOSE_RADIUS,
    BGS_PARAM_FILL_HOLES,
    BGS_PARAM_MIN_AREA,
    BGS_PARAM_RELEARN_FRACTION,
    BGS_PARAM_RELEARN_FRAMES,
    BGS_PARAM_ABSORB_AFTER,
    BGS_PARAM_GHOST_AFTER,
    BGS_PARAM_NEIGHBOUR_RADIUS,
    BGS_PARAM_ILLUMINATION,
    BGS_PARAM_MAX_SHIFT,
    BGS_PARAM_COUNT
} bgs_param;

typedef struct bgs_param_info {
    const char *name;        /* option name, e.g. "alpha"                   */
    const char *symbol;      /* symbol used in the docs, e.g. "α"           */
    const char *description; /* one line                                    */
    double default_value;
    double min_value;        /* inclusive bounds                            */
    double max_value;
    int is_integer;
} bgs_param_info;

#define BGS_MAX_COMPONENTS 8

/* Every field to its default and struct_size to the caller's sizeof. */
#define bgs_params_default(params) bgs_params_init((params), sizeof *(params))
/* What bgs_params_default expands to: size is sizeof(bgs_params) as the
 * caller's header declares it. An unknown size leaves the size bytes at
 * params zeroed, struct_size = size (so every later use is refused), and
 * gives BGS_ERR_INVALID_ARGUMENT. */
bgs_status bgs_params_init(bgs_params *params, size_t size);

/* Metadata of one parameter; NULL for an unknown key. */
const bgs_param_info *bgs_param_get_info(bgs_param key);

/* Set one parameter by key; refuses (BGS_ERR_PARAMETER) a value outside the
 * bounds or a non-integer for an integer parameter, leaving params as is.
 * bgs_params_get gives NAN for an unknown key or an unknown struct_size. */
bgs_status bgs_params_set(bgs_params *params, bgs_param key, double value);
double bgs_params_get(const bgs_params *params, bgs_param key);

/* Checks every bound and the relations between fields
 * (var_min <= var_init <= var_max). */
bgs_status bgs_params_check(const bgs_params *params);

/* ------------------------------------------------------------------------ */
/* The background model                                                     */
/* ------------------------------------------------------------------------ */

typedef struct bgs_model bgs_model;

/* Mask values written by bgs_model_apply. */
#define BGS_MASK_BACKGROUND 0
#define BGS_MASK_FOREGROUND 255

/* A model for frames of width x height pixels with 1 (gray) or 3 (colour,
 * any fixed channel order) interleaved 8-bit channels. NULL on failure. */
bgs_model *bgs_model_create(int width, int height, int channels,
                            const bgs_params *params);
void bgs_model_free(bgs_model *model);

/*
 * Classify one frame and update the model with it.
 * frame: height rows of width*channels bytes, rows frame_stride bytes apart.
 * mask:  height rows of width bytes, rows mask_stride bytes apart; receives
 *        BGS_MASK_FOREGROUND / BGS_MASK_BACKGROUND. May be NULL (learn only).
 * During the first learning_frames frames the mask is all background and
 * bgs_model_is_learning() is true before the call.
 */
bgs_status bgs_model_apply(bgs_model *model, const uint8_t *frame,
                           ptrdiff_t frame_stride, uint8_t *mask,
                           ptrdiff_t mask_stride);

/*
 * Frames as cameras and decoders hand them over, and a learning rate per
 * call (OpenCV's apply(frame, mask, learningRate)).
 *
 * A colour model (3 channels) holds RGB and takes any format but GRAY; a
 * gray model takes any. Each row is converted to the model's layout by
 * the thread that runs its stripe, just before it is used (no converted
 * copy of the frame is made):
 *  - RGB24 into a colour model and GRAY into a gray one: used as they are
 *    (the same as bgs_model_apply).
 *  - BGR24, RGBA, BGRA, ARGB, ABGR: reordered to RGB, alpha ignored; exact,
 *    so the masks are those of the same picture in RGB24, byte for byte.
 *  - I420 and NV12 (YCbCr 4:2:0, BT.601 limited range, "studio swing"):
 *      c = Y - 16, d = U - 128, e = V - 128
 *      R = clamp((76309 c            + 104597 e + 32768) >> 16)
 *      G = clamp((76309 c -  25675 d -  53279 e + 32768) >> 16)
 *      B = clamp((76309 c + 132201 d            + 32768) >> 16)
 *    with >> a floor (so the + 32768 rounds halves up) and clamp to 0..255;
 *    the coefficients are 255/219, 1.596027, 0.391762, 0.812968, 2.017232
 *    times 2^16, rounded. Each pixel takes the chroma of its 2x2 block,
 *    U and V at (x / 2, y / 2) (nearest, no filtering). The result differs
 *    from the real-valued formula rounded to nearest by at most 1 per
 *    channel; the masks are exactly those of the picture so converted
 *    given as RGB24, and near those of the RGB picture the YCbCr was made
 *    from (4:2:0 keeps a quarter of its chroma; docs/c-api.md).
 *  - Into a gray model: packed colour gives its BT.601 luma,
 *    (19595 R + 38470 G + 7471 B + 32768) >> 16 (the gray of the bgsub
 *    program's image loading), and YCbCr its Y stretched to full range,
 *    clamp((76309 (Y - 16) + 32768) >> 16).
 */
typedef enum bgs_pixel_format {
    BGS_PIXEL_GRAY = 1,  /* 1 byte a pixel                                   */
    BGS_PIXEL_RGB24 = 2, /* R, G, B                                          */
    BGS_PIXEL_BGR24 = 3, /* B, G, R (OpenCV's order)                         */
    BGS_PIXEL_RGBA = 4,  /* R, G, B, A (A ignored)                           */
    BGS_PIXEL_BGRA = 5,  /* B, G, R, A                                       */
    BGS_PIXEL_ARGB = 6,  /* A, R, G, B                                       */
    BGS_PIXEL_ABGR = 7,  /* A, B, G, R                                       */
    BGS_PIXEL_I420 = 8,  /* planes Y (w x h), U, V (each (w+1)/2 x (h+1)/2)  */
    BGS_PIXEL_NV12 = 9,  /* planes Y (w x h), UV ((w+1)/2 pairs U, V; (h+1)/2
                            rows)                                          */
} bgs_pixel_format;

/* A frame in memory: size-checked (fill with bgs_frame_default). Plane p
 * has its rows strides[p] bytes apart; a stride may be negative (rows
 * bottom-up: planes[p] is then the top row's first byte). Planes the
 * format does not use are ignored. */
typedef struct bgs_frame {
    size_t struct_size;      /* set by bgs_frame_default                   */
    bgs_pixel_format format;
    int width, height;
    const uint8_t *planes[3];
    ptrdiff_t strides[3];
} bgs_frame;

#define bgs_frame_default(frame) bgs_frame_init((frame), sizeof *(frame))
/* What bgs_frame_default expands to: all zero but struct_size. */
bgs_status bgs_frame_init(bgs_frame *frame, size_t size);

/* learning_rate for the model's own schedule (max(α, 1/n), see alpha). */
#define BGS_LEARNING_RATE_AUTO (-1.0f)

/*
 * bgs_model_apply for a frame of any bgs_pixel_format, with the learning
 * rate of this frame:
 *  - negative (BGS_LEARNING_RATE_AUTO): the model's own schedule, as
 *    bgs_model_apply;
 *  - 0: the model is not changed by this frame (as with alpha 0: no update,
 *    the start-up schedule held, no re-learning); it is only classified;
 *  - in (0, 1]: the model learns this frame at that rate instead of
 *    max(α, 1/n) (new components get max(rate, weight_init)); pixels held
 *    by the selective update (absorb_after) stay held, except at 1, which
 *    starts the model again from this frame (OpenCV's learningRate 1).
 * BGS_ERR_MISMATCH when the frame's size differs from the model's or a
 * GRAY frame meets a colour model; BGS_ERR_PARAMETER for a rate above 1 or
 * NaN. The mask is as for bgs_model_apply (mask_stride >= width).
 */
bgs_status bgs_model_apply_frame(bgs_model *model, const bgs_frame *frame,
                                 uint8_t *mask, ptrdiff_t mask_stride,
                                 float learning_rate);

/* Pixels of the last mask bgs_model_apply or bgs_model_apply_frame wrote that are
 * BGS_MASK_FOREGROUND, after shadows, the region of interest, a global
 * change and the clean-up (0 when it was given no mask): the count the
 * model keeps as it goes, so callers need not count the mask again. */
long bgs_model_foreground(const bgs_model *model);

/* Region of interest: width x height bytes, rows stride bytes apart; where
 * a byte is 0 the pixel is outside. Outside, the mask is always background
 * and the model is not updated (its state stays as it was), and the pixels
 * do not count towards relearn_fraction. Blocks of pixels wholly outside
 * cost nothing. roi = NULL removes the region (the whole frame). The model
 * keeps its own copy. */
bgs_status bgs_model_set_roi(bgs_model *model, const uint8_t *roi,
                             ptrdiff_t stride);

/* Sudden global changes the model has re-learnt from so far (see
 * relearn_fraction), and whether the last frame applied was one, or lay in
 * the blank frames after one. */
long bgs_model_relearn_count(const bgs_model *model);
int bgs_model_is_relearning(const bgs_model *model);

/* Background image: per pixel, the weight-averaged mean of the background
 * components, written with the model's channel count and layout. */
bgs_status bgs_model_background(const bgs_model *model, uint8_t *out,
                                ptrdiff_t out_stride);

/* Replace the parameters of a live model (e.g. from a preview's keys). The
 * number of components cannot change; the others take effect on the next
 * frame. */
bgs_status bgs_model_set_params(bgs_model *model, const bgs_params *params);
/* The model's parameters into *params (struct_size set: no need to
 * initialise it first). */
#define bgs_model_get_params(model, params) \
    bgs_model_get_params_ex((model), (params), sizeof *(params))
/* What bgs_model_get_params expands to: writes size bytes (a size the
 * library knows, else BGS_ERR_INVALID_ARGUMENT and nothing written). */
bgs_status bgs_model_get_params_ex(const bgs_model *model, bgs_params *params,
                                   size_t size);

/* Worker threads for bgs_model_apply: the frame is cut into stripes of
 * rows, one per thread (0 = one per online core; default 1). Masks and model
 * are the same whatever the number of threads. This gives the model a
 * private pool (see bgs_pool below), replacing any pool it used. */
bgs_status bgs_model_set_threads(bgs_model *model, int threads);
/* Threads of the model's pool (1 without one). */
int bgs_model_threads(const bgs_model *model);

/*
 * Threads: who may call what from where.
 *  - Models are independent: different models may be used at the same
 *    time from different threads, with no lock, whether or not they share
 *    a pool. One model is used by one thread at a time (a caller sharing a
 *    model between threads locks it); the functions that only read a
 *    model (bgs_model_background, the counters, bgs_model_checkpoint) may
 *    run at the same time as each other, not with one that changes it.
 *  - A bgs_postproc serves one thread at a time.
 *  - bgs_pool_* and bgs_model_set_pool: any thread. A pool serves any
 *    number of models used from any number of threads at once.
 *  - The parameter, histogram and metrics functions keep no state (but
 *    their arguments'); bgs_last_error is per thread.
 *
 * A shared pool of worker threads (bgs_pool). A program with many models
 * (16 cameras) gives them one pool instead of a private pool each, so it
 * starts T - 1 worker threads in all rather than 16 x (T - 1). Applies on
 * a shared pool take turns: one frame at a time runs on the pool, split
 * into stripes over its T threads (the calling thread is one of them);
 * the other callers sleep until their turn, first come first served. So at
 * most T threads do model work at once, whatever the number of models and
 * calling threads: make T the number of cores. A model's masks do not
 * depend on its pool.
 */
typedef struct bgs_pool bgs_pool;
/* A pool of threads threads: 0 = one per online core, 1..256. NULL on
 * failure. */
bgs_pool *bgs_pool_create(int threads);
/* Releases the creator's reference: the pool ends when no model uses it
 * any more (so a pool may be released while models still use it). */
void bgs_pool_free(bgs_pool *pool);
int bgs_pool_threads(const bgs_pool *pool);
/* Runs the model's frames on pool (which it holds until freed or given
 * another pool or threads); NULL = one thread, no pool. */
bgs_status bgs_model_set_pool(bgs_model *model, bgs_pool *pool);

/* The per-row kernel. AUTO (the default at creation) picks the fastest the
 * CPU runs, unless the environment variable BGSUB_KERNEL (scalar, avx2,
 * avx512) asks for another. Every kernel gives bit-identical models and
 * masks. */
typedef enum bgs_kernel {
    BGS_KERNEL_AUTO = 0,
    BGS_KERNEL_SCALAR = 1, /* portable C reference                        */
    BGS_KERNEL_AVX2 = 2,   /* x86-64 with AVX2 and F16C                    */
    BGS_KERNEL_AVX512 = 3, /* x86-64 with AVX-512F                         */
} bgs_kernel;
bgs_status bgs_model_set_kernel(bgs_model *model, bgs_kernel kernel);
/* "scalar", "avx2" or "avx512". */
const char *bgs_model_kernel_name(const bgs_model *model);

/* Frame rate of the frames applied, in frames per second: turns the
 * parameters given in seconds (absorb_after) into frames. Default 25 (the
 * bgsub program passes the input's own rate, or --fps). 0.001..1000. */
bgs_status bgs_model_set_frame_rate(bgs_model *model, double fps);
double bgs_model_frame_rate(const bgs_model *model);

/* Frames applied so far. */
long bgs_model_frame_count(const bgs_model *model);
/* True while the next frame is still inside the learning phase. */
int bgs_model_is_learning(const bgs_model *model);
int bgs_model_width(const bgs_model *model);
int bgs_model_height(const bgs_model *model);
int bgs_model_channels(const bgs_model *model);
/* Bytes of per-pixel model state (the memory one frame reads and writes). */
size_t bgs_model_bytes_per_pixel(const bgs_model *model);

/*
 * Checkpoints: the whole model (size, parameters, frame count, state) as a
 * self-checking byte string, so a run can stop and resume, or a learnt
 * background be reused. Format: the magic "BGSUBMDL", a format version, the
 * header fields and the state, all little-endian, then a 64-bit FNV-1a
 * checksum of everything before it. A model restored from a checkpoint gives
 * exactly the masks the original would have given.
 */
size_t bgs_model_checkpoint_size(const bgs_model *model);
/* Writes bgs_model_checkpoint_size() bytes into buf (size must be enough). */
bgs_status bgs_model_checkpoint(const bgs_model *model, uint8_t *buf,
                                size_t size);
/* A new model from a checkpoint; NULL (and bgs_last_error) if the bytes are
 * not a checkpoint, are damaged (checksum), of another format version, or
 * hold values outside the parameter bounds. */
bgs_model *bgs_model_restore(const uint8_t *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Mask clean-up and blobs                                                  */
/* ------------------------------------------------------------------------ */

/* Mask clean-up and blobs. Masks are one byte per pixel; only the value
 * BGS_MASK_FOREGROUND (255) is foreground. Clean-up works on that binary
 * layer: pixels that leave the foreground become BGS_MASK_BACKGROUND (0),
 * pixels that join it become 255, any other value (e.g. a shadow value)
 * is kept where the foreground does not change. Steps run in this order:
 * median, opening, closing, hole filling, minimum area.
 *
 *  - Frame borders: the local steps (median, opening, closing) see the
 *    frame extended by replicating its edge pixels. For the erosions and
 *    dilations of opening and closing that is the same as clipping the
 *    window to the frame, so an object cut by the border is eroded no more
 *    than along its visible edges, and nothing grows in from outside.
 *  - Connectivity: foreground is 8-connected (diagonal neighbours belong to
 *    the same blob); background is 4-connected, the consistent complement,
 *    so a diagonal chain of foreground pixels closes a hole.
 *  - Every step is off by default (bgs_cleanup_default). */
typedef struct bgs_cleanup {
    size_t struct_size; /* sizeof(bgs_cleanup): set by bgs_cleanup_default */
    int median;        /* 0 = off, 3 or 5: side of the square window       */
    int open_radius;   /* 0 = off; opening with a (2r+1)x(2r+1) square     */
    int close_radius;  /* 0 = off; closing with a (2r+1)x(2r+1) square     */
    long fill_holes;   /* 0 = off; fill background regions enclosed by
                          foreground (not touching the frame border, 8-/4-
                          connectivity documented) of at most this many px */
    long min_area;     /* 0 = off; remove 8-connected foreground blobs of
                          fewer pixels                                      */
} bgs_cleanup;

/* Largest open_radius / close_radius (a 65x65 square). */
#define BGS_CLEANUP_MAX_RADIUS 32

typedef struct bgs_blob {
    int x, y, width, height; /* bounding box                                 */
    long area;               /* pixels                                       */
    double cx, cy;           /* centroid                                     */
} bgs_blob;

/* Every step off (all fields 0) and struct_size set (size-checked). */
#define bgs_cleanup_default(cleanup) bgs_cleanup_init((cleanup), sizeof *(cleanup))
/* What bgs_cleanup_default expands to (see bgs_params_init). */
bgs_status bgs_cleanup_init(bgs_cleanup *cleanup, size_t size);

typedef struct bgs_postproc bgs_postproc; /* workspace for one frame size */
/* width, height: 1..65536 with width * height < 2^31. NULL on failure.
 * Work buffers are allocated on first use and reused; one bgs_postproc
 * serves one thread at a time. */
bgs_postproc *bgs_postproc_create(int width, int height);
void bgs_postproc_free(bgs_postproc *pp);
/* BGS_ERR_PARAMETER naming the first bad field: median not 0, 3 or 5, a
 * radius outside 0..BGS_CLEANUP_MAX_RADIUS, a negative area. */
bgs_status bgs_cleanup_check(const bgs_cleanup *cleanup);
/* In place: mask is pp's width x height, rows stride bytes apart. On
 * failure (bad arguments, no memory) the mask is left as it was. The local
 * steps cost the same on any mask; hole filling and minimum area grow with
 * the number of runs of equal pixels (timings: tools/bench_postproc). */
bgs_status bgs_postproc_clean(bgs_postproc *pp, const bgs_cleanup *cleanup,
                              uint8_t *mask, ptrdiff_t stride);
/* 8-connected blobs of 255 pixels with area >= min_area, in raster order of
 * their first pixel; *blobs points into pp and stays valid until the next
 * call on pp. The bounding box is inclusive (x .. x + width - 1); the
 * centroid is the mean of the pixel coordinates (pixel (x, y) at x, y).
 * min_area 0 or 1 keeps every blob. With *count 0, *blobs may be NULL. */
bgs_status bgs_postproc_blobs(bgs_postproc *pp, const uint8_t *mask,
                              ptrdiff_t stride, long min_area,
                              const bgs_blob **blobs, size_t *count);

/* ------------------------------------------------------------------------ */
/* Histogram segmentation                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Single-image segmentation by gray level: a Gaussian mixture is fitted to
 * the 256-bin histogram of an 8-bit gray image with EM, and each gray level
 * goes to its most probable component (the Bayes decision rule).
 *
 *  - EM runs over the histogram, every gray level weighted by its count, so
 *    once the histogram is built the cost does not depend on the image size.
 *    The likelihood of a pixel of level v is the mixture density at v.
 *  - Each start is seeded by k-means++ on the histogram followed by k-means;
 *    `restarts` starts are run and the one with the best final
 *    log-likelihood is kept. Starts draw from a seeded PRNG: the same
 *    histogram and parameters always give the same fit.
 *  - Responsibilities are computed in the log domain (log-sum-exp), and no
 *    variance goes below var_floor, so no component collapses onto a
 *    single gray level and no 0/0 appears.
 *  - EM stops when the mean log-likelihood per pixel gains no more than tol
 *    in an iteration (converged = 1), or after max_iter iterations
 *    (converged = 0).
 *  - Components are sorted by increasing mean; label j is component j.
 *
 * Nothing here allocates a result; all structs are plain values.
 */

#define BGS_HIST_BINS 256
#define BGS_HIST_MAX_K 8
/* Largest max_iter; bounds the per-iteration log-likelihood record. */
#define BGS_HIST_MAX_ITER 1000
/* Two 1-D Gaussians cross at most twice, and the upper envelope of K of
 * them changes hands at most 2K - 2 times. */
#define BGS_HIST_MAX_THRESHOLDS (2 * (BGS_HIST_MAX_K - 1))

/* A gray-level histogram: count[v] pixels of level v. */
typedef struct bgs_hist {
    uint64_t count[BGS_HIST_BINS];
} bgs_hist;

/*
 * Count the levels of a width x height, one byte per pixel image whose rows
 * are stride bytes apart (stride >= width). bgs_hist_build starts from
 * zero; bgs_hist_add adds to the counts already there (e.g. to sum the
 * histograms of several frames).
 */
bgs_status bgs_hist_build(bgs_hist *hist, int width, int height,
                          const uint8_t *gray, ptrdiff_t stride);
bgs_status bgs_hist_add(bgs_hist *hist, int width, int height,
                        const uint8_t *gray, ptrdiff_t stride);

/* Total count (pixels) of a histogram. */
uint64_t bgs_hist_total(const bgs_hist *hist);

/*
 * How bgs_hist_fit_auto chooses K (both lower = better, on the -2 log L
 * scale, N = pixels):
 *  - BGS_HIST_ICL (the default): ICL = BIC + 2 EN, where EN is the
 *    classification entropy -sum over pixels sum_j r_j ln r_j (r_j: the
 *    responsibility of component j for the pixel's level). EN grows with
 *    the overlap of the components, so splitting one hump that is not
 *    Gaussian (a skewed or flat one, as natural images have) costs about as
 *    much entropy as it gains likelihood, and is not taken. The price:
 *    Gaussian classes 3 standard deviations apart or closer are taken as
 *    one (docs/segment.md has the measurements).
 *  - BGS_HIST_BIC: BIC = -2 log L + (3K - 1) ln N. Right when the histogram
 *    really is a Gaussian mixture; on natural images it keeps adding
 *    components, because with N in the millions any misfit of a hump's
 *    shape is "significant".
 */
typedef enum bgs_hist_criterion {
    BGS_HIST_ICL = 0,
    BGS_HIST_BIC = 1,
} bgs_hist_criterion;

/* Fitting parameters; fill with bgs_hist_fit_params_default()
 * (size-checked). */
typedef struct bgs_hist_fit_params {
    size_t struct_size; /* set by bgs_hist_fit_params_default            */
    int k;            /* components, 1..BGS_HIST_MAX_K (default 2)          */
    int max_iter;     /* EM iterations per start, 1..BGS_HIST_MAX_ITER
                         (default 500)                                      */
    double tol;       /* stop when the mean log-likelihood per pixel gains
                         <= tol (nats), 0..1 (default 1e-9)                */
    double var_floor; /* smallest variance, gray levels^2, 0.01..10000
                         (default 1: sigma >= 1 gray level)                */
    int restarts;     /* k-means++ starts, best kept, 1..100 (default 5)    */
    uint64_t seed;    /* PRNG seed, any value (default 1)                   */
    bgs_hist_criterion criterion; /* bgs_hist_fit_auto's choice of K
                         (default BGS_HIST_ICL); bgs_hist_fit ignores it    */
} bgs_hist_fit_params;

#define bgs_hist_fit_params_default(params) \
    bgs_hist_fit_params_init((params), sizeof *(params))
/* What bgs_hist_fit_params_default expands to (see bgs_params_init). */
bgs_status bgs_hist_fit_params_init(bgs_hist_fit_params *params, size_t size);
/* BGS_ERR_PARAMETER naming the first field out of bounds. */
bgs_status bgs_hist_fit_params_check(const bgs_hist_fit_params *params);

/* A fitted mixture, its decision thresholds and how the fit went. Written
 * by the library: the functions that take one are macros that pass its
 * size (a hand-made mixture for bgs_hist_thresholds/bgs_hist_lut needs no
 * initialisation beyond its fields). */
typedef struct bgs_hist_fit_result {
    int k;                                /* components                    */
    double weights[BGS_HIST_MAX_K];       /* sum to 1; 0 = unused component */
    double means[BGS_HIST_MAX_K];         /* increasing                     */
    double sigmas[BGS_HIST_MAX_K];        /* standard deviations            */
    /* Bayes decision boundaries inside [0, 255], increasing: the gray
     * levels x where the most probable component changes, exact roots of
     * w_i N(x; m_i, s_i) = w_j N(x; m_j, s_j). region_labels[i] is the
     * component that wins just below thresholds[i], and
     * region_labels[n_thresholds] the one that wins above the last. */
    int n_thresholds;
    double thresholds[BGS_HIST_MAX_THRESHOLDS];
    int region_labels[BGS_HIST_MAX_THRESHOLDS + 1];
    uint64_t pixels;                      /* total count of the histogram   */
    double log_likelihood;                /* final, summed over the pixels  */
    double bic;                           /* -2 logL + (3k - 1) ln(pixels)  */
    double entropy;                       /* classification entropy, nats,
                                             summed over the pixels          */
    double icl;                           /* bic + 2 entropy                 */
    int iterations;                       /* EM iterations of the kept start */
    int converged;                        /* 1: gain <= tol; 0: max_iter hit */
    int restart;                          /* index of the kept start         */
    /* Length of the log-likelihood trace of the kept start: its value
     * (summed over pixels) after initialisation and after each iteration,
     * n_loglik = iterations + 1 values, never decreasing. The values go to
     * the caller's buffer of the *_ex functions (bgs_hist_fit_ex). */
    int n_loglik;
} bgs_hist_fit_result;

/* Fit params->k components to hist. Fails (BGS_ERR_INVALID_ARGUMENT) on an
 * empty histogram. With fewer distinct levels than components the extra
 * components get weight 0. */
#define bgs_hist_fit(hist, params, result) \
    bgs_hist_fit_ex((hist), (params), (result), sizeof *(result), NULL, 0)
/* What bgs_hist_fit expands to, with the trace: loglik (NULL: not wanted)
 * receives the first min(n_loglik, loglik_capacity) values of the trace;
 * BGS_HIST_MAX_ITER + 1 values always suffice. result_size: sizeof the
 * caller's bgs_hist_fit_result (size-checked). */
bgs_status bgs_hist_fit_ex(const bgs_hist *hist,
                           const bgs_hist_fit_params *params,
                           bgs_hist_fit_result *result, size_t result_size,
                           double *loglik, size_t loglik_capacity);

/* Fit k = 1..kmax (params->k is ignored) and keep the fit with the lowest
 * params->criterion (ICL or BIC; the smaller k on a tie). score_per_k, if
 * not NULL, receives kmax values of that criterion: score_per_k[k - 1] for
 * k components. kmax: 1..BGS_HIST_MAX_K. Each K is fitted exactly as
 * bgs_hist_fit fits it with params->k = K, so a caller that wants the
 * likelihood, BIC, ICL and entropy of every K (each result holds all
 * four) can fit them one by one and get the same numbers. */
#define bgs_hist_fit_auto(hist, params, kmax, result, score_per_k)           \
    bgs_hist_fit_auto_ex((hist), (params), (kmax), (result), sizeof *(result), \
                         (score_per_k), NULL, 0)
/* With the kept fit's trace, as bgs_hist_fit_ex. */
bgs_status bgs_hist_fit_auto_ex(const bgs_hist *hist,
                                const bgs_hist_fit_params *params, int kmax,
                                bgs_hist_fit_result *result, size_t result_size,
                                double *score_per_k, double *loglik,
                                size_t loglik_capacity);

/* Recompute n_thresholds, thresholds and region_labels from k, weights,
 * means and sigmas (closed form: the roots of a quadratic, polished by
 * Newton steps). For hand-made mixtures; bgs_hist_fit already does it. */
#define bgs_hist_thresholds(fit) bgs_hist_thresholds_ex((fit), sizeof *(fit))
bgs_status bgs_hist_thresholds_ex(bgs_hist_fit_result *fit, size_t fit_size);

/* lut[v] = the most probable component at gray level v (0..k-1). */
#define bgs_hist_lut(fit, lut) bgs_hist_lut_ex((fit), sizeof *(fit), (lut))
bgs_status bgs_hist_lut_ex(const bgs_hist_fit_result *fit, size_t fit_size,
                           uint8_t lut[BGS_HIST_BINS]);

/* out = lut[gray] pixel by pixel (width x height, own strides; out may be
 * gray itself if the strides are equal). */
bgs_status bgs_hist_label(const uint8_t lut[BGS_HIST_BINS], int width,
                          int height, const uint8_t *gray,
                          ptrdiff_t gray_stride, uint8_t *out,
                          ptrdiff_t out_stride);

/* Otsu's threshold (maximal between-class variance): levels <= *threshold
 * form the dark class, levels above it the bright one. On a plateau of
 * equal maxima (empty bins) the middle of the plateau is taken. A
 * histogram with a single level gives that level. */
bgs_status bgs_hist_otsu(const bgs_hist *hist, int *threshold);

/* ------------------------------------------------------------------------ */
/* Local histogram segmentation (thresholds that vary across the image)     */
/* ------------------------------------------------------------------------ */

/*
 * One global threshold fails when the light varies across the picture (a
 * page under a gradient, objects lit from one side). The local fit cuts the
 * image into a grid of tiles, fits the two-component mixture above to each
 * tile's histogram, and interpolates the tiles' thresholds between the tile
 * centres, so every pixel has its own threshold:
 *
 *  - Tiles. The grid is cols x rows tiles whose edges fall at
 *    floor(i * width / cols) and floor(j * height / rows): every pixel is
 *    in exactly one tile, and tiles differ in size by at most one pixel.
 *    Each tile's histogram counts a window: the tile grown by `overlap`
 *    of its size on every side (clipped at the image border), so
 *    neighbouring fits share pixels and change smoothly.
 *  - Evidence. A tile is FITTED when its own fit shows two classes: the
 *    components cross between their means; they are separated
 *    (|m1 - m0| / sqrt((s0^2 + s1^2) / 2) >= min_separation, Ashman's D);
 *    the smaller weighs at least min_weight; two components beat one by
 *    ICL (see bgs_hist_criterion: a split of one non-Gaussian hump, such
 *    as a background under a gradient, does not); and m1 - m0 is at least
 *    min_contrast times the whole image's two-class m1 - m0 (so that two
 *    shades of one class, a sky gradient or a dark coat, are not taken for
 *    the two classes). Its threshold is the Bayes boundary between the
 *    two means.
 *  - Borrowing. Any other tile (one class only, or too little contrast)
 *    is BORROWED: it takes its neighbours' two classes and threshold, ring
 *    by ring outwards from the fitted tiles (8-neighbours of the previous
 *    ring; diagonal ones at half weight), moved by the change of light: the
 *    class that a neighbour's mixture finds more probable at the tile's
 *    median level (weights included) is put at that level, and the
 *    neighbour's threshold moves with it. A background-only tile under a
 *    gradient thus keeps the neighbour's margin above its own background.
 *    When that class is not clear (posterior < 0.99: the median lies
 *    between the classes, the tile holds some of both), the common shift
 *    is refined by EM on the tile's histogram, with the two classes'
 *    spreads fixed and their weights free.
 *  - No tile fitted: every tile is GLOBAL, with the threshold of the
 *    two-component fit of the whole image.
 *  - Interpolation. The threshold at a pixel is the bilinear interpolation
 *    of the four surrounding tile centres' thresholds; beyond the outer
 *    centres it is extrapolated linearly from the last two. The result is
 *    clipped to [0, 255]. A pixel is BRIGHT (255 in the mask) when its
 *    level is above its threshold, DARK (0) otherwise.
 *
 * Everything is deterministic: the same image and parameters give the same
 * tiles, map and mask, bit for bit.
 */

typedef struct bgs_hist_local_params {
    /* Grid: either a tile size or a number of tiles, not both. */
    int tile_size;    /* 8..65536: tiles of about this many pixels
                         square: cols = round(width / tile_size), rows
                         likewise; 0: use cols and rows (default 0)         */
    int cols, rows;   /* tiles across and down, used when tile_size is 0;
                         1..1024 each (default 8 x 8)                       */
    /* Either way there is at least 1 and at most 1024 tiles along a side,
     * and never more than the image has pixels along it. */
    double overlap;   /* histogram window = tile grown by this fraction of
                         the tile on each side, 0..2 (default 0.5)        */
    double min_separation; /* Ashman's D a fitted tile needs, 0..100
                              (default 2)                                  */
    double min_weight;     /* weight the smaller class needs, 0..0.5
                              (default 0.02)                               */
    double min_contrast;   /* m1 - m0 a fitted tile needs, as a fraction of
                              the whole image's two-class m1 - m0, 0..10
                              (default 0.25)                               */
    int extrapolate;  /* 1: beyond the outer tile centres the threshold is
                         extrapolated linearly (default); 0: it is held at
                         the outer centres' value                          */
    /* The per-tile EM. k is ignored (always 2); the defaults trade a
     * little precision for speed: restarts 1, tol 1e-7, max_iter 200. */
    bgs_hist_fit_params fit;
} bgs_hist_local_params;

void bgs_hist_local_params_default(bgs_hist_local_params *params);
/* BGS_ERR_PARAMETER naming the first bad field (including both or neither
 * of tile_size and cols/rows set). */
bgs_status bgs_hist_local_params_check(const bgs_hist_local_params *params);

typedef enum bgs_hist_tile_source {
    BGS_TILE_FITTED = 0,   /* its own fit shows two classes               */
    BGS_TILE_BORROWED = 1, /* threshold taken from its neighbours          */
    BGS_TILE_GLOBAL = 2,   /* no tile showed two classes: the global fit   */
} bgs_hist_tile_source;

/* What the local fit found in one tile. */
typedef struct bgs_hist_tile {
    int x, y, width, height;   /* the tile (the grid partitions the image)  */
    int window_x, window_y, window_width, window_height; /* pixels counted */
    bgs_hist_tile_source source;
    double threshold;          /* at the tile's centre, after borrowing;
                                  levels above it are bright               */
    double level;              /* median gray level of the window           */
    /* The tile's own two-component fit, dark then bright component: */
    double weights[2], means[2], sigmas[2];
    double own_threshold;      /* its Bayes boundary between the means;
                                  NAN when the components do not cross
                                  there (one of them never wins)           */
    double separation;         /* Ashman's D of the own fit                 */
    double icl_gain;           /* ICL of one component minus ICL of two,
                                  per pixel (> 0: two are better)           */
    int iterations, converged; /* of the own fit's kept EM start            */
    int distance;              /* 0 for fitted tiles; borrowed: rings to the
                                  nearest fitted tile                       */
    int donors;                /* borrowed: neighbours it took from         */
} bgs_hist_tile;

typedef struct bgs_hist_local bgs_hist_local; /* grid + tile results */

/* A local fit for width x height images (1..65536 each); NULL on failure
 * (bad parameters, no memory). One handle serves one thread at a time and
 * can fit image after image of that size (e.g. the frames of a video). */
bgs_hist_local *bgs_hist_local_create(int width, int height,
                                      const bgs_hist_local_params *params);
void bgs_hist_local_free(bgs_hist_local *loc);

/* Fit every tile of a gray image (width x height of the handle, rows
 * stride bytes apart) and resolve the borrowed ones. Replaces the previous
 * fit of the handle. */
bgs_status bgs_hist_local_fit(bgs_hist_local *loc, const uint8_t *gray,
                              ptrdiff_t stride);

/* The tiles, row by row (tile (i, j) at index j * cols + i); *cols and
 * *rows (either may be NULL) receive the grid. Valid until the next fit or
 * the handle's free. NULL before the first successful fit. */
const bgs_hist_tile *bgs_hist_local_tiles(const bgs_hist_local *loc,
                                          int *cols, int *rows);

/* The mask of the last fit: 255 where gray > the pixel's threshold, 0
 * elsewhere. gray is normally the image that was fitted (any image of the
 * handle's size is accepted). mask may be gray itself if the strides are
 * equal. */
bgs_status bgs_hist_local_mask(const bgs_hist_local *loc, const uint8_t *gray,
                               ptrdiff_t gray_stride, uint8_t *mask,
                               ptrdiff_t mask_stride);

/* The per-pixel threshold of the last fit, in [0, 255]: as floats (rows
 * stride bytes apart, a multiple of sizeof(float)), or as 8-bit levels
 * floor(threshold), for which gray > map is exactly the mask. */
bgs_status bgs_hist_local_threshold_map(const bgs_hist_local *loc, float *map,
                                        ptrdiff_t stride);
bgs_status bgs_hist_local_threshold_map8(const bgs_hist_local *loc,
                                         uint8_t *map, ptrdiff_t stride);

/* ------------------------------------------------------------------------ */
/* Scoring against ground truth (ChangeDetection.net rules)                 */
/* ------------------------------------------------------------------------ */

/* Ground-truth labels of ChangeDetection.net. */
#define BGS_GT_STATIC 0
#define BGS_GT_SHADOW 50
#define BGS_GT_OUTSIDE_ROI 85
#define BGS_GT_UNKNOWN 170
#define BGS_GT_MOVING 255

typedef struct bgs_counts {
    uint64_t tp, fp, tn, fn;
} bgs_counts;

typedef struct bgs_metrics {
    double recall, specificity, fpr, fnr, pwc, precision, f_measure;
} bgs_metrics;

/*
 * Add one frame to counts. mask: 255 = foreground (anything else is
 * background). gt: labels as above; 255 positive, 0 and 50 negative, 85, 170
 * and any other value ignored. roi: may be NULL; where it is 0 the pixel is
 * ignored. All three are width x height, one byte per pixel, with their own
 * row strides.
 */
void bgs_counts_add_frame(bgs_counts *counts, int width, int height,
                          const uint8_t *mask, ptrdiff_t mask_stride,
                          const uint8_t *gt, ptrdiff_t gt_stride,
                          const uint8_t *roi, ptrdiff_t roi_stride);

/* Metrics from totals; a ratio with a zero denominator is reported as 0. */
bgs_metrics bgs_metrics_from_counts(const bgs_counts *counts);

#ifdef __cplusplus
}
#endif

#endif /* BGSUB_H */
