/* Directives registered from above route (route_directive_register): a row
 * of the table stays a config error until its directive is registered, and
 * a registered one gets its place in the order, the site's address and one
 * slot per route list (what wasm_plugin in src/plugin needs). */
#define TEST_SUITE "route/directive_register"
#include "testing.h"

#include <stdlib.h>

#include "route/directive.h"
#include "route/fake_host.h"

/* What one fake wasm_plugin line parsed: its list's shared counter. */
typedef struct {
    int *count;          /* entries of the list so far (the list's slot) */
    bool first;
    const char *site;    /* "host:port" of the site's first address */
} fake_conf_t;

static int fake_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    (void)d;
    fake_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof *c);
    if (!c) return -1;
    void **slot = route_parse_list_slot(p);
    c->first = *slot == NULL;
    if (c->first) *slot = ifr_arena_calloc(p->arena, 1, sizeof(int));
    c->count = *slot;
    ifr_str_t host;
    unsigned port;
    route_parse_site_address(p, &host, &port);
    c->site = ifr_arena_printf(p->arena, "%.*s:%u", (int)host.len, host.ptr, port);
    if (!c->count || !c->site) return -1;
    ++*c->count;
    *conf = c;
    return 0;
}

/* The list's first entry says how many the list has and where it is. */
static route_result_t fake_handle(route_exchange_t *x, const void *conf)
{
    const fake_conf_t *c = conf;
    if (!c->first) return ROUTE_NEXT;
    const char *v = ifr_arena_printf(x->arena, "%d %s", *c->count, c->site);
    http_headers_add(&x->resp.headers, x->arena, IFR_LIT("X-Fake"), ifr_cstr(v));
    return ROUTE_NEXT;
}

static const route_directive_t fake_wasm_plugin = {
    .name = "wasm_plugin", .parse = fake_parse, .handle = fake_handle,
};

static void test_unregistered_is_a_config_error(void)
{
    cfg_error_t err;
    const char *text = ":8080 {\n  wasm_plugin x.wasm\n}\n";
    CHECK(route_plan_load_text(text, strlen(text), "t.caddy", &err) == NULL);
    CHECK_INT_EQ(err.line, 2);
    CHECK_INT_EQ(err.col, 3);
    CHECK_STR_EQ(err.message, "the wasm_plugin directive is not part of this program");
    CHECK(route_directive_unregistered(IFR_LIT("wasm_plugin")));
    CHECK(route_directive_unregistered(IFR_LIT("gojinn")));
    CHECK(!route_directive_unregistered(IFR_LIT("respond")));
    CHECK(!route_directive_unregistered(IFR_LIT("nosuch")));
}

static void test_register_needs_a_row(void)
{
    static const route_directive_t nosuch = { .name = "nosuch", .parse = fake_parse, .handle = fake_handle };
    static const route_directive_t other = { .name = "wasm_plugin", .parse = fake_parse, .handle = fake_handle };
    CHECK_INT_EQ(route_directive_register(&nosuch), -1);
    CHECK_INT_EQ(route_directive_register(&fake_wasm_plugin), 0);
    CHECK_INT_EQ(route_directive_register(&fake_wasm_plugin), 0);   /* the same again: no change */
    CHECK_INT_EQ(route_directive_register(&other), -1);              /* the row is taken */
    CHECK(!route_directive_unregistered(IFR_LIT("wasm_plugin")));
    CHECK(route_directive_find(IFR_LIT("wasm_plugin"), NULL) == &fake_wasm_plugin);
}

static void test_registered_runs_in_its_place(void)
{
    /* wasm_plugin sorts before respond although written after it; the
     * nested handle is a list of its own, with its own slot. */
    route_plan_t *p = plan_from("http://example.test:8080 {\n"
                                "  respond /a \"a\"\n"
                                "  wasm_plugin one.wasm\n"
                                "  wasm_plugin two.wasm\n"
                                "  handle /b {\n    wasm_plugin three.wasm\n    respond \"b\"\n  }\n"
                                "}\n");
    CHECK(p != NULL);
    if (!p) return;
    fake_t *f = fake_run(p, "GET", "/a", "example.test", NULL);
    CHECK_INT_EQ(f->status, 200);
    CHECK_STR_EQ(f->body, "a");
    CHECK_STR_EQ(fake_header(f, "X-Fake"), "2 example.test:8080");
    fake_free(f);
    f = fake_run(p, "GET", "/b", "example.test", NULL);
    CHECK_STR_EQ(f->body, "b");
    /* The site's list ran its first entry, then the handle block's list its
     * own, which counted only itself. */
    const char *seen[3] = { "", "", "" };
    size_t n = 0;
    for (size_t i = 0; i < f->headers.count && n < 3; i++)
        if (ifr_str_eq_cstr(f->headers.items[i].name, "X-Fake"))
            seen[n++] = ifr_arena_strndup(&f->arena, f->headers.items[i].value.ptr, f->headers.items[i].value.len);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(seen[0], "2 example.test:8080");
    CHECK_STR_EQ(seen[1], "1 example.test:8080");
    fake_free(f);
    route_plan_release(p);
}

int main(void)
{
    RUN(test_unregistered_is_a_config_error);
    RUN(test_register_needs_a_row);
    RUN(test_registered_runs_in_its_place);
    return testing_done();
}
