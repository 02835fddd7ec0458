/*
 * out_heatmap.h - the motion heat map as a PNG file: the output kind
 * --heatmap FILE of the main command (out_heatmap.c), and the writing
 * that bgsub events --heatmap shares with it.
 */
#ifndef BGSUB_OUT_HEATMAP_H
#define BGSUB_OUT_HEATMAP_H

#include <stddef.h>

#include "bgsub.h"
#include "draw/heatmap.h"

/* Whether path names a PNG file (ends in .png): 0, or EXIT_USAGE with the
 * one-line message printed. */
int heatmap_check_name(const char *option, const char *path);

/* Draws h over model's background (title: the input's name) and writes
 * it to path by the file policy (replacing a file only with force). 0, or
 * an exit status with a one-line message in err. */
int heatmap_write_png(const heatmap *h, const bgs_model *model, const char *path,
                      const char *title, int force, char *err, size_t errlen);

#endif
