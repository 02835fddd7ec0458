/*
 * abi.h - the sizes of the caller-filled structs that this library accepts
 * (see "Versions and the binary interface" in bgsub.h), and the frozen
 * layouts of released versions. Not public.
 *
 * When a field is added at the end of a size-checked struct, the layout it
 * had in the last release is copied here (never edited afterwards) and its
 * sizeof joins the struct's list of known sizes, so programs built against
 * that release keep working: the library reads the fields inside their size
 * and takes the defaults for the rest.
 */
#ifndef BGSUB_ABI_H
#define BGSUB_ABI_H

#include "lib/internal.h"

/* bgs_params as bgsub 1.0 declared it. Frozen. */
typedef struct params_v1_0 {
    size_t struct_size;
    int components;
    float alpha, bg_ratio, match_sigmas, var_init, var_min, var_max, weight_init;
    int learning_frames;
    int shadows, shadow_value;
    float shadow_min_brightness, shadow_max_brightness, shadow_chroma;
    float shadow_texture;
    int median, open_radius, close_radius;
    float fill_holes, min_area;
    float relearn_fraction;
    int relearn_frames;
    float absorb_after, ghost_after;
    int neighbour_radius, illumination, max_shift;
} params_v1_0;

/* BGS_OK when size is one of the n sizes in known; else
 * BGS_ERR_INVALID_ARGUMENT with a message that names the function (what),
 * the struct (type), the size given and the sizes known. */
bgs_status abi_check_size(const char *what, const char *type, size_t size,
                          const size_t *known, int n);

/* The caller's bgs_params (any known size) as the library's own layout:
 * its fields inside its size, defaults for the rest. Checks the size only,
 * not the values (bgs_params_check). */
bgs_status params_import(const char *what, const bgs_params *in, bgs_params *out);

#endif
