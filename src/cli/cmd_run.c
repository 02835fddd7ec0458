/*
 * cmd_run.c - `bgsub [options] INPUT... -o DIR`: the run. One input is run
 * by run_input.c (with the preview window when --show asks for it);
 * several run one after the other here, each into its own folder, or at
 * the same time (run_concurrent.c).
 *
 * The options and their checks are in run_options.c, the names of several
 * inputs' folders and their status in run_inputs.c, the lines on stderr
 * in run_report.c.
 */
#include "cli/cli.h"
#include "cli/preview.h"
#include "cli/run.h"
#include "cli/run_concurrent.h"
#include "cli/run_input.h"
#include "cli/run_inputs.h"
#include "cli/run_options.h"
#include "cli/run_report.h"

#include <stdio.h>
#include <stdlib.h>

/* --show --realtime on a source without a frame rate (image sequences). */
#define PREVIEW_DEFAULT_FPS 25.0

/* Several inputs, one after the other. A failure is reported (by the run
 * itself) and the next input goes on, unless --on-error stop was given;
 * the status is run_inputs_status's. */
static int run_several_inputs(const run_options *opt)
{
    int first_failure = 0, done = 0, failed = 0, i;
    char failed_names[512] = "";
    size_t used = 0;
    run_input_paths *paths = malloc(sizeof *paths);
    if (!paths) {
        cli_error("out of memory");
        return EXIT_FAILURE_STATUS;
    }
    for (i = 0; i < opt->input_count && !cli_stop; i++) {
        run_options one;
        int status = run_options_for_input(opt, i, &one, paths);
        if (status == 0)
            status = run_input(&one, NULL, NULL);
        if (status == EXIT_INTERRUPTED || cli_stop) {
            first_failure = EXIT_INTERRUPTED;
            i++;
            break;
        }
        if (status == 0) {
            done++;
            continue;
        }
        failed++;
        first_failure = first_failure ? first_failure : status;
        if (used < sizeof failed_names) {
            int n = snprintf(failed_names + used, sizeof failed_names - used, "%s%s",
                             used ? ", " : "", run_input_name(&one));
            used = n < 0 ? sizeof failed_names : used + (size_t)n;
        }
        if (opt->on_error_given && !opt->skip_bad) { /* --on-error stop */
            i++;
            break;
        }
    }
    free(paths);
    if (!opt->quiet)
        run_report_inputs(opt->input_count, done, failed, failed_names,
                          opt->input_count - i, cli_stop != 0);
    return run_inputs_status(done, failed, first_failure,
                             first_failure == EXIT_INTERRUPTED);
}

int cmd_run(int argc, char **argv)
{
    run_options opt;
    int status = run_options_parse(argc, argv, &opt);
    if (status >= 0)
        return status;

    cli_catch_stop_signals();
    if (opt.input_count > 1)
        return opt.concurrent ? run_concurrent(&opt) : run_several_inputs(&opt);
    preview *pv = NULL;
    if (opt.show) { /* before any work, so a missing display fails first */
        char err[512];
        preview_config pc = {
            .title = opt.input, .realtime = opt.realtime != 0,
            .default_fps = PREVIEW_DEFAULT_FPS, .snapshot_at = opt.snapshot_at,
            .snapshot_path = opt.snapshot_path, .snapshot_dir = opt.output_dir,
            .quiet = opt.quiet, .stop = &cli_stop};
        if (!(pv = preview_open(&pc, err, sizeof err))) {
            cli_error("--show: %s", err);
            return EXIT_DISPLAY;
        }
    }
    return run_input(&opt, pv, NULL);
}
