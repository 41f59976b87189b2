/* A function that reads its request, says "spinning" on stderr (the server
 * logs each line as it comes, so a test knows the sandbox is running),
 * then spins until its timeout. */
#include <stdio.h>

static volatile unsigned long counter;

int main(void)
{
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    fprintf(stderr, "spinning\n");
    for (;;) counter++;
}
