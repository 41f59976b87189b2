/* Dot products of 16-bit integer vectors into 32-bit sums (the shape of a
 * quantised neural network layer): a 256 x 4096 matrix times a vector,
 * plain C loops that compilers vectorise (i32x4.dot_i16x8_s and friends
 * with SIMD). Size: rounds. */
#include "kernel.h"

#define ROWS 256
#define COLS 4096

static int32_t dot(const int16_t *a, const int16_t *b, int n)
{
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += (int32_t)a[i] * b[i];
    return s;
}

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 100);
    int16_t *m = malloc(sizeof *m * ROWS * COLS), *v = malloc(sizeof *v * COLS);
    int32_t *out = malloc(sizeof *out * ROWS);
    if (!m || !v || !out) return 1;
    uint64_t seed = 777;
    for (long i = 0; i < (long)ROWS * COLS; i++) m[i] = (int16_t)(kernel_rand(&seed) % 2001) - 1000;
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < COLS; i++) v[i] = (int16_t)((kernel_rand(&seed) % 201) - 100);
        for (int row = 0; row < ROWS; row++) out[row] = dot(m + (long)row * COLS, v, COLS);
        for (int row = 0; row < ROWS; row++) sum = sum * 1000003 + (uint32_t)out[row];
    }
    free(m);
    free(v);
    free(out);
    return kernel_report("dot", sum);
}
