/* overlay.c - foreground tint and boxes on RGB24 pictures (overlay.h). */
#include "cli/overlay.h"

#include "bgsub.h"

void overlay_tint(uint8_t *dst, const uint8_t *input, const uint8_t *mask,
                  ptrdiff_t mask_stride, int width, int height)
{
    for (int y = 0; y < height; y++) {
        const uint8_t *m = mask + y * mask_stride;
        const uint8_t *s = input + (size_t)y * width * 3;
        uint8_t *d = dst + (size_t)y * width * 3;
        for (int x = 0; x < width; x++, s += 3, d += 3) {
            if (m[x] == BGS_MASK_FOREGROUND) {
                d[0] = (uint8_t)((s[0] + 255) / 2);
                d[1] = (uint8_t)(s[1] / 2);
                d[2] = (uint8_t)(s[2] / 2);
            } else {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    }
}

static void put_pixel(uint8_t *rgb, int width, int height, int x, int y,
                      const uint8_t colour[3])
{
    if (x < 0 || y < 0 || x >= width || y >= height)
        return;
    uint8_t *p = rgb + ((size_t)y * width + x) * 3;
    p[0] = colour[0];
    p[1] = colour[1];
    p[2] = colour[2];
}

void overlay_box(uint8_t *rgb, int width, int height, int x, int y, int w,
                 int h, const uint8_t colour[3])
{
    if (w <= 0 || h <= 0)
        return;
    int right = x + w - 1, bottom = y + h - 1;
    for (int i = x; i <= right; i++) {
        put_pixel(rgb, width, height, i, y, colour);
        put_pixel(rgb, width, height, i, bottom, colour);
    }
    for (int j = y; j <= bottom; j++) {
        put_pixel(rgb, width, height, x, j, colour);
        put_pixel(rgb, width, height, right, j, colour);
    }
}
