/*
 * fuzz_cli.c - libFuzzer target for the main command's option parser.
 *
 * The input is split at newlines into up to 40 arguments after "bgsub";
 * cmd_run_check_options parses them (every model parameter, every option,
 * values out of range, missing values) and returns an exit status. The
 * parser must never crash, read freed memory (getopt's state between calls)
 * or return anything but the documented statuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_ARGS 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "bgsub";
    for (char *p = text; argc <= MAX_ARGS;) {
        argv[argc++] = p;
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;
    int status = cmd_run_check_options(argc, argv);
    if (status != 0 && status != EXIT_USAGE && status != EXIT_FAILURE_STATUS) {
        fprintf(stderr, "unexpected status %d\n", status);
        abort();
    }
    free(text);
    return 0;
}
