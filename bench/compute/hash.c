/* Hashing a few MiB: byte-wise FNV-1a and a word-wise multiply-rotate mix
 * (in the spirit of xxHash, written here), i.e. 64-bit multiplies, shifts
 * and rotates over sequential loads. Size: passes over a 4 MiB buffer. */
#include <string.h>

#include "kernel.h"

#define HASH_BYTES (4u << 20)

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static uint64_t mix64(const uint8_t *p, size_t n, uint64_t seed)
{
    const uint64_t k1 = 0x9E3779B185EBCA87u, k2 = 0xC2B2AE3D27D4EB4Fu;
    uint64_t acc[4] = { seed + k1 + k2, seed + k2, seed, seed - k1 };
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int lane = 0; lane < 4; lane++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * lane, 8);
            acc[lane] = rotl(acc[lane] + w * k2, 31) * k1;
        }
    uint64_t h = rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18);
    for (; i < n; i++) h = rotl(h ^ (p[i] * k1), 11) * k2;
    h ^= h >> 33;
    h *= k2;
    h ^= h >> 29;
    return h;
}

int main(int argc, char **argv)
{
    long passes = kernel_size(argc, argv, 72);
    uint8_t *buf = malloc(HASH_BYTES);
    if (!buf) return 1;
    uint64_t seed = 12345;
    for (size_t i = 0; i < HASH_BYTES; i += 8) {
        uint64_t r = kernel_rand(&seed);
        memcpy(buf + i, &r, 8);
    }
    uint64_t h = 0;
    for (long r = 0; r < passes; r++) {
        h ^= fnv1a(buf, HASH_BYTES);
        h = mix64(buf, HASH_BYTES, h);
    }
    free(buf);
    return kernel_report("hash", h);
}
