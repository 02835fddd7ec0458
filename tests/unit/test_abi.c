/*
 * test_abi.c - the size-checked structs (bgsub.h, "Versions and the binary
 * interface"): a struct of an older layout, of a wrong size or never
 * initialised is refused with a clear message and nothing is written past
 * the caller's struct; the layouts the library knows are accepted.
 */
#include "test.h"
#include "bgsub.h"

#include <stdint.h>

/* bgs_params as bgsub 0.1 declared it (no struct_size): what a program
 * built against the 0.x header would hand over. */
typedef struct params_v0_1 {
    int components;
    float alpha, bg_ratio, match_sigmas, var_init, var_min, var_max, weight_init;
    int learning_frames;
    int shadows, shadow_value;
    float shadow_min_brightness, shadow_max_brightness, shadow_chroma;
    int median, open_radius, close_radius;
    float fill_holes, min_area, relearn_fraction;
    int relearn_frames;
} params_v0_1;

/* bgs_params as bgsub 1.0 declared it: accepted by every 1.x library. */
typedef struct params_v1_0 {
    size_t struct_size;
    int components;
    float alpha, bg_ratio, match_sigmas, var_init, var_min, var_max, weight_init;
    int learning_frames;
    int shadows, shadow_value;
    float shadow_min_brightness, shadow_max_brightness, shadow_chroma;
    float shadow_texture;
    int median, open_radius, close_radius;
    float fill_holes, min_area, relearn_fraction;
    int relearn_frames;
    float absorb_after, ghost_after;
    int neighbour_radius, illumination, max_shift;
} params_v1_0;

TEST(version_number)
{
    unsigned v = bgs_version_number();
    CHECK(v == BGS_VERSION_NUMBER, "library %u, header %d", v, BGS_VERSION_NUMBER);
    char text[32];
    snprintf(text, sizeof text, "%u.%u.%u", v / 10000, v / 100 % 100, v % 100);
    CHECK(strcmp(text, bgs_version()) == 0, "%s vs %s", text, bgs_version());
    CHECK(BGS_VERSION_MAJOR >= 1, "the size-checked ABI starts at 1.0");
}

TEST(default_sets_size)
{
    bgs_params p;
    memset(&p, 0xAB, sizeof p);
    CHECK(bgs_params_default(&p) == BGS_OK, "%s", bgs_last_error());
    CHECK(p.struct_size == sizeof p, "struct_size %zu", p.struct_size);
    CHECK(p.components == 3 && p.alpha == 0.005f, "defaults %d %g", p.components, p.alpha);
    bgs_cleanup c;
    CHECK(bgs_cleanup_default(&c) == BGS_OK && c.struct_size == sizeof c, "cleanup");
    bgs_hist_fit_params h;
    CHECK(bgs_hist_fit_params_default(&h) == BGS_OK && h.struct_size == sizeof h &&
          h.k == 2, "hist params");
}

TEST(old_layout_refused)
{
    params_v0_1 old = {3, 0.005f, 0.6f, 2.5f, 225, 36, 2500, 0.05f, 100, 0, 0,
                       0.5f, 0.95f, 2.5f, 5, 0, 1, 0.013f, 0.002f, 0.7f, 10};
    bgs_model *m = bgs_model_create(32, 24, 3, (const bgs_params *)(void *)&old);
    CHECK(m == NULL, "a 0.1 layout was accepted");
    CHECK(strstr(bgs_last_error(), "bgs_params.struct_size") != NULL &&
          strstr(bgs_last_error(), "bgs_model_create") != NULL, "message: %s",
          bgs_last_error());
    bgs_model_free(m);
    CHECK(bgs_params_check((const bgs_params *)(void *)&old) == BGS_ERR_INVALID_ARGUMENT,
          "check");
}

TEST(wrong_size_refused)
{
    /* A struct from a newer header (larger) or never initialised. */
    struct { bgs_params p; uint8_t canary[16]; } big;
    memset(&big, 0x5A, sizeof big);
    CHECK(bgs_params_init(&big.p, sizeof big.p + 8) == BGS_ERR_INVALID_ARGUMENT,
          "a larger size accepted");
    CHECK(strstr(bgs_last_error(), "knows a bgs_params of") != NULL, "%s", bgs_last_error());
    CHECK(big.p.struct_size == sizeof big.p + 8, "size kept so later calls refuse");
    CHECK(bgs_model_create(8, 8, 1, &big.p) == NULL, "created from an unknown size");
    CHECK(big.canary[8] == 0x5A, "init wrote past its size");

    bgs_params garbage;
    memset(&garbage, 0xC3, sizeof garbage);
    CHECK(bgs_model_create(8, 8, 1, &garbage) == NULL, "created from garbage");
    CHECK(bgs_params_set(&garbage, BGS_PARAM_ALPHA, 0.1) == BGS_ERR_INVALID_ARGUMENT,
          "set on garbage");
    CHECK(isnan(bgs_params_get(&garbage, BGS_PARAM_ALPHA)), "get on garbage");

    bgs_params ok;
    bgs_params_default(&ok);
    bgs_model *m = bgs_model_create(8, 8, 1, &ok);
    REQUIRE(m, "%s", bgs_last_error());
    CHECK(bgs_model_set_params(m, &garbage) == BGS_ERR_INVALID_ARGUMENT, "set_params");
    struct { bgs_params p; uint8_t canary[16]; } out;
    memset(&out, 0x77, sizeof out);
    CHECK(bgs_model_get_params_ex(m, &out.p, sizeof out.p + 16) == BGS_ERR_INVALID_ARGUMENT,
          "get_params with a larger size");
    CHECK(out.canary[0] == 0x77 && out.p.components == 0x77777777, "written anyway");
    CHECK(bgs_model_get_params(m, &out.p) == BGS_OK && out.p.struct_size == sizeof out.p &&
          out.p.components == 3 && out.canary[0] == 0x77, "get_params");
    bgs_model_free(m);
}

/* The 1.0 layout through bgs_params_init with its own size: accepted,
 * read field by field (after fields are added to bgs_params, this is the
 * older-but-known case, and the new fields take their defaults). */
TEST(v1_0_layout_accepted)
{
    params_v1_0 p;
    CHECK(bgs_params_init((bgs_params *)(void *)&p, sizeof p) == BGS_OK, "%s",
          bgs_last_error());
    CHECK(p.struct_size == sizeof p && p.components == 3, "defaults");
    p.components = 2;
    CHECK(bgs_params_set((bgs_params *)(void *)&p, BGS_PARAM_ALPHA, 0.25) == BGS_OK, "set");
    CHECK(p.alpha == 0.25f, "alpha %g", p.alpha);
    bgs_model *m = bgs_model_create(16, 8, 3, (const bgs_params *)(void *)&p);
    REQUIRE(m, "%s", bgs_last_error());
    /* The same model from this library's own bgs_params with K = 2. */
    bgs_params full;
    bgs_params_default(&full);
    full.components = 2;
    bgs_model *ref = bgs_model_create(16, 8, 3, &full);
    REQUIRE(ref, "%s", bgs_last_error());
    CHECK(bgs_model_bytes_per_pixel(m) == bgs_model_bytes_per_pixel(ref) &&
              bgs_model_bytes_per_pixel(ref) < 3 * 5 * 2, "components not read");
    bgs_model_free(ref);
    params_v1_0 back;
    memset(&back, 0, sizeof back);
    CHECK(bgs_model_get_params_ex(m, (bgs_params *)(void *)&back, sizeof back) == BGS_OK,
          "get");
    CHECK(back.alpha == 0.25f && back.components == 2, "round trip");
    bgs_model_free(m);
}

TEST(cleanup_refused)
{
    /* bgs_cleanup as 0.1 declared it. */
    struct { int median, open_radius, close_radius; long fill_holes, min_area; } old = {
        3, 0, 0, 0, 0};
    bgs_postproc *pp = bgs_postproc_create(8, 8);
    uint8_t mask[64];
    memset(mask, 255, sizeof mask);
    mask[9] = 0;
    CHECK(bgs_postproc_clean(pp, (const bgs_cleanup *)(void *)&old, mask, 8) ==
          BGS_ERR_INVALID_ARGUMENT, "old cleanup accepted");
    CHECK(strstr(bgs_last_error(), "bgs_cleanup.struct_size") != NULL, "%s", bgs_last_error());
    CHECK(mask[9] == 0, "mask changed");
    bgs_postproc_free(pp);
}

TEST(hist_structs)
{
    bgs_hist h;
    uint8_t img[64];
    for (int i = 0; i < 64; i++)
        img[i] = (uint8_t)(i < 32 ? 40 + i % 5 : 200 + i % 7);
    bgs_hist_build(&h, 8, 8, img, 8);
    bgs_hist_fit_params p;
    bgs_hist_fit_params_default(&p);
    struct { bgs_hist_fit_result r; uint8_t canary[32]; } res;
    memset(&res, 0x11, sizeof res);
    CHECK(bgs_hist_fit_ex(&h, &p, &res.r, sizeof res.r + 32, NULL, 0) ==
          BGS_ERR_INVALID_ARGUMENT, "a larger result accepted");
    CHECK(res.canary[0] == 0x11 && res.r.k == 0x11111111, "result written");
    CHECK(strstr(bgs_last_error(), "bgs_hist_fit_result") != NULL, "%s", bgs_last_error());

    bgs_hist_fit_params bad = p;
    bad.struct_size = 12;
    CHECK(bgs_hist_fit(&h, &bad, &res.r) == BGS_ERR_INVALID_ARGUMENT, "bad params size");

    /* The trace: only capacity values are written, n_loglik says how many
     * there were. */
    double trace[4] = {-1, -1, -1, 12345};
    p.tol = 0;
    p.max_iter = 20;
    REQUIRE(bgs_hist_fit_ex(&h, &p, &res.r, sizeof res.r, trace, 3) == BGS_OK, "%s",
            bgs_last_error());
    CHECK(res.r.n_loglik == res.r.iterations + 1, "n_loglik");
    CHECK(trace[3] == 12345, "trace overran its capacity");
    CHECK(trace[0] != -1 && trace[0] <= trace[1], "trace %g %g", trace[0], trace[1]);
    double full[BGS_HIST_MAX_ITER + 1];
    REQUIRE(bgs_hist_fit_auto_ex(&h, &p, 3, &res.r, sizeof res.r, NULL, full,
                                 BGS_HIST_MAX_ITER + 1) == BGS_OK, "auto");
    CHECK(full[res.r.n_loglik - 1] == res.r.log_likelihood, "auto trace is the kept k's");
}

int main(void)
{
    RUN(version_number);
    RUN(default_sets_size);
    RUN(old_layout_refused);
    RUN(wrong_size_refused);
    RUN(v1_0_layout_accepted);
    RUN(cleanup_refused);
    RUN(hist_structs);
    return test_summary();
}
