/* Calls WASI directly with pointers and lengths outside its memory: each
 * call must answer EFAULT (21) and the guest must live on. */
#include <stdio.h>
#include <wasi/api.h>

static int failures;

static void expect_fault(const char *what, __wasi_errno_t e)
{
    printf("%s: %s\n", what, e == __WASI_ERRNO_FAULT ? "EFAULT" : "WRONG");
    if (e != __WASI_ERRNO_FAULT) {
        printf("  got errno %u\n", e);
        failures++;
    }
}

int main(void)
{
    /* Past the end of any 32-bit memory a C program has. */
    void *far = (void *)(unsigned long)0xFFFFFF00u;
    __wasi_size_t n;
    char byte = 'x';
    __wasi_ciovec_t ok_iov = { (const uint8_t *)&byte, 1 };
    __wasi_ciovec_t bad_iov = { (const uint8_t *)far, 0x1000 };
    expect_fault("fd_write iovec array", __wasi_fd_write(1, (const __wasi_ciovec_t *)far, 1, &n));
    expect_fault("fd_write buffer", __wasi_fd_write(1, &bad_iov, 1, &n));
    expect_fault("fd_write result", __wasi_fd_write(1, &ok_iov, 1, (__wasi_size_t *)far));
    expect_fault("random_get", __wasi_random_get((uint8_t *)far, 0x1000));
    expect_fault("args_sizes_get", __wasi_args_sizes_get((__wasi_size_t *)far, &n));
    expect_fault("clock_time_get", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)far));
    expect_fault("fd_fdstat_get", __wasi_fd_fdstat_get(1, (__wasi_fdstat_t *)far));
    printf("%s\n", failures ? "bad pointers FAILED" : "bad pointers ok");
    return failures ? 1 : 0;
}
