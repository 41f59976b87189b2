/* The global options block (options.h). */
#include <stdint.h>
#include <string.h>

#include "config/dispense.h"
#include "config/options.h"
#include "config/options_acme.h"

#define CFG__NS_PER_S 1000000000LL

static const char *const cfg__known_options[] = {
    "admin", "auto_https", "debug", "default_bind", "order", "persist_config", "default_sni", "fallback_sni", "grace_period", "shutdown_delay", "http_port",
    "https_port", "local_certs", "renew_interval", "servers", "email", "acme_ca", "acme_ca_root",
    "acme_eab", "cert_issuer", "on_demand_tls", "renewal_window_ratio",
    "skip_install_trust", "storage", "wasm_memory_budget", "engine",
    "workers", "log",
};

/* Caddy's other global options: recognised so the error can say "not
 * supported yet" instead of "unknown". */
static const char *const cfg__caddy_options[] = {
    "acme_dns", "cert_lifetime",
    "events", "filesystem", "key_type",
    "metrics", "ocsp_interval", "ocsp_stapling",
    "pki", "preferred_chains",
    "storage_check", "storage_clean_interval",
};

static const char *const cfg__known_timeouts[] = { "idle", "read_body", "read_header", "write" };

static const char *const cfg__caddy_server_options[] = {
    "enable_full_duplex", "metrics", "trace",
};

#define CFG__COUNT(a) (sizeof(a) / sizeof((a)[0]))

void cfg_options_defaults(cfg_options_t *o)
{
    *o = (cfg_options_t){
        .http_port = 80,
        .https_port = 443,
        .grace_period_ns = CFG_DEFAULT_GRACE_PERIOD_NS,
        .read_header_timeout_ns = 60 * CFG__NS_PER_S,
        .idle_timeout_ns = 300 * CFG__NS_PER_S,
        .renew_interval_ns = 600 * CFG__NS_PER_S,
        .protocols = CFG_PROTO_H1 | CFG_PROTO_H2,
        .keepalive_interval_ns = 15 * CFG__NS_PER_S,
    };
}

static bool cfg__in_list(ifr_str_t name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ifr_str_eq_cstr(name, list[i])) return true;
    return false;
}

static int cfg__one_duration(const cfg_directive_t *d, int64_t *out, cfg_error_t *err)
{
    if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
    return cfg_parse_duration(&d->args[0], 0, out, err);
}

static int cfg__parse_timeouts(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 0, 0, err)) return -1;
    if (!d->block) return cfg_errorf(err, &d->name, "timeouts: expected a block { read_body ... }");
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *t = &d->block->items[i];
        int64_t *slot = NULL;
        if (cfg_token_is_literal(&t->name)) slot = NULL;
        else if (ifr_str_eq_cstr(t->name.text, "read_body")) slot = &o->read_body_timeout_ns;
        else if (ifr_str_eq_cstr(t->name.text, "read_header")) slot = &o->read_header_timeout_ns;
        else if (ifr_str_eq_cstr(t->name.text, "write")) slot = &o->write_timeout_ns;
        else if (ifr_str_eq_cstr(t->name.text, "idle")) slot = &o->idle_timeout_ns;
        if (!slot) return cfg_error_unknown(err, &t->name, "timeout", cfg__known_timeouts, CFG__COUNT(cfg__known_timeouts));
        if (cfg__one_duration(t, slot, err)) return -1;
    }
    return 0;
}

/* trusted_proxies static <ranges...>: the ranges stay tokens here (the
 * route layer parses them, with their positions for errors); Caddy's
 * other sources are modules ifrit does not have. */
static int cfg__parse_trusted_proxies(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, err) || cfg_expect_no_block(d, err)) return -1;
    if (!cfg_is_word(&d->args[0], "static"))
        return cfg_errorf(err, &d->args[0], "trusted_proxies: only the 'static' source is supported, got '%s'",
                          d->args[0].text.ptr);
    if (d->nargs < 2)
        return cfg_errorf(err, &d->args[0], "trusted_proxies static: expected IP ranges (or private_ranges)");
    if (o->trusted_proxies)
        return cfg_errorf(err, &d->name, "trusted_proxies: given twice (list every range on one line)");
    o->trusted_proxies = &d->args[1];
    o->ntrusted_proxies = d->nargs - 1;
    return 0;
}

/* protocols h1|h2|h2c|h3...: Caddy's spelling. HTTP/3 is not served, and
 * every listener serves HTTP/1.1 (a client without ALPN h2 must be
 * answered), so h1 must be listed. */
static int cfg__parse_protocols(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    static const char *const names[] = { "h1", "h2", "h2c" };
    static const unsigned bits[] = { CFG_PROTO_H1, CFG_PROTO_H2, CFG_PROTO_H2C };
    if (cfg_expect_args(d, 1, SIZE_MAX, err) || cfg_expect_no_block(d, err)) return -1;
    unsigned set = 0;
    for (size_t i = 0; i < d->nargs; i++) {
        const cfg_token_t *a = &d->args[i];
        size_t k = 0;
        while (k < CFG__COUNT(names) && !cfg_is_word(a, names[k])) k++;
        if (k == CFG__COUNT(names)) {
            if (cfg_is_word(a, "h3"))
                return cfg_errorf(err, a, "protocols: h3 (HTTP/3) is not served by ifrit yet");
            return cfg_error_unknown(err, a, "protocol", names, CFG__COUNT(names));
        }
        set |= bits[k];
    }
    if (!(set & CFG_PROTO_H1))
        return cfg_errorf(err, &d->name, "protocols: ifrit serves HTTP/1.1 on every listener, so h1 must be "
                                         "listed (h1 h2 is the default; h1 alone turns HTTP/2 off)");
    o->protocols = set;
    return 0;
}

/* max_header_size <size>: go-humanize's units (KB = 1000, KiB = 1024),
 * as Caddy reads them. */
static int cfg__parse_max_header_size(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
    uint64_t v;
    if (cfg_parse_size(&d->args[0], 0, &v, err)) return -1;
    if (v == 0 || v > CFG_MAX_HEADER_SIZE_LIMIT)
        return cfg_errorf(err, &d->args[0], "max_header_size: must be more than 0 and at most 16MiB, got '%s'",
                          d->args[0].text.ptr);
    o->max_header_size = v;
    return 0;
}

/* strict_sni_host [on|insecure_off]: no argument is on, as Caddy. */
static int cfg__parse_strict_sni(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 0, 1, err) || cfg_expect_no_block(d, err)) return -1;
    if (d->nargs == 0 || cfg_is_word(&d->args[0], "on")) o->strict_sni_host = CFG_STRICT_SNI_ON;
    else if (cfg_is_word(&d->args[0], "insecure_off")) o->strict_sni_host = CFG_STRICT_SNI_OFF;
    else
        return cfg_errorf(err, &d->args[0], "strict_sni_host: expected on or insecure_off, got '%s'",
                          d->args[0].text.ptr);
    return 0;
}

/* proxy_protocol { timeout <d>; allow <cidrs...>; deny <cidrs...>;
 * fallback_policy ignore|use|reject|require|skip }: checked here; the
 * ranges are read again where the plan is built (src/route). */
static int cfg__parse_proxy_protocol(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    static const char *const known[] = { "timeout", "allow", "deny", "fallback_policy" };
    static const char *const policies[] = { "ignore", "use", "reject", "require", "skip" };
    if (cfg_expect_args(d, 0, 0, err)) return -1;
    if (o->proxy_protocol) return cfg_errorf(err, &d->name, "listener_wrappers: proxy_protocol given twice");
    o->proxy_protocol = d;
    o->proxy_protocol_timeout_ns = 5 * CFG__NS_PER_S;
    o->proxy_protocol_fallback = CFG_PROXY_IGNORE;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (cfg_is_word(&s->name, "timeout")) {
            if (cfg__one_duration(s, &o->proxy_protocol_timeout_ns, err)) return -1;
        } else if (cfg_is_word(&s->name, "allow") || cfg_is_word(&s->name, "deny")) {
            if (cfg_expect_args(s, 1, SIZE_MAX, err) || cfg_expect_no_block(s, err)) return -1;
        } else if (cfg_is_word(&s->name, "fallback_policy")) {
            if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
            size_t k = 0;
            while (k < CFG__COUNT(policies) && !ifr_str_eq_nocase(s->args[0].text, ifr_cstr(policies[k]))) k++;
            if (k == CFG__COUNT(policies))
                return cfg_error_unknown(err, &s->args[0], "proxy_protocol fallback_policy", policies,
                                         CFG__COUNT(policies));
            o->proxy_protocol_fallback = (cfg_proxy_policy_t)k;
        } else {
            return cfg_error_unknown(err, &s->name, "proxy_protocol option", known, CFG__COUNT(known));
        }
    }
    return 0;
}

/* listener_wrappers { proxy_protocol { ... } http_redirect tls }: ifrit reads the PROXY
 * header before TLS, so proxy_protocol may not follow tls (Caddy would
 * then look for the header inside the TLS stream). */
static int cfg__parse_listener_wrappers(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    static const char *const known[] = { "proxy_protocol", "http_redirect", "tls" };
    if (cfg_expect_args(d, 0, 0, err)) return -1;
    if (!d->block) return cfg_errorf(err, &d->name, "listener_wrappers: expected a block { proxy_protocol; tls }");
    bool tls_seen = false;
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *w = &d->block->items[i];
        if (cfg_is_word(&w->name, "tls")) {
            if (cfg_expect_args(w, 0, 0, err) || cfg_expect_no_block(w, err)) return -1;
            if (tls_seen) return cfg_errorf(err, &w->name, "listener_wrappers: tls given twice");
            tls_seen = true;
        } else if (cfg_is_word(&w->name, "proxy_protocol")) {
            if (tls_seen)
                return cfg_errorf(err, &w->name, "listener_wrappers: proxy_protocol after tls (a PROXY header "
                                  "inside TLS) is not supported by ifrit: put proxy_protocol first");
            if (cfg__parse_proxy_protocol(w, o, err)) return -1;
        } else if (cfg_is_word(&w->name, "http_redirect")) {
            if (cfg_expect_args(w, 0, 0, err) || cfg_expect_no_block(w, err)) return -1;
            o->http_redirect = true;
        } else {
            return cfg_error_unknown(err, &w->name, "listener wrapper", known, CFG__COUNT(known));
        }
    }
    return 0;
}

/* servers [<listener>] { ... }: ifrit applies the settings to every
 * listener, so the listener argument is accepted and not used. */
static int cfg__parse_servers(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    static const char *const known[] = { "timeouts", "trusted_proxies", "client_ip_headers",
                                         "trusted_proxies_strict", "protocols", "max_header_size",
                                         "strict_sni_host", "keepalive_interval", "log_credentials",
                                         "listener_wrappers", "name" };
    if (cfg_expect_args(d, 0, 1, err)) return -1;
    if (!d->block) return cfg_errorf(err, &d->name, "servers: expected a block { timeouts { ... } }");
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (cfg_is_word(&s->name, "timeouts")) {
            if (cfg__parse_timeouts(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "trusted_proxies")) {
            if (cfg__parse_trusted_proxies(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "client_ip_headers")) {
            if (cfg_expect_args(s, 1, SIZE_MAX, err) || cfg_expect_no_block(s, err)) return -1;
            o->client_ip_headers = s->args;
            o->nclient_ip_headers = s->nargs;
        } else if (cfg_is_word(&s->name, "trusted_proxies_strict")) {
            if (cfg_expect_args(s, 0, 0, err) || cfg_expect_no_block(s, err)) return -1;
            o->trusted_proxies_strict = true;
        } else if (cfg_is_word(&s->name, "protocols")) {
            if (cfg__parse_protocols(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "max_header_size")) {
            if (cfg__parse_max_header_size(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "strict_sni_host")) {
            if (cfg__parse_strict_sni(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "keepalive_interval")) {
            /* Caddy's: a negative interval sends no probes (0 is Go's 15s) */
            if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
            if (cfg_parse_duration(&s->args[0], CFG_DUR_NEGATIVE, &o->keepalive_interval_ns, err)) return -1;
            if (o->keepalive_interval_ns == 0) o->keepalive_interval_ns = 15 * CFG__NS_PER_S;
            else if (o->keepalive_interval_ns < 0) o->keepalive_interval_ns = 0;
            else if (o->keepalive_interval_ns < CFG__NS_PER_S)
                return cfg_errorf(err, &s->args[0], "keepalive_interval: at least 1s (TCP counts whole seconds)");
        } else if (cfg_is_word(&s->name, "log_credentials")) {
            if (cfg_expect_args(s, 0, 0, err) || cfg_expect_no_block(s, err)) return -1;
            o->log_credentials = true;
        } else if (cfg_is_word(&s->name, "listener_wrappers")) {
            if (cfg__parse_listener_wrappers(s, o, err)) return -1;
        } else if (cfg_is_word(&s->name, "name")) {
            /* Caddy's name for the server in its JSON, logs and metrics:
             * nothing a request sees, so only checked. */
            if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
        } else if (cfg__in_list(s->name.text, cfg__caddy_server_options, CFG__COUNT(cfg__caddy_server_options))) {
            return cfg_errorf(err, &s->name, "servers: '%s' is not supported by ifrit yet",
                              s->name.text.ptr);
        } else {
            return cfg_error_unknown(err, &s->name, "servers option", known, CFG__COUNT(known));
        }
    }
    return 0;
}

static int cfg__parse_option(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    const cfg_token_t *name = &d->name;
    int64_t v;
    int acme = cfg_parse_acme_option(d, o, err);
    if (acme <= 0) return acme;
    if (cfg_is_word(name, "admin")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (!cfg_is_word(&d->args[0], "off"))
            return cfg_errorf(err, &d->args[0], "admin: ifrit has no admin endpoint; the only "
                              "accepted form is 'admin off'");
        o->admin_off = true;
    } else if (cfg_is_word(name, "auto_https")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        const cfg_token_t *a = &d->args[0];
        if (cfg_is_word(a, "off")) o->auto_https_off = o->auto_https_no_redirects = true;
        else if (cfg_is_word(a, "disable_redirects")) o->auto_https_no_redirects = true;
        else if (cfg_is_word(a, "disable_certs")) o->auto_https_no_certs = true;
        else if (cfg_is_word(a, "ignore_loaded_certs")) o->auto_https_ignore_loaded = true;
        else
            return cfg_errorf(err, a, "auto_https: expected off, disable_redirects, disable_certs or "
                              "ignore_loaded_certs, got '%s'", a->text.ptr);
    } else if (cfg_is_word(name, "local_certs") || cfg_is_word(name, "skip_install_trust")) {
        if (cfg_expect_args(d, 0, 0, err) || cfg_expect_no_block(d, err)) return -1;
        if (name->text.ptr[0] == 'l') o->local_certs = true;
        else o->skip_install_trust = true;
    } else if (cfg_is_word(name, "renew_interval")) {
        if (cfg__one_duration(d, &o->renew_interval_ns, err)) return -1;
        if (o->renew_interval_ns < CFG__NS_PER_S)
            return cfg_errorf(err, &d->args[0], "renew_interval: must be at least 1s");
    } else if (cfg_is_word(name, "default_sni") || cfg_is_word(name, "fallback_sni")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (name->text.ptr[0] == 'd') o->default_sni = d->args[0].text.ptr;
        else o->fallback_sni = d->args[0].text.ptr;
    } else if (cfg_is_word(name, "storage")) {
        /* storage file_system PATH, or storage file_system { root PATH } */
        if (cfg_expect_args(d, 1, 2, err)) return -1;
        if (!cfg_is_word(&d->args[0], "file_system"))
            return cfg_errorf(err, &d->args[0], "storage: only file_system is supported, got '%s'",
                              d->args[0].text.ptr);
        const cfg_token_t *path = d->nargs == 2 ? &d->args[1] : NULL;
        for (size_t i = 0; d->block && i < d->block->count; i++) {
            const cfg_directive_t *r = &d->block->items[i];
            if (!cfg_is_word(&r->name, "root"))
                return cfg_errorf(err, &r->name, "storage file_system: expected root PATH, got '%s'",
                                  r->name.text.ptr);
            if (cfg_expect_args(r, 1, 1, err) || cfg_expect_no_block(r, err)) return -1;
            path = &r->args[0];
        }
        if (!path || path->text.len == 0)
            return cfg_errorf(err, path ? path : &d->args[0], "storage file_system: expected a path");
        o->storage_path = path->text.ptr;
    } else if (cfg_is_word(name, "debug")) {
        if (cfg_expect_args(d, 0, 0, err) || cfg_expect_no_block(d, err)) return -1;
        o->debug = true;
    } else if (cfg_is_word(name, "http_port") || cfg_is_word(name, "https_port")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (cfg_parse_int(&d->args[0], 1, 65535, &v, err)) return -1;
        if (name->text.ptr[4] == 's') o->https_port = (uint16_t)v;
        else o->http_port = (uint16_t)v;
    } else if (cfg_is_word(name, "grace_period")) {
        if (cfg__one_duration(d, &o->grace_period_ns, err)) return -1;
    } else if (cfg_is_word(name, "shutdown_delay")) {
        if (cfg__one_duration(d, &o->shutdown_delay_ns, err)) return -1;
    } else if (cfg_is_word(name, "wasm_memory_budget")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (cfg_parse_size(&d->args[0], CFG_SIZE_BINARY, &o->wasm_memory_budget, err)) return -1;
        if (o->wasm_memory_budget == 0)
            return cfg_errorf(err, &d->args[0], "wasm_memory_budget: must be more than zero");
    } else if (cfg_is_word(name, "engine")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (cfg_is_word(&d->args[0], "interpreter")) o->engine = CFG_ENGINE_INTERPRETER;
        else if (cfg_is_word(&d->args[0], "compiler")) o->engine = CFG_ENGINE_COMPILER;
        else
            return cfg_errorf(err, &d->args[0], "engine: expected interpreter or compiler, got '%s'",
                              d->args[0].text.ptr);
    } else if (cfg_is_word(name, "workers")) {
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (cfg_parse_int(&d->args[0], 0, 4096, &v, err)) return -1;
        o->workers = (int)v;
    } else if (cfg_is_word(name, "default_bind")) {
        if (cfg_expect_args(d, 1, SIZE_MAX, err) || cfg_expect_no_block(d, err)) return -1;
        for (size_t i = 0; i < d->nargs; i++) {
            cfg_bind_t b;
            if (cfg_parse_bind(&d->args[i], &b, err) != 0) return -1;
        }
        /* As Caddy, a second default_bind line replaces the first. */
        o->default_bind = d->args;
        o->ndefault_bind = d->nargs;
    } else if (cfg_is_word(name, "servers")) {
        if (cfg__parse_servers(d, o, err)) return -1;
    } else if (cfg_is_word(name, "persist_config")) {
        /* ifrit never writes the config it runs anywhere: only off says that. */
        if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
        if (!cfg_is_word(&d->args[0], "off"))
            return cfg_errorf(err, &d->args[0], "persist_config: only 'off' (ifrit never saves its config)");
    } else if (cfg_is_word(name, "order")) {
        if (cfg_expect_args(d, 2, 3, err) || cfg_expect_no_block(d, err)) return -1;
        const cfg_token_t *w = &d->args[1];
        bool pair = cfg_is_word(w, "before") || cfg_is_word(w, "after");
        if (!pair && !cfg_is_word(w, "first") && !cfg_is_word(w, "last"))
            return cfg_errorf(err, w, "order: expected first, last, before <directive> or after <directive>, got '%s'",
                              w->text.ptr);
        if ((d->nargs == 3) != pair)
            return cfg_errorf(err, pair ? w : &d->args[2], pair ? "order %s: expected the other directive's name"
                                                                  : "order %s: takes no other directive", w->text.ptr);
        if (o->norder == CFG_MAX_ORDER) return cfg_errorf(err, name, "order: at most %d lines", CFG_MAX_ORDER);
        o->order[o->norder++] = (struct cfg_order){ &d->args[0], w, pair ? &d->args[2] : NULL };
    } else if (cfg_is_word(name, "log")) {
        /* The block is the route layer's to read (src/route/log_conf.c),
         * as the site directive's. */
        if (o->nlogs == CFG_MAX_LOGS) return cfg_errorf(err, name, "log: at most %d global loggers", CFG_MAX_LOGS);
        o->logs[o->nlogs++] = d;
    } else if (cfg__in_list(name->text, cfg__caddy_options, CFG__COUNT(cfg__caddy_options))) {
        return cfg_errorf(err, name, "global option '%s' is not supported by ifrit yet",
                          name->text.ptr);
    } else {
        return cfg_error_unknown(err, name, "global option", cfg__known_options, CFG__COUNT(cfg__known_options));
    }
    return 0;
}

int cfg_parse_global_options(const cfg_block_t *global, cfg_options_t *o, cfg_error_t *err)
{
    cfg_options_defaults(o);
    if (!global) return 0;
    for (size_t i = 0; i < global->count; i++)
        if (cfg__parse_option(&global->items[i], o, err)) return -1;
    if (o->http_port == o->https_port)
        return cfg_errorf(err, NULL, "http_port and https_port are both %u: they must differ",
                          o->http_port);
    return 0;
}
