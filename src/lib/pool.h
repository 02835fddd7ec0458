/* pool.h - a small fixed pool of worker threads that run one job split into
 * N parts (stripes of rows) and wait until all parts are done. */
#ifndef BGSUB_POOL_H
#define BGSUB_POOL_H

typedef struct task_pool task_pool;

/* job(ctx, part, parts) is called once for every part in 0..parts-1. */
typedef void (*pool_job)(void *ctx, int part, int parts);

/* A pool of threads - 1 workers (the caller is the first); NULL on failure. */
task_pool *pool_create(int threads);
int pool_threads(const task_pool *pool);
/* Runs job over pool_threads() parts; part 0 on the calling thread. */
void pool_run(task_pool *pool, pool_job job, void *ctx);
void pool_free(task_pool *pool);

#endif
