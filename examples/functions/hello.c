/* The smallest function: whatever it prints is the response body.
 *   clang --target=wasm32-wasi -O2 hello.c -o hello.wasm */
#include <stdio.h>

int main(void)
{
    printf("Hello from a WebAssembly function!\n");
    return 0;
}
