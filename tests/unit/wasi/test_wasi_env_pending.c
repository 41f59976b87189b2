/* Suspend-on-environment (iwasi_ctx_env_pending), the snapshot point a
 * function takes at a guest's first look at its environment: both environ
 * calls suspend while it is on, a clone keeps it, and the redone call
 * answers the variables the clone was given afterwards. args_* never
 * suspend (argv is the same for every request). */
#define TEST_SUITE "wasi/env_pending"
#include "testing.h"

#include "wasi_test_mem.h"

static void test_environ_calls_suspend_while_pending(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK(iwasi_ctx_add_arg(ctx, "fn.wasm") == 0);
    CHECK(iwasi_ctx_add_env(ctx, "STATIC=1") == 0);
    iwasi_ctx_env_pending(ctx, true);
    CHECK_INT_EQ(WCALL(ctx, "environ_sizes_get", 100, 104), IWASI_CALL_SUSPEND);
    CHECK(iwasi_ctx_waiting(ctx));
    CHECK_STR_EQ(ctx->pending->name, "environ_sizes_get");
    CHECK_INT_EQ(WCALL(ctx, "environ_get", 200, 300), IWASI_CALL_SUSPEND);
    CHECK_STR_EQ(ctx->pending->name, "environ_get");
    CHECK_INT_EQ(WCALL(ctx, "args_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK(!iwasi_ctx_waiting(ctx));
    iwasi_ctx_env_pending(ctx, false);
    CHECK_INT_EQ(WCALL(ctx, "environ_sizes_get", 100, 104), 0);
    CHECK_INT_EQ(guest_u32(100), 1);
    CHECK_INT_EQ(guest_u32(104), 9);
    iwasi_ctx_free(ctx);
}

static void test_clone_answers_its_own_variables(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK(iwasi_ctx_add_env(ctx, "STATIC=1") == 0);
    iwasi_ctx_env_pending(ctx, true);
    CHECK_INT_EQ(WCALL(ctx, "environ_sizes_get", 100, 104), IWASI_CALL_SUSPEND);
    /* The snapshot's state: each request clones it, adds its variables,
     * turns the wait off and redoes the call. */
    const char *methods[] = { "REQUEST_METHOD=GET", "REQUEST_METHOD=DELETE" };
    for (int i = 0; i < 2; i++) {
        iwasi_ctx_t *c = iwasi_ctx_clone(ctx);
        CHECK(c && iwasi_ctx_waiting(c));
        if (!c) continue;
        CHECK_INT_EQ(iwasi_hostcall_run(c->pending, c, &guest_mem, (const uint64_t[]){ 100, 104 }),
                     IWASI_CALL_SUSPEND);   /* still pending in the clone */
        CHECK(iwasi_ctx_add_env(c, methods[i]) == 0);
        iwasi_ctx_env_pending(c, false);
        CHECK_INT_EQ(iwasi_hostcall_run(c->pending, c, &guest_mem, (const uint64_t[]){ 100, 104 }), 0);
        CHECK(!iwasi_ctx_waiting(c));
        CHECK_INT_EQ(guest_u32(100), 2);
        CHECK_INT_EQ(guest_u32(104), 9 + strlen(methods[i]) + 1);
        CHECK_INT_EQ(WCALL(c, "environ_get", 200, 300), 0);
        CHECK_INT_EQ(guest_u32(204), 309);
        CHECK_STR_EQ((const char *)guest + 309, methods[i]);
        iwasi_ctx_free(c);
    }
    iwasi_ctx_free(ctx);
}

int main(void)
{
    RUN(test_environ_calls_suspend_while_pending);
    RUN(test_clone_answers_its_own_variables);
    return testing_done();
}
