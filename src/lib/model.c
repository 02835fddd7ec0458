/*
 * model.c - the per-pixel online Gaussian mixture (Stauffer & Grimson):
 * model life cycle, frame dispatch over threads and kernels, and the scalar
 * reference kernel. The state layout is described in model_impl.h.
 *
 * Components of a pixel are kept sorted by ω/σ, highest first, so "the first
 * component that matches in rank order" is the first that matches.
 */
#include "lib/abi.h"
#include "lib/model_impl.h"
#include "lib/pixfmt.h"
#include "lib/pool.h"
#include "lib/postproc.h"

#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Frame rate of a new model (frames per second): the usual rate of video,
 * and what the bgsub program assumes for image sequences. */
#define DEFAULT_FRAME_RATE 25.0

/* Tiles of the test of changes of light: TILE x TILE pixels (a multiple of
 * BLOCK), sampled every LIGHT_STEP pixels in both directions. A tile is
 * tested when at least LIGHT_DENSITY of its pixels are foreground, and is
 * a change of light when at least LIGHT_INLIERS of its samples (those with
 * a settled first component) match it once divided by the tile's gain. */
#define TILE 32
#define LIGHT_STEP 4
#define LIGHT_DENSITY 0.10
#define LIGHT_INLIERS 0.70
#define LIGHT_MIN_SAMPLES 16
#define LIGHT_SETTLED_WEIGHT 0.5f
/* ... and, where the background's brightness over the samples varies by a
 * standard deviation of LIGHT_MIN_TEXTURE or more, when the frame's is
 * correlated with it by LIGHT_MIN_CORRELATION or more. */
#define LIGHT_MIN_TEXTURE 4.0
/* A change of light is a gain at least this far from 1 in some channel:
 * within it, the model's own tolerance covers the change. */
#define LIGHT_MIN_CHANGE 0.08
/* A change of light found in a tile is held this long (pixels that show up
 * later are explained by it). */
#define LIGHT_MEMORY_SECONDS 4.0
#define LIGHT_MIN_CORRELATION 0.8
/* Light changes are large: tiles found to change, joined with their
 * 4-neighbours whose gains agree within LIGHT_GAIN_AGREE, count only in
 * groups that cover at least LIGHT_MIN_AREA of the frame (a car on a plain
 * road can look like a darker road over a few tiles). */
#define LIGHT_GAIN_AGREE 0.10f
#define LIGHT_MIN_AREA 0.05

struct bgs_model {
    model_shape shape;
    int height;
    bgs_params params;
    long frames;            /* frames applied so far */
    long startup;           /* frames since the start-up schedule (re)began */
    long blank_left;        /* blank-mask frames left after a global change */
    long relearns;          /* global changes re-learnt from */
    int relearning;         /* the last frame was a global change or blank */
    double frame_rate;      /* frames per second, for times in seconds */
    uint16_t *state;        /* height · blocks_per_row blocks */
    int *row_marked;        /* per row: pixels the kernel marked foreground */
    /* Changes of light: tiles of TILE x TILE pixels, tiles_x per row of
     * tiles. tile_marked[y · tiles_x + t]: pixels of row y in tile column t
     * the kernel marked foreground; per tile, whether the last frame found
     * a change of light there and its gain per channel. */
    int tiles_x, tiles_y;
    int *tile_marked;
    uint8_t *tile_light;    /* this frame: 1 a change of light found */
    uint8_t *tile_unknown;  /* this frame: dense, but no change of light */
    float *tile_found;      /* this frame: the gain tile_is_light found */
    /* Kept from frame to frame: the gain of the last change of light found
     * in the tile (3 floats a tile), and the frame count up to which it
     * holds (0: none): pixels that show up after the change (behind an
     * object that moves away, a mode of a rippling surface) are explained
     * by it too. */
    float *tile_gain;
    long *tile_until;
    int *tile_queue;        /* tiles_x · tiles_y, for keep_large_light_changes */
    /* Camera shake: the shift of the last frame (model pixel (x, y) saw
     * frame pixel (x + shift_x, y + shift_y)), and, made on the first
     * shifted frame, the frame shifted into the model's place and the mask
     * in the model's place. */
    int shift_x, shift_y;
    uint8_t *shifted;
    uint8_t *model_mask;
    uint8_t *bg_plane;      /* background brightness (apply_job.bg_plane) */
    uint8_t *ghost_seen;    /* find_ghosts: pixels flooded (cleared after) */
    uint32_t *ghost_queue;  /* find_ghosts: the pixels of the regions */
    int *row_decided;       /* per row: pixels the decide step marked */
    /* The points the shift is estimated at (estimate_shift), read from the
     * model at frame shift_refreshed (-1: never) for max_shift
     * shift_points_for. */
    shift_point *shift_points;
    int shift_npoints, shift_points_for;
    long shift_refreshed;
    int shift_nflat;        /* plain points among them */
    float shift_flat_sum;   /* 1 + the background's sum over the plain points */
    /* Region of interest, NULL for the whole frame: a copy of the caller's
     * bytes (0 = outside), the block coverage (BLOCK_*) per block, and the
     * number of pixels inside. */
    uint8_t *roi;
    uint8_t *roi_blocks;
    long roi_pixels;
    bgs_kernel kernel;      /* the kernel in use (never AUTO) */
    model_row_fn row_fn;
    task_pool *pool;        /* NULL until more than one thread is asked for */
    bgs_postproc *postproc; /* mask clean-up workspace, made on first use */
    long *foreground;       /* per-part counts of the last frame */
    int foreground_parts;
    uint8_t *converted;     /* a frame in another pixel format, converted */
    size_t converted_size;
    long last_foreground;   /* BGS_MASK_FOREGROUND pixels of the last mask */
};

/* ------------------------------------------------------------------------ */
/* The scalar reference kernel                                              */
/* ------------------------------------------------------------------------ */

/* A pixel's model unpacked to floats. */
typedef struct pixel_model {
    float weight[BGS_MAX_COMPONENTS];
    float var[BGS_MAX_COMPONENTS];
    float mean[BGS_MAX_COMPONENTS][3];
} pixel_model;

static void unpack_pixel(const model_shape *s, const uint16_t *block, int lane,
                         pixel_model *px)
{
    for (int k = 0; k < s->components; k++) {
        const uint16_t *f = block + field_offset(s->channels, k, 0) + lane;
        px->weight[k] = (float)f[FIELD_WEIGHT * BLOCK] * (1.0f / WEIGHT_SCALE);
        px->var[k] = half_to_float(f[FIELD_VAR * BLOCK]);
        for (int c = 0; c < s->channels; c++)
            px->mean[k][c] = (float)f[(FIELD_MEAN + c) * BLOCK] * (1.0f / MEAN_SCALE);
    }
}

static void pack_pixel(const model_shape *s, uint16_t *block, int lane,
                       const pixel_model *px)
{
    for (int k = 0; k < s->components; k++) {
        uint16_t *f = block + field_offset(s->channels, k, 0) + lane;
        int w = (int)(px->weight[k] * WEIGHT_SCALE + 0.5f);
        f[FIELD_WEIGHT * BLOCK] = (uint16_t)(w > 65535 ? 65535 : w);
        f[FIELD_VAR * BLOCK] = float_to_half(px->var[k]);
        for (int c = 0; c < s->channels; c++)
            f[(FIELD_MEAN + c) * BLOCK] =
                (uint16_t)(int)(px->mean[k][c] * MEAN_SCALE + 0.5f);
    }
}

static void swap_components(pixel_model *px, int i, int j, int C)
{
    float t = px->weight[i]; px->weight[i] = px->weight[j]; px->weight[j] = t;
    t = px->var[i]; px->var[i] = px->var[j]; px->var[j] = t;
    for (int c = 0; c < C; c++) {
        t = px->mean[i][c]; px->mean[i][c] = px->mean[j][c]; px->mean[j][c] = t;
    }
}

/* ω_i/σ_i > ω_j/σ_j without square roots: ω_i² σ_j² > ω_j² σ_i². */
static int ranks_above(const pixel_model *px, int i, int j)
{
    return px->weight[i] * px->weight[i] * px->var[j] >
           px->weight[j] * px->weight[j] * px->var[i];
}

/* Insertion sort by ω/σ written as a fixed network of neighbour swaps (what
 * the vector kernels do): a comparison that finds the pair in order swaps
 * nothing, so the result is that of a stable insertion sort. */
static void sort_components(pixel_model *px, int K, int C)
{
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0; j--)
            if (ranks_above(px, j, j - 1))
                swap_components(px, j, j - 1, C);
}

/* Number of leading components whose weights first sum past T (K if none). */
static int background_count(const pixel_model *px, int K, float bg_ratio)
{
    float sum = 0.0f;
    for (int k = 0; k < K; k++) {
        sum += px->weight[k];
        if (sum > bg_ratio)
            return k + 1;
    }
    return K;
}

/*
 * Cast shadow (Horprasert et al.; the test of OpenCV's MOG2): against one of
 * the background components, in rank order, the pixel's brightness ratio
 * a = (x·μ)/(μ·μ) lies in [lo, hi] and the colour distortion |x - aμ|² is
 * below λs²·C·σ²·a² (the match rule's per-channel RMS distance, scaled by the
 * darkening). f: the pixel's fields (its block plus its lane).
 */
static int is_shadow(const uint16_t *f, int K, int C, const float x[3],
                     const frame_rates *r)
{
    float weight_sum = 0.0f;
    for (int k = 0; k < K; k++) {
        const uint16_t *comp = f + field_offset(C, k, 0);
        float weight = (float)comp[FIELD_WEIGHT * BLOCK] * (1.0f / WEIGHT_SCALE);
        if (!(weight > 0.0f))
            break;
        float xm = 0.0f, mm = 0.0f, mean[3];
        for (int c = 0; c < C; c++) {
            mean[c] = (float)comp[(FIELD_MEAN + c) * BLOCK] * (1.0f / MEAN_SCALE);
            xm += x[c] * mean[c];
            mm += mean[c] * mean[c];
        }
        if (mm > 0.0f) {
            float a = xm / mm;
            if (a >= r->shadow_lo && a <= r->shadow_hi) {
                float d2 = 0.0f;
                for (int c = 0; c < C; c++) {
                    float d = a * mean[c] - x[c];
                    d2 += d * d;
                }
                if (d2 < r->shadow_limit * half_to_float(comp[FIELD_VAR * BLOCK]) * a * a)
                    return 1;
            }
        }
        weight_sum += weight;
        if (weight_sum > r->bg_ratio)
            break;
    }
    return 0;
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Index of the first component, in rank order, within λ standard deviations
 * (per-channel RMS distance), or -1; its squared distance in *d2_out. */
static int find_match(const pixel_model *px, int K, int C, const float x[3],
                      float match_limit, float *d2_out)
{
    for (int k = 0; k < K; k++) {
        float d2 = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = x[c] - px->mean[k][c];
            d2 = d2 + d * d;
        }
        if (px->weight[k] > 0.0f && d2 < match_limit * px->var[k]) {
            *d2_out = d2;
            return k;
        }
    }
    return -1;
}

/*
 * Absorption: the value x becomes background at once. The component it
 * matches (or, if none, the least probable one, replaced by a new component
 * on x) gets weight absorb_weight, the others share the rest in their
 * proportions: they sum to less than T, so the component is background
 * wherever it ranks, and the background it had keeps its components (when
 * the object leaves, what was behind it is still known).
 */
static void absorb_pixel(pixel_model *px, int K, int C, const float x[3],
                         const frame_rates *r)
{
    float d2;
    int m = find_match(px, K, C, x, r->match_limit, &d2);
    if (m < 0) {
        m = K - 1;
        px->weight[m] = 0.0f;
        px->var[m] = r->var_init;
        for (int c = 0; c < C; c++)
            px->mean[m][c] = x[c];
    }
    float others = 0.0f;
    for (int k = 0; k < K; k++)
        others += k == m ? 0.0f : px->weight[k];
    float target = others > 0.0f ? r->absorb_weight : 1.0f;
    if (px->weight[m] < target) {
        float scale = others > 0.0f ? (1.0f - target) / others : 0.0f;
        for (int k = 0; k < K; k++)
            px->weight[k] = k == m ? target : px->weight[k] * scale;
    }
    sort_components(px, K, C);
}

/* Classify one pixel against its model and update the model with it.
 * Returns 1 for foreground. count: the frames the pixel has been foreground
 * in a row before this one; a foreground pixel whose count is below
 * r->hold_limit is held: its model stays as it is (the update runs at rate
 * 0, which changes no field, and no component is made for it). A held
 * pixel that is foreground for the absorb_at-th frame in a row is absorbed
 * (absorb_pixel) and is background. */
static int update_pixel(pixel_model *px, int K, int C, const float x[3],
                        const frame_rates *r, float count)
{
    float d2 = 0.0f;
    int m = find_match(px, K, C, x, r->match_limit, &d2);
    /* A matched component is background when the weight ranked above it does
     * not exceed T, i.e. it is among the first B. */
    float above = 0.0f;
    for (int k = 0; k < m; k++)
        above = above + px->weight[k];
    int foreground = m < 0 || above > r->bg_ratio;
    /* An empty model (no component yet) is not held: it has to learn. */
    int hold = r->hold_limit > 0.0f && foreground && count < r->hold_limit &&
               px->weight[0] > 0.0f;
    float rate = hold ? 0.0f : r->rate, keep = hold ? 1.0f : r->keep;

    /* ω ← (1-a)ω + a·M */
    for (int k = 0; k < K; k++)
        px->weight[k] = px->weight[k] * keep;
    if (m >= 0) {
        px->weight[m] = px->weight[m] + rate;
        /* ρ = a/ω: 1/(matches so far) for a young component, α/ω later.
         * The variance uses the distance to the old mean, (1-ρ)(σ² + ρd²),
         * the exact running variance when ρ = 1/n. */
        float rho = rate / px->weight[m];
        rho = rho < 1.0f ? rho : 1.0f;
        for (int c = 0; c < C; c++)
            px->mean[m][c] = px->mean[m][c] + rho * (x[c] - px->mean[m][c]);
        float var = (1.0f - rho) * (px->var[m] + rho * (d2 * r->inv_channels));
        px->var[m] = clampf(var, r->var_min, r->var_max);
    } else if (!hold) {
        /* The least probable component (last in rank order, or unused)
         * becomes a new one centred on the pixel. */
        px->weight[K - 1] = r->new_weight;
        px->var[K - 1] = r->var_init;
        for (int c = 0; c < C; c++)
            px->mean[K - 1][c] = x[c];
        /* Renormalise after a replacement. With a match the update keeps
         * the sum at 1 but for the rounding of the stored weights, whose
         * drift stays under K/(2·65535·α) (0.005 with the defaults) and is
         * removed by the next replacement. */
        float total = 0.0f;
        for (int k = 0; k < K; k++)
            total = total + px->weight[k];
        float scale = 1.0f / total; /* total >= a > 0 */
        for (int k = 0; k < K; k++)
            px->weight[k] = px->weight[k] * scale;
    }
    sort_components(px, K, C);
    if (hold && count + 1.0f == r->absorb_at) {
        absorb_pixel(px, K, C, x, r);
        foreground = 0;
    }
    return foreground;
}

/* A pixel's background brightness byte: the mean over channels of its
 * first component's mean as stored in the block (lane `lane`), rounded. The
 * vector kernels compute it with the same operations. */
static uint8_t background_byte(const uint16_t *block, int lane, int C, float inv_channels)
{
    float sum = 0.0f;
    for (int c = 0; c < C; c++)
        sum = sum + (float)block[field_offset(C, 0, FIELD_MEAN + c) + lane] * (1.0f / MEAN_SCALE);
    return (uint8_t)(int)(sum * inv_channels + 0.5f);
}

int model_row_scalar(const model_shape *s, uint16_t *state,
                     const uint8_t *row, uint8_t *mask_row, uint8_t *bg_row,
                     const frame_rates *r)
{
    const int K = s->components, C = s->channels;
    pixel_model px;
    int foreground = 0;
    for (int bx = 0; bx < s->blocks_per_row; bx++) {
        uint16_t *block = state + (size_t)bx * s->block_u16;
        uint16_t *counter = block + counter_offset(C, K);
        int x0 = bx * BLOCK;
        int lanes = s->width - x0 < BLOCK ? s->width - x0 : BLOCK;
        for (int lane = 0; lane < lanes; lane++) {
            float x[3];
            for (int c = 0; c < C; c++)
                x[c] = (float)row[(size_t)(x0 + lane) * C + c];
            unpack_pixel(s, block, lane, &px);
            int fg = update_pixel(&px, K, C, x, r, (float)counter[lane]);
            /* The shadow colour against the model as it was (the block is
             * not written yet). */
            int shadow = fg && r->shadow_flag && is_shadow(block + lane, K, C, x, r);
            int still = fg && r->stationary_at > 0.0f &&
                        (float)counter[lane] + 1.0f >= r->stationary_at;
            if (r->update) {
                pack_pixel(s, block, lane, &px);
                /* Frames foreground in a row (a pixel the frame's later
                 * decisions make background is reset there). */
                int more = counter[lane] < 65535 ? counter[lane] + 1 : 65535;
                counter[lane] = (uint16_t)(fg && r->detect ? more : 0);
            }
            if (bg_row)
                bg_row[x0 + lane] = background_byte(block, lane, C, r->inv_channels);
            if (mask_row) {
                int marked = fg && r->detect;
                mask_row[x0 + lane] = (uint8_t)(!marked ? BGS_MASK_BACKGROUND
                                                : BGS_MASK_FOREGROUND - shadow - 2 * still);
                foreground += marked;
            }
        }
    }
    return foreground;
}

/* ------------------------------------------------------------------------ */
/* Kernels                                                                  */
/* ------------------------------------------------------------------------ */

#ifdef BGS_HAVE_X86_KERNELS
#include <cpuid.h>

/* CPU features read with CPUID and XGETBV rather than
 * __builtin_cpu_supports, which older compilers lack for F16C: the
 * instructions must exist and the OS must save the wider registers. */
static unsigned x86_features(void)
{
    enum { AVX2 = 1, AVX512 = 2 };
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int osxsave = (c >> 27) & 1, f16c = (c >> 29) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx || !f16c)
        return 0;
    unsigned xcr0_lo, xcr0_hi;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) /* XMM and YMM state */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    unsigned features = 0;
    if ((b >> 5) & 1)
        features |= AVX2;
    if (((b >> 16) & 1) && (xcr0_lo & 0xe0) == 0xe0) /* opmask, ZMM state */
        features |= AVX512;
    return features;
}
#endif

static int cpu_runs(bgs_kernel kernel)
{
    switch (kernel) {
    case BGS_KERNEL_SCALAR:
        return 1;
#ifdef BGS_HAVE_X86_KERNELS
    case BGS_KERNEL_AVX2:
        return (x86_features() & 1) != 0;
    case BGS_KERNEL_AVX512:
        return (x86_features() & 2) != 0;
#endif
    default:
        return 0;
    }
}

static model_row_fn kernel_fn(bgs_kernel kernel)
{
#ifdef BGS_HAVE_X86_KERNELS
    if (kernel == BGS_KERNEL_AVX512)
        return model_row_avx512;
    if (kernel == BGS_KERNEL_AVX2)
        return model_row_avx2;
#endif
    (void)kernel;
    return model_row_scalar;
}

static const char *const kernel_names[] = {"auto", "scalar", "avx2", "avx512"};

/* AUTO: BGSUB_KERNEL from the environment if set (tests and benchmarks),
 * otherwise the widest kernel the CPU runs. */
static bgs_kernel resolve_auto(void)
{
    const char *env = getenv("BGSUB_KERNEL");
    for (int k = BGS_KERNEL_SCALAR; env && k <= BGS_KERNEL_AVX512; k++)
        if (strcmp(env, kernel_names[k]) == 0 && cpu_runs((bgs_kernel)k))
            return (bgs_kernel)k;
    if (cpu_runs(BGS_KERNEL_AVX512))
        return BGS_KERNEL_AVX512;
    return cpu_runs(BGS_KERNEL_AVX2) ? BGS_KERNEL_AVX2 : BGS_KERNEL_SCALAR;
}

bgs_status bgs_model_set_kernel(bgs_model *m, bgs_kernel kernel)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    if ((unsigned)kernel > BGS_KERNEL_AVX512)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "unknown kernel %d", (int)kernel);
    if (kernel == BGS_KERNEL_AUTO)
        kernel = resolve_auto();
    if (!cpu_runs(kernel))
        return bgs_fail(BGS_ERR_UNSUPPORTED, "this CPU cannot run the %s kernel",
                        kernel_names[kernel]);
    m->kernel = kernel;
    m->row_fn = kernel_fn(kernel);
    return BGS_OK;
}

const char *bgs_model_kernel_name(const bgs_model *m)
{
    return kernel_names[m->kernel];
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */
/* ------------------------------------------------------------------------ */

/* Unused components get weight 0 and the initial variance (ranking compares
 * ω²σ² products; a zero variance would lift an empty component). */
static void clear_state(bgs_model *m)
{
    size_t blocks = (size_t)m->height * m->shape.blocks_per_row;
    uint16_t var0 = float_to_half(m->params.var_init);
    memset(m->state, 0, blocks * m->shape.block_u16 * sizeof(uint16_t));
    for (size_t b = 0; b < blocks; b++)
        for (int k = 0; k < m->params.components; k++) {
            uint16_t *var = m->state + b * m->shape.block_u16 +
                            field_offset(m->shape.channels, k, FIELD_VAR);
            for (int lane = 0; lane < BLOCK; lane++)
                var[lane] = var0;
        }
}

/* The state of a large model starts on a 2 MB boundary and, on Linux, asks
 * for transparent huge pages: every frame streams through all of it, and
 * with 4 KB pages TLB misses cost about a quarter of the time of a 1080p
 * frame, and creating the model faulted in 15 000 pages (0.4 s in a
 * virtual machine) instead of 31. Freed with free(). */
static uint16_t *alloc_state(size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)2 << 20;
    if (bytes >= 2 * huge) {
        size_t rounded = (bytes + huge - 1) / huge * huge;
        void *state = aligned_alloc(huge, rounded);
        if (state)
            madvise(state, rounded, MADV_HUGEPAGE); /* advice: may be refused */
        return state;
    }
#endif
    return malloc(bytes);
}

bgs_model *bgs_model_create(int width, int height, int channels,
                            const bgs_params *params)
{
    if (width <= 0 || height <= 0 || width > 65536 || height > 65536) {
        bgs_set_error("frame size %dx%d is not supported", width, height);
        return NULL;
    }
    if (channels != 1 && channels != 3) {
        bgs_set_error("frames must have 1 or 3 channels, not %d", channels);
        return NULL;
    }
    bgs_params full; /* the caller's, in this library's layout */
    if (params_import("bgs_model_create", params, &full) != BGS_OK ||
        bgs_params_check(&full) != BGS_OK)
        return NULL;
    params = &full;

    bgs_model *m = calloc(1, sizeof *m);
    if (!m) {
        bgs_set_error("out of memory");
        return NULL;
    }
    m->shape.width = width;
    m->shape.channels = channels;
    m->shape.components = params->components;
    m->shape.blocks_per_row = (width + BLOCK - 1) / BLOCK;
    m->shape.block_u16 = block_values(channels, params->components);
    m->height = height;
    m->params = *params;
    m->frame_rate = DEFAULT_FRAME_RATE;
    size_t blocks = (size_t)height * m->shape.blocks_per_row;
    m->state = alloc_state(blocks * m->shape.block_u16 * sizeof(uint16_t));
    m->row_marked = malloc((size_t)height * sizeof *m->row_marked);
    m->row_decided = malloc((size_t)height * sizeof *m->row_decided);
    m->tiles_x = (width + TILE - 1) / TILE;
    m->tiles_y = (height + TILE - 1) / TILE;
    size_t tiles = (size_t)m->tiles_x * m->tiles_y;
    m->tile_marked = calloc((size_t)height * m->tiles_x, sizeof *m->tile_marked);
    m->tile_light = calloc(tiles, 1);
    m->tile_unknown = calloc(tiles, 1);
    m->tile_found = calloc(tiles * 3, sizeof *m->tile_found);
    m->tile_until = calloc(tiles, sizeof *m->tile_until);
    m->tile_gain = calloc(tiles * 3, sizeof *m->tile_gain);
    m->tile_queue = malloc(tiles * sizeof *m->tile_queue);
    m->shift_points = malloc(SHIFT_POINTS * sizeof *m->shift_points);
    m->shift_refreshed = -1;
    if (!m->state || !m->row_marked || !m->row_decided || !m->tile_marked || !m->tile_light ||
        !m->tile_gain || !m->tile_queue || !m->shift_points || !m->tile_unknown ||
        !m->tile_found || !m->tile_until) {
        bgs_model_free(m);
        bgs_set_error("out of memory for a %dx%d model", width, height);
        return NULL;
    }
    clear_state(m);
    bgs_model_set_kernel(m, BGS_KERNEL_AUTO);
    return m;
}

void bgs_model_free(bgs_model *m)
{
    if (!m)
        return;
    pool_free(m->pool);
    bgs_postproc_free(m->postproc);
    free(m->foreground);
    free(m->converted);
    free(m->roi);
    free(m->roi_blocks);
    free(m->row_marked);
    free(m->tile_marked);
    free(m->tile_light);
    free(m->tile_unknown);
    free(m->tile_found);
    free(m->tile_until);
    free(m->tile_gain);
    free(m->tile_queue);
    free(m->shifted);
    free(m->bg_plane);
    free(m->ghost_seen);
    free(m->ghost_queue);
    free(m->row_decided);
    free(m->shift_points);
    free(m->model_mask);
    free(m->state);
    free(m);
}

int bgs_model_threads(const bgs_model *m)
{
    return m->pool ? pool_threads(m->pool) : 1;
}

bgs_status bgs_model_set_threads(bgs_model *m, int threads)
{
    if (!m || threads < 0 || threads > 256)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "threads must be between 0 (one per core) and 256");
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (int)(cores < 256 ? cores : 256) : 1;
    }
    if (threads > m->height)
        threads = m->height; /* a stripe is at least one row */
    if (bgs_model_threads(m) == threads)
        return BGS_OK;
    task_pool *pool = threads > 1 ? pool_create(threads) : NULL;
    if (threads > 1 && !pool)
        return bgs_fail(BGS_ERR_NO_MEMORY, "cannot start %d threads", threads);
    pool_free(m->pool);
    m->pool = pool;
    return BGS_OK;
}

bgs_status bgs_model_set_pool(bgs_model *m, bgs_pool *pool)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    if (pool)
        pool_ref(pool);
    pool_free(m->pool); /* the model's reference to its previous pool */
    m->pool = pool;
    return BGS_OK;
}


/* ------------------------------------------------------------------------ */
/* Applying a frame                                                         */
/* ------------------------------------------------------------------------ */

/* Frames in `seconds` at the model's frame rate (at least 1); 0 = off. */
static long frames_in(const bgs_model *m, float seconds)
{
    if (!(seconds > 0.0f))
        return 0;
    double frames = floor(seconds * m->frame_rate + 0.5);
    return frames < 1 ? 1 : frames > 1e9 ? 1000000000L : (long)frames;
}

/* have_mask: the caller wants a mask (without one nothing is held: a model
 * that only learns learns every pixel). */
/* The rates for the next frame: the model's schedule (learning_rate < 0),
 * frozen (0) or this frame's rate (bgs_model_apply_frame). */
static frame_rates rates_for_frame(const bgs_model *m, int have_mask, float learning_rate)
{
    const bgs_params *p = &m->params;
    frame_rates r;
    long n = m->startup + 1; /* this frame is the n-th since (re)start */
    /* KaewTraKulPong & Bowden: until 1/n falls below α, learn at 1/n, which
     * makes each component the plain average of what it has seen. */
    float start_rate = 1.0f / (float)n;
    r.rate = start_rate > p->alpha ? start_rate : p->alpha;
    r.keep = 1.0f - r.rate;
    r.new_weight = r.rate > p->weight_init ? r.rate : p->weight_init;
    r.match_limit = p->match_sigmas * p->match_sigmas * (float)m->shape.channels;
    r.inv_channels = 1.0f / (float)m->shape.channels;
    r.bg_ratio = p->bg_ratio;
    r.var_init = p->var_init;
    r.var_min = p->var_min;
    r.var_max = p->var_max;
    r.detect = m->frames + 1 > p->learning_frames && m->blank_left == 0;
    /* α = 0 freezes the model, start-up schedule included: what it holds
     * stays as it is and frames are only classified against it. */
    r.update = p->alpha > 0.0f;
    if (learning_rate >= 0.0f) {
        r.update = learning_rate > 0.0f;
        if (r.update) {
            r.rate = learning_rate;
            r.keep = 1.0f - learning_rate;
            r.new_weight = learning_rate > p->weight_init ? learning_rate : p->weight_init;
        }
    }
    r.shadows = p->shadows && m->shape.channels == 3;
    r.shadow_value = (uint8_t)p->shadow_value;
    r.shadow_lo = p->shadow_min_brightness;
    r.shadow_hi = p->shadow_max_brightness;
    r.shadow_limit = p->shadow_chroma * p->shadow_chroma * (float)m->shape.channels;
    r.shadow_texture = p->shadow_texture;
    r.shadow_flag = r.shadows && r.detect && have_mask;
    /* Nothing is held during the learning frames: every pixel learns what
     * the background is. */
    r.absorb_frames = r.detect && r.update && have_mask ? frames_in(m, p->absorb_after) : 0;
    /* A rate of 1 for this frame starts the model again from it (as
     * OpenCV's learningRate 1 does): no pixel is held. */
    if (learning_rate >= 1.0f)
        r.absorb_frames = 0;
    /* The counter saturates at 65535: a longer hold never ends. */
    r.hold_limit = r.absorb_frames > 65535 ? 65536.0f : (float)r.absorb_frames;
    r.absorb_at = r.absorb_frames > 65535 ? 0.0f : (float)r.absorb_frames;
    /* Weight of an absorbed value's component: the others then sum to less
     * than T, so it is background wherever it ranks. */
    r.absorb_weight = 1.02f - p->bg_ratio < 1.0f ? 1.02f - p->bg_ratio : 1.0f;
    r.neighbour_radius = have_mask && r.detect ? p->neighbour_radius : 0;
    /* Ghosts are looked for among held pixels only (before they are
     * absorbed anyway). */
    long ghost = r.absorb_frames > 0 ? frames_in(m, p->ghost_after) : 0;
    r.stationary_at = ghost > 0 && ghost < r.absorb_frames && ghost <= 65535 ? (float)ghost : 0.0f;
    r.illumination = have_mask && r.detect && r.update ? p->illumination : 0;
    return r;
}

/* Region-of-interest coverage of a block of BLOCK pixels. */
enum { BLOCK_OUTSIDE = 0, BLOCK_PARTLY = 1, BLOCK_INSIDE = 2 };

typedef struct apply_job {
    bgs_model *model;
    const uint8_t *frame;   /* as the model sees it (shifted, if it is) */
    ptrdiff_t frame_stride;
    uint8_t *mask;          /* in the model's place */
    ptrdiff_t mask_stride;
    /* The caller's frame and mask; with a shift, frame and mask above are
     * the model's buffers, and the passes copy from and to these. */
    const uint8_t *in_frame;
    ptrdiff_t in_stride;
    uint8_t *out_mask;
    ptrdiff_t out_stride;
    int shift_x, shift_y;
    int last_pass;          /* PASS_*: the pass that packs the final mask */
    /* The background brightness of every pixel after this frame (the
     * kernels' bg_row), for the decide step; NULL when nothing needs it. */
    uint8_t *bg_plane;
    int light;              /* find_light_changes found a change of light */
    frame_rates rates;
    long *foreground;       /* pixels matching no background, per part */
    /* The clean-up to run on this frame's mask, or NULL; each stripe packs
     * its rows of the mask for it while they are in the cache. */
    const bgs_cleanup *cleanup;
} apply_job;

/* Runs the kernel over pixels [x0, x0 + width) of row y; x0 is a multiple of
 * BLOCK. Returns the pixels it marked foreground. */
static int run_kernel(const bgs_model *m, int y, int x0, int width,
                      const apply_job *job)
{
    const model_shape *s = &m->shape;
    model_shape part = *s;
    part.width = width;
    part.blocks_per_row = (width + BLOCK - 1) / BLOCK;
    uint16_t *state = m->state +
                      ((size_t)y * s->blocks_per_row + (size_t)(x0 / BLOCK)) * s->block_u16;
    uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride + x0 : NULL;
    const uint8_t *row = job->frame + y * job->frame_stride + (size_t)x0 * s->channels;
    uint8_t *bg_row = job->bg_plane ? job->bg_plane + (size_t)y * s->width + x0 : NULL;
    return m->row_fn(&part, state, row, mask_row, bg_row, &job->rates);
}

/*
 * A row under a region of interest: blocks wholly outside are skipped, runs
 * of blocks wholly inside go to the kernel at once, and a block partly
 * inside is run alone with the state of its outside lanes put back after.
 * Returns the pixels inside it marked foreground.
 */
static long apply_row_roi(const bgs_model *m, int y, const apply_job *job)
{
    const model_shape *s = &m->shape;
    const uint8_t *cover = m->roi_blocks + (size_t)y * s->blocks_per_row;
    const uint8_t *inside = m->roi + (size_t)y * s->width;
    const uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride : NULL;
    uint16_t saved[(BGS_MAX_COMPONENTS * 5 + 1) * BLOCK];
    long foreground = 0;
    for (int b = 0; b < s->blocks_per_row;) {
        if (cover[b] == BLOCK_OUTSIDE) {
            b++;
            continue;
        }
        int x0 = b * BLOCK;
        if (cover[b] == BLOCK_INSIDE) {
            int end = b;
            while (end < s->blocks_per_row && cover[end] == BLOCK_INSIDE)
                end++;
            int x1 = end * BLOCK < s->width ? end * BLOCK : s->width;
            foreground += run_kernel(m, y, x0, x1 - x0, job);
            b = end;
            continue;
        }
        uint16_t *block = m->state + ((size_t)y * s->blocks_per_row + b) * s->block_u16;
        int lanes = s->width - x0 < BLOCK ? s->width - x0 : BLOCK;
        memcpy(saved, block, s->block_u16 * sizeof *block);
        run_kernel(m, y, x0, lanes, job);
        for (int lane = 0; lane < lanes; lane++) {
            if (inside[x0 + lane])
                foreground += mask_row && mask_row[x0 + lane] != BGS_MASK_BACKGROUND;
            else
                for (size_t f = 0; f < s->block_u16; f += BLOCK)
                    block[f + lane] = saved[f + lane];
        }
        b++;
    }
    return foreground;
}

/* ------------------------------------------------------------------------ */
/* The frame's decisions on foreground pixels                               */
/* ------------------------------------------------------------------------ */

/*
 * After the kernels, the pixels they marked foreground (candidates) are
 * looked at again, in two steps:
 *  - decide (needs the whole frame's kernel pass done: it reads the model of
 *    neighbouring pixels, which may lie in another stripe): a candidate that
 *    a neighbour's background explains is marked MASK_BY_NEIGHBOUR;
 *  - settle (touches only the pixel's own model): such a pixel learns as
 *    background would have; the others are tested for shadow; those still
 *    foreground count one more frame, and at absorb_frames what they show
 *    becomes background (absorb_pixel).
 * Without a decide step (no neighbourhood rule) settle runs right after the
 * kernel, row by row, in the same pass. Either way the result does not
 * depend on how the frame is cut into stripes.
 */
#define MASK_BY_NEIGHBOUR 1
#define MASK_BY_LIGHT 2
#define MASK_BY_SHADOW 3
#define MASK_BY_GHOST 4

/* The texture test of shadows: a window of SHADOW_WINDOW² pixels, whose
 * background brightness (mean over channels) must vary by a standard
 * deviation of at least SHADOW_MIN_TEXTURE for the test to tell anything. */
#define SHADOW_WINDOW 5
#define SHADOW_STEP 2
#define SHADOW_MIN_TEXTURE 2.0f

/* The first x' >= x below width with row[x'] != 0 (width if none): eight
 * bytes at a time over the runs of zeros that most of a mask is. */
static inline int next_marked(const uint8_t *row, int x, int width)
{
    while (x + 8 <= width) {
        uint64_t word;
        memcpy(&word, row + x, 8);
        if (word)
            return x + __builtin_ctzll(word) / 8; /* little-endian */
        x += 8;
    }
    while (x < width && !row[x])
        x++;
    return x;
}

/* The first x' >= x below width with row[x'] == value (width if none),
 * eight bytes at a time (a word has a byte equal to value when word ^
 * value·0x0101.. has a zero byte). */
static inline int next_value(const uint8_t *row, int x, int width, uint8_t value)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (x + 8 <= width) {
        uint64_t word;
        memcpy(&word, row + x, 8);
        word ^= ones * value;
        uint64_t zero = (word - ones) & ~word & highs; /* exact for the lowest */
        if (zero)
            return x + __builtin_ctzll(zero) / 8;
        x += 8;
    }
    while (x < width && row[x] != value)
        x++;
    return x;
}

/* The first x' >= x below width with row[x'] neither 0 nor 255 (a flagged
 * or decided pixel; width if none), skipping eight bytes at a time the
 * words made only of 0 and 255 (each byte equal to its top bit times 255). */
static inline int next_flagged(const uint8_t *row, int x, int width)
{
    const uint64_t lows = 0x0101010101010101ull;
    while (x + 8 <= width) {
        uint64_t word;
        memcpy(&word, row + x, 8);
        if (word != ((word >> 7) & lows) * 0xff)
            break;
        x += 8;
    }
    while (x < width && (row[x] == 0 || row[x] == 255))
        x++;
    return x;
}

/* What a model's state holds, read one pixel at a time. */
static inline float weight_at(const uint16_t *f) { return (float)f[0] * (1.0f / WEIGHT_SCALE); }
static inline float mean_at(const uint16_t *f) { return (float)f[0] * (1.0f / MEAN_SCALE); }

/* The value v (C channels) matches one of the background components of the
 * pixel whose fields start at f (a block plus its lane): within λ standard
 * deviations, the rule of the kernels, the variance taken no larger than
 * var_cap. */
static int matches_background_capped(const uint16_t *f, int K, int C, const float v[3],
                                     const frame_rates *r, float var_cap)
{
    float above = 0.0f;
    for (int k = 0; k < K; k++) {
        const uint16_t *comp = f + field_offset(C, k, 0);
        if (comp[FIELD_WEIGHT * BLOCK] == 0)
            return 0; /* this one and those ranked below are unused */
        float d2 = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = v[c] - mean_at(comp + (FIELD_MEAN + c) * BLOCK);
            d2 = d2 + d * d;
        }
        float var = half_to_float(comp[FIELD_VAR * BLOCK]);
        if (d2 < r->match_limit * (var < var_cap ? var : var_cap))
            return 1;
        above = above + weight_at(comp + FIELD_WEIGHT * BLOCK);
        if (above > r->bg_ratio)
            return 0;
    }
    return 0;
}

static int matches_background(const uint16_t *f, int K, int C, const float v[3],
                              const frame_rates *r)
{
    return matches_background_capped(f, K, C, v, r, INFINITY);
}

/* Fields of pixel (x, y): its block plus its lane. */
static inline uint16_t *pixel_fields(const bgs_model *m, int x, int y)
{
    const model_shape *s = &m->shape;
    return m->state + ((size_t)y * s->blocks_per_row + (size_t)(x / BLOCK)) * s->block_u16 +
           x % BLOCK;
}

/* Sum over channels of the mean of pixel (x, y)'s first component. */
/* The shifts tried: up to max_shift, and no more than an eighth of the
 * frame's width or height (a small frame has few points, and a wide
 * search would find chance matches). */
static int shift_range(const bgs_model *m)
{
    int S = m->params.max_shift;
    S = S < m->shape.width / 8 ? S : m->shape.width / 8;
    return S < m->height / 8 ? S : m->height / 8;
}

/* shift_nflat and shift_flat_sum from the points. */
static void shift_sums(bgs_model *m)
{
    m->shift_nflat = 0;
    m->shift_flat_sum = 1.0f;
    for (int i = 0; i < m->shift_npoints; i++)
        if (m->shift_points[i].flat) {
            m->shift_nflat++;
            m->shift_flat_sum += m->shift_points[i].b;
        }
}

static float first_mean_sum(const bgs_model *m, int x, int y)
{
    const uint16_t *f = pixel_fields(m, x, y);
    float sum = 0.0f;
    for (int c = 0; c < m->shape.channels; c++)
        sum += mean_at(f + (FIELD_MEAN + c) * BLOCK);
    return sum;
}

/* Spatial consistency: a pixel within r->neighbour_radius (square window,
 * clipped to the frame and the region of interest) has a background
 * component that v matches. */
static int neighbour_explains(const bgs_model *m, int x, int y, const float v[3],
                              const frame_rates *r)
{
    const model_shape *s = &m->shape;
    const int R = r->neighbour_radius;
    int y0 = y - R < 0 ? 0 : y - R, y1 = y + R >= m->height ? m->height - 1 : y + R;
    int x0 = x - R < 0 ? 0 : x - R, x1 = x + R >= s->width ? s->width - 1 : x + R;
    /* A neighbour's component is taken no wider than the pixel's own first
     * one: where the background is plain, a neighbour with a wider
     * component would otherwise explain what the pixel itself does not;
     * the rule is for backgrounds whose pattern has moved. */
    float cap = half_to_float(pixel_fields(m, x, y)[FIELD_VAR * BLOCK]);
    for (int yy = y0; yy <= y1; yy++)
        for (int xx = x0; xx <= x1; xx++) {
            if ((xx == x && yy == y) || (m->roi && !m->roi[(size_t)yy * s->width + xx]))
                continue;
            if (matches_background_capped(pixel_fields(m, xx, yy), s->components,
                                          s->channels, v, r, cap))
                return 1;
        }
    return 0;
}

static inline void pixel_value(const apply_job *job, int C, int x, int y, float v[3])
{
    const uint8_t *p = job->frame + y * job->frame_stride + (size_t)x * C;
    for (int c = 0; c < C; c++)
        v[c] = (float)p[c];
}

/* ------------------------------------------------------------------------ */
/* Changes of light                                                         */
/* ------------------------------------------------------------------------ */

/* The k-th smallest of v[0..n) (v is reordered). */
static float kth_smallest(float *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

/* Pixels the kernel marked foreground in row y, per tile column. */
static void count_tile_row(bgs_model *m, int y, const uint8_t *mask_row, long marked)
{
    int *counts = m->tile_marked + (size_t)y * m->tiles_x;
    memset(counts, 0, (size_t)m->tiles_x * sizeof *counts);
    if (marked <= 0)
        return;
    /* The kernels write 0, 255 or MASK_SHADOW_COLOUR: a word's foreground
     * bytes are its bytes with the top bit set. */
    const int W = m->shape.width;
    int x = 0;
    for (; x + 8 <= W; x += 8) {
        uint64_t word;
        memcpy(&word, mask_row + x, 8);
        /* the top bits moved to the bytes' lowest, added up by the multiply */
        counts[x / TILE] += (int)((((word >> 7) & 0x0101010101010101ull) *
                                   0x0101010101010101ull) >> 56);
    }
    for (; x < W; x++)
        counts[x / TILE] += mask_row[x] >> 7;
}

/*
 * Tile (tx, ty): is its foreground a change of light? Samples every
 * LIGHT_STEP pixels whose first component is settled (weight at least
 * LIGHT_SETTLED_WEIGHT) give, per channel, the ratio of the frame to that
 * component's mean; their median is the tile's gain. The tile is a change
 * of light when at least LIGHT_INLIERS of the samples match their first
 * component once divided by the gain: the texture behind is kept, only
 * brighter or darker. An object in front matches where it happens to look
 * like the background scaled, not over most of a tile.
 */
static int tile_is_light(const bgs_model *m, const apply_job *job, int tx, int ty,
                         float gain[3])
{
    enum { MAX_SAMPLES = (TILE / LIGHT_STEP) * (TILE / LIGHT_STEP) };
    const model_shape *s = &m->shape;
    const int C = s->channels;
    float ratio[3][MAX_SAMPLES], mean[MAX_SAMPLES][3], value[MAX_SAMPLES][3];
    float var[MAX_SAMPLES];
    int n = 0;
    int x1 = (tx + 1) * TILE < s->width ? (tx + 1) * TILE : s->width;
    int y1 = (ty + 1) * TILE < m->height ? (ty + 1) * TILE : m->height;
    for (int y = ty * TILE + LIGHT_STEP / 2; y < y1; y += LIGHT_STEP)
        for (int x = tx * TILE + LIGHT_STEP / 2; x < x1; x += LIGHT_STEP) {
            if (m->roi && !m->roi[(size_t)y * s->width + x])
                continue;
            const uint16_t *f = pixel_fields(m, x, y);
            if (weight_at(f + FIELD_WEIGHT * BLOCK) < LIGHT_SETTLED_WEIGHT)
                continue;
            pixel_value(job, C, x, y, value[n]);
            var[n] = half_to_float(f[FIELD_VAR * BLOCK]);
            for (int c = 0; c < C; c++) {
                mean[n][c] = mean_at(f + (FIELD_MEAN + c) * BLOCK);
                ratio[c][n] = (value[n][c] + 1.0f) / (mean[n][c] + 1.0f);
            }
            n++;
        }
    if (n < LIGHT_MIN_SAMPLES)
        return 0;
    float change = 0.0f;
    for (int c = 0; c < C; c++) {
        gain[c] = kth_smallest(ratio[c], n, n / 2);
        change = fmaxf(change, fabsf(gain[c] - 1.0f));
    }
    if (change < LIGHT_MIN_CHANGE)
        return 0;
    int inliers = 0;
    for (int i = 0; i < n; i++) {
        float d2 = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = value[i][c] / gain[c] - mean[i][c];
            d2 += d * d;
        }
        inliers += d2 < job->rates.match_limit * var[i];
    }
    if (inliers < LIGHT_INLIERS * n)
        return 0;
    /* Where the background has texture, the frame must have the same: the
     * correlation of their brightness over the samples (the match above,
     * pixel by pixel, lets a smooth object pass for a smooth background). */
    double sf = 0, sb = 0, sff = 0, sbb = 0, sfb = 0;
    for (int i = 0; i < n; i++) {
        double f = 0, b = 0;
        for (int c = 0; c < C; c++)
            f += value[i][c], b += mean[i][c];
        f /= C, b /= C;
        sf += f, sb += b, sff += f * f, sbb += b * b, sfb += f * b;
    }
    double vf = sff - sf * sf / n, vb = sbb - sb * sb / n, cov = sfb - sf * sb / n;
    if (vb < LIGHT_MIN_TEXTURE * LIGHT_MIN_TEXTURE * n)
        return 1; /* plain background: the match alone decides */
    return vf > 0 && cov >= LIGHT_MIN_CORRELATION * sqrt(vf * vb);
}

/* Tiles a and b have gains that agree (every channel within
 * LIGHT_GAIN_AGREE of each other). */
static int gains_agree(const bgs_model *m, int a, int b)
{
    for (int c = 0; c < m->shape.channels; c++) {
        float ga = m->tile_found[3 * a + c], gb = m->tile_found[3 * b + c];
        if (fabsf(ga - gb) > LIGHT_GAIN_AGREE * (ga < gb ? ga : gb))
            return 0;
    }
    return 1;
}

/* Keeps only the groups of marked tiles (tile_light 1; 4-connected, with
 * by_gain their gains agreeing between neighbours) that cover
 * LIGHT_MIN_AREA of the frame: tile_light ends 1 for the tiles kept and 0
 * for the others. */
static void keep_large_groups(bgs_model *m, int by_gain)
{
    int n = m->tiles_x * m->tiles_y;
    int *queue = m->tile_queue;
    double frame = (double)m->shape.width * m->height;
    for (int start = 0; start < n; start++) {
        if (m->tile_light[start] != 1)
            continue;
        /* Flood the group, marking it 2 (seen), and add up its area. */
        int head = 0, tail = 0;
        double area = 0;
        queue[tail++] = start;
        m->tile_light[start] = 2;
        while (head < tail) {
            int t = queue[head++], tx = t % m->tiles_x, ty = t / m->tiles_x;
            int w = (tx + 1) * TILE < m->shape.width ? TILE : m->shape.width - tx * TILE;
            int h = (ty + 1) * TILE < m->height ? TILE : m->height - ty * TILE;
            area += (double)w * h;
            const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
            for (int d = 0; d < 4; d++) {
                int nx = tx + dx[d], ny = ty + dy[d];
                if (nx < 0 || ny < 0 || nx >= m->tiles_x || ny >= m->tiles_y)
                    continue;
                int u = ny * m->tiles_x + nx;
                if (m->tile_light[u] == 1 && (!by_gain || gains_agree(m, t, u))) {
                    m->tile_light[u] = 2;
                    queue[tail++] = u;
                }
            }
        }
        uint8_t verdict = area >= LIGHT_MIN_AREA * frame ? 3 : 4;
        for (int i = 0; i < tail; i++)
            m->tile_light[queue[i]] = verdict;
    }
    for (int t = 0; t < n; t++)
        m->tile_light[t] = m->tile_light[t] == 3;
}

/* Marks the tiles whose foreground is a change of light (one thread: it
 * reads rows of several stripes). Only large groups of dense tiles are
 * looked at (anything smaller could not pass keep_large_groups), so the
 * usual frame, whose objects are small, costs next to nothing. */
static void find_light_changes(bgs_model *m, apply_job *job, long marked_total)
{
    const int tiles = m->tiles_x * m->tiles_y;
    memset(m->tile_unknown, 0, (size_t)tiles);
    for (int t = 0; t < tiles; t++)
        job->light |= m->frames < m->tile_until[t]; /* changes still held */
    /* Too little foreground for a group of dense tiles large enough. */
    if (marked_total < LIGHT_DENSITY * LIGHT_MIN_AREA * m->shape.width * m->height)
        return;
    int any = 0;
    for (int ty = 0; ty < m->tiles_y; ty++)
        for (int tx = 0; tx < m->tiles_x; tx++) {
            int t = ty * m->tiles_x + tx;
            int y0 = ty * TILE, y1 = y0 + TILE < m->height ? y0 + TILE : m->height;
            int x1 = (tx + 1) * TILE < m->shape.width ? (tx + 1) * TILE : m->shape.width;
            long marked = 0;
            for (int y = y0; y < y1; y++)
                marked += m->tile_marked[(size_t)y * m->tiles_x + tx];
            long area = (long)(y1 - y0) * (x1 - tx * TILE);
            m->tile_light[t] = marked >= LIGHT_DENSITY * area;
            any |= m->tile_light[t];
        }
    if (!any)
        return;
    keep_large_groups(m, 0);
    for (int t = 0; t < tiles; t++) {
        m->tile_unknown[t] = m->tile_light[t];
        if (m->tile_light[t])
            m->tile_light[t] = (uint8_t)tile_is_light(m, job, t % m->tiles_x, t / m->tiles_x,
                                                      m->tile_found + 3 * t);
    }
    keep_large_groups(m, 1);
    long hold = (long)ceil(LIGHT_MEMORY_SECONDS * m->frame_rate);
    for (int t = 0; t < tiles; t++) {
        if (!m->tile_light[t])
            continue;
        m->tile_unknown[t] = 0;
        memcpy(m->tile_gain + 3 * t, m->tile_found + 3 * t, 3 * sizeof *m->tile_gain);
        m->tile_until[t] = m->frames + 1 + hold;
        job->light = 1;
    }
}

/* The gain of the light at pixel (x, y) on this frame, bilinear between
 * the centres of the four nearest tiles: a tile's held change of light,
 * or 1 (no change) for a tile without one, unless the tile was dense
 * without one (what it holds is unknown: left out). 0 when none of the
 * four holds a change. */
static int light_gain_at(const bgs_model *m, int x, int y, float gain[3])
{
    float fx = ((float)x + 0.5f) / TILE - 0.5f, fy = ((float)y + 0.5f) / TILE - 0.5f;
    int tx = (int)floorf(fx), ty = (int)floorf(fy);
    float wx = fx - (float)tx, wy = fy - (float)ty;
    float sum[3] = {0, 0, 0}, weight = 0;
    int held = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int u = tx + i < 0 ? 0 : tx + i >= m->tiles_x ? m->tiles_x - 1 : tx + i;
            int v = ty + j < 0 ? 0 : ty + j >= m->tiles_y ? m->tiles_y - 1 : ty + j;
            int t = v * m->tiles_x + u;
            float w = (i ? wx : 1 - wx) * (j ? wy : 1 - wy);
            if (m->frames < m->tile_until[t]) {
                held = 1;
                for (int c = 0; c < 3; c++)
                    sum[c] += w * m->tile_gain[3 * t + c];
            } else if (!m->tile_unknown[t]) {
                for (int c = 0; c < 3; c++)
                    sum[c] += w;
            } else {
                continue;
            }
            weight += w;
        }
    if (!held || !(weight > 0))
        return 0;
    for (int c = 0; c < 3; c++)
        gain[c] = sum[c] / weight;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Ghosts                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * A region the kernels marked stationary (foreground stationary_at frames
 * in a row or more) is a ghost when its outline is an edge of the
 * background image, not of the frame: what the model holds there (an
 * object that was background) has left, and the frame shows what was
 * behind it, which continues the background around. An object that
 * stopped is the other way round: its outline is in the frame. Over the
 * region's pixels next to background (mask 0) pixels, the sums of the
 * brightness gradients (|d/dx| + |d/dy|, central differences) of the
 * background (bg_plane) and of the frame are compared: a ghost when the
 * background's is at least GHOST_EDGE_RATIO times the frame's and at least
 * GHOST_MIN_EDGE per outline pixel. Regions are 8-connected; a region
 * whose border is mostly against other foreground (a still part of a
 * moving object) is left alone.
 */
#define GHOST_EDGE_RATIO 2.5
#define GHOST_MIN_EDGE 6.0

static inline int is_stationary(uint8_t mark)
{
    return mark == MASK_STATIONARY || mark == MASK_STATIONARY_SHADOW;
}

/* Brightness gradient at (x, y) of a plane read through value(). */
static inline float frame_brightness(const apply_job *job, int C, int x, int y)
{
    const uint8_t *p = job->frame + y * job->frame_stride + (size_t)x * C;
    int sum = 0;
    for (int c = 0; c < C; c++)
        sum += p[c];
    return (float)sum * job->rates.inv_channels;
}

static void outline_gradients(const bgs_model *m, const apply_job *job, int x, int y,
                              float *frame_grad, float *bg_grad)
{
    const int W = m->shape.width, H = m->height, C = m->shape.channels;
    int xl = x > 0 ? x - 1 : x, xr = x < W - 1 ? x + 1 : x;
    int yu = y > 0 ? y - 1 : y, yd = y < H - 1 ? y + 1 : y;
    const uint8_t *bg = job->bg_plane;
    *frame_grad = fabsf(frame_brightness(job, C, xr, y) - frame_brightness(job, C, xl, y)) +
                  fabsf(frame_brightness(job, C, x, yd) - frame_brightness(job, C, x, yu));
    *bg_grad = (float)(abs(bg[(size_t)y * W + xr] - bg[(size_t)y * W + xl]) +
                       abs(bg[(size_t)yd * W + x] - bg[(size_t)yu * W + x]));
}

/* Finds the ghosts among the stationary regions and marks their pixels
 * MASK_BY_GHOST (one thread: regions cross stripes; only stationary
 * pixels cost anything). */
static bgs_status find_ghosts(bgs_model *m, apply_job *job)
{
    const int W = m->shape.width, H = m->height;
    size_t pixels = (size_t)W * H;
    if (!m->ghost_seen) {
        m->ghost_seen = calloc(pixels, 1);
        m->ghost_queue = malloc(pixels * sizeof *m->ghost_queue);
        if (!m->ghost_seen || !m->ghost_queue)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    }
    uint8_t *seen = m->ghost_seen;
    uint32_t *queue = m->ghost_queue;
    size_t all = 0; /* pixels queued over every region, to clear seen */
    for (int y = 0; y < H; y++) {
        if (m->row_marked[y] <= 0)
            continue;
        uint8_t *row = job->mask + y * job->mask_stride;
        for (int x = next_flagged(row, 0, W); x < W; x = next_flagged(row, x + 1, W)) {
            if (!is_stationary(row[x]) || seen[(size_t)y * W + x])
                continue;
            /* One region: flood it, add up its outline's gradients. */
            size_t start = all, head = all;
            queue[all++] = (uint32_t)((size_t)y * W + x);
            seen[(size_t)y * W + x] = 1;
            double frame_sum = 0, bg_sum = 0;
            long outline = 0, border = 0;
            while (head < all) {
                size_t i = queue[head++];
                int px = (int)(i % W), py = (int)(i / W);
                int next_to_background = 0, next_to_other = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx, ny = py + dy;
                        if ((!dx && !dy) || nx < 0 || ny < 0 || nx >= W || ny >= H)
                            continue;
                        uint8_t mark = job->mask[ny * job->mask_stride + nx];
                        if (mark == BGS_MASK_BACKGROUND && (!dx || !dy))
                            next_to_background = 1;
                        if (!is_stationary(mark) && (!dx || !dy))
                            next_to_other = 1;
                        size_t j = (size_t)ny * W + nx;
                        if (is_stationary(mark) && !seen[j]) {
                            seen[j] = 1;
                            queue[all++] = (uint32_t)j;
                        }
                    }
                border += next_to_other;
                if (next_to_background) {
                    float fg, bg;
                    outline_gradients(m, job, px, py, &fg, &bg);
                    frame_sum += fg, bg_sum += bg;
                    outline++;
                }
            }
            /* Most of the region's border must be against background (a
             * still part of a moving object is mostly against the rest of
             * it), then the outline decides. */
            if (outline > 0 && 2 * outline >= border && bg_sum >= GHOST_EDGE_RATIO * frame_sum &&
                bg_sum >= GHOST_MIN_EDGE * outline)
                for (size_t k = start; k < all; k++)
                    job->mask[(queue[k] / W) * job->mask_stride + queue[k] % W] = MASK_BY_GHOST;
        }
    }
    for (size_t k = 0; k < all; k++)
        seen[queue[k]] = 0;
    return BGS_OK;
}

/* v, divided by the light's gain there (light_gain_at), matches the
 * pixel's own background. */
static int light_explains(const bgs_model *m, int x, int y, const float v[3],
                          const frame_rates *r)
{
    float gain[3];
    if (!light_gain_at(m, x, y, gain))
        return 0;
    float u[3];
    for (int c = 0; c < m->shape.channels; c++)
        u[c] = v[c] / gain[c];
    return matches_background(pixel_fields(m, x, y), m->shape.components,
                              m->shape.channels, u, r);
}

/* The texture around (x, y) is the background's, darkened (see
 * bgs_params.shadow_texture): over the window, clipped to the frame, the
 * normalised cross-correlation of the frame's brightness with that of the
 * background's first components. */
/* Over the window, every SHADOW_STEP-th pixel in x and y (9 of the 25: the
 * same extent for a third of the reads; busStation F 0.884 -> 0.882 and
 * highway 0.957 -> 0.956 against all 25, 0.3 ms less a 1080p frame),
 * integer sums (at most 25 · 765 · 255 each): f is the frame's channel
 * sum, b the background's mean over channels (the correlation does not see
 * the scale). */
static int texture_kept(const bgs_model *m, const apply_job *job, int x, int y)
{
    const int W = m->shape.width, C = m->shape.channels, R = SHADOW_WINDOW / 2;
    int32_t sf = 0, sb = 0, sff = 0, sbb = 0, sfb = 0, n = 0;
    for (int yy = y - R; yy <= y + R; yy += SHADOW_STEP) {
        if (yy < 0 || yy >= m->height)
            continue;
        const uint8_t *frame = job->frame + yy * job->frame_stride;
        const uint8_t *bg = job->bg_plane + (size_t)yy * W;
        for (int xx = x - R; xx <= x + R; xx += SHADOW_STEP) {
            if (xx < 0 || xx >= W)
                continue;
            int32_t f = 0, b = bg[xx];
            for (int c = 0; c < C; c++)
                f += frame[(size_t)xx * C + c];
            sf += f, sb += b, sff += f * f, sbb += b * b, sfb += f * b;
            n++;
        }
    }
    /* n² times the variances and the covariance, exact in 64 bits. */
    int64_t vf = (int64_t)n * sff - (int64_t)sf * sf, vb = (int64_t)n * sbb - (int64_t)sb * sb;
    int64_t cov = (int64_t)n * sfb - (int64_t)sf * sb;
    if ((double)vb < (double)SHADOW_MIN_TEXTURE * SHADOW_MIN_TEXTURE * n * n || vf <= 0)
        return 0;
    return (double)cov >= job->rates.shadow_texture * sqrt((double)vf * (double)vb);
}

/* The decide step on row y (see above). Returns the pixels it marked. */
static int decide_row(const bgs_model *m, int y, const apply_job *job)
{
    const int C = m->shape.channels;
    const frame_rates *r = &job->rates;
    uint8_t *mask_row = job->mask + y * job->mask_stride;
    const int W = m->shape.width;
    int decided = 0;
    int other_rules = r->neighbour_radius > 0 || job->light;
    /* Without the rules that look at every foreground pixel, only the
     * flagged ones (shadow colour, stationary, ghost) need anything. */
    int (*next)(const uint8_t *, int, int) = other_rules ? next_marked : next_flagged;
    for (int x = next(mask_row, 0, W); x < W; x = next(mask_row, x + 1, W)) {
        uint8_t mark = mask_row[x], code = BGS_MASK_FOREGROUND;
        if (mark == BGS_MASK_FOREGROUND && !other_rules)
            continue;
        if (mark == MASK_BY_GHOST) { /* find_ghosts decided it */
            decided++;
            continue;
        }
        int shadow_colour = mark == MASK_SHADOW_COLOUR || mark == MASK_STATIONARY_SHADOW;
        float v[3];
        if (other_rules)
            pixel_value(job, C, x, y, v);
        if (r->neighbour_radius > 0 && neighbour_explains(m, x, y, v, r))
            code = MASK_BY_NEIGHBOUR;
        else if (job->light && light_explains(m, x, y, v, r))
            code = MASK_BY_LIGHT;
        else if (shadow_colour &&
                 (!(r->shadow_texture > 0.0f) || texture_kept(m, job, x, y)))
            code = MASK_BY_SHADOW;
        mask_row[x] = code;
        decided += code != BGS_MASK_FOREGROUND;
    }
    return decided;
}

/* The settle step on row y (see above). Shadow: runs on the updated state:
 * a foreground pixel matched no background component, so those kept their
 * means and variances, and a component made for the pixel ranks below
 * them. */
static void settle_row(const bgs_model *m, int y, const apply_job *job)
{
    const model_shape *s = &m->shape;
    const int K = s->components, C = s->channels;
    const frame_rates *r = &job->rates;
    uint8_t *mask_row = job->mask + y * job->mask_stride;
    pixel_model px;
    /* Marked pixels are foreground (255) or decided (MASK_BY_*). */
    for (int x = next_marked(mask_row, 0, s->width); x < s->width;
         x = next_marked(mask_row, x + 1, s->width)) {
        uint8_t code = mask_row[x];
        if (code == BGS_MASK_FOREGROUND)
            continue;
        float v[3];
        pixel_value(job, C, x, y, v);
        uint16_t *f = pixel_fields(m, x, y);
        uint16_t *lane0 = f - x % BLOCK;
        uint16_t *counter = f + counter_offset(C, K);
        if (code == MASK_BY_NEIGHBOUR) {
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                /* Learns as background: what the kernel held, it updates
                 * now, as the kernel would have. */
                unpack_pixel(s, lane0, x % BLOCK, &px);
                update_pixel(&px, K, C, v, r, 0.0f);
                pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
            continue;
        }
        if (code == MASK_BY_LIGHT) {
            /* Learnt at once: the light may stay as it is now. */
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                unpack_pixel(s, lane0, x % BLOCK, &px);
                absorb_pixel(&px, K, C, v, r);
                pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
            continue;
        }
        if (code == MASK_BY_SHADOW) {
            mask_row[x] = r->shadow_value;
            if (r->update)
                *counter = 0;
        }
        if (code == MASK_BY_GHOST) {
            /* What was there has left: what shows is the background. */
            mask_row[x] = BGS_MASK_BACKGROUND;
            if (r->update) {
                unpack_pixel(s, lane0, x % BLOCK, &px);
                absorb_pixel(&px, K, C, v, r);
                pack_pixel(s, lane0, x % BLOCK, &px);
                *counter = 0;
            }
        }
    }
}

/* The frame needs a decide step (a rule that reads neighbouring pixels). */
static int needs_decide(const apply_job *job)
{
    const frame_rates *r = &job->rates;
    return job->mask && r->detect &&
           (r->neighbour_radius > 0 || job->light || r->shadows || r->stationary_at > 0.0f);
}

/* The frame may need a decide step: what find_light_changes finds is not
 * known before the kernel pass. */
static int may_decide(const apply_job *job)
{
    return job->mask && job->rates.detect && (needs_decide(job) || job->rates.illumination);
}

/* Rows [y0, y1) of stripe `part` of `parts`. */
static void stripe_rows(const bgs_model *m, int part, int parts, int *y0, int *y1)
{
    *y0 = (int)((long)m->height * part / parts);
    *y1 = (int)((long)m->height * (part + 1) / parts);
}

static void pack_for_cleanup(bgs_model *m, const apply_job *job, int y0, int y1)
{
    if (job->cleanup)
        postproc_pack_rows(m->postproc, job->out_mask, job->out_stride,
                           postproc_layer(m->postproc, 0), y0, y1);
}

/* Rows [y0, y1) of the frame shifted into the model's place: model pixel
 * (x, y) gets frame pixel (x + dx, y + dy), the frame's edge repeated
 * beyond it. */
static void shift_frame_rows(const bgs_model *m, const apply_job *job, int y0, int y1)
{
    const int W = m->shape.width, C = m->shape.channels, dx = job->shift_x;
    for (int y = y0; y < y1; y++) {
        int sy = y + job->shift_y;
        sy = sy < 0 ? 0 : sy >= m->height ? m->height - 1 : sy;
        const uint8_t *src = job->in_frame + sy * job->in_stride;
        uint8_t *dst = m->shifted + (size_t)y * W * C;
        int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? W - dx : W; /* src in range */
        if (x1 > x0)
            memcpy(dst + (size_t)x0 * C, src + (size_t)(x0 + dx) * C, (size_t)(x1 - x0) * C);
        for (int x = 0; x < x0 && x < W; x++)
            memcpy(dst + (size_t)x * C, src, (size_t)C);
        for (int x = x1 > 0 ? x1 : 0; x < W; x++)
            memcpy(dst + (size_t)x * C, src + (size_t)(W - 1) * C, (size_t)C);
    }
}

enum { PASS_APPLY = 0, PASS_DECIDE, PASS_SETTLE, PASS_SHIFT_OUT, PASS_PACK, PASS_NONE };

/* The kernel pass on one stripe (and, without a decide step, the settle
 * step and the packing of the mask for the clean-up). */
static void apply_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    const model_shape *s = &m->shape;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    if (job->shift_x || job->shift_y)
        shift_frame_rows(m, job, y0, y1);
    long foreground = 0;
    for (int y = y0; y < y1; y++) {
        uint8_t *mask_row = job->mask ? job->mask + y * job->mask_stride : NULL;
        /* As the kernel marked them, shadow or not (such a pixel matched no
         * background component, and a global darkening is a global change
         * too): the count for the global-change rule. */
        long marked;
        if (m->roi) {
            marked = apply_row_roi(m, y, job);
            if (mask_row) /* outside: background, whatever the kernel wrote */
                for (int x = 0; x < s->width; x++)
                    mask_row[x] = m->roi[(size_t)y * s->width + x] ? mask_row[x] : 0;
        } else {
            marked = run_kernel(m, y, 0, s->width, job);
        }
        m->row_marked[y] = (int)marked;
        if (job->rates.illumination)
            count_tile_row(m, y, mask_row, marked);
        foreground += marked;
    }
    job->foreground[part] = foreground;
    if (job->last_pass == PASS_APPLY)
        pack_for_cleanup(m, job, y0, y1);
}

static void decide_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++)
        m->row_decided[y] = m->row_marked[y] > 0 ? decide_row(m, y, job) : 0;
}

static void settle_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++)
        if (m->row_decided[y] > 0)
            settle_row(m, y, job);
    if (job->last_pass == PASS_SETTLE)
        pack_for_cleanup(m, job, y0, y1);
}

/* Packs the mask for the clean-up, when no other pass did. */
static void pack_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    int y0, y1;
    stripe_rows(job->model, part, parts, &y0, &y1);
    pack_for_cleanup(job->model, job, y0, y1);
}

/* The mask in the frame's place: frame pixel (x, y) gets model pixel
 * (x - dx, y - dy), background where that is outside the frame or the
 * region of interest. */
static void shift_out_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    const int W = m->shape.width;
    int y0, y1;
    stripe_rows(m, part, parts, &y0, &y1);
    for (int y = y0; y < y1; y++) {
        uint8_t *out = job->out_mask + y * job->out_stride;
        int sy = y - job->shift_y;
        if (sy < 0 || sy >= m->height) {
            memset(out, BGS_MASK_BACKGROUND, (size_t)W);
            continue;
        }
        const uint8_t *in = job->mask + sy * job->mask_stride;
        for (int x = 0; x < W; x++) {
            int sx = x - job->shift_x;
            out[x] = sx >= 0 && sx < W ? in[sx] : BGS_MASK_BACKGROUND;
        }
        if (m->roi)
            for (int x = 0; x < W; x++)
                out[x] = m->roi[(size_t)y * W + x] ? out[x] : BGS_MASK_BACKGROUND;
    }
    pack_for_cleanup(m, job, y0, y1);
}

/* ------------------------------------------------------------------------ */
/* Camera shake                                                             */
/* ------------------------------------------------------------------------ */

/*
 * The shift is estimated at points where the background has an edge: on a
 * regular grid of about SHIFT_GRID points, those whose first component is
 * settled and whose sum over channels of the differences to the right and
 * below is at least SHIFT_MIN_EDGE; at most SHIFT_POINTS of them, spread
 * evenly. The points and their background values are read from the model
 * every SHIFT_REFRESH frames (reading them every frame would cost a cache
 * miss each on a large model) and kept with the model (checkpoints too).
 *
 * A shift d scores the sum over the points p of |frame(p + d) - background
 * (p)| (channels summed), each term truncated at SHIFT_CAP so that objects
 * weigh little. Shifts are tried on a lattice of step SHIFT_LATTICE over
 * [-S, S]², then every shift within SHIFT_LATTICE - 1 of the best two; the
 * best is taken if it scores below SHIFT_GAIN times no shift.
 */
#define SHIFT_GRID 4096
#define SHIFT_MIN_EDGE 24.0f
#define SHIFT_EDGE_WEIGHT 0.5f /* an edge point's first component, at least */
#define SHIFT_FLAT_EDGE 6.0f   /* plain points: edge below this, settled */
#define SHIFT_MIN_POINTS 32    /* edge points needed for an estimate */
#define SHIFT_MAX_LIGHT 0.3f   /* no shift when the overall gain is further from 1 */
#define SHIFT_CAP 50.0f
#define SHIFT_GAIN 0.9f
#define SHIFT_MIN_FRAMES 10
#define SHIFT_REFRESH 25
#define SHIFT_LATTICE 3
#define SHIFT_LATTICE_EVERY 3

/* Picks the points of the shift estimate from the model as it is now. */
static void refresh_shift_points(bgs_model *m)
{
    const int W = m->shape.width, H = m->height, S = shift_range(m);
    const int most[2] = {SHIFT_EDGE_POINTS, SHIFT_POINTS - SHIFT_EDGE_POINTS};
    int step = (int)ceil(sqrt((double)W * H / SHIFT_GRID));
    step = step < 2 ? 2 : step;
    long found[2] = {0, 0};
    int kept[2] = {0, 0};
    /* Twice over the grid: count the edge and plain points, then keep
     * every k-th of each (edges first in the list). */
    for (int pass = 0; pass < 2; pass++) {
        long every[2], seen[2] = {0, 0};
        for (int k = 0; k < 2; k++)
            every[k] = found[k] > most[k] ? (found[k] + most[k] - 1) / most[k] : 1;
        for (int y = S + step / 2; y < H - S - 1; y += step)
            for (int x = S + step / 2; x < W - S - 1; x += step) {
                float w = weight_at(pixel_fields(m, x, y) + FIELD_WEIGHT * BLOCK);
                float b = first_mean_sum(m, x, y);
                float edge = fabsf(first_mean_sum(m, x + 1, y) - b) +
                             fabsf(first_mean_sum(m, x, y + 1) - b);
                int flat = edge < SHIFT_FLAT_EDGE && w >= LIGHT_SETTLED_WEIGHT;
                if (!flat && !(edge >= SHIFT_MIN_EDGE && w >= SHIFT_EDGE_WEIGHT))
                    continue;
                if (pass == 1 && seen[flat] % every[flat] == 0 && kept[flat] < most[flat])
                    m->shift_points[flat ? SHIFT_EDGE_POINTS + kept[flat]++ : kept[flat]++] =
                        (shift_point){x, y, flat, b};
                seen[flat]++;
            }
        found[0] = seen[0], found[1] = seen[1];
    }
    /* The plain points right after the edge points. */
    memmove(m->shift_points + kept[0], m->shift_points + SHIFT_EDGE_POINTS,
            (size_t)kept[1] * sizeof *m->shift_points);
    m->shift_npoints = kept[0] + kept[1];
    m->shift_refreshed = m->frames;
    shift_sums(m);
}

/* The frame's value (channel sum) at point p shifted by (dx, dy). */
static inline float frame_sum_at(const bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                                 const shift_point *p, int dx, int dy)
{
    const uint8_t *px = frame + (p->y + dy) * stride + (size_t)(p->x + dx) * m->shape.channels;
    int f = 0;
    for (int c = 0; c < m->shape.channels; c++)
        f += px[c];
    return (float)f;
}

/* The score of shift (dx, dy) (see above) over the edge points, the
 * background scaled by the frame's overall gain. */
static float shift_score(const bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                         int dx, int dy, float gain, int every)
{
    float cap = SHIFT_CAP * gain, score = 0.0f;
    for (int i = 0; i < m->shift_npoints && !m->shift_points[i].flat; i += every) {
        const shift_point *p = &m->shift_points[i];
        float d = fabsf(frame_sum_at(m, frame, stride, p, dx, dy) - gain * p->b);
        score += d < cap ? d : cap;
    }
    return score;
}

/* The frame's overall gain against the background: the ratio of their sums
 * over the plain points (where a shift changes nothing), or, with fewer
 * than 16 of those, over every point (a shift moves edges both ways, which
 * the sum mostly cancels). A change of light must not pass for a shift. */
static float shift_gain(const bgs_model *m, const uint8_t *frame, ptrdiff_t stride)
{
    int all = m->shift_nflat < 16;
    float sum = 1.0f, bg = all ? 1.0f : m->shift_flat_sum;
    for (int i = 0; i < m->shift_npoints; i++)
        if (all || m->shift_points[i].flat) {
            sum += frame_sum_at(m, frame, stride, &m->shift_points[i], 0, 0);
            bg += all ? m->shift_points[i].b : 0.0f;
        }
    return sum / bg;
}

static void estimate_shift(bgs_model *m, const uint8_t *frame, ptrdiff_t stride,
                           int *dx, int *dy)
{
    const int S = shift_range(m);
    *dx = *dy = 0;
    if (m->shift_refreshed < 0 || m->frames - m->shift_refreshed >= SHIFT_REFRESH ||
        m->shift_points_for != S) {
        refresh_shift_points(m);
        m->shift_points_for = S;
    }
    if (m->shift_npoints - m->shift_nflat < SHIFT_MIN_POINTS)
        return;
    /* While the light changes, no shift: the values to match are not the
     * background's (and scaling them by one gain fails where only part of
     * the view changes). */
    float gain = shift_gain(m, frame, stride);
    if (fabsf(gain - 1.0f) > SHIFT_MAX_LIGHT)
        return;
    gain = 1.0f;
    /* The lattice, keeping the best two (scored on every
     * SHIFT_LATTICE_EVERY-th point: it only picks where to look closer). */
    float best[2] = {INFINITY, INFINITY};
    int at[2][2] = {{0, 0}, {0, 0}};
    int from = -(S / SHIFT_LATTICE) * SHIFT_LATTICE;
    for (int sy = from; sy <= S; sy += SHIFT_LATTICE)
        for (int sx = from; sx <= S; sx += SHIFT_LATTICE) {
            float sc = shift_score(m, frame, stride, sx, sy, gain, SHIFT_LATTICE_EVERY);
            if (sc < best[0]) {
                best[1] = best[0], at[1][0] = at[0][0], at[1][1] = at[0][1];
                best[0] = sc, at[0][0] = sx, at[0][1] = sy;
            } else if (sc < best[1]) {
                best[1] = sc, at[1][0] = sx, at[1][1] = sy;
            }
        }
    /* Around them, every shift (those of the lattice again: same score). */
    float top = INFINITY, none = shift_score(m, frame, stride, 0, 0, gain, 1);
    int r = SHIFT_LATTICE - 1;
    for (int k = 0; k < 2; k++) {
        if (!(best[k] < INFINITY))
            continue;
        for (int sy = at[k][1] - r; sy <= at[k][1] + r; sy++)
            for (int sx = at[k][0] - r; sx <= at[k][0] + r; sx++) {
                if (sx < -S || sx > S || sy < -S || sy > S)
                    continue;
                float sc = shift_score(m, frame, stride, sx, sy, gain, 1);
                if (sc < top) {
                    top = sc;
                    *dx = sx;
                    *dy = sy;
                }
            }
    }
    if (!(top < SHIFT_GAIN * none))
        *dx = *dy = 0;
}

/* Buffers for a shifted frame and the mask in the model's place. */
static bgs_status prepare_shift(bgs_model *m)
{
    size_t pixels = (size_t)m->shape.width * m->height;
    if (!m->shifted && !(m->shifted = malloc(pixels * m->shape.channels)))
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    if (!m->model_mask && !(m->model_mask = malloc(pixels)))
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
    return BGS_OK;
}

/* Pixels in a part of a frame at least (about 30 microseconds of the
 * model on one core): claiming a part and waiting for the last one cost a
 * few microseconds, which parts of 320x240 / 32 pixels would not repay. */
#define MIN_PART_PIXELS 16384

/* Parts a frame is cut into on the pool: up to pool_parts, fewer for small
 * frames, at least one per thread. */
static int model_parts(const bgs_model *m)
{
    if (!m->pool)
        return 1;
    long by_size = (long)m->shape.width * m->height / MIN_PART_PIXELS;
    int threads = pool_threads(m->pool), most = pool_parts(m->pool);
    long parts = by_size < threads ? threads : by_size > most ? most : by_size;
    return parts < m->height ? (int)parts : m->height;
}

/* The clean-up the parameters ask for, in pixels of this frame. */
static bgs_cleanup model_cleanup(const bgs_model *m)
{
    const bgs_params *p = &m->params;
    double pixels = (double)m->shape.width * m->height;
    bgs_cleanup cleanup = {sizeof cleanup, p->median, p->open_radius,
                           p->close_radius, (long)(p->fill_holes * pixels + 0.5),
                           (long)(p->min_area * pixels + 0.5)};
    return cleanup;
}

/* Makes the clean-up workspace ready for a frame cut into `parts` stripes. */
static bgs_status prepare_cleanup(bgs_model *m, const bgs_cleanup *cleanup,
                                  int parts)
{
    if (!m->postproc && !(m->postproc = bgs_postproc_create(m->shape.width, m->height)))
        return BGS_ERR_NO_MEMORY;
    return postproc_prepare(m->postproc, cleanup, parts);
}

static void run_pass(bgs_model *m, int parts, void (*pass)(void *, int, int),
                     apply_job *job)
{
    if (m->pool)
        pool_run_parts(m->pool, parts, pass, job);
    else
        pass(job, 0, 1);
}

/* BGS_MASK_FOREGROUND bytes of a mask. Blocks of a fixed length counted
 * in a byte-wide sum, which the compiler turns into vector compares. */
static long count_foreground(const uint8_t *mask, ptrdiff_t stride, int width, int height)
{
    long count = 0;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = mask + y * stride;
        int x = 0;
        for (; x + 64 <= width; x += 64) {
            uint8_t block = 0;
            for (int j = 0; j < 64; j++)
                block += row[x + j] == BGS_MASK_FOREGROUND;
            count += block;
        }
        for (; x < width; x++)
            count += row[x] == BGS_MASK_FOREGROUND;
    }
    return count;
}

/* frame/frame_stride in the model's own layout; learning_rate < 0: the
 * model's schedule. */
static bgs_status apply_in_turn(bgs_model *m, const uint8_t *frame,
                                ptrdiff_t frame_stride, uint8_t *mask,
                                ptrdiff_t mask_stride, float learning_rate)
{
    apply_job job = {.model = m, .frame = frame, .frame_stride = frame_stride,
                     .mask = mask, .mask_stride = mask_stride,
                     .in_frame = frame, .in_stride = frame_stride,
                     .out_mask = mask, .out_stride = mask_stride,
                     .rates = rates_for_frame(m, mask != NULL, learning_rate)};
    int dx = 0, dy = 0;
    if (m->params.max_shift > 0 && job.rates.update && m->startup >= SHIFT_MIN_FRAMES)
        estimate_shift(m, frame, frame_stride, &dx, &dy);
    m->shift_x = job.shift_x = dx;
    m->shift_y = job.shift_y = dy;
    if (dx || dy) {
        bgs_status st = prepare_shift(m);
        if (st != BGS_OK)
            return st;
        job.frame = m->shifted;
        job.frame_stride = (ptrdiff_t)m->shape.width * m->shape.channels;
        if (mask) {
            job.mask = m->model_mask;
            job.mask_stride = m->shape.width;
        }
    }
    int parts = model_parts(m);
    if (parts > m->foreground_parts) {
        long *counts = realloc(m->foreground, (size_t)parts * sizeof *counts);
        if (!counts)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->foreground = counts;
        m->foreground_parts = parts;
    }
    job.foreground = m->foreground;
    bgs_cleanup cleanup = model_cleanup(m);
    if (job.rates.detect && mask && !postproc_is_noop(&cleanup)) {
        bgs_status st = prepare_cleanup(m, &cleanup, parts);
        if (st != BGS_OK)
            return st;
        job.cleanup = &cleanup;
    }
    /* The kernels, then (when a rule reads neighbouring pixels) the decide
     * and settle steps, each over the whole frame before the next. */
    /* The kernels; then, when a rule reads neighbouring pixels, the decide
     * and settle steps; with a shift, the mask back in the frame's place;
     * each over the whole frame before the next. The last pass that writes
     * the mask packs it for the clean-up (a pass of its own if none). */
    int shift_out = mask && (dx || dy);
    int maybe = may_decide(&job);
    if (maybe && ((job.rates.shadows && job.rates.shadow_texture > 0.0f) ||
                  job.rates.stationary_at > 0.0f)) {
        if (!m->bg_plane && !(m->bg_plane = malloc((size_t)m->shape.width * m->height)))
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        job.bg_plane = m->bg_plane;
    }
    job.last_pass = shift_out ? PASS_SHIFT_OUT : maybe ? PASS_NONE : PASS_APPLY;
    run_pass(m, parts, apply_stripe, &job);
    if (maybe) {
        if (job.rates.illumination) {
            long marked = 0;
            for (int i = 0; i < parts; i++)
                marked += job.foreground[i];
            find_light_changes(m, &job, marked);
        }
        if (job.rates.stationary_at > 0.0f) {
            bgs_status st = find_ghosts(m, &job);
            if (st != BGS_OK)
                return st;
        }
        int decide = needs_decide(&job);
        if (!shift_out)
            job.last_pass = decide ? PASS_SETTLE : PASS_PACK;
        if (decide) {
            run_pass(m, parts, decide_stripe, &job);
            run_pass(m, parts, settle_stripe, &job);
        }
    }
    if (shift_out)
        run_pass(m, parts, shift_out_stripe, &job);
    else if (job.last_pass == PASS_PACK && job.cleanup)
        run_pass(m, parts, pack_stripe, &job);
    long foreground = 0;
    for (int p = 0; p < parts; p++)
        foreground += job.foreground[p];

    m->frames++;
    if (job.rates.update) /* a frozen frame leaves no trace in the model */
        m->startup++;
    m->relearning = m->blank_left > 0;
    if (m->blank_left > 0)
        m->blank_left--;
    long pixels = m->roi ? m->roi_pixels : (long)m->shape.width * m->height;
    const bgs_params *p = &m->params;
    /* Only a model that has learnt relearn_frames frames since its (re)start
     * can tell a global change: before that, a frame of unknown values is
     * simply new. */
    /* A frozen model does not re-learn either. */
    if (job.rates.detect && job.rates.update && mask && p->relearn_fraction > 0.0f &&
        m->startup > p->relearn_frames &&
        (double)foreground > (double)p->relearn_fraction * (double)pixels) {
        /* A global change, not objects: report nothing and restart the
         * start-up schedule, so the next frame is learnt at rate 1 and the
         * following ones as running averages. */
        for (int y = 0; y < m->height; y++)
            memset(mask + y * mask_stride, BGS_MASK_BACKGROUND, (size_t)m->shape.width);
        m->startup = 0;
        m->blank_left = p->relearn_frames;
        m->relearns++;
        m->relearning = 1;
        m->last_foreground = 0;
    } else if (job.cleanup) {
        bgs_status st = postproc_clean_packed(m->postproc, job.cleanup, mask,
                                              mask_stride, m->pool, parts);
        if (st != BGS_OK)
            return st;
        /* The mask's 255s are the set bits of the clean-up's result. */
        m->last_foreground = postproc_count(m->postproc, 1);
    } else {
        m->last_foreground = mask ? count_foreground(mask, mask_stride, m->shape.width,
                                                     m->height) : 0;
    }
    return BGS_OK;
}

/* The whole frame (its passes and the mask clean-up's) is one turn on a
 * shared pool. */
static bgs_status apply_turn(bgs_model *m, const uint8_t *frame,
                             ptrdiff_t frame_stride, uint8_t *mask,
                             ptrdiff_t mask_stride, float learning_rate)
{
    if (m->pool)
        pool_enter(m->pool);
    bgs_status st = apply_in_turn(m, frame, frame_stride, mask, mask_stride,
                                  learning_rate);
    if (m->pool)
        pool_leave(m->pool);
    return st;
}

bgs_status bgs_model_apply(bgs_model *m, const uint8_t *frame,
                           ptrdiff_t frame_stride, uint8_t *mask,
                           ptrdiff_t mask_stride)
{
    if (!m || !frame)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no frame given");
    if (frame_stride < (ptrdiff_t)m->shape.width * m->shape.channels ||
        (mask && mask_stride < m->shape.width))
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "row stride shorter than a row of %d pixels", m->shape.width);
    return apply_turn(m, frame, frame_stride, mask, mask_stride, BGS_LEARNING_RATE_AUTO);
}

/* A frame in another pixel format, converted into the model's layout: the
 * rules around the mixture read neighbouring rows and the whole frame (the
 * shift estimate), so the conversion is done once for the frame. */
static bgs_status convert_frame(bgs_model *m, const bgs_frame *frame)
{
    const int C = m->shape.channels;
    size_t row_bytes = (size_t)m->shape.width * C;
    size_t need = row_bytes * (size_t)m->height;
    if (need > m->converted_size) {
        uint8_t *buf = realloc(m->converted, need);
        if (!buf)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->converted = buf;
        m->converted_size = need;
    }
    for (int y = 0; y < m->height; y++) {
        uint8_t *dst = m->converted + (size_t)y * row_bytes;
        const uint8_t *row = pixfmt_row(frame, y, C, dst);
        if (row != dst)
            memcpy(dst, row, row_bytes);
    }
    return BGS_OK;
}

bgs_status bgs_model_apply_frame(bgs_model *m, const bgs_frame *frame,
                                 uint8_t *mask, ptrdiff_t mask_stride,
                                 float learning_rate)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    bgs_status st = pixfmt_check(frame, m->shape.width, m->height, m->shape.channels);
    if (st != BGS_OK)
        return st;
    if (mask && mask_stride < m->shape.width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "mask row stride %td shorter than a row of %d pixels",
                        mask_stride, m->shape.width);
    if (!(learning_rate <= 1.0f)) /* NaN too */
        return bgs_fail(BGS_ERR_PARAMETER,
                        "learning rate %g: negative (the model's schedule), 0 "
                        "(frozen) or up to 1", learning_rate);
    if (pixfmt_is_native(frame->format, m->shape.channels))
        return apply_turn(m, frame->planes[0], frame->strides[0], mask, mask_stride,
                          learning_rate);
    st = convert_frame(m, frame);
    if (st != BGS_OK)
        return st;
    return apply_turn(m, m->converted, (ptrdiff_t)m->shape.width * m->shape.channels,
                      mask, mask_stride, learning_rate);
}

long bgs_model_foreground(const bgs_model *m) { return m ? m->last_foreground : 0; }

bgs_status bgs_model_set_roi(bgs_model *m, const uint8_t *roi, ptrdiff_t stride)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    if (!roi) {
        free(m->roi);
        free(m->roi_blocks);
        m->roi = m->roi_blocks = NULL;
        m->roi_pixels = 0;
        return BGS_OK;
    }
    const model_shape *s = &m->shape;
    if (stride < s->width)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT,
                        "region of interest stride shorter than a row of %d pixels",
                        s->width);
    uint8_t *copy = malloc((size_t)s->width * m->height);
    uint8_t *blocks = malloc((size_t)s->blocks_per_row * m->height);
    if (!copy || !blocks) {
        free(copy);
        free(blocks);
        return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory for a region of interest");
    }
    long pixels = 0;
    for (int y = 0; y < m->height; y++) {
        uint8_t *dst = copy + (size_t)y * s->width;
        for (int x = 0; x < s->width; x++) {
            dst[x] = roi[y * stride + x] != 0;
            pixels += dst[x];
        }
        for (int b = 0; b < s->blocks_per_row; b++) {
            int x0 = b * BLOCK, lanes = s->width - x0 < BLOCK ? s->width - x0 : BLOCK;
            int in = 0;
            for (int lane = 0; lane < lanes; lane++)
                in += dst[x0 + lane];
            blocks[(size_t)y * s->blocks_per_row + b] =
                in == 0 ? BLOCK_OUTSIDE : in == lanes ? BLOCK_INSIDE : BLOCK_PARTLY;
        }
    }
    free(m->roi);
    free(m->roi_blocks);
    m->roi = copy;
    m->roi_blocks = blocks;
    m->roi_pixels = pixels;
    return BGS_OK;
}

/* ------------------------------------------------------------------------ */
/* Read-out and parameters                                                  */
/* ------------------------------------------------------------------------ */

bgs_status bgs_model_background(const bgs_model *m, uint8_t *out,
                                ptrdiff_t out_stride)
{
    if (!m || !out)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no buffer given");
    const model_shape *s = &m->shape;
    const int K = s->components, C = s->channels;
    pixel_model px;
    for (int y = 0; y < m->height; y++) {
        uint8_t *o = out + y * out_stride;
        const uint16_t *row = m->state + (size_t)y * s->blocks_per_row * s->block_u16;
        for (int x = 0; x < s->width; x++) {
            unpack_pixel(s, row + (size_t)(x / BLOCK) * s->block_u16, x % BLOCK, &px);
            int B = background_count(&px, K, m->params.bg_ratio);
            float total = 0.0f, acc[3] = {0, 0, 0};
            for (int k = 0; k < B; k++) {
                total += px.weight[k];
                for (int c = 0; c < C; c++)
                    acc[c] += px.weight[k] * px.mean[k][c];
            }
            for (int c = 0; c < C; c++) {
                float v = total > 0.0f ? acc[c] / total : 0.0f;
                o[(size_t)x * C + c] = (uint8_t)clampf(v + 0.5f, 0.0f, 255.0f);
            }
        }
    }
    return BGS_OK;
}

bgs_status bgs_model_set_params(bgs_model *m, const bgs_params *params)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    bgs_params full;
    bgs_status st = params_import("bgs_model_set_params", params, &full);
    if (st != BGS_OK)
        return st;
    params = &full;
    if (bgs_params_check(params) != BGS_OK)
        return BGS_ERR_PARAMETER;
    if (params->components != m->params.components)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "components cannot change on a live model (%d -> %d)",
                        m->params.components, params->components);
    m->params = *params;
    return BGS_OK;
}

bgs_status bgs_model_get_params_ex(const bgs_model *m, bgs_params *params,
                                   size_t size)
{
    if (!m || !params)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model or no parameters given");
    bgs_params sized = m->params;
    sized.struct_size = size;
    bgs_status st = params_import("bgs_model_get_params", &sized, &sized);
    if (st != BGS_OK)
        return st;
    memcpy(params, &m->params, size);
    params->struct_size = size;
    return BGS_OK;
}

bgs_status bgs_model_set_frame_rate(bgs_model *m, double fps)
{
    if (!m)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "no model given");
    if (!(fps >= 0.001 && fps <= 1000.0))
        return bgs_fail(BGS_ERR_PARAMETER,
                        "frame rate must be between 0.001 and 1000 frames/s, not %g", fps);
    m->frame_rate = fps;
    return BGS_OK;
}

double bgs_model_frame_rate(const bgs_model *m) { return m->frame_rate; }
long bgs_model_frame_count(const bgs_model *m) { return m->frames; }
long bgs_model_relearn_count(const bgs_model *m) { return m->relearns; }
int bgs_model_is_relearning(const bgs_model *m) { return m->relearning; }
int bgs_model_is_learning(const bgs_model *m)
{
    return m->frames < m->params.learning_frames;
}
int bgs_model_width(const bgs_model *m) { return m->shape.width; }
int bgs_model_height(const bgs_model *m) { return m->height; }
int bgs_model_channels(const bgs_model *m) { return m->shape.channels; }
size_t bgs_model_bytes_per_pixel(const bgs_model *m)
{
    return block_values(m->shape.channels, m->params.components) / BLOCK * sizeof(uint16_t);
}

uint16_t *model_state(const bgs_model *m) { return m->state; }

size_t model_state_values(const bgs_model *m)
{
    return (size_t)m->height * m->shape.blocks_per_row * m->shape.block_u16;
}

void model_set_counters(bgs_model *m, long frames, long startup, long blank_left,
                        long relearns)
{
    m->frames = frames;
    m->startup = startup;
    m->blank_left = blank_left;
    m->relearns = relearns;
}

float *model_light_tiles(const bgs_model *m, long **until, int *count)
{
    *until = m->tile_until;
    *count = m->tiles_x * m->tiles_y;
    return m->tile_gain;
}

shift_point *model_shift_points(const bgs_model *m, int *count, int *made_for,
                                long *refreshed)
{
    *count = m->shift_npoints;
    *made_for = m->shift_points_for;
    *refreshed = m->shift_refreshed;
    return m->shift_points;
}

void model_set_shift_points(bgs_model *m, int count, int made_for, long refreshed)
{
    m->shift_npoints = count;
    m->shift_points_for = made_for;
    m->shift_refreshed = refreshed;
    shift_sums(m);
}

int model_shift_points_valid(const bgs_model *m, const shift_point *points, int count,
                             int made_for)
{
    if (count < 0 || count > SHIFT_POINTS || made_for < 0 || made_for > 32)
        return 0;
    for (int i = 0; i < count; i++)
        if (points[i].x < made_for || points[i].x >= m->shape.width - made_for - 1 ||
            points[i].y < made_for || points[i].y >= m->height - made_for - 1 ||
            (points[i].flat != 0 && points[i].flat != 1) ||
            (i > 0 && points[i].flat < points[i - 1].flat) || /* edges first */
            !(points[i].b >= 0.0f && points[i].b <= 765.0f))
            return 0;
    return 1;
}

void model_get_counters(const bgs_model *m, long *frames, long *startup,
                        long *blank_left, long *relearns)
{
    *frames = m->frames;
    *startup = m->startup;
    *blank_left = m->blank_left;
    *relearns = m->relearns;
}
