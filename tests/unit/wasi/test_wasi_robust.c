/* Robustness: every WASI host function called many times with random and
 * edge-case arguments over a fake guest memory whose bytes are random
 * paths-ish text. Nothing may crash or touch memory outside the guest's
 * (ASan builds check that), every answer must be a WASI errno (or exit /
 * suspend where those can happen), and nothing outside the preopened
 * temporary directory may change. The generator is seeded: failures
 * reproduce. */
#define TEST_SUITE "wasi/robust"
#include "testing.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_test_mem.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Arguments that tend to matter: the preopen's fd 3, small numbers (fds,
 * flags, short lengths), addresses near the end of memory, the extremes,
 * and plain noise. */
static uint64_t arg(void)
{
    switch (next() % 10) {
    case 0: case 1: return 3;
    case 2: return next() % 8;
    case 3: return 1 + next() % 16;
    case 4: return GUEST_SIZE - next() % 64;
    case 5: return 0xFFFFFFFFu - next() % 4;
    case 6: case 7: return next() % GUEST_SIZE;
    case 8: return (uint64_t)-1;
    default: return next();
    }
}

/* Guest memory full of short path pieces, so path calls see real names. */
static void fill_guest(void)
{
    static const char *pieces[] = { "a", "b/", "../", "./", "/", "x.txt", "sub", "..", ".", "a/", "b",
                                    "sub/", "x.txt/", "a/b", "\0" };
    for (size_t i = 0; i < GUEST_SIZE;) {
        const char *p = pieces[next() % 15];
        size_t n = strlen(p) ? strlen(p) : 1;
        for (size_t k = 0; k < n && i < GUEST_SIZE; k++) guest[i++] = (uint8_t)p[k];
    }
}

static char base[256], rootdir[300];

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void test_random_calls(void)
{
    strcpy(base, "/tmp/ifrit-wasi-robust-XXXXXX");
    CHECK(mkdtemp(base) != NULL);
    snprintf(rootdir, sizeof rootdir, "%s/root", base);
    mkdir(rootdir, 0777);
    int outside_before = count_entries(base);

    for (int round = 0; round < 40; round++) {
        iwasi_ctx_t *ctx = iwasi_ctx_new();
        for (int i = 0; i < 3; i++) iwasi_ctx_stdio_null(ctx, i);
        iwasi_ctx_add_arg(ctx, "robust");
        iwasi_ctx_add_env(ctx, "K=V");
        CHECK_INT_EQ(iwasi_ctx_preopen(ctx, rootdir, "/"), 0);
        iwasi_ctx_set_deadline(ctx, 1);   /* already past: poll_oneoff never sleeps */
        fill_guest();
        for (int i = 0; i < 5000; i++) {
            const iwasi_hostcall_t *h = &iwasi_hostcalls[next() % iwasi_hostcall_count];
            /* fd_allocate would really reserve gigabytes of disk. */
            if (!strcmp(h->name, "fd_allocate")) continue;
            uint64_t args[9];
            for (int k = 0; k < 9; k++) args[k] = arg();
            /* Keep the preopen usable, or every later path call is EBADF. */
            bool keeps_fd3 = !strcmp(h->name, "fd_close") || !strcmp(h->name, "fd_fdstat_set_rights") ||
                             !strcmp(h->name, "fd_renumber");
            if (keeps_fd3 && ((uint32_t)args[0] == 3 || (uint32_t)args[1] == 3)) continue;
            int r = iwasi_hostcall_run(h, ctx, &guest_mem, args);
            bool ok = (r >= 0 && r <= IWASI_ENOTCAPABLE) || (r == IWASI_CALL_EXIT && !strcmp(h->name, "proc_exit"));
            if (!ok) printf("# %s answered %d\n", h->name, r);
            CHECK(ok);
        }
        iwasi_ctx_free(ctx);
    }
    /* Whatever the calls did, they did it inside root/. */
    CHECK_INT_EQ(count_entries(base), outside_before);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", base, base);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_random_calls);
    return testing_done();
}
