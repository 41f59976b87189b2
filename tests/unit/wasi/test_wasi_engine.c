/* WASI on the real engine: a guest run whole, the same guest suspended at
 * its first read of stdin and resumed, and snapshotted there and restored
 * into fresh instances, must all print the same. Also proc_exit and the
 * stdout callback through the engine. Guests come from $IFRIT_GUESTS
 * (default build/guests; scripts/build-guests.sh tests builds them);
 * without them the tests fail. */
#define TEST_SUITE "wasi/engine"
#include "testing.h"

#include <stdlib.h>
#include <time.h>

#include "wasi/wasi.h"

static const char *guests;

static iw_module_t *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", guests, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static uint8_t buf[4 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    iw_error_t err;
    iw_module_t *m = iw_module_new(buf, n, &err);
    if (!m) printf("# %s: offset %llu: %s\n", name, (unsigned long long)err.offset, err.message);
    return m;
}

static iw_linker_t *linker;
static iw_module_t *snap_mod;

static iwasi_ctx_t *ctx_for_snapshot_echo(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_add_arg(ctx, "snapshot_echo.wasm");
    iwasi_ctx_add_arg(ctx, "seed-arg");
    iwasi_ctx_output_buffer(ctx, 1, 0);
    return ctx;
}

static iw_status_t start(iw_instance_t *inst)
{
    return iw_call(inst, iw_instance_func(inst, "_start"), NULL, 0, NULL, 0);
}

/* Output of an uninterrupted run with this input, into out. */
static void run_whole(const char *input, char *out, size_t cap)
{
    iwasi_ctx_t *ctx = ctx_for_snapshot_echo();
    iwasi_ctx_stdin_bytes(ctx, input, strlen(input));
    iw_instance_t *inst = iw_instance_new(snap_mod, linker, NULL, NULL, NULL);
    CHECK(inst != NULL);
    if (!inst) return;
    iw_instance_set_user_data(inst, ctx);
    CHECK_INT_EQ(start(inst), IW_FINISHED);
    size_t len;
    const char *o = iwasi_ctx_output(ctx, 1, &len);
    snprintf(out, cap, "%.*s", (int)len, o);
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
}

static void test_suspend_and_resume(void)
{
    char whole[512];
    run_whole("the input", whole, sizeof whole);
    CHECK(strstr(whole, "read 9 bytes") != NULL);
    iwasi_ctx_t *ctx = ctx_for_snapshot_echo();
    iwasi_ctx_stdin_pending(ctx);
    iw_instance_t *inst = iw_instance_new(snap_mod, linker, NULL, NULL, NULL);
    iw_instance_set_user_data(inst, ctx);
    CHECK_INT_EQ(start(inst), IW_SUSPENDED);
    CHECK(iwasi_ctx_waiting(ctx));
    CHECK_INT_EQ(iwasi_resume(inst), IW_SUSPENDED);   /* still no input: nothing runs */
    iwasi_ctx_stdin_bytes(ctx, "the input", 9);
    CHECK_INT_EQ(iwasi_resume(inst), IW_FINISHED);
    size_t len;
    const char *o = iwasi_ctx_output(ctx, 1, &len);
    CHECK_MEM_EQ(o, len, whole);
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
}

static void test_snapshot_restore(void)
{
    iwasi_ctx_t *ctx = ctx_for_snapshot_echo();
    iwasi_ctx_stdin_pending(ctx);
    iw_instance_t *inst = iw_instance_new(snap_mod, linker, NULL, NULL, NULL);
    iw_instance_set_user_data(inst, ctx);
    CHECK_INT_EQ(start(inst), IW_SUSPENDED);
    iw_image_t *img = iw_image_capture(inst);
    CHECK(img != NULL);
    iw_instance_free(inst);
    if (!img) {
        iwasi_ctx_free(ctx);
        return;
    }
    /* Each request from the same image: output as if run whole. */
    const char *inputs[] = { "first request", "a second, longer request body", "" };
    for (int i = 0; i < 3; i++) {
        char whole[512];
        run_whole(inputs[i], whole, sizeof whole);
        iw_error_t err;
        iw_instance_t *r = iw_instance_from_image(img, NULL, &err);
        CHECK(r != NULL);
        if (!r) continue;
        iwasi_ctx_t *c = iwasi_ctx_clone(ctx);
        CHECK(c && iwasi_ctx_waiting(c));
        iw_instance_set_user_data(r, c);
        iwasi_ctx_stdin_bytes(c, inputs[i], strlen(inputs[i]));
        CHECK_INT_EQ(iwasi_resume(r), IW_FINISHED);
        size_t len;
        const char *o = iwasi_ctx_output(c, 1, &len);
        CHECK_MEM_EQ(o, len, whole);
        iw_instance_free(r);
        iwasi_ctx_free(c);
    }
    iw_image_release(img);
    iwasi_ctx_free(ctx);
}

static size_t streamed_calls;
static iwasi_errno_t count_writes(void *ud, const void *data, size_t len)
{
    (void)ud; (void)data;
    streamed_calls += len > 0;
    return 0;
}

static void test_exit_code_and_stream(void)
{
    iw_module_t *m = load("exit_code.wasm");
    CHECK(m != NULL);
    if (!m) return;
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_add_arg(ctx, "exit_code.wasm");
    iwasi_ctx_add_arg(ctx, "42");
    iw_instance_t *inst = iw_instance_new(m, linker, NULL, NULL, NULL);
    iw_instance_set_user_data(inst, ctx);
    CHECK_INT_EQ(start(inst), IW_EXITED);
    CHECK_INT_EQ(iw_instance_exit_code(inst), 42);
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
    iw_module_release(m);

    m = load("stdio_echo.wasm");
    CHECK(m != NULL);
    if (!m) return;
    ctx = iwasi_ctx_new();
    static char big[200000];
    memset(big, 'x', sizeof big);
    iwasi_ctx_stdin_bytes(ctx, big, sizeof big);
    iwasi_ctx_output_callback(ctx, 1, count_writes, NULL);
    iwasi_ctx_stdio_null(ctx, 2);
    inst = iw_instance_new(m, linker, NULL, NULL, NULL);
    iw_instance_set_user_data(inst, ctx);
    CHECK_INT_EQ(start(inst), IW_FINISHED);
    CHECK(streamed_calls > 1);   /* bytes arrive as the guest writes them */
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
    iw_module_release(m);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Issue 14, item 2: in suspend-waits mode a real guest's nanosleep and
 * sched_yield suspend the engine inside the call; iwasi_resume before the
 * wake time runs nothing, from it on the guest finishes as a whole run. */
static void run_waiting(const char *query, const char *want_prefix, bool timed)
{
    iw_module_t *m = load("fn_wait.wasm");
    CHECK(m != NULL);
    if (!m) return;
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    iwasi_ctx_add_env(ctx, query);
    iwasi_ctx_stdin_bytes(ctx, "", 0);
    iwasi_ctx_output_buffer(ctx, 1, 0);
    iwasi_ctx_stdio_null(ctx, 2);
    iwasi_ctx_suspend_waits(ctx, true);
    iw_instance_t *inst = iw_instance_new(m, linker, NULL, NULL, NULL);
    iw_instance_set_user_data(inst, ctx);
    iw_status_t st = start(inst);
    int suspensions = 0;
    while (st == IW_SUSPENDED && suspensions < (1 << 24)) {
        int64_t at = 0;
        CHECK(iw_instance_suspended(inst, NULL, NULL) == IW_SUSPEND_HOST);   /* no slices here */
        if (iwasi_ctx_wake_at(ctx, &at)) {
            suspensions++;
            if (timed && at > mono_ns()) {
                CHECK_INT_EQ(iwasi_resume(inst), IW_SUSPENDED);   /* too early: nothing runs */
                size_t len;
                iwasi_ctx_output(ctx, 1, &len);
                CHECK_INT_EQ(len, 0);
                while (mono_ns() < at) {
                    struct timespec ts = { 0, 2000000 };
                    nanosleep(&ts, NULL);
                }
            }
        }
        st = iwasi_resume(inst);
    }
    CHECK_INT_EQ(st, IW_FINISHED);
    CHECK(suspensions > 0);
    size_t len;
    const char *o = iwasi_ctx_output(ctx, 1, &len);
    CHECK(len >= strlen(want_prefix) && memcmp(o, want_prefix, strlen(want_prefix)) == 0);
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
    iw_module_release(m);
}

static void test_waits_suspend_the_engine(void)
{
    run_waiting("QUERY_STRING=sleep=30", "slept 30\n", true);
    run_waiting("QUERY_STRING=yield=5", "yielded ", false);
}

int main(void)
{
    guests = getenv("IFRIT_GUESTS");
    if (!guests) guests = "build/guests";
    if (!(snap_mod = load("snapshot_echo.wasm"))) {
        printf("FAIL wasi/engine: no snapshot_echo.wasm in %s (set IFRIT_GUESTS, run scripts/build-guests.sh tests)\n",
               guests);
        return 1;
    }
    linker = iw_linker_new();
    if (iwasi_link(linker) < 0) {
        printf("FAIL wasi/engine: iwasi_link\n");
        return 1;
    }
    RUN(test_suspend_and_resume);
    RUN(test_snapshot_restore);
    RUN(test_exit_code_and_stream);
    RUN(test_waits_suspend_the_engine);
    iw_linker_free(linker);
    iw_module_release(snap_mod);
    return testing_done();
}
