/*
 * test_frame_shrink.c - frames made n times smaller by block means
 * (src/io/frame_shrink.c, bgsub events --scale): sizes, the means of each
 * block against a brute-force sum, rounding, channels kept apart, strides.
 */
#include "test.h"

#include "io/frame_shrink.h"

TEST(sizes)
{
    CHECK(frame_shrink_size(1280, 2) == 640, "%d", frame_shrink_size(1280, 2));
    CHECK(frame_shrink_size(321, 2) == 160, "odd side: %d", frame_shrink_size(321, 2));
    CHECK(frame_shrink_size(3, 4) == 1, "shorter than a block: %d", frame_shrink_size(3, 4));
    CHECK(frame_shrink_size(100, 1) == 100, "n = 1: %d", frame_shrink_size(100, 1));
}

TEST(block_means_against_brute_force)
{
    enum { W = 13, H = 7, C = 3, N = 3, STRIDE = W * C + 5 };
    uint8_t src[H * STRIDE], dst[2 * 4 * C + 64];
    unsigned seed = 12345;
    for (size_t i = 0; i < sizeof src; i++) {
        seed = seed * 1103515245u + 12345u;
        src[i] = (uint8_t)(seed >> 16);
    }
    int dw = frame_shrink_size(W, N), dh = frame_shrink_size(H, N);
    REQUIRE(dw == 4 && dh == 2, "%dx%d", dw, dh);
    memset(dst, 0xEE, sizeof dst);
    frame_shrink(src, W, H, C, STRIDE, N, dst, dw * C + 2);
    int bad = 0;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++)
            for (int c = 0; c < C; c++) {
                double sum = 0;
                for (int j = 0; j < N; j++)
                    for (int i = 0; i < N; i++)
                        sum += src[(y * N + j) * STRIDE + (x * N + i) * C + c];
                int want = (int)floor(sum / (N * N) + 0.5);
                int got = dst[y * (dw * C + 2) + x * C + c];
                if (got != want && bad++ < 5)
                    CHECK(got == want, "(%d,%d) channel %d: %d, want %d", x, y, c, got, want);
            }
    CHECK(bad == 0, "%d pixels wrong", bad);
    CHECK(dst[dw * C] == 0xEE && dst[dw * C + 1] == 0xEE, "the gap between rows untouched");
}

TEST(rounds_half_up_and_keeps_extremes)
{
    const uint8_t src[4] = {0, 1, 255, 255}; /* 2x2 gray, one block */
    uint8_t dst[1];
    frame_shrink(src, 2, 2, 1, 2, 2, dst, 1);
    CHECK(dst[0] == 128, "(0+1+255+255)/4 = 127.75: %d", dst[0]);
    const uint8_t white[4] = {255, 255, 255, 255};
    frame_shrink(white, 2, 2, 1, 2, 2, dst, 1);
    CHECK(dst[0] == 255, "white stays white: %d", dst[0]);
}

int main(void)
{
    RUN(sizes);
    RUN(block_means_against_brute_force);
    RUN(rounds_half_up_and_keeps_extremes);
    return test_summary();
}
