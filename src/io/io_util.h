/*
 * io_util.h - small pieces the I/O files share: one-line error messages and
 * the names of temporary files written beside their target.
 */
#ifndef BGSUB_IO_UTIL_H
#define BGSUB_IO_UTIL_H

#include <stddef.h>

/* Formats "name: reason" into err (errlen bytes, always NUL-terminated when
 * errlen > 0) and returns -1, so that callers can write `return io_fail(...)`. */
int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A fresh name "dir/.base.tmp.PID.N" beside path (N counts up on every
 * call, across threads), so that a rename into place stays on one file
 * system; malloc'd, NULL without memory. */
char *io_temp_name_beside(const char *path);

#endif
