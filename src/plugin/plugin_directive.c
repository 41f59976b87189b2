/* `wasm_plugin <path> { priority N; fuel N; memory_mb N | memory N;
 * timeout_ms N | timeout D; config "string" | config key=value... }`:
 * a WebAssembly plugin around every request of the block (src/plugin,
 * docs/plugins.md). Several lines form one chain per route list, run in
 * ascending priority (ties: file order): the first wasm_plugin entry of a
 * list runs the whole chain, the others only hold their place. Each line
 * keeps its own trap count and disabled flag (plugin_options_t.key). The
 * directive sits first in the directive order so plugins see every
 * request before any other handler, and their response hooks see the
 * response on its way out. Route holds its place in the order; the host
 * registers it (plugin_register_directives). */
#include "config/dispense.h"
#include "plugin/plugin.h"
#include "route/directive.h"

typedef struct {
    plugin_chain_t *chain;     /* plan arena, shared by the list's entries */
    bool runs_chain;           /* the first entry of its list */
} plugin__directive_conf_t;

/* The chain of the list being parsed, kept in the list's scope; *first
 * says it was just made. */
static plugin_chain_t *plugin__directive_chain(route_parse_t *p, bool *first)
{
    void **slot = route_parse_list_slot(p);
    *first = *slot == NULL;
    if (*first) *slot = ifr_arena_calloc(p->arena, 1, sizeof(plugin_chain_t));
    return *slot;
}

/* What names this wasm_plugin line across config loads: its site's first
 * address and its place in the Caddyfile (plugin_options_t.key). */
static const char *plugin__directive_key(route_parse_t *p, const cfg_directive_t *d)
{
    ifr_str_t host;
    unsigned port;
    route_parse_site_address(p, &host, &port);
    return ifr_arena_printf(p->arena, "%.*s:%u %s:%d:%d", (int)host.len, host.ptr, port,
                            d->name.file ? d->name.file : "", d->name.line, d->name.col);
}

/* `config "string"` or `config key=value ...` (repeatable). */
static int plugin__directive_config(route_parse_t *p, const cfg_directive_t *s, plugin_options_t *o,
                                    bool *string_seen)
{
    if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0) return -1;
    long eq = ifr_str_find_char(s->args[0].text, '=');
    if (s->nargs == 1 && (cfg_token_is_literal(&s->args[0]) || eq <= 0)) {
        if (*string_seen || o->npairs)
            return cfg_errorf(p->err, &s->args[0], "wasm_plugin: config given twice");
        *string_seen = true;
        o->config = s->args[0].text;
        return 0;
    }
    if (*string_seen) return cfg_errorf(p->err, &s->args[0], "wasm_plugin: config given twice");
    plugin_kv_t *kv = ifr_arena_alloc(p->arena, (o->npairs + s->nargs) * sizeof(*kv));
    if (!kv) return cfg_errorf(p->err, NULL, "out of memory");
    if (o->npairs) memcpy(kv, o->pairs, o->npairs * sizeof(*kv));
    for (size_t i = 0; i < s->nargs; i++) {
        ifr_str_t t = s->args[i].text;
        long at = ifr_str_find_char(t, '=');
        if (at <= 0) return cfg_errorf(p->err, &s->args[i], "wasm_plugin: expected config key=value, got '%s'", t.ptr);
        kv[o->npairs++] = (plugin_kv_t){ ifr_str_sub(t, 0, (size_t)at), ifr_str_sub(t, (size_t)at + 1, t.len) };
    }
    o->pairs = kv;
    /* ifrit_config() gives the pairs as key=value lines. */
    ifr_str_t all = IFR_LIT("");
    for (size_t i = 0; i < o->npairs; i++) {
        char *j = ifr_arena_printf(p->arena, "%.*s%s%.*s=%.*s", (int)all.len, all.ptr, i ? "\n" : "",
                                   (int)kv[i].key.len, kv[i].key.ptr, (int)kv[i].value.len, kv[i].value.ptr);
        if (!j) return cfg_errorf(p->err, NULL, "out of memory");
        all = ifr_cstr(j);
    }
    o->config = all;
    return 0;
}

static int plugin__directive_option(route_parse_t *p, const cfg_directive_t *s, plugin_options_t *o,
                                    bool *string_seen)
{
    ifr_str_t n = s->name.text;
    int64_t v;
    if (ifr_str_eq_cstr(n, "config")) return plugin__directive_config(p, s, o, string_seen);
    if (cfg_expect_args(s, 1, 1, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0) return -1;
    const cfg_token_t *a = &s->args[0];
    if (ifr_str_eq_cstr(n, "priority")) {
        if (cfg_parse_int(a, -1000000000, 1000000000, &v, p->err) != 0) return -1;
        o->priority = v;
    } else if (ifr_str_eq_cstr(n, "fuel")) {
        if (cfg_parse_int(a, 1, INT64_MAX, &v, p->err) != 0) return -1;
        o->fuel = (uint64_t)v;
    } else if (ifr_str_eq_cstr(n, "memory_mb") || ifr_str_eq_cstr(n, "memory")) {
        if (cfg_parse_int(a, 1, 65536, &v, p->err) != 0) return -1;
        o->memory_bytes = (uint64_t)v << 20;
    } else if (ifr_str_eq_cstr(n, "timeout_ms")) {
        if (cfg_parse_int(a, 1, 3600000, &v, p->err) != 0) return -1;
        o->timeout_ns = v * 1000000;
    } else if (ifr_str_eq_cstr(n, "timeout")) {
        if (cfg_parse_duration(a, 0, &v, p->err) != 0) return -1;
        if (v <= 0) return cfg_errorf(p->err, a, "wasm_plugin: timeout must be positive");
        o->timeout_ns = v;
    } else {
        static const char *const known[] = { "priority", "fuel", "memory_mb", "memory", "timeout_ms", "timeout", "config" };
        return cfg_error_unknown(p->err, &s->name, "wasm_plugin option", known, 7);
    }
    return 0;
}

static void plugin__directive_free(void *ud)
{
    plugin_free(ud);
}

static int plugin__directive_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0) return -1;
    plugin_options_t *o = ifr_arena_alloc(p->arena, sizeof(*o));
    plugin__directive_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    const char *path = route_parse_path(p, d->args[0].text);
    if (!o || !c || !path) return cfg_errorf(p->err, NULL, "out of memory");
    plugin_options_init(o);
    if (!(o->key = plugin__directive_key(p, d))) return cfg_errorf(p->err, NULL, "out of memory");
    bool string_seen = false;
    for (size_t i = 0; d->block && i < d->block->count; i++)
        if (plugin__directive_option(p, &d->block->items[i], o, &string_seen) != 0) return -1;
    char err[512];
    plugin_t *pl = plugin_load(path, o, err, sizeof(err));
    if (!pl) return cfg_errorf(p->err, &d->args[0], "%s", err);
    if (ifr_arena_on_cleanup(p->arena, plugin__directive_free, pl) != 0) {
        plugin_free(pl);
        return cfg_errorf(p->err, NULL, "out of memory");
    }
    if (!(c->chain = plugin__directive_chain(p, &c->runs_chain)) || plugin_chain_add(c->chain, p->arena, pl) != 0)
        return cfg_errorf(p->err, NULL, "out of memory");
    *conf = c;
    return 0;
}

static route_result_t plugin__directive_handle(route_exchange_t *x, const void *conf)
{
    const plugin__directive_conf_t *c = conf;
    return c->runs_chain ? plugin_chain_run(x, c->chain) : ROUTE_NEXT;
}

static const route_directive_t plugin__directive_wasm_plugin = {
    .name = "wasm_plugin", .parse = plugin__directive_parse, .handle = plugin__directive_handle,
};

int plugin_register_directives(void) { return route_directive_register(&plugin__directive_wasm_plugin); }
