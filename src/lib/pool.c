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
 *
 * Sharing (bgs_pool): one job runs at a time. Callers on different threads
 * take turns (pool_enter/pool_leave: a ticket lock, first come first
 * served); a caller waiting for its turn sleeps. So however many models
 * and threads share a pool of T threads, at most T threads run parts at
 * once: T - 1 workers and the caller whose turn it is. The pool is
 * reference-counted: every model using it holds a reference, and the last
 * release frees it.
 */
#include "lib/pool.h"
#include "lib/internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Parts per thread: enough that the last part to finish is short next to
 * a frame, few enough that claiming costs nothing (one atomic add each). */
#define PARTS_PER_THREAD 16

/* Pause instructions a worker spins for before it sleeps (a pause is
 * 10-150 cycles depending on the CPU: some tens of microseconds). */
#define SPIN_PAUSES 2000

struct bgs_pool {
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

    atomic_int refs;         /* pool_create's and every model's */
    pthread_mutex_t turn_lock; /* turns of sharing callers (pool_enter) */
    pthread_cond_t turn_cond;
    unsigned long next_ticket, serving;
    atomic_int busy, peak_busy; /* threads running parts now / at most */
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
        int busy = atomic_fetch_add(&pool->busy, 1) + 1;
        int peak = atomic_load(&pool->peak_busy);
        while (busy > peak && !atomic_compare_exchange_weak(&pool->peak_busy, &peak, busy))
            ;
        pool->job(pool->ctx, part, parts);
        atomic_fetch_sub(&pool->busy, 1);
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
    atomic_init(&pool->refs, 1);
    atomic_init(&pool->busy, 0);
    atomic_init(&pool->peak_busy, 0);
    pthread_mutex_init(&pool->turn_lock, NULL);
    pthread_cond_init(&pool->turn_cond, NULL);
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

void pool_ref(task_pool *pool)
{
    atomic_fetch_add(&pool->refs, 1);
}

void pool_enter(task_pool *pool)
{
    pthread_mutex_lock(&pool->turn_lock);
    unsigned long ticket = pool->next_ticket++;
    while (ticket != pool->serving)
        pthread_cond_wait(&pool->turn_cond, &pool->turn_lock);
    pthread_mutex_unlock(&pool->turn_lock);
}

void pool_leave(task_pool *pool)
{
    pthread_mutex_lock(&pool->turn_lock);
    pool->serving++;
    if (pool->next_ticket != pool->serving)
        pthread_cond_broadcast(&pool->turn_cond);
    pthread_mutex_unlock(&pool->turn_lock);
}

int pool_peak_busy(const task_pool *pool)
{
    return atomic_load(&((task_pool *)pool)->peak_busy);
}

void pool_free(task_pool *pool)
{
    if (!pool || atomic_fetch_sub(&pool->refs, 1) > 1)
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
    pthread_cond_destroy(&pool->turn_cond);
    pthread_mutex_destroy(&pool->turn_lock);
    free(pool->workers);
    free(pool);
}

/* ------------------------------------------------------------------------ */
/* The public face: bgs_pool                                                */
/* ------------------------------------------------------------------------ */

bgs_pool *bgs_pool_create(int threads)
{
    if (threads < 0 || threads > 256) {
        bgs_set_error("threads must be between 0 (one per core) and 256, not %d", threads);
        return NULL;
    }
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (int)(cores < 256 ? cores : 256) : 1;
    }
    task_pool *pool = pool_create(threads);
    if (!pool)
        bgs_set_error("cannot start a pool of %d threads", threads);
    return pool;
}

void bgs_pool_free(bgs_pool *pool)
{
    pool_free(pool);
}

int bgs_pool_threads(const bgs_pool *pool)
{
    return pool ? pool_threads(pool) : 0;
}
