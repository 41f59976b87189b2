/* A function that never reads its input: it prints a greeting. */
#include <stdio.h>

int main(void)
{
    printf("hello from a function\n");
    return 0;
}
