/* Reaches one trap kind, named by the first argument:
 *   unreachable oob div0 overflow conversion indirect stack
 * Every operand goes through a volatile so the compiler cannot fold it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

static volatile int zero = 0, minus_one = -1, int_min = INT_MIN;
static volatile double not_a_number = __builtin_nan("");
static volatile int sink;

static void takes_nothing(void) { sink = 1; }

/* Not a tail call, and the store after it keeps it from becoming a loop:
 * each level is a real wasm call frame (the shadow stack is not used). */
__attribute__((noinline)) static int recurse(int n)
{
    if (n == 0) return 0;
    int r = recurse(n - 1);
    sink = r;
    return r + 1;
}

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "";
    printf("about to trap: %s\n", kind);
    fflush(stdout);
    if (!strcmp(kind, "unreachable")) __builtin_trap();
    if (!strcmp(kind, "oob")) return *(volatile int *)(unsigned long)0xFFFFFFF0u;
    if (!strcmp(kind, "div0")) return 10 / zero;
    if (!strcmp(kind, "overflow")) return int_min / minus_one;
    if (!strcmp(kind, "conversion")) return __builtin_wasm_trunc_s_i32_f64(not_a_number);
    if (!strcmp(kind, "indirect")) {
        void (*volatile fp)(void) = takes_nothing;
        return ((int (*)(int, int))fp)(1, 2);
    }
    if (!strcmp(kind, "stack")) return recurse(INT_MAX);
    printf("unknown trap kind\n");
    return 2;
}
