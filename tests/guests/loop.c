/* Spins forever (for --fuel and --timeout to stop). */
#include <stdio.h>

static volatile unsigned long counter;

int main(void)
{
    printf("spinning\n");
    fflush(stdout);
    for (;;) counter++;
}
