/* Isolation probe: counts requests in a global and in heap memory. A fresh
 * sandbox per request prints 1 and 1 every time; start-up work done before
 * the first stdin read (boot) is in the snapshot and also reads 1. */
#include <stdio.h>
#include <stdlib.h>

static int in_global;
static int boots;

int main(void)
{
    boots++;
    /* volatile: the compiler may not assume what fresh heap memory holds. */
    volatile int *in_memory = malloc(sizeof *in_memory * 1024);
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    in_global++;
    in_memory[0]++;   /* heap of a fresh instance is zero */
    printf("global=%d memory=%d boots=%d\n", in_global, in_memory[0], boots);
    return 0;
}
