/*
 * test_shadow.c - the cast-shadow test as bgsub.h documents it (Horprasert
 * et al.; OpenCV's MOG2): a foreground pixel I is shadow against a
 * background component of mean E and variance s2 when its brightness ratio
 * a = (I.E)/(E.E) lies in [shadow_min_brightness, shadow_max_brightness]
 * and its colour distortion |I - aE|^2 is below shadow_chroma^2 * C * s2 *
 * a^2. Pixels are built here at chosen a and distortion (a vector
 * orthogonal to E), the expected verdict computed here in double from the
 * rounded pixel, and each probe kept clear of the limits, so a rule that
 * scales the limit by a instead of a^2, or drops a bound, is caught.
 */
#include "bgsub.h"
#include "test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { W = 16, H = 4, C = 3, SHADOW = 127 };
static const double E[3] = {200, 120, 60};
/* Orthogonal to E: 200*120 - 120*200 + 0 = 0. */
static const double D[3] = {120, -200, 0};

/* A model of the steady colour E, learnt until its variance sits on the
 * floor (var_min), then frozen so the probes do not change it. */
static bgs_model *learnt_model(bgs_params *p)
{
    bgs_params_default(p);
    p->shadows = 1;
    p->shadow_value = SHADOW;
    p->learning_frames = 0;
    p->median = 0;
    p->close_radius = 0;
    p->fill_holes = 0;
    p->min_area = 0;
    p->relearn_fraction = 0; /* a whole frame of shadow is not a global change here */
    p->illumination = 0;     /* nor a change of light */
    p->shadow_texture = 0;   /* the colour test alone (flat frames have no texture) */
    bgs_model *m = bgs_model_create(W, H, C, p);
    if (!m)
        return NULL;
    uint8_t frame[W * H * C];
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < C; c++)
            frame[i * C + c] = (uint8_t)E[c];
    for (int n = 0; n < 300; n++)
        bgs_model_apply(m, frame, W * C, NULL, 0);
    p->alpha = 0.0f;
    bgs_model_set_params(m, p);
    return m;
}

/* The mask value bgsub gives a frame of the colour a·E + t·D (rounded), and
 * the one the documented rule gives that rounded colour. */
static void probe(bgs_model *m, const bgs_params *p, double a, double t,
                  int *got, int *want, double *ratio, double *distortion)
{
    uint8_t frame[W * H * C], mask[W * H];
    double x[3];
    for (int c = 0; c < C; c++) {
        double v = a * E[c] + t * D[c];
        x[c] = v < 0 ? 0 : v > 255 ? 255 : floor(v + 0.5);
    }
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < C; c++)
            frame[i * C + c] = (uint8_t)x[c];
    bgs_model_apply(m, frame, W * C, mask, W);
    *got = mask[W + 3];
    double xe = 0, ee = 0, d2 = 0, m2 = 0;
    for (int c = 0; c < C; c++) {
        xe += x[c] * E[c];
        ee += E[c] * E[c];
        m2 += (x[c] - E[c]) * (x[c] - E[c]);
    }
    double ar = xe / ee;
    for (int c = 0; c < C; c++)
        d2 += (x[c] - ar * E[c]) * (x[c] - ar * E[c]);
    double s2 = p->var_min; /* the learnt variance: on the floor */
    double limit = (double)p->shadow_chroma * p->shadow_chroma * C * s2 * ar * ar;
    int matches = m2 < (double)p->match_sigmas * p->match_sigmas * C * s2;
    int shadow = ar >= p->shadow_min_brightness && ar <= p->shadow_max_brightness && d2 < limit;
    *want = matches ? BGS_MASK_BACKGROUND : shadow ? SHADOW : BGS_MASK_FOREGROUND;
    *ratio = ar;
    *distortion = d2 / limit;
}

TEST(shadow_test_follows_its_definition)
{
    bgs_params p;
    bgs_model *m = learnt_model(&p);
    REQUIRE(m, "%s", bgs_last_error());
    double limit_unit = (double)p.shadow_chroma * p.shadow_chroma * C * p.var_min;
    double dd = D[0] * D[0] + D[1] * D[1] + D[2] * D[2];
    /* a, then the distortion as a share of the limit at that a. */
    static const double cases[][2] = {
        {0.5, 0.0}, {0.5, 0.6}, {0.5, 1.6}, {0.6, 0.7}, {0.6, 1.5},
        {0.8, 0.0}, {0.8, 0.6}, {0.8, 1.6}, {0.9, 0.5},
        {0.45, 0.0}, /* darker than the darkest shadow */
        {1.2, 0.0},  /* brighter than the background: no shadow */
        {0.3, 0.3},
    };
    int shadows = 0, objects = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double a = cases[i][0];
        double t = sqrt(cases[i][1] * limit_unit * a * a / dd);
        int got, want;
        double ratio, share;
        probe(m, &p, a, t, &got, &want, &ratio, &share);
        /* Probes stay clear of the limit, where rounding could decide. */
        CHECK(fabs(share - 1.0) > 0.2, "probe %zu too close to the limit (%.3f)", i, share);
        CHECK(got == want, "a %.2f (ratio %.4f), distortion %.2f of the limit: mask %d, "
              "the rule says %d", a, ratio, share, got, want);
        shadows += want == SHADOW;
        objects += want == BGS_MASK_FOREGROUND;
    }
    CHECK(shadows >= 4 && objects >= 5, "the probes test both verdicts (%d shadow, %d object)",
          shadows, objects);
    bgs_model_free(m);
}

TEST(gray_frames_have_no_shadows)
{
    bgs_params p;
    bgs_params_default(&p);
    p.shadows = 1;
    p.shadow_value = SHADOW;
    p.learning_frames = 0;
    p.median = 0;
    p.relearn_fraction = 0;
    bgs_model *m = bgs_model_create(W, H, 1, &p);
    REQUIRE(m, "%s", bgs_last_error());
    uint8_t frame[W * H], mask[W * H];
    memset(frame, 200, sizeof frame);
    for (int n = 0; n < 300; n++)
        bgs_model_apply(m, frame, W, NULL, 0);
    memset(frame, 130, sizeof frame); /* 0.65 of the background: a shadow in colour */
    bgs_model_apply(m, frame, W, mask, W);
    CHECK(mask[5] == BGS_MASK_FOREGROUND, "gray: %d, not foreground", mask[5]);
    bgs_model_free(m);
}

int main(void)
{
    RUN(shadow_test_follows_its_definition);
    RUN(gray_frames_have_no_shadows);
    return test_summary();
}
