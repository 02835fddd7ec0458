/*
 * localfit.c - test helper: the library's local histogram segmentation
 * (bgs_hist_local_*) run directly on an image, without the bgsub program,
 * so that `bgsub segment --local` can be checked against it.
 * Usage: localfit IMAGE MASK.png MAP.png [--tiles C R | --tile-size N]
 *                 [--overlap F] [--min-separation D] [--min-weight W]
 *                 [--min-contrast C] [--hold]
 * Writes the mask (bgs_hist_local_mask: 0 / 255) and the 8-bit threshold
 * map (bgs_hist_local_threshold_map8) as PNGs (existing files replaced) and
 * prints "cols=C rows=R fitted=N borrowed=N global=N".
 * Exit status 1 if a file cannot be read or written or the fit fails,
 * 2 bad usage.
 */
#include "bgsub.h"
#include "io/image_io.h"
#include "io/output_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: localfit IMAGE MASK.png MAP.png [--tiles C R | --tile-size N] "
                    "[--overlap F] [--min-separation D] [--min-weight W] "
                    "[--min-contrast C] [--hold]\n");
    return 2;
}

int main(int argc, char **argv)
{
    char err[512];
    bgs_hist_local_params p;
    bgs_hist_local_params_default(&p);
    if (argc < 4)
        return usage();
    for (int i = 4; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--tiles") == 0 && i + 2 < argc) {
            p.cols = atoi(argv[++i]);
            p.rows = atoi(argv[++i]);
            p.tile_size = 0;
        } else if (strcmp(a, "--tile-size") == 0 && more) {
            p.tile_size = atoi(argv[++i]);
            p.cols = p.rows = 0;
        } else if (strcmp(a, "--overlap") == 0 && more) {
            p.overlap = atof(argv[++i]);
        } else if (strcmp(a, "--min-separation") == 0 && more) {
            p.min_separation = atof(argv[++i]);
        } else if (strcmp(a, "--min-weight") == 0 && more) {
            p.min_weight = atof(argv[++i]);
        } else if (strcmp(a, "--min-contrast") == 0 && more) {
            p.min_contrast = atof(argv[++i]);
        } else if (strcmp(a, "--hold") == 0) {
            p.extrapolate = 0;
        } else {
            return usage();
        }
    }
    image img;
    if (image_load(argv[1], 1, &img, err, sizeof err) != 0) {
        fprintf(stderr, "localfit: %s\n", err);
        return 1;
    }
    int w = img.width, h = img.height, rc = 1;
    uint8_t *mask = malloc((size_t)w * h), *map = malloc((size_t)w * h);
    bgs_hist_local *loc = bgs_hist_local_create(w, h, &p);
    if (!mask || !map || !loc || bgs_hist_local_fit(loc, img.data, img.stride) != BGS_OK ||
        bgs_hist_local_mask(loc, img.data, img.stride, mask, w) != BGS_OK ||
        bgs_hist_local_threshold_map8(loc, map, w) != BGS_OK) {
        fprintf(stderr, "localfit: %s: %s\n", argv[1], bgs_last_error());
        goto done;
    }
    if (image_save_png(argv[2], mask, w, h, 1, w, 1, OUTPUT_FILE_FORCE, err, sizeof err) ||
        image_save_png(argv[3], map, w, h, 1, w, 6, OUTPUT_FILE_FORCE, err, sizeof err)) {
        fprintf(stderr, "localfit: %s\n", err);
        goto done;
    }
    int cols, rows, n[3] = {0, 0, 0};
    const bgs_hist_tile *t = bgs_hist_local_tiles(loc, &cols, &rows);
    for (int i = 0; i < cols * rows; i++)
        n[t[i].source]++;
    printf("cols=%d rows=%d fitted=%d borrowed=%d global=%d\n", cols, rows,
           n[BGS_TILE_FITTED], n[BGS_TILE_BORROWED], n[BGS_TILE_GLOBAL]);
    rc = 0;
done:
    bgs_hist_local_free(loc);
    free(mask);
    free(map);
    image_free(&img);
    return rc;
}
