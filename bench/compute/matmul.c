/* Dense double-precision matrix multiply (i-k-j order): loads, stores and
 * floating-point multiply-adds. Size: n for n x n matrices. The checksum is
 * the exact bit pattern of the sum, so every runtime must round alike
 * (no fused multiply-add: neither -O2 x86-64 nor wasm has it by default). */
#include <string.h>

#include "kernel.h"

int main(int argc, char **argv)
{
    long n = kernel_size(argc, argv, 1100);
    double *a = malloc(sizeof(double) * (size_t)(n * n));
    double *b = malloc(sizeof(double) * (size_t)(n * n));
    double *c = calloc((size_t)(n * n), sizeof(double));
    if (!a || !b || !c) return 1;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (long i = 0; i < n * n; i++) {
        a[i] = (double)(kernel_rand(&seed) % 1000) / 100.0 - 5.0;
        b[i] = (double)(kernel_rand(&seed) % 1000) / 100.0 - 5.0;
    }
    for (long i = 0; i < n; i++)
        for (long k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (long j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
    double sum = 0;
    for (long i = 0; i < n * n; i++) sum += c[i] * (double)(i % 7 + 1);
    uint64_t bits;
    memcpy(&bits, &sum, sizeof bits);
    free(a);
    free(b);
    free(c);
    return kernel_report("matmul", bits);
}
