/*
 * io_util.c - see io_util.h.
 */
#include "io/io_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

int io_is_frame_pattern(const char *pattern)
{
    int conversions = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        while (*p && strchr("0-+ ", *p))
            p++;
        int width = 0;
        while (isdigit((unsigned char)*p) && width <= 64)
            width = width * 10 + (*p++ - '0');
        if (width > 64 || (*p != 'd' && *p != 'i' && *p != 'u'))
            return 0;
        conversions++;
    }
    return conversions == 1;
}

const char *io_libav_url(const char *path, char *buf, size_t size)
{
    /* libavformat takes what comes before a ':' as a protocol when it is
     * all letters, digits, '+', '-' and '.' (url_find_protocol). */
    size_t scheme = strspn(path, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    struct stat st;
    if (path[scheme] != ':' || stat(path, &st) != 0)
        return path;
    int n = snprintf(buf, size, "file:%s", path);
    return n < 0 || (size_t)n >= size ? path : buf;
}
