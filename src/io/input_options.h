/*
 * input_options.h - --input-format and --input-option as libavformat takes
 * them (input_options.c), for source_video.c. See frame_source_options in
 * frame_source.h.
 */
#ifndef BGSUB_INPUT_OPTIONS_H
#define BGSUB_INPUT_OPTIONS_H

#include "io/frame_source_impl.h"
#include "io/libav.h"

/* The source's options as a dictionary for avformat_open_input (*dict,
 * NULL if none) and, where --input-format names one, its input format in
 * *format (else *format is left as it was). 0, or -1 with the reason in
 * err. */
int input_options_apply(frame_source *src, AVDictionary **dict,
                        const AVInputFormat **format, char *err, size_t errlen);

/* After avformat_open_input: what is left in dict was taken by no part of
 * this input; each is a notice ("... does not apply to this input"). Frees
 * dict. */
void input_options_leftovers(frame_source *src, AVDictionary *dict,
                             const AVFormatContext *format);

#endif
