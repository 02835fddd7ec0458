/*
 * test_shared_pool.c - one bgs_pool shared by many models applied from
 * many threads at once (bgsub.h, "Threads"): the process has the pool's
 * workers and no more, no more threads than the pool has run model work at
 * the same time, and every model's masks are those of a model on its own.
 */
#include "test.h"
#include "bgsub.h"
#include "lib/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define W 320
#define H 240
#define FRAMES 40
#define CAMERAS 16

static uint8_t frames[FRAMES][W * H * 3];

/* A moving square over a textured background; camera c sees it shifted. */
static void make_frames(void)
{
    uint32_t seed = 7;
    for (int f = 0; f < FRAMES; f++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                seed = seed * 1664525u + 1013904223u;
                uint8_t *px = &frames[f][(y * W + x) * 3];
                int inside = x >= 4 * f && x < 4 * f + 40 && y >= 80 && y < 140;
                for (int c = 0; c < 3; c++)
                    px[c] = inside ? (uint8_t)(200 + c * 20)
                                   : (uint8_t)((x * 3 + y * 5 + c * 40) % 160 + (seed >> 29));
            }
}

static int process_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

typedef struct camera {
    bgs_model *model;
    int shift;
    int mismatches;
    int failures;
} camera;

static uint8_t reference[FRAMES][W * H];
static atomic_int running, go;

static void *camera_main(void *arg)
{
    camera *c = arg;
    uint8_t mask[W * H];
    atomic_fetch_add(&running, 1);
    while (!atomic_load(&go))
        ;
    for (int f = 0; f < FRAMES; f++) {
        if (bgs_model_apply(c->model, frames[f], W * 3, mask, W) != BGS_OK)
            c->failures++;
        c->mismatches += memcmp(mask, reference[f], sizeof mask) != 0;
    }
    atomic_fetch_sub(&running, 1);
    return NULL;
}

static bgs_model *new_model(void)
{
    bgs_params p;
    bgs_params_default(&p);
    p.learning_frames = 5;
    return bgs_model_create(W, H, 3, &p);
}

TEST(sixteen_models_one_pool)
{
    make_frames();
    bgs_model *solo = new_model();
    REQUIRE(solo, "%s", bgs_last_error());
    for (int f = 0; f < FRAMES; f++)
        bgs_model_apply(solo, frames[f], W * 3, reference[f], W);
    bgs_model_free(solo);
    long fg = 0;
    for (int i = 0; i < W * H; i++)
        fg += reference[FRAMES - 1][i] == 255;
    CHECK(fg > 1000, "the test frames have too little foreground (%ld)", fg);

    int before = process_threads();
    bgs_pool *pool = bgs_pool_create(2);
    REQUIRE(pool && bgs_pool_threads(pool) == 2, "%s", bgs_last_error());
    CHECK(process_threads() == before + 1, "a pool of 2 starts 1 worker: %d -> %d", before,
          process_threads());
    camera cams[CAMERAS];
    pthread_t tid[CAMERAS];
    for (int i = 0; i < CAMERAS; i++) {
        cams[i] = (camera){new_model(), i, 0, 0};
        REQUIRE(cams[i].model, "%s", bgs_last_error());
        CHECK(bgs_model_set_pool(cams[i].model, pool) == BGS_OK, "set_pool");
        CHECK(bgs_model_threads(cams[i].model) == 2, "threads");
    }
    /* The models hold the pool: the creator may let go of it now. */
    bgs_pool_free(pool);
    atomic_store(&go, 0);
    for (int i = 0; i < CAMERAS; i++)
        pthread_create(&tid[i], NULL, camera_main, &cams[i]);
    while (atomic_load(&running) < CAMERAS)
        ;
    atomic_store(&go, 1);
    int most = 0;
    while (atomic_load(&running) > 0) {
        int n = process_threads();
        most = n > most ? n : most;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < CAMERAS; i++)
        pthread_join(tid[i], NULL);
    /* main + 16 cameras + the pool's one worker; 16 private pools of 2
     * would have made it 1 + 16 + 16. */
    CHECK(most == before + CAMERAS + 1, "threads while running: %d (expected %d)", most,
          before + CAMERAS + 1);
    CHECK(pool_peak_busy(pool) <= 2 && pool_peak_busy(pool) >= 1,
          "%d threads ran model work at once on a pool of 2", pool_peak_busy(pool));
    int bad = 0, failed = 0;
    for (int i = 0; i < CAMERAS; i++) {
        bad += cams[i].mismatches;
        failed += cams[i].failures;
    }
    CHECK(failed == 0 && bad == 0, "%d failed applies, %d masks differ from a model alone",
          failed, bad);
    for (int i = 0; i < CAMERAS; i++)
        bgs_model_free(cams[i].model); /* the last one ends the pool */
    CHECK(process_threads() == before, "the pool's worker outlived its models: %d vs %d",
          process_threads(), before);
}

TEST(set_threads_and_pool)
{
    bgs_model *m = new_model();
    REQUIRE(m, "%s", bgs_last_error());
    bgs_pool *pool = bgs_pool_create(3);
    REQUIRE(pool, "%s", bgs_last_error());
    CHECK(bgs_model_set_pool(m, pool) == BGS_OK && bgs_model_threads(m) == 3, "shared");
    CHECK(bgs_model_set_threads(m, 2) == BGS_OK && bgs_model_threads(m) == 2, "private");
    CHECK(bgs_pool_threads(pool) == 3, "the shared pool is untouched");
    CHECK(bgs_model_set_pool(m, NULL) == BGS_OK && bgs_model_threads(m) == 1, "none");
    CHECK(bgs_pool_create(-1) == NULL && strstr(bgs_last_error(), "threads") != NULL,
          "a negative thread count");
    CHECK(bgs_pool_create(257) == NULL, "too many threads");
    bgs_pool *cores = bgs_pool_create(0);
    CHECK(cores && bgs_pool_threads(cores) >= 1, "one per core");
    bgs_pool_free(cores);
    bgs_pool_free(pool);
    bgs_model_free(m);
}

int main(void)
{
    RUN(sixteen_models_one_pool);
    RUN(set_threads_and_pool);
    return test_summary();
}
