/*
 * io_util.h - what the I/O files share: one-line error messages, and the
 * check of a printf pattern of file names.
 */
#ifndef BGSUB_IO_UTIL_H
#define BGSUB_IO_UTIL_H

#include <stddef.h>

/* Formats "name: reason" into err (errlen bytes, always NUL-terminated when
 * errlen > 0) and returns -1, so that callers can write `return io_fail(...)`.
 * When it does not fit, the name is shortened in its middle ("/a/b...y/z")
 * so that the reason stays whole; the cuts fall between UTF-8 characters. */
int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True when pattern holds exactly one integer conversion (%d, %i or %u,
 * with flags and a width of at most 64) besides "%%": only then is it safe
 * to hand to snprintf with one int (bin%06d.png, in%d.jpg). */
int io_is_frame_pattern(const char *pattern);

/* The name to give libavformat for path: "file:" + path (in buf, size
 * bytes) when path names an existing file whose name would otherwise read
 * as a protocol ("ab:cd.mp4" is not protocol "ab"); else path itself, so
 * URLs (rtsp://...), devices and "pipe:0" pass unchanged. */
const char *io_libav_url(const char *path, char *buf, size_t size);

#endif
