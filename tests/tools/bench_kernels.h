/* Compute kernels for tools/wasm_bench: compiled into the tool natively
 * and, by the tool, with clang for wasm32 (no libc), so the engine and the
 * CPU run the same source. Each takes a size and returns a checksum. No
 * constant fills or copies: they would turn into memset/memcpy calls that a
 * libc-less wasm build cannot resolve. */
#ifndef IFRIT_BENCH_KERNELS_H
#define IFRIT_BENCH_KERNELS_H

#ifdef __wasm__
#define BENCH_EXPORT(name) __attribute__((export_name(name)))
#else
#define BENCH_EXPORT(name) static
#endif

BENCH_EXPORT("fib") int bk_fib(int n)
{
    return n < 2 ? n : bk_fib(n - 1) + bk_fib(n - 2);
}

BENCH_EXPORT("loops") int bk_loops(int n)
{
    unsigned s = 1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 1000; j++) s = (s ^ (unsigned)(i * j)) * 2654435761u + (s >> 7);
    return (int)s;
}

static unsigned char bk_sieve_flags[1 << 20];

BENCH_EXPORT("sieve") int bk_sieve(int reps)
{
    int count = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < (1 << 20); i++) bk_sieve_flags[i] = (unsigned char)(i & 1 ? 1 : (i == 2));
        for (int i = 3; i * i < (1 << 20); i += 2)
            if (bk_sieve_flags[i])
                for (int k = i * i; k < (1 << 20); k += 2 * i) bk_sieve_flags[k] = 0;
        count = 0;
        for (int i = 2; i < (1 << 20); i++) count += bk_sieve_flags[i];
    }
    return count;
}

#define BK_N 96
static double bk_a[BK_N * BK_N], bk_b[BK_N * BK_N], bk_c[BK_N * BK_N];

BENCH_EXPORT("matmul") int bk_matmul(int reps)
{
    double sum = 0;
    for (int i = 0; i < BK_N * BK_N; i++) {
        bk_a[i] = (double)(i % 17) * 0.5;
        bk_b[i] = (double)(i % 13) - 6.0;
    }
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < BK_N; i++)
            for (int j = 0; j < BK_N; j++) {
                double acc = 0;
                for (int k = 0; k < BK_N; k++) acc += bk_a[i * BK_N + k] * bk_b[k * BK_N + j];
                bk_c[i * BK_N + j] = acc + r;
            }
        sum += bk_c[(r * 7) % (BK_N * BK_N)];
    }
    return (int)sum;
}

static unsigned char bk_bytes[4 << 20];

BENCH_EXPORT("hash") int bk_hash(int reps)
{
    unsigned x = 12345;
    for (int i = 0; i < (4 << 20); i++) {
        x = x * 1103515245u + 12345u;
        bk_bytes[i] = (unsigned char)(x >> 16);
    }
    unsigned h = 2166136261u;
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < (4 << 20); i++) h = (h ^ bk_bytes[i]) * 16777619u;
    return (int)h;
}

static int bk_ints[1 << 18];

static void bk_qsort(int *v, int lo, int hi)
{
    while (lo < hi) {
        int p = v[(lo + hi) / 2], i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { int t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { bk_qsort(v, lo, j); lo = i; }
        else { bk_qsort(v, i, hi); hi = j; }
    }
}

BENCH_EXPORT("quicksort") int bk_quicksort(int reps)
{
    int check = 0;
    for (int r = 0; r < reps; r++) {
        unsigned x = 777u + (unsigned)r;
        for (int i = 0; i < (1 << 18); i++) {
            x = x * 1664525u + 1013904223u;
            bk_ints[i] = (int)(x >> 1);
        }
        bk_qsort(bk_ints, 0, (1 << 18) - 1);
        check += bk_ints[12345] >> 8;
    }
    return check;
}

#endif
