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

struct bgs_model {
    model_shape shape;
    int height;
    bgs_params params;
    long frames;            /* frames applied so far */
    long startup;           /* frames since the start-up schedule (re)began */
    long blank_left;        /* blank-mask frames left after a global change */
    long relearns;          /* global changes re-learnt from */
    int relearning;         /* the last frame was a global change or blank */
    uint16_t *state;        /* height · blocks_per_row blocks */
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
    long *foreground;       /* per part: marked, then those not shadow */
    int foreground_parts;
    uint8_t *rows;          /* per-part row buffers for converted frames */
    size_t rows_size;
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
 * darkening).
 */
static int is_shadow(const pixel_model *px, int K, int C, const float x[3],
                     const frame_rates *r)
{
    float weight_sum = 0.0f;
    for (int k = 0; k < K && px->weight[k] > 0.0f; k++) {
        float xm = 0.0f, mm = 0.0f;
        for (int c = 0; c < C; c++) {
            xm += x[c] * px->mean[k][c];
            mm += px->mean[k][c] * px->mean[k][c];
        }
        if (mm > 0.0f) {
            float a = xm / mm;
            if (a >= r->shadow_lo && a <= r->shadow_hi) {
                float d2 = 0.0f;
                for (int c = 0; c < C; c++) {
                    float d = a * px->mean[k][c] - x[c];
                    d2 += d * d;
                }
                if (d2 < r->shadow_limit * px->var[k] * a * a)
                    return 1;
            }
        }
        weight_sum += px->weight[k];
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

/* Classify one pixel against its model and update the model with it.
 * Returns 1 for foreground. */
static int update_pixel(pixel_model *px, int K, int C, const float x[3],
                        const frame_rates *r)
{
    float d2 = 0.0f;
    int m = find_match(px, K, C, x, r->match_limit, &d2);
    /* A matched component is background when the weight ranked above it does
     * not exceed T, i.e. it is among the first B. */
    float above = 0.0f;
    for (int k = 0; k < m; k++)
        above = above + px->weight[k];
    int foreground = m < 0 || above > r->bg_ratio;

    /* ω ← (1-a)ω + a·M */
    for (int k = 0; k < K; k++)
        px->weight[k] = px->weight[k] * r->keep;
    if (m >= 0) {
        px->weight[m] = px->weight[m] + r->rate;
        /* ρ = a/ω: 1/(matches so far) for a young component, α/ω later.
         * The variance uses the distance to the old mean, (1-ρ)(σ² + ρd²),
         * the exact running variance when ρ = 1/n. */
        float rho = r->rate / px->weight[m];
        rho = rho < 1.0f ? rho : 1.0f;
        for (int c = 0; c < C; c++)
            px->mean[m][c] = px->mean[m][c] + rho * (x[c] - px->mean[m][c]);
        float var = (1.0f - rho) * (px->var[m] + rho * (d2 * r->inv_channels));
        px->var[m] = clampf(var, r->var_min, r->var_max);
    } else {
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
    return foreground;
}

int model_row_scalar(const model_shape *s, uint16_t *state,
                     const uint8_t *row, uint8_t *mask_row,
                     const frame_rates *r)
{
    const int K = s->components, C = s->channels;
    pixel_model px;
    int foreground = 0;
    for (int bx = 0; bx < s->blocks_per_row; bx++) {
        uint16_t *block = state + (size_t)bx * s->block_u16;
        int x0 = bx * BLOCK;
        int lanes = s->width - x0 < BLOCK ? s->width - x0 : BLOCK;
        for (int lane = 0; lane < lanes; lane++) {
            float x[3];
            for (int c = 0; c < C; c++)
                x[c] = (float)row[(size_t)(x0 + lane) * C + c];
            unpack_pixel(s, block, lane, &px);
            int fg = update_pixel(&px, K, C, x, r);
            if (r->update)
                pack_pixel(s, block, lane, &px);
            if (mask_row) {
                int marked = fg && r->detect;
                mask_row[x0 + lane] = marked ? BGS_MASK_FOREGROUND : BGS_MASK_BACKGROUND;
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
    m->shape.block_u16 = (size_t)params->components * (2 + channels) * BLOCK;
    m->height = height;
    m->params = *params;
    size_t blocks = (size_t)height * m->shape.blocks_per_row;
    m->state = alloc_state(blocks * m->shape.block_u16 * sizeof(uint16_t));
    if (!m->state) {
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
    free(m->rows);
    free(m->roi);
    free(m->roi_blocks);
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

static frame_rates rates_for_frame(const bgs_model *m)
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
    r.shadows = p->shadows && m->shape.channels == 3;
    r.shadow_value = (uint8_t)p->shadow_value;
    r.shadow_lo = p->shadow_min_brightness;
    r.shadow_hi = p->shadow_max_brightness;
    r.shadow_limit = p->shadow_chroma * p->shadow_chroma * (float)m->shape.channels;
    return r;
}

/* Region-of-interest coverage of a block of BLOCK pixels. */
enum { BLOCK_OUTSIDE = 0, BLOCK_PARTLY = 1, BLOCK_INSIDE = 2 };

typedef struct apply_job {
    bgs_model *model;
    const uint8_t *frame;
    ptrdiff_t frame_stride;
    uint8_t *mask;
    ptrdiff_t mask_stride;
    frame_rates rates;
    long *foreground;       /* pixels matching no background, per part */
    long *kept;             /* of those, not marked shadow, per part */
    /* The clean-up to run on this frame's mask, or NULL; each stripe packs
     * its rows of the mask for it while they are in the cache. */
    const bgs_cleanup *cleanup;
    /* A frame in another pixel format (bgs_model_apply_frame), or NULL:
     * each stripe converts its rows one at a time into its part's row
     * buffer (row_bytes each, in rows), the frame then being that row. */
    const bgs_frame *source;
    uint8_t *rows;
    size_t row_bytes;
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
    return m->row_fn(&part, state, row, mask_row, &job->rates);
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
    uint16_t saved[BGS_MAX_COMPONENTS * 5 * BLOCK];
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
                foreground += mask_row && mask_row[x0 + lane] == BGS_MASK_FOREGROUND;
            else
                for (size_t f = 0; f < s->block_u16; f += BLOCK)
                    block[f + lane] = saved[f + lane];
        }
        b++;
    }
    return foreground;
}

/* Foreground pixels of a row that are cast shadow get the shadow value.
 * Runs on the updated state: a foreground pixel matched no background
 * component, so those kept their means and variances, and the component
 * made for the pixel ranks below them. Returns the pixels it marked. */
static long mark_shadows(const bgs_model *m, int y, const apply_job *job)
{
    const model_shape *s = &m->shape;
    const int K = s->components, C = s->channels;
    const uint8_t *row = job->frame + y * job->frame_stride;
    uint8_t *mask_row = job->mask + y * job->mask_stride;
    const uint16_t *state = m->state + (size_t)y * s->blocks_per_row * s->block_u16;
    pixel_model px;
    long shadows = 0;
    for (int x = 0; x < s->width; x++) {
        if (mask_row[x] != BGS_MASK_FOREGROUND)
            continue;
        float v[3];
        for (int c = 0; c < C; c++)
            v[c] = (float)row[(size_t)x * C + c];
        unpack_pixel(s, state + (size_t)(x / BLOCK) * s->block_u16, x % BLOCK, &px);
        if (is_shadow(&px, K, C, v, &job->rates)) {
            mask_row[x] = job->rates.shadow_value;
            shadows++;
        }
    }
    return shadows;
}

static void apply_stripe(void *ctx, int part, int parts)
{
    apply_job *job = ctx;
    bgs_model *m = job->model;
    const model_shape *s = &m->shape;
    int y0 = (int)((long)m->height * part / parts);
    int y1 = (int)((long)m->height * (part + 1) / parts);
    int detect = job->mask && job->rates.detect;
    long foreground = 0, kept = 0;
    apply_job converted;
    if (job->source) {
        converted = *job;
        converted.frame_stride = 0;
    }
    for (int y = y0; y < y1; y++) {
        if (job->source) {
            converted.frame = pixfmt_row(job->source, y, s->channels,
                                         job->rows + (size_t)part * job->row_bytes);
            job = &converted;
        }
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
        long shadows = detect && job->rates.shadows && marked ? mark_shadows(m, y, job) : 0;
        foreground += marked;
        kept += marked - shadows;
    }
    job = ctx;
    job->foreground[part] = foreground;
    job->kept[part] = kept;
    if (job->cleanup)
        postproc_pack_rows(m->postproc, job->mask, job->mask_stride,
                           postproc_layer(m->postproc, 0), y0, y1);
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

/* This frame's learning rate instead of the model's schedule (rate >= 0;
 * bgs_model_apply_frame). */
static void set_frame_rate(frame_rates *r, const bgs_params *p, float rate)
{
    if (rate == 0.0f) {
        r->update = 0;
        return;
    }
    r->rate = rate;
    r->keep = 1.0f - rate;
    r->new_weight = rate > p->weight_init ? rate : p->weight_init;
    r->update = 1;
}

/* The job's per-part row buffers for a converted frame. */
static bgs_status prepare_rows(bgs_model *m, apply_job *job, int parts)
{
    job->row_bytes = ((size_t)m->shape.width * m->shape.channels + 63) / 64 * 64;
    size_t need = job->row_bytes * (size_t)parts;
    if (need > m->rows_size) {
        uint8_t *rows = realloc(m->rows, need);
        if (!rows)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->rows = rows;
        m->rows_size = need;
    }
    job->rows = m->rows;
    return BGS_OK;
}

/* frame/frame_stride: the model's own layout, or source (checked) in
 * another pixel format; rate < 0: the model's schedule. */
static bgs_status apply_in_turn(bgs_model *m, const uint8_t *frame,
                                ptrdiff_t frame_stride, const bgs_frame *source,
                                uint8_t *mask, ptrdiff_t mask_stride, float rate)
{
    apply_job job = {.model = m, .frame = frame, .frame_stride = frame_stride,
                     .mask = mask, .mask_stride = mask_stride,
                     .rates = rates_for_frame(m), .source = source};
    if (rate >= 0.0f)
        set_frame_rate(&job.rates, &m->params, rate);
    int parts = model_parts(m);
    if (parts > m->foreground_parts) {
        long *counts = realloc(m->foreground, 2 * (size_t)parts * sizeof *counts);
        if (!counts)
            return bgs_fail(BGS_ERR_NO_MEMORY, "out of memory");
        m->foreground = counts;
        m->foreground_parts = parts;
    }
    job.foreground = m->foreground;
    if (source) {
        bgs_status st = prepare_rows(m, &job, parts);
        if (st != BGS_OK)
            return st;
    }
    job.kept = m->foreground + m->foreground_parts;
    bgs_cleanup cleanup = model_cleanup(m);
    if (job.rates.detect && mask && !postproc_is_noop(&cleanup)) {
        bgs_status st = prepare_cleanup(m, &cleanup, parts);
        if (st != BGS_OK)
            return st;
        job.cleanup = &cleanup;
    }
    if (m->pool)
        pool_run_parts(m->pool, parts, apply_stripe, &job);
    else
        apply_stripe(&job, 0, 1);
    long foreground = 0, kept = 0;
    for (int p = 0; p < parts; p++) {
        foreground += job.foreground[p];
        kept += job.kept[p];
    }
    m->last_foreground = mask ? kept : 0;

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
    }
    return BGS_OK;
}

/* The whole frame (its job and the mask clean-up's) is one turn on a
 * shared pool. */
static bgs_status apply_turn(bgs_model *m, const uint8_t *frame,
                             ptrdiff_t frame_stride, const bgs_frame *source,
                             uint8_t *mask, ptrdiff_t mask_stride, float rate)
{
    if (m->pool)
        pool_enter(m->pool);
    bgs_status st = apply_in_turn(m, frame, frame_stride, source, mask,
                                  mask_stride, rate);
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
    return apply_turn(m, frame, frame_stride, NULL, mask, mask_stride,
                      BGS_LEARNING_RATE_AUTO);
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
        return apply_turn(m, frame->planes[0], frame->strides[0], NULL, mask,
                          mask_stride, learning_rate);
    return apply_turn(m, NULL, 0, frame, mask, mask_stride, learning_rate);
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
    return (size_t)m->params.components * (2 + m->shape.channels) * sizeof(uint16_t);
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

void model_get_counters(const bgs_model *m, long *frames, long *startup,
                        long *blank_left, long *relearns)
{
    *frames = m->frames;
    *startup = m->startup;
    *blank_left = m->blank_left;
    *relearns = m->relearns;
}
