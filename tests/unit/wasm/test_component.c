/* Components: the decoder's refusals (each naming the construct and its
 * offset) on components assembled byte by byte here, and the real thing on
 * the components scripts/build-guests.sh makes with jco's wasm-tools from
 * tests/plugins/components (gate.c wrapped for both shapes of Dwaar's
 * world, $IFRIT_ROOT/build/plugins): their types, instantiation (the shim,
 * fixup and main modules wit-component emits), lowered host functions
 * returning option<string> and list<string>, lifted exports taking a
 * record with strings and a list of records. */
#include <stdint.h>
#include <stdlib.h>

#define TEST_SUITE "wasm/component"
#include "testing.h"
#include "wasm/wasm.h"

/* ---- a small assembler for component bytes ---------------------------- */

typedef struct { uint8_t b[4096]; size_t n; } buf_t;

static void put(buf_t *o, const void *p, size_t n) { memcpy(o->b + o->n, p, n); o->n += n; }
static void u8(buf_t *o, uint8_t v) { o->b[o->n++] = v; }
static void leb(buf_t *o, uint32_t v)
{
    do { uint8_t b = v & 0x7f; v >>= 7; u8(o, b | (v ? 0x80 : 0)); } while (v);
}
static void name(buf_t *o, const char *s) { leb(o, (uint32_t)strlen(s)); put(o, s, strlen(s)); }
static void section(buf_t *o, uint8_t id, const buf_t *payload) { u8(o, id); leb(o, (uint32_t)payload->n); put(o, payload->b, payload->n); }
static void preamble(buf_t *o) { put(o, "\0asm\x0d\0\x01\0", 8); }

static iw_component_t *load(const buf_t *o, iw_error_t *err) { return iw_component_new(o->b, o->n, err); }

static int contains(const char *s, const char *part) { return strstr(s, part) != NULL; }

static void test_empty_component(void)
{
    buf_t c = { .n = 0 };
    preamble(&c);
    iw_error_t err;
    iw_component_t *k = load(&c, &err);
    CHECK(k != NULL);
    CHECK(iw_is_component(c.b, c.n));
    if (k) CHECK_INT_EQ(iw_component_export_count(k), 0);
    iw_component_free(k);
}

static void test_preamble_refusals(void)
{
    iw_error_t err;
    buf_t c = { .n = 0 };
    put(&c, "\0asm\x0c\0\x01\0", 8);
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "version 0x000c"));
    CHECK_INT_EQ(err.offset, 4);
    c.n = 0;
    put(&c, "\0asm\x01\0\0\0", 8);      /* a core module */
    CHECK(!iw_is_component(c.b, c.n));
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "not a component"));
}

/* Each construct the engine does not run: the sentence names it, the
 * offset is where it starts. */
static void test_unsupported_constructs(void)
{
    static const struct { uint8_t id; uint8_t payload[8]; size_t len; const char *words; } cases[] = {
        { 9, { 0x00, 0x00, 0x00 }, 3, "start functions" },
        { 12, { 0x00 }, 1, "value sections" },
        { 8, { 0x01, 0x02, 0x00 }, 3, "resource.new" },
        { 7, { 0x01, 0x3f, 0x7f, 0x00 }, 4, "resource type definitions" },
        { 7, { 0x01, 0x66, 0x00 }, 3, "stream" },
        { 7, { 0x01, 0x43 }, 2, "async function types" },
        { 3, { 0x01, 0x50, 0x00 }, 3, "core module types" },
        { 5, { 0x01, 0x00, 0x00, 0x00 }, 4, "nested component" },
        { 10, { 0x01, 0x00, 0x01, 'x', 0x02, 0x00 }, 6, "value imports" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_t c = { .n = 0 }, p = { .n = 0 };
        preamble(&c);
        put(&p, cases[i].payload, cases[i].len);
        section(&c, cases[i].id, &p);
        iw_error_t err;
        iw_component_t *k = load(&c, &err);
        CHECK(k == NULL);
        if (!contains(err.message, cases[i].words))
            printf("FAIL %s/%s: case %zu: \"%s\" lacks \"%s\"\n", TEST_SUITE, testing_current, i, err.message,
                   cases[i].words), testing_failed_checks++;
        /* the offset points into the section, not past it */
        CHECK(err.offset >= 8 && err.offset < c.n);
        iw_component_free(k);
    }
}

/* A canon lift naming utf16: refused at the option's byte. */
static void test_utf16_refused(void)
{
    buf_t c = { .n = 0 }, p = { .n = 0 };
    preamble(&c);
    /* canon lower of an imported func() with string-encoding=utf16 */
    buf_t t = { .n = 0 };
    leb(&t, 1); u8(&t, 0x40); leb(&t, 0); u8(&t, 0x01); u8(&t, 0x00);   /* func() */
    section(&c, 7, &t);
    buf_t im = { .n = 0 };
    leb(&im, 1); u8(&im, 0x00); name(&im, "f"); u8(&im, 0x01); leb(&im, 0);   /* import "f" (func (type 0)) */
    section(&c, 10, &im);
    leb(&p, 1); u8(&p, 0x01); u8(&p, 0x00); leb(&p, 0); leb(&p, 1);
    size_t at = c.n + 2 + p.n;  /* section id, size byte, then the option */
    u8(&p, 0x01);
    section(&c, 8, &p);
    iw_error_t err;
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "utf16"));
    CHECK_INT_EQ(err.offset, at);
}

/* canon resource.drop (a WASI import's handles) of a type that is no
 * resource: refused at the type index. */
static void test_resource_drop_of_a_non_resource(void)
{
    buf_t c = { .n = 0 }, t = { .n = 0 }, p = { .n = 0 };
    preamble(&c);
    leb(&t, 1); u8(&t, 0x40); leb(&t, 0); u8(&t, 0x01); u8(&t, 0x00);   /* type 0: func() */
    section(&c, 7, &t);
    leb(&p, 1); u8(&p, 0x03);
    size_t at = c.n + 2 + p.n;  /* section id, size byte, then the type index */
    leb(&p, 0);
    section(&c, 8, &p);
    iw_error_t err;
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "type 0 is not a resource type"));
    CHECK_INT_EQ(err.offset, at);
}

/* A nested core module's own error, at its offset in the component. */
static void test_core_module_error_offset(void)
{
    buf_t c = { .n = 0 }, m = { .n = 0 };
    preamble(&c);
    put(&m, "\0asm\1\0\0\0", 8);
    u8(&m, 0x63);                       /* no such section */
    u8(&m, 0x00);
    size_t module_at = c.n + 2;
    section(&c, 1, &m);
    iw_error_t err;
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "core module 0:"));
    CHECK_INT_EQ(err.offset, module_at + 8);
}

static void test_index_checks(void)
{
    iw_error_t err;
    /* alias core export of a core instance that does not exist */
    buf_t c = { .n = 0 }, p = { .n = 0 };
    preamble(&c);
    leb(&p, 1); u8(&p, 0x00); u8(&p, 0x00); u8(&p, 0x01); leb(&p, 0); name(&p, "f");
    section(&c, 6, &p);
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "unknown core instance 0"));
    /* a value type naming a type index that does not exist */
    c.n = 0; p.n = 0;
    preamble(&c);
    leb(&p, 1); u8(&p, 0x70); leb(&p, 5);   /* list<type 5> */
    section(&c, 7, &p);
    CHECK(load(&c, &err) == NULL);
    CHECK(contains(err.message, "unknown type 5"));
}

/* option<option<...>> 70 deep is refused; 60 deep loads, and its text is
 * bounded by the buffer. */
static void test_type_depth(void)
{
    for (int depth = 60; depth <= 70; depth += 10) {
        buf_t c = { .n = 0 }, p = { .n = 0 };
        preamble(&c);
        leb(&p, (uint32_t)depth + 1);
        u8(&p, 0x73);                       /* type 0: string */
        for (int i = 0; i < depth; i++) { u8(&p, 0x6b); leb(&p, (uint32_t)i); }
        section(&c, 7, &p);
        buf_t e = { .n = 0 };               /* export "t" (type depth) */
        leb(&e, 1); u8(&e, 0x00); name(&e, "t"); u8(&e, 0x03); leb(&e, (uint32_t)depth); u8(&e, 0x00);
        section(&c, 11, &e);
        iw_error_t err;
        iw_component_t *k = load(&c, &err);
        if (depth == 60) {
            CHECK(k != NULL);
            char text[64];
            size_t n = k ? iw_component_extern_type(k, false, 0, text, sizeof text) : 0;
            CHECK_INT_EQ(n, 63);
            CHECK(n == 63 && strcmp(text + 60, "...") == 0);
        } else {
            CHECK(k == NULL);
            CHECK(contains(err.message, "nested deeper than 64"));
        }
        iw_component_free(k);
    }
}

/* ---- the components build-guests.sh makes ----------------------------- */

static char plugin_dir[512];

static uint8_t *read_file(const char *file, size_t *len)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", plugin_dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) { printf("FAIL %s/%s: cannot open %s (scripts/build-guests.sh tests)\n", TEST_SUITE, testing_current, path); testing_failed_checks++; return NULL; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static iw_component_t *load_file(const char *file)
{
    size_t len;
    uint8_t *b = read_file(file, &len);
    if (!b) return NULL;
    iw_error_t err;
    iw_component_t *c = iw_component_new(b, len, &err);
    if (!c) printf("load of %s failed at %llu: %s\n", file, (unsigned long long)err.offset, err.message);
    free(b);
    return c;
}

static const char *export_type(iw_component_t *c, const char *want, char *buf, size_t cap)
{
    for (uint32_t i = 0; i < iw_component_export_count(c); i++)
        if (strcmp(iw_component_extern_name(c, false, i), want) == 0) {
            iw_component_extern_type(c, false, i, buf, cap);
            return buf;
        }
    return "(none)";
}

static void test_types_of_both_shapes(void)
{
    char buf[512];
    iw_component_t *c = load_file("gate.component.wasm");
    if (c) {
        CHECK_STR_EQ(export_type(c, "on-request", buf, sizeof buf),
                     "func(req: record { method: string, path: string, is-tls: bool, client-ip: string })"
                     " -> enum { continue, respond, skip }");
        CHECK_STR_EQ(export_type(c, "on-body", buf, sizeof buf), "func(eos: bool) -> enum { continue, respond, skip }");
    }
    iw_component_free(c);
    c = load_file("gate_headers.component.wasm");
    if (c) {
        CHECK_STR_EQ(export_type(c, "on-response", buf, sizeof buf),
                     "func(resp: record { status: u16, headers: list<record { name: string, value: string }> })"
                     " -> enum { continue, respond, skip }");
    }
    iw_component_free(c);
}

/* The fake host: x-action from the test, names "host" (+ "x-block"). */
static const char *fake_action;
static int fake_block, fake_fail;

static int host_get_header(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env;
    if (fake_fail) { iw_cinstance_fail(ci, "the fake host fails"); return -1; }
    res->of.var.which = 0;
    if (fake_action && args[0].of.str.len == 8 && memcmp(args[0].of.str.ptr, "x-action", 8) == 0) {
        iw_cval_t *v = iw_cinstance_scratch(ci, sizeof *v);
        v->of.str.ptr = fake_action;
        v->of.str.len = (uint32_t)strlen(fake_action);
        res->of.var.which = 1;
        res->of.var.payload = v;
    }
    return 0;
}

static int host_list_names(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *res)
{
    (void)env; (void)args;
    iw_cval_t *items = iw_cinstance_scratch(ci, 2 * sizeof *items);
    items[0].of.str.ptr = "host"; items[0].of.str.len = 4;
    items[1].of.str.ptr = "x-block"; items[1].of.str.len = 7;
    res->of.list.items = items;
    res->of.list.count = fake_block ? 2 : 1;
    return 0;
}

static const iw_chost_def_t host_defs[] = {
    { "dwaar:plugin/host@0.1.0", "get-request-header", host_get_header, NULL },
    { "dwaar:plugin/host@0.1.0", "list-request-header-names", host_list_names, NULL },
};

static iw_cval_t s(const char *v) { iw_cval_t x; x.of.str.ptr = v; x.of.str.len = (uint32_t)strlen(v); return x; }

/* on-request of gate.component.wasm for one request: the action, or -1 on a trap. */
static int gate(iw_component_t *c, const char *method, const char *path, int tls)
{
    iw_limits_t lim = { .fuel = 1000000, .max_memory_bytes = 16 << 20 };
    iw_error_t err;
    iw_cinstance_t *ci = iw_cinstance_new(c, host_defs, 2, &lim, &err, NULL);
    if (!ci) { printf("instantiation failed: %s\n", err.message); return -2; }
    iw_cval_t f[4] = { s(method), s(path), { .of.u = (uint64_t)tls }, s("127.0.0.1") };
    iw_cval_t arg = { .of.list = { f, 4 } }, res;
    iw_status_t st = iw_cinstance_call(ci, "on-request", &arg, 1, &res);
    int action = st == IW_FINISHED ? (int)res.of.var.which : -1;
    if (st != IW_FINISHED) CHECK(contains(iw_cinstance_trap(ci)->message, "fake host fails"));
    iw_cinstance_free(ci);
    return action;
}

static void test_call_current_shape(void)
{
    iw_component_t *c = load_file("gate.component.wasm");
    if (!c) return;
    CHECK_INT_EQ(gate(c, "GET", "/", 1), 0);
    CHECK_INT_EQ(gate(c, "GET", "/deny/x", 1), 1);
    CHECK_INT_EQ(gate(c, "POST", "/", 0), 1);
    CHECK_INT_EQ(gate(c, "POST", "/", 1), 0);
    fake_action = "skip";
    CHECK_INT_EQ(gate(c, "GET", "/", 1), 2);
    fake_action = "respond";
    CHECK_INT_EQ(gate(c, "GET", "/", 1), 1);
    fake_action = NULL;
    fake_block = 1;
    CHECK_INT_EQ(gate(c, "GET", "/", 1), 1);
    fake_block = 0;
    fake_fail = 1;
    CHECK_INT_EQ(gate(c, "GET", "/", 1), -1);
    fake_fail = 0;
    iw_component_free(c);
}

static void test_call_headers_shape(void)
{
    iw_component_t *c = load_file("gate_headers.component.wasm");
    if (!c) return;
    iw_limits_t lim = { .fuel = 1000000 };
    iw_error_t err;
    iw_cinstance_t *ci = iw_cinstance_new(c, NULL, 0, &lim, &err, NULL);
    CHECK(ci != NULL);
    if (ci) {
        iw_cval_t h1[2] = { s("accept"), s("*/*") }, h2[2] = { s("x-action"), s("skip") };
        iw_cval_t hs[2] = { { .of.list = { h1, 2 } }, { .of.list = { h2, 2 } } };
        iw_cval_t f[5] = { s("GET"), s("/"), { .of.list = { hs, 2 } }, { .of.u = 1 }, s("::1") };
        iw_cval_t arg = { .of.list = { f, 5 } }, res;
        CHECK_INT_EQ(iw_cinstance_call(ci, "on-request", &arg, 1, &res), IW_FINISHED);
        CHECK_INT_EQ(res.of.var.which, 2);
        f[2].of.list.count = 1;
        CHECK_INT_EQ(iw_cinstance_call(ci, "on-request", &arg, 1, &res), IW_FINISHED);
        CHECK_INT_EQ(res.of.var.which, 0);
        iw_cval_t r[2] = { { .of.u = 418 }, { .of.list = { hs, 2 } } };
        iw_cval_t rarg = { .of.list = { r, 2 } };
        CHECK_INT_EQ(iw_cinstance_call(ci, "on-response", &rarg, 1, &res), IW_FINISHED);
        CHECK_INT_EQ(res.of.var.which, 2);
        CHECK_INT_EQ(iw_cinstance_call(ci, "on-nothing", &rarg, 1, &res), IW_TRAPPED);
        CHECK(contains(iw_cinstance_trap(ci)->message, "no lifted function on-nothing"));
    }
    iw_cinstance_free(ci);
    iw_component_free(c);
}

/* gate's /count: continue on an instance's first call only (a counter in
 * its memory). Calls on one instance see the count grow; after
 * iw_cinstance_reset every call is the first again, and a call still
 * reads the host's header lists (lifted into memory the reset puts back). */
static int path_call(iw_cinstance_t *ci, const char *path)
{
    iw_cval_t f[4] = { s("GET"), s(path), { .of.u = 1 }, s("127.0.0.1") };
    iw_cval_t arg = { .of.list = { f, 4 } }, res;
    return iw_cinstance_call(ci, "on-request", &arg, 1, &res) == IW_FINISHED ? (int)res.of.var.which : -1;
}

static int count_call(iw_cinstance_t *ci) { return path_call(ci, "/count"); }

static void test_reset_to_snapshot(void)
{
    iw_component_t *c = load_file("gate.component.wasm");
    if (!c) return;
    iw_limits_t lim = { .fuel = 1000000, .max_memory_bytes = 16 << 20 };
    iw_error_t err;
    iw_cinstance_t *ci = iw_cinstance_new(c, host_defs, 2, &lim, &err, NULL);
    CHECK(ci != NULL);
    if (ci) {
        CHECK_INT_EQ(iw_cinstance_reset(ci, &lim), -1);   /* no snapshot yet */
        CHECK_INT_EQ(iw_cinstance_snapshot(ci), 0);
        CHECK_INT_EQ(count_call(ci), 0);
        CHECK_INT_EQ(count_call(ci), 1);     /* the same instance remembers */
        for (int i = 0; i < 50; i++) {
            CHECK_INT_EQ(iw_cinstance_reset(ci, &lim), 0);
            CHECK_INT_EQ(count_call(ci), 0);
        }
        /* what the host lowered into memory (a 3,000-byte path) is put
         * back too: gate's /peek finds the heap past its own use zero */
        static char long_path[3001];
        memset(long_path, 'a', 3000);
        long_path[0] = '/';
        CHECK_INT_EQ(iw_cinstance_reset(ci, &lim), 0);
        CHECK_INT_EQ(path_call(ci, long_path), 0);
        CHECK_INT_EQ(iw_cinstance_reset(ci, &lim), 0);
        CHECK_INT_EQ(path_call(ci, "/peek"), 0);
        /* a trap, then a reset: the next call is whole */
        fake_fail = 1;
        CHECK_INT_EQ(count_call(ci), -1);
        fake_fail = 0;
        CHECK_INT_EQ(iw_cinstance_reset(ci, &lim), 0);
        CHECK_INT_EQ(count_call(ci), 0);
        /* the limits are the reset's: no fuel left for a call */
        iw_limits_t starved = { .fuel = 10 };
        CHECK_INT_EQ(iw_cinstance_reset(ci, &starved), 0);
        CHECK_INT_EQ(count_call(ci), -1);
        CHECK(contains(iw_cinstance_trap(ci)->message, "fuel"));
    }
    iw_cinstance_free(ci);
    iw_component_free(c);
}

/* An import the host does not define: instantiation names it. */
static void test_missing_host_import(void)
{
    iw_component_t *c = load_file("gate.component.wasm");
    if (!c) return;
    iw_limits_t lim = { .fuel = 1000000 };
    iw_error_t err;
    iw_cinstance_t *ci = iw_cinstance_new(c, host_defs, 1, &lim, &err, NULL);
    CHECK(ci == NULL);
    CHECK(contains(err.message, "dwaar:plugin/host@0.1.0#list-request-header-names"));
    iw_component_free(c);
}

int main(void)
{
    const char *root = getenv("IFRIT_ROOT");
    snprintf(plugin_dir, sizeof plugin_dir, "%s/build/plugins", root ? root : ".");
    RUN(test_empty_component);
    RUN(test_preamble_refusals);
    RUN(test_unsupported_constructs);
    RUN(test_utf16_refused);
    RUN(test_resource_drop_of_a_non_resource);
    RUN(test_core_module_error_offset);
    RUN(test_index_checks);
    RUN(test_type_depth);
    RUN(test_types_of_both_shapes);
    RUN(test_call_current_shape);
    RUN(test_call_headers_shape);
    RUN(test_missing_host_import);
    RUN(test_reset_to_snapshot);
    return testing_done();
}
