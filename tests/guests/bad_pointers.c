/* Calls WASI directly with one bad pointer, named by the argument: out of
 * the guest's memory, or misaligned for its type. The witx (witx-docs.md,
 * Pointers) says such a call traps rather than answering EFAULT, so the
 * guest must not see the call return; `aligned` makes the same calls with
 * good pointers, which must succeed. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* Past the end of any 32-bit memory a C program has. */
#define FAR ((void *)(unsigned long)0xFFFFFF00u)

static _Alignas(8) unsigned char scratch[128];

/* scratch + off: aligned to 8 for off 0, to 4 but not 8 for off 4, to 1 for 1. */
static void *at(int off) { return scratch + off; }

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "";
    __wasi_size_t n;
    char byte = 'x';
    __wasi_ciovec_t ok_iov = { (const uint8_t *)&byte, 0 };
    __wasi_ciovec_t bad_iov = { (const uint8_t *)FAR, 0x1000 };
    __wasi_errno_t e;
    printf("calling %s\n", which);
    fflush(stdout);
    if (strcmp(which, "iovs") == 0) e = __wasi_fd_write(1, (const __wasi_ciovec_t *)FAR, 1, &n);
    else if (strcmp(which, "buffer") == 0) e = __wasi_fd_write(1, &bad_iov, 1, &n);
    else if (strcmp(which, "result") == 0) e = __wasi_fd_write(1, &ok_iov, 1, (__wasi_size_t *)FAR);
    else if (strcmp(which, "random") == 0) e = __wasi_random_get((uint8_t *)FAR, 0x1000);
    else if (strcmp(which, "args_sizes") == 0) e = __wasi_args_sizes_get((__wasi_size_t *)FAR, &n);
    else if (strcmp(which, "clock") == 0) e = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)FAR);
    else if (strcmp(which, "fdstat") == 0) e = __wasi_fd_fdstat_get(1, (__wasi_fdstat_t *)FAR);
    else if (strcmp(which, "misaligned_result") == 0) e = __wasi_fd_write(1, &ok_iov, 1, at(1));
    else if (strcmp(which, "misaligned_iovs") == 0) {
        memcpy(at(2), &ok_iov, sizeof ok_iov);
        e = __wasi_fd_write(1, at(2), 1, &n);
    } else if (strcmp(which, "misaligned_clock") == 0) e = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, at(4));
    else if (strcmp(which, "misaligned_fdstat") == 0) e = __wasi_fd_fdstat_get(1, at(4));
    else if (strcmp(which, "misaligned_events") == 0) {
        __wasi_subscription_t sub = { .u.tag = __WASI_EVENTTYPE_CLOCK, .u.u.clock = { .id = __WASI_CLOCKID_MONOTONIC } };
        e = __wasi_poll_oneoff(&sub, at(4), 1, &n);
    } else if (strcmp(which, "aligned") == 0) {
        __wasi_subscription_t sub = { .u.tag = __WASI_EVENTTYPE_CLOCK, .u.u.clock = { .id = __WASI_CLOCKID_MONOTONIC } };
        memcpy(at(4), &ok_iov, sizeof ok_iov);
        e = __wasi_fd_write(1, at(4), 1, at(0));
        if (!e) e = __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, at(8));
        if (!e) e = __wasi_fd_fdstat_get(1, at(16));
        if (!e) e = __wasi_poll_oneoff(&sub, at(48), 1, at(44));
        if (!e) e = __wasi_random_get(at(1), 7);
        printf("aligned calls: errno %u\n", e);
        return e ? 1 : 0;
    } else {
        printf("unknown case\n");
        return 2;
    }
    printf("the call returned errno %u instead of trapping\n", e);
    return 1;
}
