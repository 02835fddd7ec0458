/*
 * test_checkpoint.c - a checkpoint is outside data: counters that would
 * overflow, or that no model could have reached, are refused with a clear
 * reason; the largest accepted ones still run. The checkpoints are crafted
 * here from a real one: counters patched at their documented place in the
 * header and the FNV-1a checksum recomputed by the test's own code.
 */
#include "bgsub.h"
#include "test.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { W = 20, H = 6, C = 3 };

/* magic 8, version, width, height, channels, parameter count (u32 each),
 * the parameters (f64 each), the frame rate (f64), then four u64 counters:
 * frames, frames since the start-up schedule began, blank frames left,
 * global changes. */
#define COUNTERS_AT (8 + 4 * 5 + 8 * BGS_PARAM_COUNT + 8)

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A checkpoint of a model that applied 5 frames, its size in *size. */
static uint8_t *real_checkpoint(size_t *size)
{
    bgs_params p;
    bgs_params_default(&p);
    bgs_model *m = bgs_model_create(W, H, C, &p);
    if (!m)
        return NULL;
    uint8_t frame[W * H * C];
    for (int n = 0; n < 5; n++) {
        memset(frame, 40 + n, sizeof frame);
        bgs_model_apply(m, frame, W * C, NULL, 0);
    }
    *size = bgs_model_checkpoint_size(m);
    uint8_t *buf = malloc(*size);
    if (buf && bgs_model_checkpoint(m, buf, *size) != BGS_OK) {
        free(buf);
        buf = NULL;
    }
    bgs_model_free(m);
    return buf;
}

/* The checkpoint with its counters replaced and its checksum made right. */
static bgs_model *restore_with(const uint8_t *real, size_t size, uint64_t frames,
                               uint64_t startup, uint64_t blank, uint64_t relearns)
{
    uint8_t *buf = malloc(size);
    memcpy(buf, real, size);
    put_u64(buf + COUNTERS_AT, frames);
    put_u64(buf + COUNTERS_AT + 8, startup);
    put_u64(buf + COUNTERS_AT + 16, blank);
    put_u64(buf + COUNTERS_AT + 24, relearns);
    put_u64(buf + size - 8, fnv1a(buf, size - 8));
    bgs_model *m = bgs_model_restore(buf, size);
    free(buf);
    return m;
}

TEST(the_patching_is_right)
{
    size_t size;
    uint8_t *real = real_checkpoint(&size);
    REQUIRE(real, "checkpoint");
    /* The real counters written back give a model that has seen 5 frames. */
    bgs_model *m = restore_with(real, size, 5, 5, 0, 0);
    CHECK(m != NULL, "the real counters are accepted: %s", bgs_last_error());
    CHECK(m && bgs_model_frame_count(m) == 5, "frames read back");
    bgs_model_free(m);
    m = restore_with(real, size, 7, 3, 0, 0);
    CHECK(m && bgs_model_frame_count(m) == 7, "a patched frame count is read back");
    bgs_model_free(m);
    free(real);
}

TEST(counters_that_would_overflow_are_refused)
{
    size_t size;
    uint8_t *real = real_checkpoint(&size);
    REQUIRE(real, "checkpoint");
    const uint64_t huge[] = {(uint64_t)LONG_MAX, (uint64_t)LONG_MAX - 1,
                             ((uint64_t)1 << 52) + 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        bgs_model *m = restore_with(real, size, huge[i], 0, 0, 0);
        CHECK(m == NULL, "frames = %llu refused", (unsigned long long)huge[i]);
        CHECK(strstr(bgs_last_error(), "impossible sizes or counters") != NULL,
              "reason: %s", bgs_last_error());
        bgs_model_free(m);
        m = restore_with(real, size, huge[i], huge[i], 0, 0);
        CHECK(m == NULL, "frames = startup = %llu refused", (unsigned long long)huge[i]);
        bgs_model_free(m);
    }
    /* More blank frames left than relearn_frames can ever ask for. */
    bgs_model *m = restore_with(real, size, 5000000, 5, 1000001, 1);
    CHECK(m == NULL, "blank frames left above the largest relearn-frames refused");
    bgs_model_free(m);
    free(real);
}

TEST(the_largest_counters_still_run)
{
    size_t size;
    uint8_t *real = real_checkpoint(&size);
    REQUIRE(real, "checkpoint");
    uint64_t most = (uint64_t)1 << 52;
    bgs_model *m = restore_with(real, size, most, most, 1000000, most);
    REQUIRE(m != NULL, "the largest counters are accepted: %s", bgs_last_error());
    uint8_t frame[W * H * C], mask[W * H];
    memset(frame, 90, sizeof frame);
    for (int n = 0; n < 100; n++)
        CHECK(bgs_model_apply(m, frame, W * C, mask, W) == BGS_OK, "apply");
    CHECK(bgs_model_frame_count(m) == (long)(most + 100), "counts on");
    CHECK(!bgs_model_is_learning(m), "long past the learning phase");
    bgs_model_free(m);
    free(real);
}

int main(void)
{
    RUN(the_patching_is_right);
    RUN(counters_that_would_overflow_are_refused);
    RUN(the_largest_counters_still_run);
    return test_summary();
}
