/*
 * main.c - the bgsub program's entry point: picks the sub-command.
 *   bgsub [options] INPUT -o DIR      background subtraction (cmd_run.c)
 *   bgsub eval SEQ_DIR MASK_DIR       ChangeDetection.net scoring (cmd_eval.c)
 *   bgsub segment IMAGE -o MASK.png   histogram segmentation (cmd_segment.c)
 *   bgsub events VIDEO                time ranges with motion (cmd_events.c)
 *   bgsub bench [VIDEO]               speed on this machine (cmd_bench.c)
 */
#include "cli/cli.h"

#include <signal.h>
#include <string.h>

int main(int argc, char **argv)
{
    /* For every sub-command, a closed pipe or a file-size limit is an error
     * to report (EPIPE, EFBIG), not a reason to die with half a file. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "eval") == 0)
        return cmd_eval(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "segment") == 0)
        return cmd_segment(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "events") == 0)
        return cmd_events(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    return cmd_run(argc, argv);
}
