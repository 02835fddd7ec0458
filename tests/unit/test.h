/*
 * test.h - a very small unit-test harness. Each tests/unit/test_*.c is one
 * program: it defines TEST functions and calls RUN() on each from main(),
 * then returns test_summary(). The last line printed is
 * "RESULT passed=N failed=N skipped=N", which tests/run.sh adds up.
 */
#ifndef BGSUB_TEST_H
#define BGSUB_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static inline int test_summary(void)
{
    printf("RESULT passed=%d failed=%d skipped=%d\n", test_passed,
           test_failed, test_skipped);
    return test_failed ? 1 : 0;
}

#endif
