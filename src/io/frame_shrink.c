/*
 * frame_shrink.c - block averages (see frame_shrink.h).
 */
#include "io/frame_shrink.h"

#include <stdint.h>

int frame_shrink_size(int side, int n)
{
    return side / n > 0 ? side / n : 1;
}

void frame_shrink(const uint8_t *src, int width, int height, int channels,
                  ptrdiff_t src_stride, int n, uint8_t *dst, ptrdiff_t dst_stride)
{
    int dw = frame_shrink_size(width, n), dh = frame_shrink_size(height, n);
    int bw = width < n ? width : n, bh = height < n ? height : n;
    uint32_t count = (uint32_t)bw * (uint32_t)bh;
    for (int y = 0; y < dh; y++) {
        uint8_t *out = dst + dst_stride * y;
        for (int x = 0; x < dw; x++)
            for (int c = 0; c < channels; c++) {
                uint32_t sum = 0;
                for (int j = 0; j < bh; j++) {
                    const uint8_t *p = src + src_stride * ((ptrdiff_t)y * n + j) +
                                       ((ptrdiff_t)x * n) * channels + c;
                    for (int i = 0; i < bw; i++)
                        sum += p[(ptrdiff_t)i * channels];
                }
                out[(ptrdiff_t)x * channels + c] = (uint8_t)((sum + count / 2) / count);
            }
    }
}
