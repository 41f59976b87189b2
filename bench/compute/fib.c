/* Recursive Fibonacci: calls and returns, nothing else. Size: n. */
#include "kernel.h"

static uint64_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    return kernel_report("fib", fib((uint32_t)kernel_size(argc, argv, 41)));
}
