/* run_inputs.c - output folder names for several inputs (run_inputs.h). */
#include "cli/run_inputs.h"
#include "cli/cli.h"
#include "cli/outputs.h"

#include "io/frame_source.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the last component of path[0..len) (trailing slashes dropped) into
 * buf; returns its length, or -1 if it does not fit. */
static int last_component(const char *path, size_t len, char *buf, size_t size)
{
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t n = len - start;
    if (n + 1 > size)
        return -1;
    memcpy(buf, path + start, n);
    buf[n] = '\0';
    return (int)n;
}

/* The folder part of path[0..len): its length up to the last slash. */
static size_t parent_length(const char *path, size_t len)
{
    while (len > 0 && path[len - 1] == '/')
        len--;
    while (len > 0 && path[len - 1] != '/')
        len--;
    while (len > 1 && path[len - 1] == '/')
        len--;
    return len;
}

/* "." and "..": the real name of the folder path[0..len) ("." if empty). */
static int resolve_dots(const char *path, size_t len, char *name, size_t size)
{
    char prefix[PATH_MAX], real[PATH_MAX];
    if (len >= sizeof prefix)
        return -1;
    memcpy(prefix, len ? path : ".", len ? len : 1);
    prefix[len ? len : 1] = '\0';
    if (!realpath(prefix, real))
        return -1;
    return last_component(real, strlen(real), name, size) < 0 ? -1 : 0;
}

/* A URL's name: its host, port and path without the last extension and
 * the query, '/' and ':' made '-' ("rtsp://user:pw@cam1:554/live/ch1.sdp?x"
 * -> "cam1-554-live-ch1"), so that cameras that share a path (/stream1)
 * still get names of their own. */
static int url_folder_name(const char *url, char *name, size_t size)
{
    const char *at = strstr(url, "://") + 3;
    size_t len = strcspn(at, "?#");
    const char *slash = memchr(at, '/', len);
    const char *user = memchr(at, '@', slash ? (size_t)(slash - at) : len);
    if (user) { /* user:password@ is no part of the name */
        len -= (size_t)(user + 1 - at);
        at = user + 1;
    }
    while (len > 0 && at[len - 1] == '/')
        len--;
    if (len == 0 || len >= size)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (n > 0 || (at[i] != '/' && at[i] != ':')) /* no '-' first */
            name[n++] = at[i] == '/' || at[i] == ':' ? '-' : at[i];
    name[n] = '\0';
    char *last = strrchr(name, '-');
    char *dot = strrchr(name, '.');
    if (dot && last && dot > last + 1 && memchr(at, '/', len)) /* the path's extension */
        *dot = '\0';
    return name[0] ? 0 : -1;
}

int run_input_folder_name(const char *input, char *name, size_t size)
{
    if (strcmp(input, "-") == 0)
        return snprintf(name, size, "stdin") < (int)size ? 0 : -1;
    if (frame_source_is_network(input))
        return url_folder_name(input, name, size);
    size_t len = strlen(input);
    const char *query = strchr(input, '?');
    if (query && strstr(input, "://"))
        len = (size_t)(query - input);
    if (last_component(input, len, name, size) < 0)
        return -1;
    if (strchr(name, '%')) { /* a pattern: name the folder of its files */
        len = parent_length(input, len);
        if (len == 0 && resolve_dots(input, 0, name, size) < 0)
            return -1;
        if (len > 0 && last_component(input, len, name, size) < 0)
            return -1;
        size_t outer = parent_length(input, len);
        if (len > 0 && strcmp(name, "input") == 0 &&
            (outer > 0 ? last_component(input, outer, name, size)
                       : resolve_dots(input, 0, name, size)) < 0)
            return -1;
    }
    if (strcmp(name, "/") == 0)
        return -1;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return resolve_dots(input, len, name, size);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    return name[0] ? 0 : -1;
}

int run_inputs_check_names(const char *const *inputs, int count,
                           const char *output_dir, char *err, size_t errlen)
{
    char (*names)[256] = calloc((size_t)count, sizeof *names);
    if (!names) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int status = 0;
    for (int i = 0; i < count && !status; i++) {
        if (run_input_folder_name(inputs[i], names[i], sizeof names[i]) != 0) {
            snprintf(err, errlen, "%s: cannot name an output folder after this input",
                     inputs[i]);
            status = -1;
        }
        for (int j = 0; j < i && !status; j++)
            if (strcmp(names[i], names[j]) == 0) {
                snprintf(err, errlen, "%s and %s would both write to %s/%s; give the "
                         "inputs different names or run them one at a time",
                         inputs[j], inputs[i], output_dir, names[i]);
                status = -1;
            }
    }
    free(names);
    return status;
}

int run_options_for_input(const run_options *all, int i, run_options *one,
                          run_input_paths *paths)
{
    char name[256];
    *one = *all;
    one->input = all->inputs[i];
    run_input_folder_name(one->input, name, sizeof name); /* checked by the parser */
    int n = snprintf(paths->dir, PATH_MAX, "%s/%s", all->output_dir, name);
    int too_long = n < 0 || n >= PATH_MAX;
    one->output_dir = paths->dir;
    for (int k = 0; k < output_kind_count; k++) {
        if (!output_kinds[k]->option || !all->output_path[k])
            continue;
        n = snprintf(paths->file[k], PATH_MAX, "%s/%s", paths->dir, all->output_path[k]);
        too_long |= n < 0 || n >= PATH_MAX;
        one->output_path[k] = paths->file[k];
    }
    if (too_long)
        cli_error("%s/%s: output path too long", all->output_dir, name);
    return too_long ? EXIT_OUTPUT : 0;
}

int run_inputs_status(int done, int failed, int first_failure, int interrupted)
{
    if (interrupted)
        return EXIT_INTERRUPTED;
    if (failed == 0)
        return 0;
    return done > 0 ? EXIT_SOME_FAILED : first_failure;
}
