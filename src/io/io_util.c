/*
 * io_util.c - see io_util.h.
 */
#include "io/io_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
