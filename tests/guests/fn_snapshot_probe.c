/* Shows what the snapshot keeps: a line printed and a random number drawn
 * before the first read of stdin (done once at load with `snapshot on`,
 * so shared by every request), and one drawn after it (per request). */
#include <stdio.h>
#include <unistd.h>

static unsigned draw(void)
{
    unsigned v = 0;
    getentropy(&v, sizeof v);
    return v;
}

int main(void)
{
    printf("prelude\n");
    unsigned before = draw();
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    printf("before=%08x after=%08x\n", before, draw());
    return 0;
}
