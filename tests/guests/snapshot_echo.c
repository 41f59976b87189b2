/* For suspend/resume and snapshot tests: does start-up work first (a table
 * built from the arguments), then reads all of stdin and prints a digest
 * of the table and the input. Run whole or snapshotted at its first read
 * of stdin, it must print the same. */
#include <stdio.h>
#include <string.h>

static unsigned table[256];

int main(int argc, char **argv)
{
    unsigned seed = 2166136261u;
    for (int i = 0; i < argc; i++)
        for (const char *p = argv[i]; *p; p++) seed = (seed ^ (unsigned char)*p) * 16777619u;
    for (int i = 0; i < 256; i++) table[i] = seed = seed * 1103515245u + 12345u;
    static char in[1 << 16];
    size_t n = fread(in, 1, sizeof in, stdin);
    unsigned h = 0;
    for (size_t i = 0; i < n; i++) h = (h << 5 | h >> 27) ^ table[(unsigned char)in[i]];
    printf("read %zu bytes, digest %08x\n", n, h);
    printf("input: %.*s\n", (int)(n > 40 ? 40 : n), in);
    return 0;
}
