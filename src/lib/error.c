/* error.c - the per-thread "last error" string behind bgs_last_error(). */
#include "lib/internal.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[256];

const char *bgs_version(void) { return BGS_VERSION_STRING; }

const char *bgs_last_error(void) { return last_error; }

static void set_error_va(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

void bgs_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_va(fmt, ap);
    va_end(ap);
}

bgs_status bgs_fail(bgs_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_va(fmt, ap);
    va_end(ap);
    return status;
}
