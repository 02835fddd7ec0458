/*
 * test_pool.c - the worker pool (src/lib/pool.c): every part of every job
 * runs exactly once, on the job's own context, however the threads race for
 * parts, sleep between jobs or wake late.
 */
#include "test.h"
#include "lib/pool.h"

#include <stdatomic.h>
#include <time.h>

#define MAX_PARTS 4096

typedef struct count_job {
    int id;                       /* which job this context belongs to */
    atomic_int runs[MAX_PARTS];   /* times each part ran */
    atomic_int wrong_id;          /* parts that saw another job's id */
    atomic_int parts_seen;        /* the parts count the job was called with */
    atomic_int bad_parts;         /* part numbers out of range, or parts changed */
    int expect_id;
    int slow_part;                /* this part sleeps a little (-1: none) */
} count_job;

static void count_part(void *ctx, int part, int parts)
{
    count_job *job = ctx;
    if (job->id != job->expect_id)
        atomic_fetch_add(&job->wrong_id, 1);
    int seen = 0;
    if (!atomic_compare_exchange_strong(&job->parts_seen, &seen, parts) && seen != parts)
        atomic_fetch_add(&job->bad_parts, 1);
    if (part < 0 || part >= parts || parts > MAX_PARTS) {
        atomic_fetch_add(&job->bad_parts, 1);
        return;
    }
    if (part == job->slow_part) {
        struct timespec pause = {0, 200000}; /* 0.2 ms */
        nanosleep(&pause, NULL);
    }
    atomic_fetch_add(&job->runs[part], 1);
}

/* Runs jobs jobs on a pool of threads threads, each on a fresh context on
 * the stack (a worker that used a finished job's context would count into
 * the wrong one); returns the number of jobs that went wrong. */
static int run_jobs(int threads, int jobs, int slow_every, int vary_parts)
{
    task_pool *pool = pool_create(threads);
    if (!pool)
        return jobs;
    int bad_jobs = 0;
    for (int j = 0; j < jobs; j++) {
        count_job job;
        memset(&job, 0, sizeof job);
        job.id = job.expect_id = j + 1;
        job.slow_part = slow_every && j % slow_every == 0 ? j % 7 : -1;
        /* With vary_parts, consecutive jobs have different part counts
         * (1 to pool_parts), so a worker that mixed up two jobs' counts
         * would run a part twice or not at all. */
        int want = vary_parts ? 1 + (j * 7919) % pool_parts(pool) : 0;
        if (vary_parts)
            pool_run_parts(pool, want, count_part, &job);
        else
            pool_run(pool, count_part, &job);
        int parts = atomic_load(&job.parts_seen);
        int ok = (vary_parts ? parts == want : parts >= threads) && parts <= MAX_PARTS &&
                 atomic_load(&job.wrong_id) == 0 && atomic_load(&job.bad_parts) == 0;
        for (int p = 0; ok && p < parts; p++)
            ok = atomic_load(&job.runs[p]) == 1;
        bad_jobs += !ok;
        job.id = -1; /* a late worker would see this */
        /* Now and then leave the workers time to fall asleep. */
        if (j % 97 == 0) {
            struct timespec pause = {0, 2000000}; /* 2 ms */
            nanosleep(&pause, NULL);
        }
    }
    pool_free(pool);
    return bad_jobs;
}

TEST(one_thread_runs_the_job_in_one_part)
{
    task_pool *pool = pool_create(1);
    REQUIRE(pool, "pool_create(1)");
    CHECK(pool_threads(pool) == 1, "threads %d", pool_threads(pool));
    count_job job;
    memset(&job, 0, sizeof job);
    job.slow_part = -1;
    pool_run(pool, count_part, &job);
    CHECK(atomic_load(&job.parts_seen) == 1 && atomic_load(&job.runs[0]) == 1,
          "parts %d, runs %d", atomic_load(&job.parts_seen), atomic_load(&job.runs[0]));
    pool_free(pool);
}

TEST(every_part_runs_once_per_job)
{
    for (int threads = 2; threads <= 5; threads += 3) {
        int bad = run_jobs(threads, 2000, 0, 0);
        CHECK(bad == 0, "%d threads: %d of 2000 jobs went wrong", threads, bad);
    }
}

TEST(jobs_of_different_part_counts_run_each_part_once)
{
    for (int threads = 2; threads <= 3; threads++) {
        int bad = run_jobs(threads, 3000, 5, 1);
        CHECK(bad == 0, "%d threads: %d of 3000 jobs went wrong", threads, bad);
    }
}

TEST(a_slow_part_does_not_lose_or_repeat_parts)
{
    int bad = run_jobs(3, 300, 3, 0);
    CHECK(bad == 0, "%d of 300 jobs went wrong", bad);
}

TEST(create_and_free_without_jobs)
{
    for (int i = 0; i < 20; i++) {
        task_pool *pool = pool_create(2 + i % 3);
        REQUIRE(pool, "pool_create");
        CHECK(pool_threads(pool) == 2 + i % 3, "threads %d", pool_threads(pool));
        pool_free(pool);
    }
    pool_free(NULL);
}

int main(void)
{
    RUN(one_thread_runs_the_job_in_one_part);
    RUN(every_part_runs_once_per_job);
    RUN(jobs_of_different_part_counts_run_each_part_once);
    RUN(a_slow_part_does_not_lose_or_repeat_parts);
    RUN(create_and_free_without_jobs);
    return test_summary();
}
