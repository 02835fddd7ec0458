/* internal.h - helpers shared by the library's source files (not public). */
#ifndef BGSUB_INTERNAL_H
#define BGSUB_INTERNAL_H

#include "bgsub.h"

/* Record the reason for a failure; bgs_last_error() returns it. */
void bgs_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record the reason and return status, for one-line failure returns. */
bgs_status bgs_fail(bgs_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
