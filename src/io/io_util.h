/*
 * io_util.h - what the I/O files share: one-line error messages.
 */
#ifndef BGSUB_IO_UTIL_H
#define BGSUB_IO_UTIL_H

#include <stddef.h>

/* Formats "name: reason" into err (errlen bytes, always NUL-terminated when
 * errlen > 0) and returns -1, so that callers can write `return io_fail(...)`. */
int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
