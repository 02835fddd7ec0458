/*
 * pool.c - worker threads for striped frame processing.
 *
 * Workers are created once. A job is cut into more parts than there are
 * threads, and every thread (the caller included) claims parts one at a
 * time until none is left: a stripe of rows that costs more (foreground,
 * where pixels miss and components are replaced, costs a third more than
 * still background) is then balanced by the other threads taking more of
 * the rest, instead of everyone waiting for the slowest fixed stripe.
 *
 * Between jobs a worker first spins briefly, so that the next frame finds
 * it awake (a sleeping thread takes several microseconds to wake, more in a
 * virtual machine), then sleeps on a condition variable so that an idle
 * pool costs nothing.
 *
 * Claiming: `ticket` holds the job's generation (bits 48-63), its number of
 * parts (bits 32-47) and the next unclaimed part (bits 0-31). A
 * fetch-and-add claims a part of whatever job is current and says, in the
 * same value, how many parts that job has; a claimed part keeps its job
 * from finishing, so the job and context read after the claim are that
 * job's (a worker that slept through a whole job may thus claim a part of
 * the next one, which is right). The generation wraps at 65536 jobs: a
 * worker asleep across exactly that many misses one job, which its other
 * threads then do.
 */
#include "lib/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* Parts per thread: enough that the last part to finish is short next to
 * a frame, few enough that claiming costs nothing (one atomic add each). */
#define PARTS_PER_THREAD 16

/* Pause instructions a worker spins for before it sleeps (a pause is
 * 10-150 cycles depending on the CPU: some tens of microseconds). */
#define SPIN_PAUSES 2000

struct task_pool {
    int threads;
    int parts;
    pthread_t *workers;
    pool_job job;            /* written by pool_run before the ticket */
    void *ctx;
    _Atomic uint64_t ticket; /* generation << 48 | parts << 32 | next part */
    atomic_int remaining;    /* parts of the current job not yet done */
    atomic_int quit;

    pthread_mutex_t lock;    /* sleeping and waking only */
    pthread_cond_t start, done;
    int sleepers;            /* workers waiting on start */
    int waiting;             /* pool_run waiting on done */
};

#define MAX_PARTS 0xffff

static uint32_t ticket_generation(uint64_t ticket) { return (uint32_t)(ticket >> 48); }

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims and runs parts until none is left in the current job. */
static void run_parts(task_pool *pool)
{
    for (;;) {
        uint64_t ticket = atomic_fetch_add(&pool->ticket, 1);
        int part = (int)(uint32_t)ticket;
        int parts = (int)((ticket >> 32) & MAX_PARTS);
        if (part >= parts)
            return;
        pool->job(pool->ctx, part, parts);
        if (atomic_fetch_sub(&pool->remaining, 1) == 1) {
            pthread_mutex_lock(&pool->lock);
            if (pool->waiting)
                pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

/* Waits until a job newer than generation seen starts (or the pool
 * closes); returns its generation. */
static uint32_t wait_for_job(task_pool *pool, uint32_t seen)
{
    for (int i = 0; i < SPIN_PAUSES; i++) {
        uint32_t generation = ticket_generation(atomic_load(&pool->ticket));
        if (generation != seen || atomic_load(&pool->quit))
            return generation;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
    pool->sleepers++;
    uint32_t generation;
    while ((generation = ticket_generation(atomic_load(&pool->ticket))) == seen &&
           !atomic_load(&pool->quit))
        pthread_cond_wait(&pool->start, &pool->lock);
    pool->sleepers--;
    pthread_mutex_unlock(&pool->lock);
    return generation;
}

static void *worker_main(void *arg)
{
    task_pool *pool = arg;
    uint32_t seen = 0;
    for (;;) {
        seen = wait_for_job(pool, seen);
        if (atomic_load(&pool->quit))
            return NULL;
        run_parts(pool);
    }
}

task_pool *pool_create(int threads)
{
    if (threads < 1)
        threads = 1;
    task_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->threads = 1; /* the caller; workers are counted as they start */
    pool->parts = threads > 1 ? threads * PARTS_PER_THREAD : 1;
    if (pool->parts > MAX_PARTS)
        pool->parts = MAX_PARTS;
    atomic_init(&pool->ticket, 0); /* generation 0 of no parts: nothing to claim */
    atomic_init(&pool->remaining, 0);
    atomic_init(&pool->quit, 0);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->workers = calloc((size_t)threads, sizeof(pthread_t));
    if (!pool->workers) {
        pool_free(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&pool->workers[i], NULL, worker_main, pool) != 0) {
            pool_free(pool);
            return NULL;
        }
        pool->threads++;
    }
    return pool;
}

int pool_threads(const task_pool *pool) { return pool->threads; }

int pool_parts(const task_pool *pool)
{
    return pool->parts;
}

void pool_run(task_pool *pool, pool_job job, void *ctx)
{
    pool_run_parts(pool, pool->parts, job, ctx);
}

void pool_run_parts(task_pool *pool, int parts, pool_job job, void *ctx)
{
    if (parts > pool->parts)
        parts = pool->parts;
    if (pool->threads == 1 || parts <= 1) {
        for (int part = 0; part < parts; part++)
            job(ctx, part, parts);
        return;
    }
    pool->job = job;
    pool->ctx = ctx;
    atomic_store(&pool->remaining, parts);
    uint64_t generation = (ticket_generation(atomic_load(&pool->ticket)) + 1) & 0xffff;
    atomic_store(&pool->ticket, generation << 48 | (uint64_t)parts << 32);
    pthread_mutex_lock(&pool->lock);
    if (pool->sleepers)
        pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);

    run_parts(pool);

    /* The other threads' last parts: short, so spin before sleeping. */
    for (int i = 0; i < SPIN_PAUSES && atomic_load(&pool->remaining) > 0; i++)
        cpu_relax();
    if (atomic_load(&pool->remaining) > 0) {
        pthread_mutex_lock(&pool->lock);
        pool->waiting = 1;
        while (atomic_load(&pool->remaining) > 0)
            pthread_cond_wait(&pool->done, &pool->lock);
        pool->waiting = 0;
        pthread_mutex_unlock(&pool->lock);
    }
}

void pool_free(task_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->quit, 1);
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->threads; i++)
        pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->start);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}
