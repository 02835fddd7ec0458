/*
 * io_util.c - see io_util.h.
 */
#include "io/io_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Where a cut at i falls back to, so as not to split a UTF-8 character:
 * back over continuation bytes (10xxxxxx). */
static size_t utf8_start(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The name shortened to at most room bytes: its start, "...", its end. */
static void shorten_middle(char *out, const char *name, size_t len, size_t room)
{
    static const char dots[] = "...";
    size_t keep = room - (sizeof dots - 1);
    size_t head = utf8_start(name, keep / 2);
    size_t tail = len - (keep - keep / 2);
    while (tail < len && ((unsigned char)name[tail] & 0xC0) == 0x80)
        tail++;
    memcpy(out, name, head);
    memcpy(out + head, dots, sizeof dots - 1);
    memcpy(out + head + sizeof dots - 1, name + tail, len - tail);
    out[head + sizeof dots - 1 + len - tail] = '\0';
}

/* A shortened name keeps at least this many bytes, reason or not. */
#define MIN_NAME_ROOM 40

int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return -1;
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t len = strlen(name), need = strlen(reason) + 2; /* ": " */
    /* The name's room: what the reason leaves, but at least MIN_NAME_ROOM
     * (a reason that long is cut at its end instead). */
    size_t room = need + MIN_NAME_ROOM < errlen ? errlen - 1 - need : MIN_NAME_ROOM;
    if (len + need < errlen || len <= room) {
        snprintf(err, errlen, "%s: %s", name, reason);
        return -1;
    }
    char shortened[4096];
    if (room > sizeof shortened - 1)
        room = sizeof shortened - 1;
    shorten_middle(shortened, name, len, room);
    snprintf(err, errlen, "%s: %s", shortened, reason);
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
