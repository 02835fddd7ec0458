/*
 * bgsub.h - the whole public interface of libbgsub.
 *
 * libbgsub is a background-subtraction library: a per-pixel online Gaussian
 * mixture model (Stauffer & Grimson, with the KaewTraKulPong & Bowden 1/n
 * start-up rate), scoring against ChangeDetection.net-style ground truth, and
 * (later) a histogram mixture fit for single-image segmentation.
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

#define BGS_VERSION_MAJOR 0
#define BGS_VERSION_MINOR 1
#define BGS_VERSION_PATCH 0
#define BGS_VERSION_STRING "0.1.0"

/* Version of the library actually linked, e.g. "0.1.0". */
const char *bgs_version(void);

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
 * in the parameter table (bgs_param_info) and in the README.
 */
typedef struct bgs_params {
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

void bgs_params_default(bgs_params *params);

/* Metadata of one parameter; NULL for an unknown key. */
const bgs_param_info *bgs_param_get_info(bgs_param key);

/* Set one parameter by key; refuses (BGS_ERR_PARAMETER) a value outside the
 * bounds or a non-integer for an integer parameter, leaving params as is. */
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
void bgs_model_get_params(const bgs_model *model, bgs_params *params);

/* Worker threads for bgs_model_apply: the frame is cut into stripes of
 * rows, one per thread (0 = one per online core; default 1). Masks and model
 * are the same whatever the number of threads. */
bgs_status bgs_model_set_threads(bgs_model *model, int threads);
int bgs_model_threads(const bgs_model *model);

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

/* Every step off (all fields 0). */
void bgs_cleanup_default(bgs_cleanup *cleanup);

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

/* Fitting parameters; fill with bgs_hist_fit_params_default(). */
typedef struct bgs_hist_fit_params {
    int k;            /* components, 1..BGS_HIST_MAX_K (default 2)          */
    int max_iter;     /* EM iterations per start, 1..BGS_HIST_MAX_ITER
                         (default 500)                                      */
    double tol;       /* stop when the mean log-likelihood per pixel gains
                         <= tol (nats), 0..1 (default 1e-9)                */
    double var_floor; /* smallest variance, gray levels^2, 0.01..10000
                         (default 1: sigma >= 1 gray level)                */
    int restarts;     /* k-means++ starts, best kept, 1..100 (default 5)    */
    uint64_t seed;    /* PRNG seed, any value (default 1)                   */
} bgs_hist_fit_params;

void bgs_hist_fit_params_default(bgs_hist_fit_params *params);
/* BGS_ERR_PARAMETER naming the first field out of bounds. */
bgs_status bgs_hist_fit_params_check(const bgs_hist_fit_params *params);

/* A fitted mixture, its decision thresholds and how the fit went. */
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
    int iterations;                       /* EM iterations of the kept start */
    int converged;                        /* 1: gain <= tol; 0: max_iter hit */
    int restart;                          /* index of the kept start         */
    /* Log-likelihood (summed over pixels) of the kept start after
     * initialisation (loglik[0]) and after each iteration:
     * n_loglik = iterations + 1 entries. Never decreases. */
    int n_loglik;
    double loglik[BGS_HIST_MAX_ITER + 1];
} bgs_hist_fit_result;

/* Fit params->k components to hist. Fails (BGS_ERR_INVALID_ARGUMENT) on an
 * empty histogram. With fewer distinct levels than components the extra
 * components get weight 0. */
bgs_status bgs_hist_fit(const bgs_hist *hist, const bgs_hist_fit_params *params,
                        bgs_hist_fit_result *result);

/* Fit k = 1..kmax (params->k is ignored) and keep the fit with the lowest
 * BIC (the smaller k on a tie). bic_per_k, if not NULL, receives kmax
 * values: bic_per_k[k - 1] for k components. kmax: 1..BGS_HIST_MAX_K. */
bgs_status bgs_hist_fit_auto(const bgs_hist *hist,
                             const bgs_hist_fit_params *params, int kmax,
                             bgs_hist_fit_result *result, double *bic_per_k);

/* Recompute n_thresholds, thresholds and region_labels from k, weights,
 * means and sigmas (closed form: the roots of a quadratic, polished by
 * Newton steps). For hand-made mixtures; bgs_hist_fit already does it. */
bgs_status bgs_hist_thresholds(bgs_hist_fit_result *fit);

/* lut[v] = the most probable component at gray level v (0..k-1). */
bgs_status bgs_hist_lut(const bgs_hist_fit_result *fit,
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
