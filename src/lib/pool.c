/*
 * pool.c - worker threads for striped frame processing. Workers are created
 * once and sleep on a condition variable between frames: starting threads
 * for every frame would cost more than a small frame's work.
 */
#include "lib/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct task_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    unsigned long generation; /* bumped for every job */
    int pending;              /* workers still busy with this job */
    int quit;
    pool_job job;
    void *ctx;
};

typedef struct worker_arg {
    task_pool *pool;
    int part;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg arg = *(worker_arg *)p;
    free(p);
    task_pool *pool = arg.pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->quit && pool->generation == seen)
            pthread_cond_wait(&pool->start, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->generation;
        pool_job job = pool->job;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->lock);
        job(ctx, arg.part, pool->threads);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

task_pool *pool_create(int threads)
{
    if (threads < 1)
        threads = 1;
    task_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->threads = threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->workers = calloc((size_t)threads, sizeof(pthread_t));
    if (!pool->workers) {
        pool_free(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (!arg) {
            pool->threads = i;
            pool_free(pool);
            return NULL;
        }
        arg->pool = pool;
        arg->part = i;
        if (pthread_create(&pool->workers[i], NULL, worker_main, arg) != 0) {
            free(arg);
            pool->threads = i;
            pool_free(pool);
            return NULL;
        }
    }
    return pool;
}

int pool_threads(const task_pool *pool) { return pool->threads; }

void pool_run(task_pool *pool, pool_job job, void *ctx)
{
    if (pool->threads == 1) {
        job(ctx, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->job = job;
    pool->ctx = ctx;
    pool->pending = pool->threads - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);

    job(ctx, 0, pool->threads);

    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

void pool_free(task_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
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
