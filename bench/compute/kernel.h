/* Shared bits of the compute kernels: each kernel is a WASI command (and a
 * native program) that takes an optional size argument and prints one line
 * "NAME CHECKSUM" so the harness can check that every runtime computed the
 * same thing. Nothing here may depend on the platform: the same source is
 * built with gcc for the host and clang for wasm32-wasi. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* argv[1] as a positive size, or the default. */
static inline long kernel_size(int argc, char **argv, long dflt)
{
    long n = argc > 1 ? atol(argv[1]) : 0;
    return n > 0 ? n : dflt;
}

/* A small deterministic generator (xorshift64) so inputs are identical on
 * every runtime without touching WASI random. */
static inline uint64_t kernel_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static inline int kernel_report(const char *name, uint64_t checksum)
{
    printf("%s %016llx\n", name, (unsigned long long)checksum);
    return 0;
}

#endif
