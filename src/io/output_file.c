/*
 * output_file.c - the file policy of the bgsub program (see output_file.h).
 */
#include "io/output_file.h"

#include "io/io_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Random characters in a temporary name: 62^12, some 71 bits. */
#define TEMP_RANDOM 12
/* Of the destination's name, at most this much goes into the temporary
 * name, which must stay within NAME_MAX (255). */
#define TEMP_BASE_MAX 200

struct output_file {
    char *name;     /* as the caller gave it, for messages */
    char *dest;     /* where it ends: name, or the file a link leads to */
    char *temp;     /* the temporary file; NULL when written in place */
    int fd;
    FILE *stream;   /* on fd, made by output_file_stream */
    int sync;       /* dest exists and may be synced before the rename */
};

/* What a destination is, and where the bytes go. */
typedef struct destination {
    char *path;     /* the regular file to replace or create (malloc'd) */
    int in_place;   /* a device, FIFO or socket: write to it */
    int exists;     /* a regular file is there */
} destination;

/* The destination of name by the policy; 0, or -1 with the reason. */
static int resolve(const char *name, int force, destination *d, char *err,
                   size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!name || !*name)
        return io_fail(err, errlen, "\"\"", "empty file name");
    struct stat link, st;
    int found = lstat(name, &link) == 0;
    if (!found && errno != ENOENT)
        return io_fail(err, errlen, name, "cannot create: %s", strerror(errno));
    int is_link = found && S_ISLNK(link.st_mode);
    if (is_link && stat(name, &st) != 0)
        return io_fail(err, errlen, name, "is a link that leads nowhere (%s)",
                       strerror(errno));
    if (found && !is_link)
        st = link;
    if (found && S_ISDIR(st.st_mode))
        return io_fail(err, errlen, name, "is a folder");
    if (found && !S_ISREG(st.st_mode)) {
        d->in_place = 1; /* a device, FIFO or socket (or a link to one) */
    } else if (found && !force) {
        return io_fail(err, errlen, name, "already exists (use --force to overwrite)");
    } else if (is_link) {
        /* The file the link leads to is the destination: the link stays. */
        struct stat real_st;
        d->path = realpath(name, NULL);
        if (!d->path || lstat(d->path, &real_st) != 0 || !S_ISREG(real_st.st_mode) ||
            real_st.st_dev != st.st_dev || real_st.st_ino != st.st_ino) {
            free(d->path);
            d->path = NULL;
            return io_fail(err, errlen, name, "cannot tell which file the link leads to");
        }
    }
    d->exists = found;
    if (!d->path && !(d->path = strdup(name)))
        return io_fail(err, errlen, name, "out of memory");
    return 0;
}

int output_file_check(const char *path, int force, char *err, size_t errlen)
{
    destination d;
    int rc = resolve(path, force, &d, err, errlen);
    free(d.path);
    return rc;
}

/* A new file with an unpredictable name ".BASE.tmp.RANDOM" in dest's
 * folder, created exclusively: a name that exists (a file, or a link
 * planted there) is never opened. Returns the descriptor, or -1. */
static int create_temp(const char *dest, char **temp)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const char *slash = strrchr(dest, '/');
    int dir_len = slash ? (int)(slash - dest + 1) : 0;
    const char *base = slash ? slash + 1 : dest;
    size_t size = (size_t)dir_len + TEMP_BASE_MAX + TEMP_RANDOM + 16;
    char *name = malloc(size);
    if (!name)
        return -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint8_t random[TEMP_RANDOM];
        if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random)
            break;
        char suffix[TEMP_RANDOM + 1];
        for (int i = 0; i < TEMP_RANDOM; i++)
            suffix[i] = alphabet[random[i] % (sizeof alphabet - 1)];
        suffix[TEMP_RANDOM] = '\0';
        snprintf(name, size, "%.*s.%.*s.tmp.%s", dir_len, dest, TEMP_BASE_MAX, base,
                 suffix);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *temp = name;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    int saved = errno;
    free(name);
    errno = saved;
    return -1;
}

static void free_file(output_file *f)
{
    free(f->name);
    free(f->dest);
    free(f->temp);
    free(f);
}

output_file *output_file_open(const char *path, unsigned flags, char *err,
                              size_t errlen)
{
    destination d;
    if (resolve(path, flags & OUTPUT_FILE_FORCE, &d, err, errlen) != 0)
        return NULL;
    output_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(path))) {
        free(f);
        free(d.path);
        io_fail(err, errlen, path, "out of memory");
        return NULL;
    }
    f->dest = d.path;
    f->sync = d.exists && !(flags & OUTPUT_FILE_NO_SYNC);
    if (d.in_place) {
        f->fd = open(d.path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        if (f->fd >= 0 && (fstat(f->fd, &st) != 0 || S_ISREG(st.st_mode))) {
            /* It became a regular file since it was looked at: not ours
             * to write into. */
            close(f->fd);
            f->fd = -1;
            errno = EEXIST;
        }
        if (f->fd < 0) {
            io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
            free_file(f);
            return NULL;
        }
        return f;
    }
    f->fd = create_temp(d.path, &f->temp);
    if (f->fd < 0) {
        io_fail(err, errlen, path, "cannot create a temporary file beside it: %s",
                strerror(errno));
        free_file(f);
        return NULL;
    }
    return f;
}

int output_file_fd(const output_file *f) { return f->fd; }

int output_file_seekable(const output_file *f) { return f->temp != NULL; }

FILE *output_file_stream(output_file *f, char *err, size_t errlen)
{
    if (!f->stream && !(f->stream = fdopen(f->fd, "wb")))
        io_fail(err, errlen, f->name, "cannot write: %s", strerror(errno));
    return f->stream;
}

/* Closes the descriptor (and stream); 0, or -1 with errno. */
static int close_file(output_file *f, int sync)
{
    int failed = 0, reason = 0;
    if (f->stream && (fflush(f->stream) != 0 || ferror(f->stream))) {
        failed = 1;
        reason = errno ? errno : EIO;
    }
    if (!failed && sync && fsync(f->fd) != 0) {
        failed = 1;
        reason = errno;
    }
    if ((f->stream ? fclose(f->stream) : close(f->fd)) != 0 && !failed) {
        failed = 1;
        reason = errno;
    }
    f->stream = NULL;
    f->fd = -1;
    errno = reason;
    return failed ? -1 : 0;
}

int output_file_commit(output_file *f, char *err, size_t errlen)
{
    int rc = close_file(f, f->temp && f->sync);
    if (rc == 0 && f->temp && rename(f->temp, f->dest) != 0)
        rc = -1;
    if (rc != 0) {
        io_fail(err, errlen, f->name, "cannot write: %s", strerror(errno));
        if (f->temp)
            unlink(f->temp);
    }
    free_file(f);
    return rc;
}

void output_file_discard(output_file *f)
{
    if (!f)
        return;
    close_file(f, 0);
    if (f->temp)
        unlink(f->temp);
    free_file(f);
}

/* All of data to fd; 0, or -1 with errno. */
static int write_fully(int fd, const uint8_t *p, size_t left)
{
    while (left > 0) {
        ssize_t wrote = write(fd, p, left);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0) {
            if (wrote == 0)
                errno = ENOSPC;
            return -1;
        }
        p += wrote;
        left -= (size_t)wrote;
    }
    return 0;
}

int output_file_write(const char *path, const void *data, size_t size,
                      int force, char *err, size_t errlen)
{
    output_file *f = output_file_open(path, force ? OUTPUT_FILE_FORCE : 0, err, errlen);
    if (!f)
        return -1;
    if (write_fully(f->fd, data, size) != 0) {
        io_fail(err, errlen, path, "cannot write: %s", strerror(errno));
        output_file_discard(f);
        return -1;
    }
    return output_file_commit(f, err, errlen);
}

int output_file_report(const char *path, int force,
                       void (*fill)(FILE *out, const void *ctx),
                       const void *ctx, const char *what, char *err,
                       size_t errlen)
{
    if (!path || strcmp(path, "-") == 0) {
        fill(stdout, ctx);
        if (fflush(stdout) != 0 || ferror(stdout))
            return io_fail(err, errlen, "stdout", "cannot write %s: %s", what,
                           strerror(errno));
        return 0;
    }
    output_file *f = output_file_open(path, force ? OUTPUT_FILE_FORCE : 0, err, errlen);
    FILE *out = f ? output_file_stream(f, err, errlen) : NULL;
    if (!out) {
        output_file_discard(f);
        return -1;
    }
    fill(out, ctx);
    return output_file_commit(f, err, errlen);
}

int output_file_make_dir(const char *path)
{
    size_t len = strlen(path);
    char *buf = strdup(path);
    if (!buf)
        return -1;
    int rc = 0;
    /* Each prefix in turn; folders that exist are fine. */
    for (size_t i = 1; rc == 0 && i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            rc = -1;
        buf[i] = path[i];
    }
    free(buf);
    struct stat st;
    if (rc == 0 && (len == 0 || stat(path, &st) != 0))
        rc = -1;
    else if (rc == 0 && !S_ISDIR(st.st_mode))
        errno = ENOTDIR, rc = -1;
    if (len == 0)
        errno = ENOENT;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Which file a name leads to                                               */
/* ------------------------------------------------------------------------ */

/* path made absolute, "." and empty components dropped, ".." taken off
 * lexically. malloc'd, NULL without memory. */
static char *absolute_lexical(const char *path)
{
    char cwd[PATH_MAX] = "";
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t size = strlen(cwd) + strlen(path) + 3;
    char *joined = malloc(size), *out = malloc(size);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    snprintf(joined, size, "%s/%s", cwd, path);
    size_t used = 0;
    for (char *part = strtok(joined, "/"); part; part = strtok(NULL, "/")) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            while (used > 0 && out[--used] != '/')
                ;
            continue;
        }
        used += (size_t)snprintf(out + used, size - used, "/%s", part);
    }
    if (used == 0)
        out[used++] = '/';
    out[used] = '\0';
    free(joined);
    return out;
}

/* One name per file: the real path of the longest part of path that
 * exists (links resolved), and the rest as written. NULL without memory. */
static char *canonical(const char *path)
{
    char *abs = absolute_lexical(path);
    if (!abs)
        return NULL;
    for (char *cut = abs + strlen(abs);; cut--) {
        if (*cut != '/' && *cut != '\0')
            continue;
        char saved = *cut;
        *cut = '\0';
        char *real = realpath(cut == abs ? "/" : abs, NULL);
        *cut = saved;
        if (real) {
            size_t size = strlen(real) + strlen(cut) + 1;
            char *out = malloc(size);
            if (out)
                snprintf(out, size, "%s%s", strcmp(real, "/") == 0 ? "" : real, cut);
            free(real);
            free(abs);
            return out;
        }
        if (cut == abs)
            break;
    }
    free(abs);
    return NULL;
}

int output_path_same(const char *a, const char *b)
{
    char *ca = canonical(a), *cb = canonical(b);
    int same = ca && cb ? strcmp(ca, cb) == 0 : strcmp(a, b) == 0;
    free(ca);
    free(cb);
    return same;
}

/* The literal text of a pattern from p up to its conversion (or its end),
 * "%%" read as "%", into out; returns where it stopped. */
static const char *literal(const char *p, char *out, size_t size)
{
    size_t n = 0;
    for (; *p && !(p[0] == '%' && p[1] != '%'); p++) {
        if (p[0] == '%')
            p++;
        if (n + 1 < size)
            out[n++] = *p;
    }
    out[n] = '\0';
    return p;
}

/* Whether base is pattern formatted with some number. */
static int matches_pattern(const char *base, const char *pattern, long *number)
{
    char prefix[NAME_MAX + 1], suffix[NAME_MAX + 1];
    const char *p = literal(pattern, prefix, sizeof prefix);
    if (*p != '%')
        return 0;
    p++;
    while (*p && strchr("0-+ 123456789", *p))
        p++;
    if (*p)
        p++; /* the conversion letter */
    literal(p, suffix, sizeof suffix);
    size_t n = strlen(base), pre = strlen(prefix), suf = strlen(suffix);
    if (n <= pre + suf || strncmp(base, prefix, pre) != 0 ||
        strcmp(base + n - suf, suffix) != 0)
        return 0;
    char middle[NAME_MAX + 1], *end;
    snprintf(middle, sizeof middle, "%.*s", (int)(n - pre - suf), base + pre);
    errno = 0;
    long v = strtol(middle, &end, 10);
    if (end == middle || *end || errno || v < INT_MIN || v > INT_MAX)
        return 0;
    char again[NAME_MAX + 1];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(again, sizeof again, pattern, (int)v);
#pragma GCC diagnostic pop
    if (strcmp(again, base) != 0)
        return 0;
    if (number)
        *number = v;
    return 1;
}

int output_path_in_family(const char *path, const char *dir,
                          const char *pattern, long *number)
{
    char *file = canonical(path), *folder = canonical(dir);
    int in = 0;
    char *slash = file ? strrchr(file, '/') : NULL;
    if (slash && folder) {
        *slash = '\0';
        in = strcmp(*file ? file : "/", folder) == 0 &&
             matches_pattern(slash + 1, pattern, number);
    }
    free(file);
    free(folder);
    return in;
}
