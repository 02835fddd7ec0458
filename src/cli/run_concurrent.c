/*
 * run_concurrent.c - several inputs at the same time (see
 * run_concurrent.h). Each input runs on a thread of its own exactly as it
 * would run alone (cmd_run.c: its reader, writers, model and outputs, so
 * the frames in flight per input stay as few as alone); their models share
 * one bgs_pool of -j threads, so two cores run two model threads however
 * many inputs there are, and decoding and writing of one input overlap the
 * model work of another. The main thread only waits, drawing one progress
 * line for all.
 */
#include "cli/run_concurrent.h"
#include "cli/run_input.h"
#include "cli/run_inputs.h"

#include "cli/cli.h"
#include "cli/run_report.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds between two redraws of the progress line. */
#define PROGRESS_INTERVAL 0.2

typedef struct input_job {
    run_options one;
    run_input_paths paths;
    run_slot slot;
    pthread_t thread;
    int started;
} input_job;

static void *input_main(void *arg)
{
    input_job *job = arg;
    job->slot.status = run_input(&job->one, NULL, &job->slot);
    atomic_store(&job->slot.finished, 1);
    return NULL;
}

/* "bgsub: a 120/300, b 118 frames, c done; 52.3 frames/s" */
static void draw_progress(const run_options *opt, input_job *jobs, double start)
{
    char line[512];
    size_t used = (size_t)snprintf(line, sizeof line, "bgsub:");
    long all = 0;
    for (int i = 0; i < opt->input_count && used < sizeof line; i++) {
        long done = atomic_load(&jobs[i].slot.frames);
        long total = atomic_load(&jobs[i].slot.total);
        const char *name = jobs[i].paths.dir + strlen(opt->output_dir) + 1;
        all += done;
        int n;
        if (atomic_load(&jobs[i].slot.finished))
            n = snprintf(line + used, sizeof line - used, " %s done,", name);
        else if (total > 0)
            n = snprintf(line + used, sizeof line - used, " %s %ld/%ld,", name, done, total);
        else
            n = snprintf(line + used, sizeof line - used, " %s %ld,", name, done);
        used += n > 0 ? (size_t)n : 0;
    }
    double seconds = cli_now_seconds() - start;
    if (used < sizeof line)
        snprintf(line + used - 1, sizeof line - used + 1, "; %.1f frames/s in all",
                 seconds > 0 ? all / seconds : 0.0);
    cli_progress_line(line);
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int run_concurrent(const run_options *opt)
{
    int n = opt->input_count;
    input_job *jobs = calloc((size_t)n, sizeof *jobs);
    bgs_pool *pool = jobs ? bgs_pool_create(opt->threads) : NULL;
    if (!jobs || !pool) {
        cli_error("cannot start %d inputs at once: %s", n,
                  jobs ? bgs_last_error() : "out of memory");
        free(jobs);
        return EXIT_FAILURE_STATUS;
    }
    int first_failure = 0, done = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        input_job *job = &jobs[i];
        atomic_store(&job->slot.total, -1);
        job->slot.pool = pool;
        job->slot.status = run_options_for_input(opt, i, &job->one, &job->paths);
        if (job->slot.status == 0 &&
            pthread_create(&job->thread, NULL, input_main, job) != 0) {
            cli_error("%s: cannot start a thread for it", run_input_name(&job->one));
            job->slot.status = EXIT_FAILURE_STATUS;
        }
        job->started = job->slot.status == 0;
        if (!job->started)
            atomic_store(&job->slot.finished, 1);
    }
    int progress = !opt->quiet && isatty(STDERR_FILENO);
    double start = cli_now_seconds(), drawn = 0;
    for (int running = 1; running;) {
        running = 0;
        for (int i = 0; i < n; i++)
            running |= !atomic_load(&jobs[i].slot.finished);
        if (progress && running && cli_now_seconds() - drawn >= PROGRESS_INTERVAL) {
            draw_progress(opt, jobs, start);
            drawn = cli_now_seconds();
        }
        if (running)
            sleep_seconds(0.05);
    }
    cli_progress_clear();
    char failed_names[512] = "";
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        input_job *job = &jobs[i];
        if (job->started)
            pthread_join(job->thread, NULL);
        int status = job->slot.status;
        if (status == 0) {
            done++;
            continue;
        }
        if (status == EXIT_INTERRUPTED)
            continue;
        failed++;
        first_failure = first_failure ? first_failure : status;
        if (used < sizeof failed_names) {
            int w = snprintf(failed_names + used, sizeof failed_names - used, "%s%s",
                             used ? ", " : "", opt->inputs[i]);
            used = w < 0 ? sizeof failed_names : used + (size_t)w;
        }
    }
    bgs_pool_free(pool);
    free(jobs);
    if (!opt->quiet)
        run_report_inputs(n, done, failed, failed_names, 0, cli_stop != 0);
    return run_inputs_status(done, failed, first_failure, cli_stop != 0);
}
