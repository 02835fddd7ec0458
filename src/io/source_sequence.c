/*
 * source_sequence.c - frame_source's backend for image sequences: a folder
 * of PNG/JPEG files in natural order (a ChangeDetection.net sequence
 * folder's input/ inside it), or a printf pattern of names; each image read
 * with image_load. Frames go by the files' own numbers (see
 * frame_source_number).
 */
#include "io/frame_source_impl.h"

#include "io/image_io.h"
#include "io/io_util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sequence_state {
    char **files;  /* folder: full paths in natural order */
    long *numbers; /* folder: each file's own number, or NULL (name_numbers) */
    char *pattern; /* pattern: the printf pattern */
    int first;     /* pattern: index of the first file */
    char *name;    /* pattern: the name built for the current frame */
    long next;     /* position of the next frame to load */
    image frame;
} sequence_state;

static char *join_path(const char *dir, const char *name)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s/%s", dir, name);
    return path;
}

/* ------------------------------------------------------------------------ */
/* Natural order and folder listing                                         */
/* ------------------------------------------------------------------------ */

/* Compare two runs of digits by value; *a and *b are moved past them. */
static int compare_numbers(const char **a, const char **b)
{
    while (**a == '0')
        (*a)++;
    while (**b == '0')
        (*b)++;
    size_t len_a = 0, len_b = 0;
    while (isdigit((unsigned char)(*a)[len_a]))
        len_a++;
    while (isdigit((unsigned char)(*b)[len_b]))
        len_b++;
    int order = len_a != len_b ? (len_a < len_b ? -1 : 1)
                               : memcmp(*a, *b, len_a);
    *a += len_a;
    *b += len_b;
    return order;
}

/* Natural order: digit runs compare as numbers ("in2" < "in10"), letters
 * ignore case; names that still tie are ordered bytewise. */
static int natural_compare(const char *a, const char *b)
{
    const char *pa = a, *pb = b;
    while (*pa && *pb) {
        int order;
        if (isdigit((unsigned char)*pa) && isdigit((unsigned char)*pb)) {
            order = compare_numbers(&pa, &pb);
        } else {
            order = tolower((unsigned char)*pa) - tolower((unsigned char)*pb);
            pa++;
            pb++;
        }
        if (order != 0)
            return order;
    }
    if (*pa || *pb)
        return *pa ? 1 : -1;
    return strcmp(a, b);
}

static int natural_compare_entries(const void *a, const void *b)
{
    return natural_compare(*(char *const *)a, *(char *const *)b);
}

static int has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".png") == 0 ||
                   strcasecmp(dot, ".jpg") == 0 ||
                   strcasecmp(dot, ".jpeg") == 0);
}

static void free_names(char **names, long count)
{
    for (long i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

/* Append a copy of name; -1 when out of memory. */
static int append_name(char ***names, long *count, long *capacity,
                       const char *name)
{
    if (*count == *capacity) {
        long grown = *capacity ? *capacity * 2 : 256;
        char **bigger = realloc(*names, sizeof(**names) * (size_t)grown);
        if (!bigger)
            return -1;
        *names = bigger;
        *capacity = grown;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    (*names)[(*count)++] = copy;
    return 0;
}

/* Full paths of the visible PNG/JPEG files of dir, in natural order. */
static long list_images(const char *dir, char ***out, char *err,
                        size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return io_fail(err, errlen, dir, "cannot open folder: %s",
                    strerror(errno));
    char **names = NULL;
    long count = 0, capacity = 0;
    int failed = 0;
    struct dirent *entry;
    while (!failed && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (name[0] == '.' || !has_image_extension(name))
            continue;
        char *path = join_path(dir, name);
        failed = !path;
        if (path && frame_source_is_regular_file(path))
            failed = append_name(&names, &count, &capacity, path) < 0;
        free(path);
    }
    closedir(d);
    if (failed) {
        free_names(names, count);
        return io_fail(err, errlen, dir, "out of memory");
    }
    if (count > 0)
        qsort(names, (size_t)count, sizeof(*names), natural_compare_entries);
    *out = names;
    return count;
}

/* ------------------------------------------------------------------------ */
/* Image sequences                                                          */
/* ------------------------------------------------------------------------ */

/* Name of sequence frame i (0-based). For a pattern the name is built in
 * seq->name, which therefore holds the most recent one. */
static const char *sequence_path(frame_source *src, long i)
{
    sequence_state *seq = src->state;
    if (!seq->pattern)
        return seq->files[i];
    size_t size = strlen(seq->pattern) + 80;
    /* The pattern was checked by pattern_is_valid: one int conversion,
     * width at most 64, so it fits in size. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(seq->name, size, seq->pattern, (int)(seq->first + i));
#pragma GCC diagnostic pop
    return seq->name;
}

static int open_pattern(frame_source *src, char *err, size_t errlen)
{
    sequence_state *seq = src->state;
    if (!io_is_frame_pattern(src->input))
        return io_fail(err, errlen, src->input,
                    "a pattern needs exactly one %%d conversion "
                    "(e.g. in%%06d.jpg)");
    seq->pattern = strdup(src->input);
    seq->name = malloc(strlen(src->input) + 80);
    if (!seq->pattern || !seq->name)
        return io_fail(err, errlen, src->input, "out of memory");
    src->frame_count = 0;
    for (seq->first = 0; seq->first <= 9; seq->first++) {
        if (frame_source_is_regular_file(sequence_path(src, 0)))
            break;
    }
    if (seq->first > 9)
        return io_fail(err, errlen, src->input,
                    "no file matches the pattern (first index tried 0 to 9)");
    long count = 1;
    while (count < INT_MAX - seq->first &&
           frame_source_is_regular_file(sequence_path(src, count)))
        count++;
    src->frame_count = count;
    return 0;
}

/* The number in a file name: its last run of digits before the extension
 * ("in001460.jpg" -> 1460), or -1 if it has none (or one too long). */
static long number_in_name(const char *path)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    const char *dot = strrchr(name, '.');
    const char *end = dot ? dot : name + strlen(name);
    const char *start = end;
    while (start > name && isdigit((unsigned char)start[-1]))
        start--;
    if (start == end || end - start > 9)
        return -1;
    long n = 0;
    for (const char *p = start; p < end; p++)
        n = n * 10 + (*p - '0');
    return n;
}

/* The files' own numbers, when every name has one and they increase in
 * natural order (so no two frames share a number); else NULL, and frames
 * are numbered by position. NULL also when out of memory: numbering by
 * position is a correct fallback. */
static long *name_numbers(char **files, long count)
{
    long *numbers = malloc(sizeof *numbers * (size_t)count);
    for (long i = 0; numbers && i < count; i++) {
        numbers[i] = number_in_name(files[i]);
        if (numbers[i] < 0 || (i > 0 && numbers[i] <= numbers[i - 1])) {
            free(numbers);
            return NULL;
        }
    }
    return numbers;
}

static int open_folder(frame_source *src, char *err, size_t errlen)
{
    sequence_state *seq = src->state;
    /* A ChangeDetection.net sequence folder keeps its frames in input/. */
    char *inner = join_path(src->input, "input");
    if (!inner)
        return io_fail(err, errlen, src->input, "out of memory");
    const char *dir = frame_source_is_directory(inner) ? inner : src->input;
    long count = list_images(dir, &seq->files, err, errlen);
    if (count == 0)
        io_fail(err, errlen, dir, "no PNG or JPEG images in folder");
    free(inner);
    if (count <= 0)
        return -1;
    src->frame_count = count;
    seq->numbers = name_numbers(seq->files, count);
    return 0;
}

/* Load the next image of the sequence into seq->frame. 1, 0 at the end,
 * -1 on error. */
static int sequence_next(frame_source *src, char *err, size_t errlen)
{
    sequence_state *seq = src->state;
    if (seq->next >= src->frame_count)
        return 0;
    /* Move on before loading, so a caller that chooses to go past a broken
     * file (a later skip option) gets the following one. */
    const char *path = sequence_path(src, seq->next++);
    src->current_name = path;
    image img;
    if (image_load(path, src->channels, &img, err, errlen) < 0)
        return -1;
    if (src->width && (img.width != src->width || img.height != src->height)) {
        io_fail(err, errlen, path, "frame is %d x %d, the first frame was %d x %d",
             img.width, img.height, src->width, src->height);
        image_free(&img);
        return -1;
    }
    image_free(&seq->frame);
    seq->frame = img;
    src->data = img.data;
    src->stride = img.stride;
    return 1;
}

static long sequence_skip(frame_source *src, long n, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    sequence_state *seq = src->state;
    long left = src->frame_count - seq->next;
    long skipped = n < left ? n : left;
    seq->next += skipped;
    return skipped;
}

static void sequence_close(frame_source *src)
{
    sequence_state *seq = src->state;
    if (!seq)
        return;
    free_names(seq->files, src->frame_count);
    free(seq->numbers);
    free(seq->pattern);
    free(seq->name);
    image_free(&seq->frame);
    free(seq);
}

/* Next image of a sequence, passing over broken files when asked to. */
static int sequence_next_good(frame_source *src, char *err, size_t errlen)
{
    for (;;) {
        int ret = sequence_next(src, err, errlen);
        if (ret >= 0 || !src->skip_bad || src->bad_in_a_row >= MAX_BAD_IN_A_ROW)
            return ret;
        src->bad_frames++;
        src->bad_in_a_row++;
    }
}

/* The file's index in the sequence (skipped and broken files count). */
static long sequence_position(const frame_source *src)
{
    const sequence_state *seq = src->state;
    return seq->next - 1;
}

/* A pattern's index; a folder's file's own number, or its position. */
static long sequence_number(const frame_source *src)
{
    const sequence_state *seq = src->state;
    if (seq->pattern)
        return seq->first + src->position;
    return seq->numbers ? seq->numbers[src->position] : src->position + 1;
}

/* Opens with open_list (folder or pattern) and loads the first image (the
 * first good one when skipping; if none is, the last one's error). */
static int sequence_open(frame_source *src, int (*open_list)(frame_source *, char *, size_t),
                         char *err, size_t errlen)
{
    sequence_state *seq = calloc(1, sizeof *seq);
    src->state = seq;
    if (!seq)
        return io_fail(err, errlen, src->input, "out of memory");
    if (open_list(src, err, errlen) < 0 || sequence_next_good(src, err, errlen) <= 0)
        return -1;
    src->width = seq->frame.width;
    src->height = seq->frame.height;
    return 0;
}

static int folder_open(frame_source *src, const frame_source_raw_format *format,
                       char *err, size_t errlen)
{
    (void)format;
    return sequence_open(src, open_folder, err, errlen);
}

static int pattern_open(frame_source *src, const frame_source_raw_format *format,
                        char *err, size_t errlen)
{
    (void)format;
    return sequence_open(src, open_pattern, err, errlen);
}

const frame_source_ops frame_source_folder = {
    .kind = FRAME_SOURCE_FOLDER, .open = folder_open, .next = sequence_next_good,
    .skip = sequence_skip, .position = sequence_position, .number = sequence_number,
    .close = sequence_close,
};

const frame_source_ops frame_source_pattern = {
    .kind = FRAME_SOURCE_PATTERN, .open = pattern_open, .next = sequence_next_good,
    .skip = sequence_skip, .position = sequence_position, .number = sequence_number,
    .close = sequence_close,
};
