/* Clocks, randomness, process and scheduling calls, and the socket calls
 * (ifrit gives guests no sockets: EBADF or ENOTSOCK). */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#include "wasi/call.h"

static int iwasi__host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case IWASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return 0;
    case IWASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return 0;
    case IWASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case IWASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
    }
    return IWASI_EINVAL;
}

static uint64_t iwasi__ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

int iwasi_call_clock_res_get(const iwasi_call_t *c)
{
    clockid_t id;
    struct timespec ts;
    if (iwasi__host_clock(iwasi_arg32(c, 0), &id)) return IWASI_EINVAL;
    if (clock_getres(id, &ts) < 0) return iwasi_errno_from_host(errno);
    uint64_t ns = iwasi__ns(&ts);
    return iwasi_store_u64(c->mem, iwasi_arg32(c, 1), ns ? ns : 1);   /* "non-zero" says the spec */
}

int iwasi_call_clock_time_get(const iwasi_call_t *c)
{
    clockid_t id;
    struct timespec ts;
    if (iwasi__host_clock(iwasi_arg32(c, 0), &id)) return IWASI_EINVAL;
    if (clock_gettime(id, &ts) < 0) return iwasi_errno_from_host(errno);
    return iwasi_store_u64(c->mem, iwasi_arg32(c, 2), iwasi__ns(&ts));
}

/* Fills p with bytes from the kernel's generator. */
static iwasi_errno_t iwasi__random(uint8_t *p, size_t len)
{
    while (len) {
#ifdef __linux__
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return iwasi_errno_from_host(errno);
#else
        ssize_t n = len > 256 ? 256 : (ssize_t)len;   /* getentropy's largest request */
        if (getentropy(p, (size_t)n) < 0) return iwasi_errno_from_host(errno);
#endif
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int iwasi_call_random_get(const iwasi_call_t *c)
{
    uint32_t len = iwasi_arg32(c, 1);
    uint8_t *p = iwasi_lift(c->mem, iwasi_arg32(c, 0), len);
    if (!p && len) return IWASI_EFAULT;
    return iwasi__random(p, len);
}

int iwasi_call_proc_exit(const iwasi_call_t *c)
{
    c->ctx->exit_code = (int32_t)iwasi_arg32(c, 0);
    return IWASI_CALL_EXIT;
}

/* Signals are not part of ifrit's sandbox (wasmtime answers the same). */
int iwasi_call_proc_raise(const iwasi_call_t *c) { (void)c; return IWASI_ENOSYS; }

/* In suspend-waits mode a yield gives the host's loop one turn: the first
 * run suspends (wake = now), the redone one completes. */
int iwasi_call_sched_yield(const iwasi_call_t *c)
{
    iwasi_wait_t *w = &c->ctx->wait;
    if (w->timed) return 0;
    if (!c->ctx->suspend_waits) {
        sched_yield();
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    *w = (iwasi_wait_t){ .timed = true, .mono = (int64_t)iwasi__ns(&ts), .wake = (int64_t)iwasi__ns(&ts) };
    return IWASI_CALL_SUSPEND;
}

/* ifrit hands guests no sockets, so a socket call's descriptor is either
 * not open (EBADF) or open and not a socket (ENOTSOCK), as wasmtime and
 * POSIX answer; never ENOTSUP, which would say the call itself is missing.
 * Flags the witx does not define (flags_arg's bits outside valid) are
 * EINVAL first, as wasmtime refuses them before looking at anything. */
static int iwasi__sock(const iwasi_call_t *c, int flags_arg, uint32_t valid)
{
    if (!iwasi_fd_get(c->ctx, iwasi_arg32(c, 0))) return IWASI_EBADF;
    if (iwasi_arg32(c, flags_arg) & ~valid) return IWASI_EINVAL;
    return IWASI_ENOTSOCK;
}

int iwasi_call_sock_accept(const iwasi_call_t *c) { return iwasi__sock(c, 1, IWASI_FDFLAGS_ALL); }
int iwasi_call_sock_recv(const iwasi_call_t *c) { return iwasi__sock(c, 3, IWASI_RIFLAGS_ALL); }
int iwasi_call_sock_send(const iwasi_call_t *c) { return iwasi__sock(c, 3, 0); }
int iwasi_call_sock_shutdown(const iwasi_call_t *c) { return iwasi__sock(c, 1, IWASI_SDFLAGS_ALL); }
