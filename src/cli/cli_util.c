/* cli_util.c - small helpers shared by the bgsub sub-commands. */
#include "cli/cli.h"
#include "bgsub.h"
#include "io/io_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t cli_stop;
static volatile sig_atomic_t stop_child;

static void on_stop_signal(int sig)
{
    cli_stop = sig;
    if (stop_child > 0)
        kill((pid_t)stop_child, sig);
}

static void set_stop_action(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* the terminal closed: stop as cleanly */
}

void cli_catch_stop_signals(void) { set_stop_action(on_stop_signal); }
void cli_release_stop_signals(void) { set_stop_action(SIG_DFL); }
void cli_forward_stop_to(pid_t child) { stop_child = child; }

/* One cursor per process, so one progress line per process. Lines come
 * from several threads when inputs run at the same time: stderr is locked
 * for each whole line (stdio's lock, which fprintf takes too). */
static int progress_shown;

void cli_progress_line(const char *line)
{
    flockfile(stderr);
    fprintf(stderr, "\r%s\033[K", line);
    progress_shown = 1;
    funlockfile(stderr);
}

void cli_progress_clear(void)
{
    flockfile(stderr);
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
    funlockfile(stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    flockfile(stderr);
    cli_progress_clear();
    va_start(ap, fmt);
    fputs("bgsub: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    funlockfile(stderr);
}

int cli_check_stdout(void)
{
    errno = 0;
    int flushed = fflush(stdout) == 0;
    int e = errno;
    if (flushed && !ferror(stdout))
        return 0;
    cli_error("standard output: %s", e ? strerror(e) : "write error");
    return EXIT_OUTPUT;
}

int cli_bad_option(int c, char **argv, const char *command)
{
    if (c == ':')
        cli_error("option %s needs a value (see %s --help)", argv[optind - 1], command);
    else if (optopt)
        cli_error("unknown option '-%c' (see %s --help)", optopt, command);
    else
        cli_error("unknown option '%s' (see %s --help)", argv[optind - 1], command);
    return EXIT_USAGE;
}

/* Measured with `bgsub -q -j N VIDEO -o DIR` on 2 cores, in turns: -j 1
 * against -j 2 at 320x240 took 0.88 of the wall time and 0.82 of the CPU,
 * at 640x480 0.98 and 0.91; at 1280x720 1.03 of the wall time (0.91 of the
 * CPU), at 1920x1080 1.03 (0.96): from 1280x720 on, more threads pay. */
#define SMALL_FRAME_PIXELS (1280L * 720)

int cli_model_threads(int asked, int width, int height)
{
    if (asked > 0)
        return asked;
    return (long)width * height < SMALL_FRAME_PIXELS ? 1 : 0;
}

int cli_parse_int_in(const char *opt, const char *text, long min, long max,
                     int *out)
{
    long v;
    if (cli_parse_long(text, &v) != 0 || v < min || v > max) {
        cli_error("%s needs a whole number in %ld..%ld, not '%s'", opt, min, max,
                  text);
        return -1;
    }
    *out = (int)v;
    return 0;
}

double cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int cli_parse_double(const char *text, double *value)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || v != v)
        return -1;
    *value = v;
    return 0;
}

int cli_parse_long(const char *text, long *value)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return -1;
    *value = v;
    return 0;
}

const char *cli_dir_sep(const char *dir)
{
    size_t n = strlen(dir);
    return n > 0 && dir[n - 1] == '/' ? "" : "/";
}

int cli_frame_path(char *buf, size_t size, const char *dir,
                   const char *pattern, long number)
{
    char name[NAME_MAX + 1];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int n = snprintf(name, sizeof name, pattern, (int)number);
#pragma GCC diagnostic pop
    if (n < 0 || (size_t)n >= sizeof name)
        return -1;
    n = snprintf(buf, size, "%s%s%s", dir, cli_dir_sep(dir), name);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int cli_read_file(const char *path, size_t max_size, uint8_t **data,
                  size_t *size, char *err, size_t errlen)
{
    /* Non-blocking, so that opening a FIFO (or a device that waits) returns
     * at once, to be refused as not a regular file, instead of waiting for a
     * writer forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        io_fail(err, errlen, path, "not a regular file");
        close(fd);
        return -1;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if ((unsigned long long)st.st_size > max_size) {
        io_fail(err, errlen, path, "too large (%lld bytes, at most %zu)",
                 (long long)st.st_size, max_size);
        fclose(f);
        return -1;
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    if (!*data || fread(*data, 1, *size, f) != *size) {
        io_fail(err, errlen, path, "cannot read%s", *data ? "" : ": out of memory");
        free(*data);
        *data = NULL;
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

int cli_refuse_empty_names(const char *option, ...)
{
    va_list ap;
    va_start(ap, option);
    int status = 0;
    for (const char *opt = option; opt && !status; opt = va_arg(ap, const char *)) {
        const char *noun = va_arg(ap, const char *);
        const char *value = va_arg(ap, const char *);
        if (value && value[0] == '\0') {
            cli_error("%s needs %s, not an empty name", opt, noun);
            status = EXIT_USAGE;
        }
    }
    va_end(ap);
    return status;
}

/* The length of the well-formed UTF-8 sequence at s (1 to 4), or minus the
 * length of its longest start that could still be one (-1 to -3): the
 * bytes to replace by one U+FFFD (Unicode 15, table 3-7). */
static int utf8_sequence(const unsigned char *s)
{
    unsigned char lead = s[0];
    int len;
    unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        len = 2;
    else if (lead >= 0xe0 && lead <= 0xef)
        len = 3, lo = lead == 0xe0 ? 0xa0 : 0x80, hi = lead == 0xed ? 0x9f : 0xbf;
    else if (lead >= 0xf0 && lead <= 0xf4)
        len = 4, lo = lead == 0xf0 ? 0x90 : 0x80, hi = lead == 0xf4 ? 0x8f : 0xbf;
    else
        return -1;
    for (int i = 1; i < len; i++) /* a NUL ends the text: never read past it */
        if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
            return -i;
    return len;
}

void cli_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c;) {
        int len = utf8_sequence(c);
        if (len < 0) {
            fputs("\\ufffd", out);
            c += -len;
        } else if (*c == '"' || *c == '\\') {
            fprintf(out, "\\%c", *c++);
        } else if (*c < 0x20) {
            fprintf(out, "\\u%04x", *c++);
        } else {
            fwrite(c, 1, (size_t)len, out);
            c += len;
        }
    }
    fputc('"', out);
}

void cli_long_options(struct option *all, const struct option *fixed,
                      size_t nfixed, int first_value)
{
    memcpy(all, fixed, nfixed * sizeof *fixed);
    for (int key = 0; key < BGS_PARAM_COUNT; key++)
        all[nfixed + key] = (struct option){bgs_param_get_info((bgs_param)key)->name,
                                            required_argument, NULL, first_value + key};
    memset(&all[nfixed + BGS_PARAM_COUNT], 0, sizeof *all);
}

int cli_param_parse(bgs_params *params, unsigned *given, int key, const char *text)
{
    const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
    double value;
    if (cli_parse_double(text, &value) != 0) {
        cli_error("--%s needs a number, not '%s'", info->name, text);
        return -1;
    }
    if (bgs_params_set(params, (bgs_param)key, value) != BGS_OK) {
        cli_error("--%s: %s", info->name, bgs_last_error());
        return -1;
    }
    *given |= 1u << key;
    return 0;
}

/* Words of text from column `column` on, wrapped before column 80, every
 * line after the first indented to `column`. */
static void print_wrapped(FILE *out, const char *text, int column)
{
    int at = column;
    while (*text) {
        size_t word = strcspn(text, " ");
        if (at > column && at + 1 + (int)word > 79) {
            fprintf(out, "\n%*s", column, "");
            at = column;
        } else if (at > column) {
            fputc(' ', out);
            at++;
        }
        fwrite(text, 1, word, out);
        at += (int)word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

void cli_param_help(FILE *out, const bgs_params *defaults)
{
    enum { COLUMN = 28 };
    bgs_params library;
    if (!defaults) {
        bgs_params_default(&library);
        defaults = &library;
    }
    for (int key = 0; key < BGS_PARAM_COUNT; key++) {
        const bgs_param_info *info = bgs_param_get_info((bgs_param)key);
        char opt[64], text[512];
        snprintf(opt, sizeof opt, "--%s %s", info->name,
                 info->is_integer ? "N" : "X");
        snprintf(text, sizeof text, "%s (default %g; %g..%g)", info->description,
                 bgs_params_get(defaults, (bgs_param)key), info->min_value,
                 info->max_value);
        /* An option too long for its column gets a line of its own. */
        if (6 + (int)strlen(opt) + 1 > COLUMN)
            fprintf(out, "      %s\n%*s", opt, COLUMN, "");
        else
            fprintf(out, "      %-*s", COLUMN - 6, opt);
        print_wrapped(out, text, COLUMN);
    }
}
