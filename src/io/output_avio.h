/*
 * output_avio.h - libavformat's output through an output_file
 * (output_file.h): the muxer writes and seeks on the descriptor of the
 * file the policy created, never opening a name itself (avio_open would
 * follow a link planted at the temporary name, and truncate what it finds).
 *
 * Part of the bgsub program, not of libbgsub.
 */
#ifndef BGSUB_OUTPUT_AVIO_H
#define BGSUB_OUTPUT_AVIO_H

#include <stddef.h>

#include "io/output_file.h"

struct AVFormatContext;

/* Sets format->pb to an I/O context on file (seekable when the file is).
 * 0, or -1 with a message naming name in err. */
int output_avio_attach(struct AVFormatContext *format, output_file *file,
                       const char *name, char *err, size_t errlen);

/* Flushes format->pb and frees it (the file stays open): 0, or the
 * I/O context's error (a negative AVERROR). NULL pb is fine. */
int output_avio_detach(struct AVFormatContext *format);

#endif
