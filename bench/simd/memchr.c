/* A memchr-like byte search: the position of the first occurrence of a
 * byte in a 4 MiB buffer of random bytes, for many needles and start
 * offsets. Written as plain C that vectorises: each 64-byte block is
 * tested with a branch-free OR of comparisons, and only the block that
 * holds a match is searched byte by byte. Size: rounds over 256 searches. */
#include "kernel.h"

#define BUF_BYTES (4u << 20)

static long find(const uint8_t *p, long n, uint8_t c)
{
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        uint8_t any = 0;
        for (int k = 0; k < 64; k++) any |= p[i + k] == c;
        if (any) break;
    }
    for (; i < n; i++)
        if (p[i] == c) return i;
    return -1;
}

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 40);
    uint8_t *buf = malloc(BUF_BYTES);
    if (!buf) return 1;
    uint64_t seed = 4242;
    /* bytes 1..255 only, so needle 0 is never found and scans everything */
    for (size_t i = 0; i < BUF_BYTES; i++) buf[i] = (uint8_t)(kernel_rand(&seed) % 255 + 1);
    /* a few far-apart zero bytes to find */
    for (int k = 1; k <= 7; k++) buf[(size_t)k * (BUF_BYTES / 8) + (size_t)k * 977] = 0;
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++)
        for (int s = 0; s < 256; s++) {
            long start = (long)((kernel_rand(&seed) % (BUF_BYTES / 2)));
            uint8_t needle = s % 16 == 0 ? 0 : (uint8_t)(kernel_rand(&seed) | 1);
            long at = find(buf + start, BUF_BYTES - start, needle);
            sum = sum * 31 + (uint64_t)(at + 1);
        }
    free(buf);
    return kernel_report("memchr", sum);
}
