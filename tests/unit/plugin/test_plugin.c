/* Plugins through the route layer with a fake host: loading and its
 * errors, chain order, host functions, limits, fail-open and the shared
 * disable state. Uses the plugins scripts/build-guests.sh builds from
 * tests/plugins into build/plugins ($IFRIT_ROOT/build/plugins); a test
 * whose plugin is missing fails, it is never skipped. */
#define TEST_SUITE "plugin"
#include "testing.h"

#include <stdlib.h>

#include "base/log.h"
#include "plugin/plugin_int.h"
#include "route/fake_host.h"

static char plugin_dir[1024];
static int disabled_lines;

static void count_log(ifr_log_level_t level, const char *line, size_t len, void *ud)
{
    (void)ud;
    if (level == IFR_LOG_ERROR && memmem(line, len, "disabled after 10", 17)) disabled_lines++;
}

/* Rotates through a few buffers: one format call may take several paths. */
static const char *wasm_path(const char *name)
{
    static char bufs[4][1200];
    static int next;
    char *buf = bufs[next++ % 4];
    snprintf(buf, sizeof(bufs[0]), "%s/%s.wasm", plugin_dir, name);
    return buf;
}

/* A plugin the current test needs: when it is missing, the test fails and
 * says how to build it. */
static bool need(const char *name)
{
    if (access(wasm_path(name), R_OK) == 0) return true;
    printf("FAIL %s/%s: %s not built (scripts/build-guests.sh tests)\n", TEST_SUITE, testing_current,
           wasm_path(name));
    testing_failed_checks++;
    return false;
}

static route_plan_t *plan(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    cfg_error_t err;
    route_plan_t *p = route_plan_load_text(text, strlen(text), "Caddyfile", &err);
    if (!p) printf("# %s:%d:%d: %s\n", err.file, err.line, err.col, err.message);
    return p;
}

static void test_chain_order(void)
{
    plugin_t a = { .opt.priority = 5 }, b = { .opt.priority = 1 }, c = { .opt.priority = 5 }, d = { .opt.priority = 9 };
    ifr_arena_t arena;
    ifr_arena_init(&arena, 0);
    plugin_chain_t ch = { 0 };
    CHECK(plugin_chain_add(&ch, &arena, &a) == 0);
    CHECK(plugin_chain_add(&ch, &arena, &b) == 0);
    CHECK(plugin_chain_add(&ch, &arena, &c) == 0);
    CHECK(plugin_chain_add(&ch, &arena, &d) == 0);
    CHECK_INT_EQ(ch.count, 4);
    CHECK(ch.items[0] == &b && ch.items[1] == &a && ch.items[2] == &c && ch.items[3] == &d);
    ifr_arena_destroy(&arena);
}

static void test_load_errors(void)
{
    plugin_options_t o;
    plugin_options_init(&o);
    CHECK_INT_EQ(o.fuel, 1000000);
    CHECK_INT_EQ(o.memory_bytes, 16u << 20);
    CHECK_INT_EQ(o.timeout_ns, 50000000);
    char err[512];
    CHECK(plugin_load("/nonexistent/x.wasm", &o, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "/nonexistent/x.wasm") && strstr(err, "cannot read"));
    if (!need("no_hooks")) return;
    CHECK(plugin_load(wasm_path("no_hooks"), &o, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "no_hooks.wasm") && strstr(err, "exports none"));
    /* A file that is not a module. */
    char tmp[] = "/tmp/ifrit-plugin-XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0 && write(fd, "\0asm\x02\0\0\0", 8) == 8);
    close(fd);
    CHECK(plugin_load(tmp, &o, err, sizeof(err)) == NULL);
    CHECK(strstr(err, tmp) && strstr(err, "not a valid WebAssembly module"));
    unlink(tmp);
}

/* The same bytes at the same path share one state; changed bytes do not;
 * nor does another configured plugin (another key). */
static void test_state_follows_the_file(void)
{
    if (!need("noop") || !need("skip")) return;
    char tmp[] = "/tmp/ifrit-plugin-XXXXXX";
    int fd = mkstemp(tmp);
    close(fd);
    char cmd[2600];
    snprintf(cmd, sizeof(cmd), "cp %s %s", wasm_path("noop"), tmp);
    CHECK(system(cmd) == 0);
    plugin_options_t o;
    plugin_options_init(&o);
    char err[512];
    plugin_t *a = plugin_load(tmp, &o, err, sizeof(err));
    plugin_t *b = plugin_load(tmp, &o, err, sizeof(err));
    CHECK(a && b && a->state == b->state);
    if (a) atomic_store(&a->state->disabled, true);
    CHECK(b && plugin_is_disabled(b));
    plugin_options_t keyed = o;
    keyed.key = ":80 Caddyfile:3:2";
    plugin_t *k1 = plugin_load(tmp, &keyed, err, sizeof(err));
    plugin_t *k2 = plugin_load(tmp, &keyed, err, sizeof(err));
    CHECK(k1 && k2 && k1->state == k2->state && !plugin_is_disabled(k1));
    CHECK(k1 && a && k1->state != a->state);
    plugin_free(k1);
    plugin_free(k2);
    snprintf(cmd, sizeof(cmd), "cp %s %s", wasm_path("skip"), tmp);
    CHECK(system(cmd) == 0);
    plugin_t *c = plugin_load(tmp, &o, err, sizeof(err));
    CHECK(c && a && c->state != a->state && !plugin_is_disabled(c));
    plugin_free(a);
    plugin_free(b);
    plugin_free(c);
    unlink(tmp);
}

static void test_host_functions_through_dispatch(void)
{
    if (!need("echo") || !need("add_header")) return;
    route_plan_t *p = plan(":8080 {\n wasm_plugin %s {\n  priority 2\n  config \"hello there\"\n }\n"
                           " wasm_plugin %s {\n  priority 1\n }\n}\n",
                           wasm_path("echo"), wasm_path("add_header"));
    CHECK(p != NULL);
    if (!p) return;
    const char *hdrs[] = { "X-Some-Header: 1", NULL };
    fake_t *f = fake_run(p, "PUT", "/a/b?c=d", "localhost:8080", hdrs);
    CHECK_INT_EQ(f->status, 200);
    CHECK(strstr(f->body, "method=PUT\npath=/a/b?c=d\ntls=0\nip=127.0.0.1\nconfig=hello there\ncolor=\n") != NULL);
    CHECK(strstr(f->body, "names=x-some-header,x-plugin,") != NULL);
    CHECK_STR_EQ(fake_header(f, "X-Plugin-Seen"), "yes");
    CHECK_STR_EQ(fake_header(f, "Content-Length"), "");   /* the host adds it from content_length */
    fake_free(f);
    route_plan_release(p);
}

static void test_fail_open_undoes_and_disables(void)
{
    if (!need("trap") || !need("order")) return;
    /* order runs first and changes the request; trap then fails, and the
     * request still reaches respond with order's change kept. */
    route_plan_t *p = plan(":8080 {\n wasm_plugin %s {\n  config o\n }\n wasm_plugin %s\n"
                           " respond \"{header.X-Order}\"\n}\n",
                           wasm_path("order"), wasm_path("trap"));
    CHECK(p != NULL);
    if (!p) return;
    for (int i = 0; i < PLUGIN_MAX_TRAPS + 2; i++) {
        fake_t *f = fake_run(p, "GET", "/", "localhost:8080", NULL);
        CHECK_INT_EQ(f->status, 200);
        CHECK_STR_EQ(f->body, "o");
        fake_free(f);
    }
    CHECK_INT_EQ(disabled_lines, 1);
    /* The second wasm_plugin entry's plugin is the trap one. */
    route_plan_t *q = plan(":8080 {\n wasm_plugin %s\n}\n", wasm_path("trap"));
    CHECK(q != NULL);
    if (q) {
        /* A new load of the unchanged file finds the plugin disabled. */
        fake_t *f = fake_run(q, "GET", "/", "localhost:8080", NULL);
        CHECK_INT_EQ(f->status, 200);
        fake_free(f);
        route_plan_release(q);
    }
    route_plan_release(p);
}

static void test_trapped_call_changes_nothing(void)
{
    if (!need("mutate_trap")) return;
    route_plan_t *p = plan(":8080 {\n wasm_plugin %s\n respond \"[{header.X-Plugin}] [{header.X-Keep}] {path}\"\n}\n",
                           wasm_path("mutate_trap"));
    CHECK(p != NULL);
    if (!p) return;
    const char *hdrs[] = { "X-Keep: kept", NULL };
    fake_t *f = fake_run(p, "GET", "/orig", "localhost:8080", hdrs);
    CHECK_INT_EQ(f->status, 200);
    CHECK_STR_EQ(f->body, "[] [kept] /orig");
    fake_free(f);
    route_plan_release(p);
}

static void test_bad_pointer_traps_without_harm(void)
{
    if (!need("bad_pointer")) return;
    route_plan_t *p = plan(":8080 {\n wasm_plugin %s\n respond \"fine\"\n}\n", wasm_path("bad_pointer"));
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = fake_run(p, "GET", "/", "localhost:8080", NULL);
    CHECK_INT_EQ(f->status, 200);
    CHECK_STR_EQ(f->body, "fine");
    fake_free(f);
    route_plan_release(p);
}

int main(void)
{
    const char *root = getenv("IFRIT_ROOT");
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/build/plugins", root ? root : ".");
    ifr_log_set_sink(count_log, NULL);   /* trap warnings are expected here */
    plugin_register_directives();
    RUN(test_chain_order);
    RUN(test_load_errors);
    RUN(test_state_follows_the_file);
    RUN(test_host_functions_through_dispatch);
    RUN(test_fail_open_undoes_and_disables);
    RUN(test_trapped_call_changes_nothing);
    RUN(test_bad_pointer_traps_without_harm);
    return testing_done();
}
