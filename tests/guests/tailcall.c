// cflags: -mtail-call
/* Tail calls from C (issue 22): a state machine of functions that end in
 * musttail calls, direct and through a table of function pointers, which
 * clang compiles to return_call and return_call_indirect with -mtail-call.
 * It makes 10^7 transitions by default (argv[1] to change), far past the
 * engine's call depth: it finishes only because tail calls reuse frames.
 * Prints the transitions and a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t (*tailcall_state_t)(uint64_t left, uint64_t sum);

static uint64_t tailcall_a(uint64_t left, uint64_t sum);
static uint64_t tailcall_b(uint64_t left, uint64_t sum);
static uint64_t tailcall_c(uint64_t left, uint64_t sum);

/* volatile: the calls through it stay indirect */
static tailcall_state_t volatile tailcall_table[3] = { tailcall_a, tailcall_b, tailcall_c };

__attribute__((noinline)) static uint64_t tailcall_a(uint64_t left, uint64_t sum)
{
    if (left == 0) return sum;
    __attribute__((musttail)) return tailcall_b(left - 1, sum + 1);
}

__attribute__((noinline)) static uint64_t tailcall_b(uint64_t left, uint64_t sum)
{
    if (left == 0) return sum;
    __attribute__((musttail)) return tailcall_table[2](left - 1, sum * 3 % 1000003);
}

__attribute__((noinline)) static uint64_t tailcall_c(uint64_t left, uint64_t sum)
{
    if (left == 0) return sum;
    __attribute__((musttail)) return tailcall_table[left % 2](left - 1, sum + left);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    printf("%llu transitions, checksum %llu\n", (unsigned long long)n, (unsigned long long)tailcall_a(n, 0));
    return 0;
}
