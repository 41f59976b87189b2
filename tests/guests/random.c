/* random_get: two draws differ and are not all zero; big draws work. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[64], b[64], zero[64] = { 0 };
    static unsigned char big[1 << 20];
    if (getentropy(a, sizeof a) || getentropy(b, sizeof b)) { printf("getentropy failed\n"); return 1; }
    if (!memcmp(a, b, sizeof a) || !memcmp(a, zero, sizeof a)) { printf("not random\n"); return 1; }
    for (size_t off = 0; off < sizeof big; off += 256)
        if (getentropy(big + off, 256)) { printf("getentropy failed\n"); return 1; }
    printf("random ok\n");
    return 0;
}
