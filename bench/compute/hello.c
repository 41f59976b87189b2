/* The smallest useful WASI command: what instantiate-and-run costs when
 * the guest does almost nothing. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
