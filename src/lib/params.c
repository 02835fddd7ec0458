/*
 * params.c - model parameters: defaults, bounds and the table that the
 * program turns into options, help text and documentation.
 */
#include "lib/abi.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Defaults were chosen by measurement (README, "Choosing the defaults");
 * bounds are where the model stops making sense, not where it is good. */
static const bgs_param_info param_table[BGS_PARAM_COUNT] = {
    [BGS_PARAM_COMPONENTS] = {"components", "K",
        "Gaussians per pixel", 3, 1, BGS_MAX_COMPONENTS, 1},
    [BGS_PARAM_ALPHA] = {"alpha", "α",
        "learning rate after the start-up phase (1/alpha frames of memory; "
        "0 freezes the model)",
        0.005, 0.0, 1.0, 0},
    [BGS_PARAM_BG_RATIO] = {"bg-ratio", "T",
        "share of weight the background components must exceed", 0.6, 0.01,
        1.0, 0},
    [BGS_PARAM_MATCH_SIGMAS] = {"lambda", "λ",
        "a pixel matches a component within lambda standard deviations", 2.5,
        0.1, 20.0, 0},
    [BGS_PARAM_VAR_INIT] = {"var-init", "σ²₀",
        "variance of a new component (intensity units squared)", 225, 0.01,
        65025, 0},
    [BGS_PARAM_VAR_MIN] = {"var-min", "σ²min",
        "variance floor: keeps a component from collapsing on sensor noise",
        36, 0.01, 65025, 0},
    [BGS_PARAM_VAR_MAX] = {"var-max", "σ²max",
        "variance ceiling", 2500, 0.01, 65025, 0},
    [BGS_PARAM_WEIGHT_INIT] = {"weight-init", "ω₀",
        "weight of a new component", 0.05, 1e-6, 1.0, 0},
    [BGS_PARAM_LEARNING_FRAMES] = {"learning-frames", "N",
        "frames learnt before detection starts (masks blank until then)",
        100, 0, 1e9, 1},
    [BGS_PARAM_SHADOWS] = {"shadows", "shadows",
        "1: pixels darker than the background with its colour are shadow, "
        "not foreground (colour input only)", 1, 0, 1, 1},
    [BGS_PARAM_SHADOW_VALUE] = {"shadow-value", "V",
        "mask value written for shadow pixels (0: background)", 0, 0, 254, 1},
    [BGS_PARAM_SHADOW_MIN_BRIGHTNESS] = {"shadow-min-brightness", "τlow",
        "darkest shadow, as a fraction of the background's brightness", 0.4,
        0.01, 1.0, 0},
    [BGS_PARAM_SHADOW_MAX_BRIGHTNESS] = {"shadow-max-brightness", "τhigh",
        "lightest shadow, as a fraction of the background's brightness", 0.95,
        0.01, 1.0, 0},
    [BGS_PARAM_SHADOW_CHROMA] = {"shadow-chroma", "λs",
        "largest colour distortion of a shadow, in standard deviations", 2.5,
        0.0, 20.0, 0},
    [BGS_PARAM_SHADOW_TEXTURE] = {"shadow-texture", "ρs",
        "a shadow keeps the background's texture: least correlation of the 5x5 "
        "window with the background (0: no texture test)", 0.7, 0.0, 1.0, 0},
    [BGS_PARAM_MEDIAN] = {"median", "median",
        "median filter on the mask: 0 (off), 3 (3x3) or 5 (5x5)", 5, 0, 5, 1},
    [BGS_PARAM_OPEN_RADIUS] = {"open", "open",
        "morphological opening with a (2r+1)x(2r+1) square, r pixels (0: off)",
        0, 0, 5, 1},
    [BGS_PARAM_CLOSE_RADIUS] = {"close", "close",
        "morphological closing with a (2r+1)x(2r+1) square, r pixels (0: off)",
        1, 0, 5, 1},
    [BGS_PARAM_FILL_HOLES] = {"fill-holes", "holes",
        "fill background holes inside objects of up to this area, as a fraction "
        "of the frame (0: off)", 0.013, 0, 1, 0},
    [BGS_PARAM_MIN_AREA] = {"min-area", "area",
        "remove foreground blobs smaller than this area, as a fraction of the "
        "frame (0: off)", 0.002, 0, 1, 0},
    [BGS_PARAM_RELEARN_FRACTION] = {"relearn-fraction", "relearn",
        "foreground share of a frame taken as a global change (lights, gain) "
        "that makes the model re-learn (0: never)", 0, 0.0, 1.0, 0},
    [BGS_PARAM_RELEARN_FRAMES] = {"relearn-frames", "Nr",
        "blank-mask frames while the model re-learns after a global change",
        10, 0, 1e6, 1},
    [BGS_PARAM_ABSORB_AFTER] = {"absorb-after", "Ta",
        "seconds a pixel stays foreground before what it shows becomes "
        "background; foreground pixels do not update the model until then "
        "(0: every pixel learns at alpha)", 30, 0, 86400, 0},
    [BGS_PARAM_GHOST_AFTER] = {"ghost-after", "Tg",
        "seconds after which a foreground region whose outline is the "
        "background's, not the frame's (what was there has left), is "
        "background (0: off)", 1, 0, 86400, 0},
    [BGS_PARAM_NEIGHBOUR_RADIUS] = {"neighbour-radius", "r",
        "a foreground pixel that matches the background of a pixel up to r "
        "pixels away is background (camera jitter; 0: off)", 0, 0, 4, 1},
    [BGS_PARAM_ILLUMINATION] = {"illumination", "light",
        "1: foreground that a change of light explains (a gain per 32x32 tile "
        "that keeps the texture behind) is background and learnt at once", 1, 0,
        1, 1},
    [BGS_PARAM_MAX_SHIFT] = {"max-shift", "shift",
        "camera shake: each frame is laid over the background at the best shift "
        "of up to this many pixels in x and y (0: off)", 20, 0, 32, 1},
};

const bgs_param_info *bgs_param_get_info(bgs_param key)
{
    if ((unsigned)key >= BGS_PARAM_COUNT)
        return NULL;
    return &param_table[key];
}

/* The sizes of bgs_params this library accepts: every released layout. */
static const size_t params_sizes[] = {sizeof(params_v1_0), sizeof(bgs_params)};
#define N_PARAMS_SIZES ((int)(sizeof params_sizes / sizeof params_sizes[0]))

bgs_status bgs_params_init(bgs_params *p, size_t size)
{
    if (!p)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "bgs_params_default: no parameters given");
    bgs_status st = abi_check_size("bgs_params_default", "bgs_params", size,
                                   params_sizes, N_PARAMS_SIZES);
    if (st != BGS_OK) {
        if (size >= sizeof p->struct_size) { /* refused by every later call */
            memset(p, 0, size);
            p->struct_size = size;
        }
        return st;
    }
    bgs_params full;
    memset(&full, 0, sizeof full);
    full.struct_size = sizeof full;
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        bgs_params_set(&full, (bgs_param)key, param_table[key].default_value);
    memcpy(p, &full, size);
    p->struct_size = size;
    return BGS_OK;
}

bgs_status params_import(const char *what, const bgs_params *in, bgs_params *out)
{
    if (!in)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "%s: no parameters given", what);
    bgs_status st = abi_check_size(what, "bgs_params", in->struct_size,
                                   params_sizes, N_PARAMS_SIZES);
    if (st != BGS_OK)
        return st;
    bgs_params_init(out, sizeof *out);
    memcpy(out, in, in->struct_size);
    out->struct_size = sizeof *out;
    return BGS_OK;
}

/* The one place that maps keys to struct fields. */
static void *param_field(bgs_params *p, bgs_param key, int *is_int)
{
    *is_int = 0;
    switch (key) {
    case BGS_PARAM_COMPONENTS: *is_int = 1; return &p->components;
    case BGS_PARAM_ALPHA: return &p->alpha;
    case BGS_PARAM_BG_RATIO: return &p->bg_ratio;
    case BGS_PARAM_MATCH_SIGMAS: return &p->match_sigmas;
    case BGS_PARAM_VAR_INIT: return &p->var_init;
    case BGS_PARAM_VAR_MIN: return &p->var_min;
    case BGS_PARAM_VAR_MAX: return &p->var_max;
    case BGS_PARAM_WEIGHT_INIT: return &p->weight_init;
    case BGS_PARAM_LEARNING_FRAMES: *is_int = 1; return &p->learning_frames;
    case BGS_PARAM_SHADOWS: *is_int = 1; return &p->shadows;
    case BGS_PARAM_SHADOW_VALUE: *is_int = 1; return &p->shadow_value;
    case BGS_PARAM_SHADOW_MIN_BRIGHTNESS: return &p->shadow_min_brightness;
    case BGS_PARAM_SHADOW_MAX_BRIGHTNESS: return &p->shadow_max_brightness;
    case BGS_PARAM_SHADOW_CHROMA: return &p->shadow_chroma;
    case BGS_PARAM_SHADOW_TEXTURE: return &p->shadow_texture;
    case BGS_PARAM_MEDIAN: *is_int = 1; return &p->median;
    case BGS_PARAM_OPEN_RADIUS: *is_int = 1; return &p->open_radius;
    case BGS_PARAM_CLOSE_RADIUS: *is_int = 1; return &p->close_radius;
    case BGS_PARAM_FILL_HOLES: return &p->fill_holes;
    case BGS_PARAM_MIN_AREA: return &p->min_area;
    case BGS_PARAM_RELEARN_FRACTION: return &p->relearn_fraction;
    case BGS_PARAM_RELEARN_FRAMES: *is_int = 1; return &p->relearn_frames;
    case BGS_PARAM_ABSORB_AFTER: return &p->absorb_after;
    case BGS_PARAM_GHOST_AFTER: return &p->ghost_after;
    case BGS_PARAM_NEIGHBOUR_RADIUS: *is_int = 1; return &p->neighbour_radius;
    case BGS_PARAM_ILLUMINATION: *is_int = 1; return &p->illumination;
    case BGS_PARAM_MAX_SHIFT: *is_int = 1; return &p->max_shift;
    default: return NULL;
    }
}

static bgs_status check_value(bgs_param key, double value)
{
    const bgs_param_info *info = &param_table[key];
    /* A real-valued parameter is kept as a float: it is checked as the float
     * it will be, against bounds rounded the same way, so that a bound
     * itself (1e-6, 0.01: not exact in binary) is accepted whether it comes
     * in as the double the user typed or as the float read back from a
     * bgs_params. */
    double v = value, lo = info->min_value, hi = info->max_value;
    if (!info->is_integer && isfinite(value)) {
        v = (float)value;
        lo = (float)lo;
        hi = (float)hi;
    }
    if (!isfinite(value) || !isfinite(v) || v < lo || v > hi)
        return bgs_fail(BGS_ERR_PARAMETER, "%s must be between %.15g and %.15g, not %.15g",
                        info->name, info->min_value, info->max_value, value);
    if (info->is_integer && value != floor(value))
        return bgs_fail(BGS_ERR_PARAMETER, "%s must be a whole number, not %.15g",
                        info->name, value);
    if (key == BGS_PARAM_MEDIAN && value != 0 && value != 3 && value != 5)
        return bgs_fail(BGS_ERR_PARAMETER, "median must be 0, 3 or 5, not %g",
                        value);
    return BGS_OK;
}

/* The field of key inside the caller's struct, or NULL (with the error
 * set) when the struct's size is unknown or ends before the field. */
static void *caller_field(const char *what, bgs_params *p, bgs_param key, int *is_int)
{
    if (abi_check_size(what, "bgs_params", p->struct_size, params_sizes,
                       N_PARAMS_SIZES) != BGS_OK)
        return NULL;
    void *field = param_field(p, key, is_int);
    if ((size_t)((char *)field - (char *)p) + 4 > p->struct_size) {
        bgs_set_error("%s: %s is not in a bgs_params of %zu bytes (an older bgsub.h)",
                      what, param_table[key].name, p->struct_size);
        return NULL;
    }
    return field;
}

bgs_status bgs_params_set(bgs_params *p, bgs_param key, double value)
{
    int is_int;
    if (!p || (unsigned)key >= BGS_PARAM_COUNT)
        return bgs_fail(BGS_ERR_INVALID_ARGUMENT, "unknown parameter");
    bgs_status st = check_value(key, value);
    if (st != BGS_OK)
        return st;
    void *field = caller_field("bgs_params_set", p, key, &is_int);
    if (!field)
        return BGS_ERR_INVALID_ARGUMENT;
    if (is_int)
        *(int *)field = (int)value;
    else
        *(float *)field = (float)value;
    return BGS_OK;
}

double bgs_params_get(const bgs_params *p, bgs_param key)
{
    int is_int;
    if (!p || (unsigned)key >= BGS_PARAM_COUNT)
        return NAN;
    void *field = caller_field("bgs_params_get", (bgs_params *)p, key, &is_int);
    if (!field)
        return NAN;
    return is_int ? *(int *)field : *(float *)field;
}

bgs_status bgs_params_check(const bgs_params *caller)
{
    bgs_params full, *p = &full;
    bgs_status st = params_import("bgs_params_check", caller, &full);
    if (st != BGS_OK)
        return st;
    for (int key = 0; key < BGS_PARAM_COUNT; key++) {
        bgs_status st = check_value((bgs_param)key, bgs_params_get(p, (bgs_param)key));
        if (st != BGS_OK)
            return st;
    }
    if (p->var_min > p->var_max)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "var-min (%g) must not exceed var-max (%g)",
                        p->var_min, p->var_max);
    if (p->var_init < p->var_min || p->var_init > p->var_max)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "var-init (%g) must lie between var-min (%g) and var-max (%g)",
                        p->var_init, p->var_min, p->var_max);
    if (p->shadow_min_brightness > p->shadow_max_brightness)
        return bgs_fail(BGS_ERR_PARAMETER,
                        "shadow-min-brightness (%g) must not exceed "
                        "shadow-max-brightness (%g)",
                        p->shadow_min_brightness, p->shadow_max_brightness);
    return BGS_OK;
}
