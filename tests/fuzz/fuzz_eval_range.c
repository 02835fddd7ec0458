/*
 * fuzz_eval_range.c - libFuzzer target: eval's reader of temporalROI.txt
 * (eval_parse_frame_range), checked against a reference parse with strtol:
 * the same verdict, the same numbers; on failure one line naming the file
 * and the outputs untouched.
 */
#include "cli/cli.h"
#include "cli/eval_score.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok, const char *what, const char *err)
{
    if (!ok) {
        fprintf(stderr, "broken promise: %s (err: %s)\n", what, err);
        abort();
    }
}

/* The reference: two runs of digits after blanks, each at most INT_MAX,
 * 1 <= first <= last; 1 when the text is good. */
static int reference(const char *text, long *first, long *last)
{
    long v[2];
    const char *p = text;
    for (int k = 0; k < 2; k++) {
        while (isspace((unsigned char)*p))
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        char *end;
        errno = 0;
        long long n = strtoll(p, &end, 10);
        if (errno == ERANGE || n > INT_MAX)
            return 0;
        v[k] = (long)n;
        p = end;
    }
    *first = v[0];
    *last = v[1];
    return v[0] >= 1 && v[1] >= v[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* the reference needs a terminated copy */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    long first = -7, last = -7, want_first = 0, want_last = 0;
    char err[512] = "";
    int status = eval_parse_frame_range((const char *)data, size, "temporalROI.txt",
                                        &first, &last, err, sizeof err);
    int good = reference(text, &want_first, &want_last);
    if (status == 0) {
        require(good, "accepted what the reference refuses", err);
        require(first == want_first && last == want_last, "numbers differ from the reference", err);
    } else {
        require(!good, "refused what the reference accepts", err);
        require(status == EXIT_INPUT, "status is not EXIT_INPUT", err);
        require(first == -7 && last == -7, "outputs changed on failure", err);
        require(strncmp(err, "temporalROI.txt: ", 17) == 0, "message does not name the file", err);
        require(!strchr(err, '\n'), "message is not one line", err);
    }
    free(text);
    return 0;
}
