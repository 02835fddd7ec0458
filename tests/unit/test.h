/*
 * test.h - a very small unit-test harness. Each tests/unit/test_*.c is one
 * program: it defines TEST functions and calls RUN() on each from main(),
 * then returns test_summary(). The last line printed is
 * "RESULT passed=N failed=N skipped=N", which tests/run.sh adds up.
 */
#ifndef BGSUB_TEST_H
#define BGSUB_TEST_H

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int test_passed, test_failed, test_skipped;
static int test_current_failed, test_current_skipped;
static const char *test_current_name;

#define TEST(name) static void name(void)

#define RUN(name)                                                            \
    do {                                                                     \
        test_current_name = #name;                                           \
        test_current_failed = 0;                                             \
        test_current_skipped = 0;                                            \
        name();                                                              \
        if (test_current_skipped) {                                          \
            test_skipped++;                                                  \
        } else if (test_current_failed) {                                    \
            test_failed++;                                                   \
            printf("FAIL %s\n", #name);                                      \
        } else {                                                             \
            test_passed++;                                                   \
            printf("ok   %s\n", #name);                                      \
        }                                                                    \
        fflush(stdout);                                                      \
    } while (0)

/* Record a failure with a printf-style explanation; the test goes on. */
#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            test_current_failed = 1;                                         \
            printf("  %s:%d: %s: check failed: %s: ", __FILE__, __LINE__,    \
                   test_current_name, #cond);                                \
            printf(__VA_ARGS__);                                             \
            printf("\n");                                                    \
        }                                                                    \
    } while (0)

/* Give up on the current test (after a failed check that makes the rest
 * meaningless). The condition is evaluated once: it may load or read. */
#define REQUIRE(cond, ...)                                                   \
    do {                                                                     \
        if (!(cond)) {                                                       \
            test_current_failed = 1;                                         \
            printf("  %s:%d: %s: requirement failed: %s: ", __FILE__,        \
                   __LINE__, test_current_name, #cond);                      \
            printf(__VA_ARGS__);                                             \
            printf("\n");                                                    \
            return;                                                          \
        }                                                                    \
    } while (0)

#define SKIP(...)                                                            \
    do {                                                                     \
        test_current_skipped = 1;                                            \
        printf("skip %s: ", test_current_name);                              \
        printf(__VA_ARGS__);                                                 \
        printf("\n");                                                        \
        return;                                                              \
    } while (0)

/* A fresh folder for a test program's files: under $TMPDIR (else /tmp),
 * named after the program; test_path names a file in it (printf-style; the
 * last eight names stay valid); test_remove_dir removes it and all in it. */
static char test_dir[4096];

static inline int test_make_dir(const char *program)
{
    const char *base = getenv("TMPDIR");
    snprintf(test_dir, sizeof test_dir, "%s/%s.XXXXXX", base && *base ? base : "/tmp",
             program);
    if (mkdtemp(test_dir))
        return 0;
    printf("cannot create %s: %s\n", test_dir, strerror(errno));
    return -1;
}

__attribute__((format(printf, 1, 2)))
static inline const char *test_path(const char *fmt, ...)
{
    static char paths[8][sizeof test_dir + 512];
    static int next;
    char name[512], *p = paths[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    snprintf(p, sizeof paths[0], "%s/%s", test_dir, name);
    return p;
}

static inline int test_remove_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void test_remove_dir(void)
{
    nftw(test_dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline int test_summary(void)
{
    printf("RESULT passed=%d failed=%d skipped=%d\n", test_passed,
           test_failed, test_skipped);
    return test_failed ? 1 : 0;
}

#endif
