/*
 * model.c - the per-pixel online Gaussian mixture (Stauffer & Grimson):
 * model life cycle, kernel choice, the rates of a frame, the scalar
 * reference kernel and the read-out. Applying a frame is model_apply.c, the
 * rules around the mixture model_rules.c and model_shift.c; the private
 * state is in model_frame.h, the state layout in model_impl.h.
 *
 * Components of a pixel are kept sorted by ω/σ, highest first, so "the first
 * component that matches in rank order" is the first that matches.
 */
#include "lib/abi.h"
#include "lib/model_frame.h"

#include <math.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Frame rate of a new model (frames per second): the usual rate of video,
 * and what the bgsub program assumes for image sequences. */
#define DEFAULT_FRAME_RATE 25.0


/* ------------------------------------------------------------------------ */
/* The scalar reference kernel                                              */
/* ------------------------------------------------------------------------ */

void model_unpack_pixel(const model_shape *s, const uint16_t *block, int lane,
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

void model_pack_pixel(const model_shape *s, uint16_t *block, int lane,
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
void model_absorb_pixel(pixel_model *px, int K, int C, const float x[3],
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
int model_update_pixel(pixel_model *px, int K, int C, const float x[3],
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
        model_absorb_pixel(px, K, C, x, r);
        foreground = 0;
    }
    return foreground;
}

int model_row_scalar(const model_shape *s, uint16_t *state,
                     const uint8_t *row, uint8_t *mask_row, const frame_rates *r)
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
            model_unpack_pixel(s, block, lane, &px);
            int fg = model_update_pixel(&px, K, C, x, r, (float)counter[lane]);
            /* The shadow colour against the model as it was (the block is
             * not written yet). */
            int shadow = fg && r->shadow_flag && is_shadow(block + lane, K, C, x, r);
            int still = fg && r->stationary_at > 0.0f &&
                        (float)counter[lane] + 1.0f >= r->stationary_at;
            if (r->update) {
                model_pack_pixel(s, block, lane, &px);
                /* Frames foreground in a row (a pixel the frame's later
                 * decisions make background is reset there). */
                int more = counter[lane] < 65535 ? counter[lane] + 1 : 65535;
                counter[lane] = (uint16_t)(fg && r->detect ? more : 0);
            }
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
frame_rates model_rates_for_frame(const bgs_model *m, int have_mask, float learning_rate)
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
            model_unpack_pixel(s, row + (size_t)(x / BLOCK) * s->block_u16, x % BLOCK, &px);
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
    model_shift_sums(m);
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

