/*
 * output_file.h - the one file policy of the bgsub program: how every file
 * it writes reaches the disk (masks, background images, videos, clips, blob
 * lists, statistics, models, reports, plots, snapshots).
 *
 *  - A regular file, new or not, is written under a temporary name in the
 *    folder it goes to, ".NAME.tmp." and twelve random characters, created
 *    with O_CREAT | O_EXCL | O_NOFOLLOW (mode 0666 less the umask), so no
 *    name planted in that folder beforehand is ever followed; it is renamed
 *    over the destination once whole, so a reader sees the old file or the
 *    whole new one. When the rename replaces a file, the data is synced
 *    first (the old file is what a crash could lose), except for the files
 *    written one per frame (OUTPUT_FILE_NO_SYNC): a sync costs 0.5 to 5 ms
 *    here and a run replaces thousands of masks (ext4, Debian's default,
 *    flushes a file renamed over another before committing the rename
 *    anyway). A new file is not synced: there is nothing old to lose.
 *  - An existing regular file is replaced only with force; without, the
 *    message is "NAME: already exists (use --force to overwrite)".
 *  - A device, FIFO or socket, or a symbolic link to one (/dev/null, a named
 *    pipe, /dev/stdout on a pipe), is written through in place, never
 *    replaced.
 *  - A symbolic link to a regular file is resolved: the file it points to
 *    is the destination (replaced as above, so the link stays a link). A
 *    link that leads nowhere (dangling, a loop) is refused.
 *  - A folder is refused: "NAME: is a folder".
 *  - "-" is standard output where a caller offers it (output_file_report;
 *    the blob list): output_file_open itself takes "-" as a file name.
 *
 * Part of the bgsub program, not of libbgsub. Errors: -1 / NULL with a
 * one-line reason naming the file (as the caller gave it) in err.
 */
#ifndef BGSUB_OUTPUT_FILE_H
#define BGSUB_OUTPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct output_file output_file;

/* Whether path may be written (the policy above), without touching it: 0,
 * or -1 with the reason in err. */
int output_file_check(const char *path, int force, char *err, size_t errlen);

/* output_file_open's flags. */
enum {
    OUTPUT_FILE_FORCE = 1,   /* an existing file may be replaced (--force) */
    OUTPUT_FILE_NO_SYNC = 2, /* one file of many per run (a frame's mask):
                                not synced before it replaces one */
};

/* Starts writing path: a temporary file beside the destination, or the
 * device itself. Finish with output_file_commit or output_file_discard. */
output_file *output_file_open(const char *path, unsigned flags, char *err,
                              size_t errlen);

/* The descriptor to write to (libavformat writes through it), or a stdio
 * stream on it (made on the first call; do not close it). */
int output_file_fd(const output_file *f);
FILE *output_file_stream(output_file *f, char *err, size_t errlen);
/* Whether the destination can seek (a regular file; not a pipe). */
int output_file_seekable(const output_file *f);

/* Flushes, syncs when replacing, closes and renames into place; frees f.
 * 0, or -1 (the temporary file removed, the destination untouched). */
int output_file_commit(output_file *f, char *err, size_t errlen);
/* Closes and removes the temporary file; frees f. NULL is fine. */
void output_file_discard(output_file *f);

/* size bytes to path, whole (open, write, commit). */
int output_file_write(const char *path, const void *data, size_t size,
                      int force, char *err, size_t errlen);

/* A report (statistics, events, scores): fill writes it to the stream it is
 * given, which is standard output for NULL or "-", else a file written by
 * the policy above. what names it in a message ("the statistics"). */
int output_file_report(const char *path, int force,
                       void (*fill)(FILE *out, const void *ctx),
                       const void *ctx, const char *what, char *err,
                       size_t errlen);

/* mkdir -p path (a folder for outputs): 0, or -1 with errno. */
int output_file_make_dir(const char *path);

/* Whether two names lead to the same file, existing or not: through
 * symbolic links, "." and ".." and doubled slashes. */
int output_path_same(const char *a, const char *b);

/* Whether path is one of the files that dir/pattern names (pattern: a file
 * name with one integer conversion, as checked by io_is_frame_pattern,
 * such as bin%06d.png); *number is then its number (may be NULL). */
int output_path_in_family(const char *path, const char *dir,
                          const char *pattern, long *number);

#endif
