/*
 * io_util.c - see io_util.h.
 */
#include "io/io_util.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return -1;
    int n = snprintf(err, errlen, "%s: ", name);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

char *io_temp_name_beside(const char *path)
{
    static atomic_uint counter;
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t size = strlen(path) + 64;
    char *name = malloc(size);
    if (name)
        snprintf(name, size, "%.*s.%s.tmp.%ld.%u", dir_len, path, base,
                 (long)getpid(), atomic_fetch_add(&counter, 1));
    return name;
}
