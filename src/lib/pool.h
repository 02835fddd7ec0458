/* pool.h - a small fixed pool of worker threads that run one job split into
 * parts (stripes of rows) and wait until all parts are done. */
#ifndef BGSUB_POOL_H
#define BGSUB_POOL_H

/* The public bgs_pool (bgsub.h) is this pool. */
typedef struct bgs_pool task_pool;

/* job(ctx, part, parts) is called once for every part in 0..parts-1, on
 * whichever thread claims it: a part is a share of the work, not a thread
 * (two parts may run on one thread, in any order). */
typedef void (*pool_job)(void *ctx, int part, int parts);

/* A pool of threads - 1 workers (the caller is the first); NULL on failure. */
task_pool *pool_create(int threads);
int pool_threads(const task_pool *pool);
/* Parts a job is cut into: the range of pool_run's part index (callers
 * that keep per-part results or scratch size them by this). */
int pool_parts(const task_pool *pool);
/* Runs job over the pool's parts (several per thread, so that threads that
 * finish early take more of the rest) on all its threads, the caller
 * included, and returns when every part is done. */
void pool_run(task_pool *pool, pool_job job, void *ctx);
/* The same with the job cut into `parts` parts (1..pool_parts; more are
 * cut to pool_parts): small frames take fewer, larger parts, so that
 * claiming and waiting do not outweigh the work. */
void pool_run_parts(task_pool *pool, int parts, pool_job job, void *ctx);
/* Drops a reference (pool_create gives one); the last frees the pool. */
void pool_free(task_pool *pool);
/* Takes another reference (a model sharing the pool). */
void pool_ref(task_pool *pool);

/* Turns, for pools shared by several callers (bgs_model_set_pool): between
 * pool_enter and pool_leave a caller has the pool to itself; callers get
 * their turns in the order they asked. Runs of pool_run_parts from
 * different threads on one pool must be inside turns. */
void pool_enter(task_pool *pool);
void pool_leave(task_pool *pool);

/* Most threads that ran parts at the same time since the pool was made
 * (for tests: a shared pool never has more busy threads than it has). */
int pool_peak_busy(const task_pool *pool);

#endif
