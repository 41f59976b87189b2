/* A base64 encoder (RFC 4648 alphabet, no line breaks) over 3 MiB of
 * random bytes, the 6-bit values mapped to letters by arithmetic instead
 * of a table, so the loop has no data-dependent loads and compilers may
 * vectorise it. Size: rounds. */
#include "kernel.h"

#define IN_BYTES (3u << 20)

static uint8_t letter(uint32_t v)
{
    /* A-Z 0-25, a-z 26-51, 0-9 52-61, '+' 62, '/' 63 */
    int32_t c = (int32_t)v + 'A';
    c += (v >= 26) * ('a' - 'A' - 26);
    c -= (v >= 52) * ('a' + 52 - '0');
    c -= (v >= 62) * ('0' + 62 - '+');
    c += (v >= 63) * ('/' - '+' - 1);
    return (uint8_t)c;
}

static void encode(const uint8_t *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n / 3; i++) {
        uint32_t w = (uint32_t)in[3 * i] << 16 | (uint32_t)in[3 * i + 1] << 8 | in[3 * i + 2];
        out[4 * i] = letter(w >> 18);
        out[4 * i + 1] = letter((w >> 12) & 63);
        out[4 * i + 2] = letter((w >> 6) & 63);
        out[4 * i + 3] = letter(w & 63);
    }
}

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 8);
    uint8_t *in = malloc(IN_BYTES), *out = malloc(IN_BYTES / 3 * 4);
    if (!in || !out) return 1;
    uint64_t seed = 99;
    for (size_t i = 0; i < IN_BYTES; i++) in[i] = (uint8_t)kernel_rand(&seed);
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        in[(size_t)r * 7919 % IN_BYTES] ^= (uint8_t)r;
        encode(in, IN_BYTES, out);
        for (size_t i = 0; i < IN_BYTES / 3 * 4; i += 4093) sum = sum * 131 + out[i];
    }
    free(in);
    free(out);
    return kernel_report("base64", sum);
}
