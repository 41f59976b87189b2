/* For `ifrit wasm run --profile`: warm_up runs before the first read of
 * stdin (what a snapshot keeps), hot_loop after it (what every request
 * runs), each long enough to own its part of the profile. */
#include <stdio.h>

static volatile unsigned sink;

__attribute__((noinline)) static void warm_up(void)
{
    for (unsigned i = 0; i < 300000; i++) sink += i * 7;
}

__attribute__((noinline)) static void hot_loop(void)
{
    for (unsigned i = 0; i < 3000000; i++) sink ^= i * 13;
}

int main(void)
{
    warm_up();
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    hot_loop();
    printf("read %zu bytes\n", n);
    return 0;
}
