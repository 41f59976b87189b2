/* Sieve of Eratosthenes: byte stores and strided loops over a large array.
 * Size: rounds over a 16 MiB sieve. */
#include <string.h>

#include "kernel.h"

#define SIEVE_LIMIT (16u << 20)

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 5);
    uint8_t *composite = malloc(SIEVE_LIMIT);
    if (!composite) return 1;
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++) {
        memset(composite, 0, SIEVE_LIMIT);
        for (uint32_t i = 2; (uint64_t)i * i < SIEVE_LIMIT; i++)
            if (!composite[i])
                for (uint32_t j = i * i; j < SIEVE_LIMIT; j += i) composite[j] = 1;
        uint64_t count = 0;
        for (uint32_t i = 2; i < SIEVE_LIMIT; i++)
            if (!composite[i]) { count++; sum += i; }
        sum = sum * 31 + count;
    }
    free(composite);
    return kernel_report("sieve", sum);
}
