/* WASI without files: the host-call table, args/env, stdio kinds, iovec
 * gathering, bad pointers, rights, clocks, random, poll, exit, suspend on
 * stdin and cloning. Driven over a fake guest memory (no engine needed). */
#define TEST_SUITE "wasi/core"
#include "testing.h"

#include <errno.h>
#include <time.h>

#include "wasi_test_mem.h"

static void test_errno_values(void)
{
    CHECK_INT_EQ(IWASI_ENOENT, 44);
    CHECK_INT_EQ(IWASI_ENOTCAPABLE, 76);
    CHECK_INT_EQ(IWASI_EBADF, 8);
    CHECK_INT_EQ(iwasi_errno_from_host(ENOENT), IWASI_ENOENT);
    CHECK_INT_EQ(iwasi_errno_from_host(EWOULDBLOCK), IWASI_EAGAIN);
    CHECK_INT_EQ(iwasi_errno_from_host(ELOOP), IWASI_ELOOP);
    CHECK_INT_EQ(iwasi_errno_from_host(0), 0);
    CHECK_STR_EQ(iwasi_errno_name(IWASI_ENOTCAPABLE), "NOTCAPABLE");
    CHECK_STR_EQ(iwasi_errno_name(999), "?");
}

static void test_table_is_complete(void)
{
    static const char *names[] = {
        "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
        "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get",
        "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
        "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite",
        "fd_read", "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
        "path_create_directory", "path_filestat_get", "path_filestat_set_times", "path_link",
        "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
        "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get",
        "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
    };
    size_t n = sizeof names / sizeof names[0];
    CHECK_INT_EQ(iwasi_hostcall_count, n);
    for (size_t i = 0; i < n; i++) CHECK(iwasi_hostcall_find(names[i]) != NULL);
    CHECK(iwasi_hostcall_find("fd_nope") == NULL);
    /* Spot checks of signatures against the witx lowering. */
    CHECK_STR_EQ(iwasi_hostcall_find("path_open")->sig, "iiiiiIIii:i");
    CHECK_STR_EQ(iwasi_hostcall_find("fd_seek")->sig, "iIii:i");
    CHECK_STR_EQ(iwasi_hostcall_find("proc_exit")->sig, "i:");
    CHECK_STR_EQ(iwasi_hostcall_find("clock_time_get")->sig, "iIi:i");
}

static void test_args_and_env(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK(iwasi_ctx_add_arg(ctx, "prog") == 0);
    CHECK(iwasi_ctx_add_arg(ctx, "--x=1") == 0);
    CHECK(iwasi_ctx_add_env(ctx, "A=b") == 0);
    CHECK(iwasi_ctx_add_env(ctx, "no-equals") == -1);
    CHECK_INT_EQ(WCALL(ctx, "args_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 2);
    CHECK_INT_EQ(guest_u32(104), 5 + 6);
    CHECK_INT_EQ(WCALL(ctx, "args_get", 200, 300), 0);
    CHECK_INT_EQ(guest_u32(200), 300);
    CHECK_INT_EQ(guest_u32(204), 305);
    CHECK_STR_EQ((char *)guest + 300, "prog");
    CHECK_STR_EQ((char *)guest + 305, "--x=1");
    CHECK_INT_EQ(WCALL(ctx, "environ_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(WCALL(ctx, "environ_get", 400, 500), 0);
    CHECK_STR_EQ((char *)guest + guest_u32(400), "A=b");
    /* Bad pointers answer EFAULT, never write outside. */
    CHECK_INT_EQ(WCALL(ctx, "args_get", GUEST_SIZE - 4, 300), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "args_get", 200, GUEST_SIZE - 3), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "args_sizes_get", 0xFFFFFFFF, 104), IWASI_EFAULT);
    iwasi_ctx_free(ctx);
    /* Nothing to give: still fine (and no copy from a NULL buffer). */
    ctx = iwasi_ctx_new();
    CHECK_INT_EQ(WCALL(ctx, "environ_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 0);
    CHECK_INT_EQ(guest_u32(104), 0);
    CHECK_INT_EQ(WCALL(ctx, "environ_get", 400, GUEST_SIZE), 0);
    iwasi_ctx_free(ctx);
}

static void test_iovec_gathering(void)
{
    struct iovec iov[3];
    guest_iov(0, 1000, 5);
    guest_iov(8, 2000, 0);
    guest_iov(16, 3000, 7);
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, 0, 3, iov), 0);
    CHECK(iov[0].iov_base == guest + 1000 && iov[0].iov_len == 5);
    CHECK(iov[1].iov_len == 0);
    CHECK(iov[2].iov_base == guest + 3000 && iov[2].iov_len == 7);
    CHECK_INT_EQ(iwasi_iovs_total(iov, 3), 12);
    guest_iov(8, GUEST_SIZE - 2, 3);    /* buffer crosses the end */
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, 0, 3, iov), IWASI_EFAULT);
    guest_iov(8, 0xFFFFFFF0, 0x20);     /* wraps in 32 bits, not in 64 */
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, 0, 3, iov), IWASI_EFAULT);
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, GUEST_SIZE - 8, 2, iov), IWASI_EFAULT);
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, 2, 1, iov), IWASI_EFAULT);   /* an iovec array is aligned to 4 */
    CHECK_INT_EQ(iwasi_iovs_lift(&guest_mem, 0, IWASI_IOV_MAX + 1, iov), IWASI_EINVAL);
}

static void test_stdout_buffer_and_limit(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_output_buffer(ctx, 1, 16);
    guest_str(1000, "hello ");
    guest_str(2000, "world");
    guest_iov(0, 1000, 6);
    guest_iov(8, 2000, 5);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 11);
    size_t len;
    const char *out = iwasi_ctx_output(ctx, 1, &len);
    CHECK_MEM_EQ(out, len, "hello world");
    /* Past the limit: nothing of the write is kept. */
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 2, 100), IWASI_ENOSPC);
    out = iwasi_ctx_output(ctx, 1, &len);
    CHECK_MEM_EQ(out, len, "hello world");
    /* A bad result pointer fails before anything is written. */
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 1, GUEST_SIZE), IWASI_EFAULT);
    CHECK_INT_EQ(iwasi_ctx_output(ctx, 1, &len) != NULL && len == 11, 1);
    /* stdout cannot be read, stdin (host fd 0 by default) is not written here. */
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 1, 0, 1, 100), IWASI_EBADF);
    iwasi_ctx_free(ctx);
}

static char collected[64];
static size_t collected_len;
static iwasi_errno_t collect(void *ud, const void *data, size_t len)
{
    (void)ud;
    if (collected_len + len > sizeof collected) return IWASI_EPIPE;
    memcpy(collected + collected_len, data, len);
    collected_len += len;
    return 0;
}

static void test_stderr_callback(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_output_callback(ctx, 2, collect, NULL);
    collected_len = 0;
    guest_str(1000, "oops\n");
    guest_iov(0, 1000, 5);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 2, 0, 1, 100), 0);
    CHECK_MEM_EQ(collected, collected_len, "oops\n");
    guest_iov(0, 1000, 100);    /* more than the callback takes */
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 2, 0, 1, 100), IWASI_EPIPE);
    iwasi_ctx_free(ctx);
}

static void test_stdin_bytes(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_stdin_bytes(ctx, "abcdefg", 7);
    guest_iov(0, 0xFFFFFFFF, 0);    /* empty, with an address that means nothing */
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 1, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 0);
    guest_iov(0, 1000, 3);
    guest_iov(8, 2000, 3);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 6);
    CHECK(memcmp(guest + 1000, "abc", 3) == 0 && memcmp(guest + 2000, "def", 3) == 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 0);    /* end of input */
    CHECK_INT_EQ(WCALL(ctx, "fd_seek", 0, 0, IWASI_WHENCE_SET, 100), IWASI_ESPIPE);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 0, 0, 1, 100), IWASI_EBADF);
    iwasi_ctx_free(ctx);
}

static void test_stdin_pending_suspends(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_stdin_pending(ctx);
    CHECK(!iwasi_ctx_waiting(ctx));
    guest_iov(0, 1000, 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 1, 100), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_waiting(ctx));
    /* A clone taken now (the snapshot) is waiting too, and each gets its own input. */
    iwasi_ctx_t *twin = iwasi_ctx_clone(ctx);
    CHECK(twin && iwasi_ctx_waiting(twin));
    iwasi_ctx_stdin_bytes(ctx, "one", 3);
    CHECK_INT_EQ(iwasi_hostcall_run(ctx->pending, ctx, &guest_mem, (const uint64_t[]){ 0, 0, 1, 100 }), 0);
    CHECK_INT_EQ(guest_u32(100), 3);
    CHECK(!iwasi_ctx_waiting(ctx));
    iwasi_ctx_stdin_bytes(twin, "second", 6);
    CHECK_INT_EQ(iwasi_hostcall_run(twin->pending, twin, &guest_mem, (const uint64_t[]){ 0, 0, 1, 100 }), 0);
    CHECK_INT_EQ(guest_u32(100), 6);
    CHECK(memcmp(guest + 1000, "second", 6) == 0);
    /* poll_oneoff on pending stdin suspends as well. */
    iwasi_ctx_stdin_pending(ctx);
    memset(guest + 4000, 0, IWASI_SUBSCRIPTION_SIZE);
    guest[4000 + 8] = IWASI_EVENT_FD_READ;
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    iwasi_ctx_free(twin);
    iwasi_ctx_free(ctx);
}

static iwasi_errno_t read_later(void *ud, void *buf, size_t cap, size_t *n)
{
    int *calls = ud;
    if ((*calls)++ == 0) return IWASI_READ_PENDING;
    *n = cap < 2 ? cap : 2;
    memcpy(buf, "xy", *n);
    return 0;
}

static void test_stdin_callback(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    int calls = 0;
    iwasi_ctx_stdin_callback(ctx, read_later, &calls);
    guest_iov(0, 1000, 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 1, 100), IWASI_CALL_SUSPEND);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 0, 0, 1, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 2);
    iwasi_ctx_free(ctx);
}

static void test_bad_descriptors_and_rights(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_output_buffer(ctx, 1, 0);
    guest_iov(0, 1000, 1);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 99, 0, 1, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 0xFFFFFFFF, 0, 1, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_prestat_get", 0, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_tell", 1, 100), IWASI_ESPIPE);
    /* A stream is not a directory (EBADF, as wasmtime, before the rights). */
    CHECK_INT_EQ(WCALL(ctx, "fd_readdir", 1, 1000, 100, 0, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "path_open", 1, 0, 1000, 1, 0, 0, 0, 0, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", 1, 200), 0);
    uint64_t rights = guest_u64(208);
    CHECK(rights & IWASI_RIGHT_FD_WRITE);
    /* Dropping a right works, getting it back does not. */
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_set_rights", 1, rights & ~IWASI_RIGHT_FD_WRITE, 0), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 1, 100), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_set_rights", 1, rights, 0), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", 1, GUEST_SIZE - 10), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", 1, 1004), IWASI_EFAULT);   /* an fdstat is aligned to 8 */
    /* No socket ever exists: a closed fd is EBADF, any open one ENOTSOCK. */
    CHECK_INT_EQ(WCALL(ctx, "sock_accept", 3, 0, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "sock_accept", 1, 0, 100), IWASI_ENOTSOCK);
    CHECK_INT_EQ(WCALL(ctx, "sock_recv", 99, 0, 1, 0, 100, 104), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "sock_recv", 0, 0, 1, 0, 100, 104), IWASI_ENOTSOCK);
    CHECK_INT_EQ(WCALL(ctx, "sock_send", 99, 0, 1, 0, 100), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "sock_send", 2, 0, 1, 0, 100), IWASI_ENOTSOCK);
    CHECK_INT_EQ(WCALL(ctx, "sock_shutdown", 99, 3), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "sock_shutdown", 1, 3), IWASI_ENOTSOCK);
    CHECK_INT_EQ(WCALL(ctx, "proc_raise", 9), IWASI_ENOSYS);
    CHECK_INT_EQ(WCALL(ctx, "sched_yield", 0), 0);
    iwasi_ctx_free(ctx);
    /* No context at all (instance without user data). */
    CHECK_INT_EQ(WCALL(NULL, "fd_write", 1, 0, 1, 100), IWASI_EBADF);
}

static void test_renumber_and_close(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_output_buffer(ctx, 1, 0);
    iwasi_ctx_output_buffer(ctx, 2, 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_renumber", 1, 2), 0);   /* 2 now writes to stdout's stream */
    guest_str(1000, "x");
    guest_iov(0, 1000, 1);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 2, 0, 1, 100), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 1, 100), IWASI_EBADF);
    size_t len;
    iwasi_ctx_output(ctx, 1, &len);
    CHECK_INT_EQ(len, 1);
    CHECK_INT_EQ(WCALL(ctx, "fd_renumber", 2, 7), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_close", 2), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_close", 2), IWASI_EBADF);
    iwasi_ctx_free(ctx);
}

static void test_clocks_and_random(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", IWASI_CLOCK_MONOTONIC, 1, 104), 0);
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", IWASI_CLOCK_MONOTONIC, 1, 112), 0);
    CHECK(guest_u64(112) >= guest_u64(104));
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", IWASI_CLOCK_REALTIME, 1, 104), 0);
    uint64_t now = (uint64_t)time(NULL);
    CHECK(guest_u64(104) / 1000000000u + 5 >= now && guest_u64(104) / 1000000000u <= now + 5);
    for (uint32_t id = 0; id < 4; id++) {
        CHECK_INT_EQ(WCALL(ctx, "clock_res_get", id, 104), 0);
        CHECK(guest_u64(104) > 0);
        CHECK_INT_EQ(WCALL(ctx, "clock_time_get", id, 0, 104), 0);
    }
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", 4, 0, 104), IWASI_EINVAL);
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", 0, 0, GUEST_SIZE - 4), IWASI_EFAULT);
    /* A result pointer must be aligned to its type (a u64 to 8): the
     * binding turns this EFAULT into a trap, as the witx asks. */
    CHECK_INT_EQ(WCALL(ctx, "clock_time_get", 0, 0, 100), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "clock_res_get", 0, 108), IWASI_EFAULT);
    memset(guest + 1000, 0, 128);
    CHECK_INT_EQ(WCALL(ctx, "random_get", 1000, 64), 0);
    CHECK_INT_EQ(WCALL(ctx, "random_get", 1064, 64), 0);
    static const uint8_t zero[64];
    CHECK(memcmp(guest + 1000, zero, 64) != 0);
    CHECK(memcmp(guest + 1000, guest + 1064, 64) != 0);
    CHECK_INT_EQ(WCALL(ctx, "random_get", GUEST_SIZE - 10, 64), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "random_get", GUEST_SIZE, 0), 0);
    iwasi_ctx_free(ctx);
}

static void put_clock_sub(uint32_t at, uint64_t userdata, uint64_t timeout_ns)
{
    memset(guest + at, 0, IWASI_SUBSCRIPTION_SIZE);
    iwasi_put_u64(guest + at, userdata);
    guest[at + 8] = IWASI_EVENT_CLOCK;
    iwasi_put_u32(guest + at + IWASI_SUB_CLOCK_ID, IWASI_CLOCK_MONOTONIC);
    iwasi_put_u64(guest + at + IWASI_SUB_CLOCK_TIMEOUT, timeout_ns);
}

static void test_poll(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    /* One short clock: it fires. */
    put_clock_sub(4000, 77, 1000000);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(guest_u64(5000), 77);
    CHECK_INT_EQ(guest[5000 + 10], IWASI_EVENT_CLOCK);
    CHECK_INT_EQ(iwasi_get_u16(guest + 5008), 0);
    /* stdin with bytes is ready at once; the hour-long clock does not fire. */
    iwasi_ctx_stdin_bytes(ctx, "abc", 3);
    put_clock_sub(4000, 1, 3600ull * 1000000000u);
    memset(guest + 4048, 0, IWASI_SUBSCRIPTION_SIZE);
    iwasi_put_u64(guest + 4048, 2);
    guest[4048 + 8] = IWASI_EVENT_FD_READ;
    iwasi_put_u32(guest + 4048 + IWASI_SUB_FD, 0);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(guest_u64(5000), 2);
    CHECK_INT_EQ(guest[5000 + 10], IWASI_EVENT_FD_READ);
    CHECK_INT_EQ(guest_u64(5000 + 16), 3);
    /* A bad descriptor is an event carrying the error. */
    iwasi_put_u32(guest + 4048 + IWASI_SUB_FD, 42);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 2, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(iwasi_get_u16(guest + 5008), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 0, 100), IWASI_EINVAL);
    /* A sleep never outlasts the instance's deadline (here: already past;
     * were it ignored, the 2 s clock would fire and be reported). */
    iwasi_ctx_set_deadline(ctx, 1);
    put_clock_sub(4000, 5, 2000000000u);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), IWASI_EINTR);
    iwasi_ctx_set_deadline(ctx, 0);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", GUEST_SIZE - 40, 5000, 1, 100), IWASI_EFAULT);
    iwasi_ctx_free(ctx);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Redoes the suspended call of ctx, as iwasi_resume does. */
#define REDO(ctx, ...) iwasi_hostcall_run((ctx)->pending, (ctx), &guest_mem, (const uint64_t[]){ __VA_ARGS__ })

/* Issue 14, item 2: with suspend-waits on, a sleep or a yield suspends the
 * call instead of blocking the thread, says when to resume it, and the
 * redone call waits no longer than the first asked. */
static void test_poll_suspends_waits(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_suspend_waits(ctx, true);
    int64_t at = 0, before = mono_ns();
    put_clock_sub(4000, 9, 50000000);   /* 50 ms */
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    int64_t after = mono_ns();
    CHECK(iwasi_ctx_waiting(ctx));
    CHECK(iwasi_ctx_wake_at(ctx, &at));
    CHECK(at >= before + 50000000 && at <= after + 50000000);
    /* Redone early: still waiting, for the same moment. */
    int64_t again = 0;
    CHECK_INT_EQ(REDO(ctx, 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_wake_at(ctx, &again));
    CHECK(again == at);
    /* Redone from then on: the clock fires. */
    while (mono_ns() < at) {
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    CHECK_INT_EQ(REDO(ctx, 4000, 5000, 1, 100), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(guest_u64(5000), 9);
    CHECK(!iwasi_ctx_waiting(ctx) && !iwasi_ctx_wake_at(ctx, &at));
    /* Something ready at once never suspends. */
    iwasi_ctx_stdin_bytes(ctx, "abc", 3);
    put_clock_sub(4000, 1, 3600ull * 1000000000u);
    memset(guest + 4048, 0, IWASI_SUBSCRIPTION_SIZE);
    iwasi_put_u64(guest + 4048, 2);
    guest[4048 + 8] = IWASI_EVENT_FD_READ;
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 2, 100), 0);
    CHECK_INT_EQ(guest_u64(5000), 2);
    /* A yield gives the host one turn: suspended to resume at once, then done. */
    CHECK_INT_EQ(WCALL(ctx, "sched_yield", 0), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_wake_at(ctx, &at) && at <= mono_ns());
    CHECK_INT_EQ(REDO(ctx, 0), 0);
    CHECK(!iwasi_ctx_waiting(ctx));
    /* A sleep past the deadline waits for the deadline and stays there:
     * the host ends the guest, which never sees its sleep end. */
    int64_t deadline = mono_ns() + 20000000;
    iwasi_ctx_set_deadline(ctx, deadline);
    put_clock_sub(4000, 5, 3600ull * 1000000000u);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_wake_at(ctx, &at) && at == deadline);
    while (mono_ns() < deadline) {
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    CHECK_INT_EQ(REDO(ctx, 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_wake_at(ctx, &at) && at == deadline);
    /* Without suspend-waits the redone call finishes the wait blocking
     * (here cut short by the deadline, as a blocking sleep is). */
    iwasi_ctx_suspend_waits(ctx, false);
    CHECK_INT_EQ(REDO(ctx, 4000, 5000, 1, 100), IWASI_EINTR);
    CHECK(!iwasi_ctx_waiting(ctx));
    iwasi_ctx_set_deadline(ctx, 0);
    /* A clone taken while asleep sleeps until the same moment. */
    iwasi_ctx_suspend_waits(ctx, true);
    put_clock_sub(4000, 6, 3600ull * 1000000000u);
    CHECK_INT_EQ(WCALL(ctx, "poll_oneoff", 4000, 5000, 1, 100), IWASI_CALL_SUSPEND);
    iwasi_ctx_t *twin = iwasi_ctx_clone(ctx);
    int64_t twin_at = 0;
    CHECK(twin && iwasi_ctx_wake_at(ctx, &at) && iwasi_ctx_wake_at(twin, &twin_at) && at == twin_at);
    iwasi_ctx_free(twin);
    iwasi_ctx_free(ctx);
}

static void test_proc_exit(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK_INT_EQ(WCALL(ctx, "proc_exit", 42), IWASI_CALL_EXIT);
    CHECK_INT_EQ(ctx->exit_code, 42);
    iwasi_ctx_free(ctx);
}

static void test_clone_copies_state(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_add_arg(ctx, "a0");
    iwasi_ctx_add_env(ctx, "K=V");
    iwasi_ctx_output_buffer(ctx, 1, 100);
    guest_str(1000, "before");
    guest_iov(0, 1000, 6);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 1, 0, 1, 100), 0);
    iwasi_ctx_t *c = iwasi_ctx_clone(ctx);
    CHECK(c != NULL);
    size_t len;
    iwasi_ctx_output(c, 1, &len);
    CHECK_INT_EQ(len, 0);   /* output starts empty */
    CHECK_INT_EQ(WCALL(c, "args_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(WCALL(c, "environ_get", 400, 500), 0);
    CHECK_STR_EQ((char *)guest + 500, "K=V");
    CHECK_INT_EQ(WCALL(c, "fd_write", 1, 0, 1, 100), 0);
    const char *out = iwasi_ctx_output(c, 1, &len);
    CHECK_MEM_EQ(out, len, "before");
    out = iwasi_ctx_output(ctx, 1, &len);
    CHECK_MEM_EQ(out, len, "before");   /* the original is untouched */
    iwasi_ctx_free(c);
    iwasi_ctx_free(ctx);
}

int main(void)
{
    RUN(test_errno_values);
    RUN(test_table_is_complete);
    RUN(test_args_and_env);
    RUN(test_iovec_gathering);
    RUN(test_stdout_buffer_and_limit);
    RUN(test_stderr_callback);
    RUN(test_stdin_bytes);
    RUN(test_stdin_pending_suspends);
    RUN(test_stdin_callback);
    RUN(test_bad_descriptors_and_rights);
    RUN(test_renumber_and_close);
    RUN(test_clocks_and_random);
    RUN(test_poll);
    RUN(test_poll_suspends_waits);
    RUN(test_proc_exit);
    RUN(test_clone_copies_state);
    return testing_done();
}
