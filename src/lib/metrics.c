/* metrics.c - ChangeDetection.net scoring: confusion counts and metrics. */
#include "bgsub.h"

void bgs_counts_add_frame(bgs_counts *c, int width, int height,
                          const uint8_t *mask, ptrdiff_t mask_stride,
                          const uint8_t *gt, ptrdiff_t gt_stride,
                          const uint8_t *roi, ptrdiff_t roi_stride)
{
    for (int y = 0; y < height; y++) {
        const uint8_t *m = mask + y * mask_stride;
        const uint8_t *g = gt + y * gt_stride;
        const uint8_t *r = roi ? roi + y * roi_stride : NULL;
        for (int x = 0; x < width; x++) {
            if (r && r[x] == 0)
                continue;
            int detected = m[x] == BGS_MASK_FOREGROUND;
            if (g[x] == BGS_GT_MOVING) {
                if (detected) c->tp++; else c->fn++;
            } else if (g[x] == BGS_GT_STATIC || g[x] == BGS_GT_SHADOW) {
                if (detected) c->fp++; else c->tn++;
            }
            /* 85 (outside ROI), 170 (unknown) and anything else: ignored. */
        }
    }
}

static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

bgs_metrics bgs_metrics_from_counts(const bgs_counts *c)
{
    double tp = (double)c->tp, fp = (double)c->fp;
    double tn = (double)c->tn, fn = (double)c->fn;
    bgs_metrics m;
    m.recall = ratio(tp, tp + fn);
    m.specificity = ratio(tn, tn + fp);
    m.fpr = ratio(fp, fp + tn);
    m.fnr = ratio(fn, tp + fn);
    m.pwc = 100.0 * ratio(fn + fp, tp + fn + fp + tn);
    m.precision = ratio(tp, tp + fp);
    m.f_measure = ratio(2.0 * m.precision * m.recall, m.precision + m.recall);
    return m;
}
