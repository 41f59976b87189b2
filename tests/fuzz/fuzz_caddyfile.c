/* libFuzzer target for the Caddyfile front end: lexer, parser (snippets,
 * args, env substitution; file imports disabled), global options, site
 * addresses and the formatter. Besides "never crash, never hang", it
 * checks two properties of the formatter:
 *   - formatting is idempotent: fmt(fmt(x)) == fmt(x);
 *   - formatting never breaks a config: if x parses, fmt(x) parses to the
 *     same number of sites and top-level directives. Inputs with {$VAR}
 *     are left out of this one: fmt treats a reference as one plain word,
 *     while a value (or default) with quotes or braces changes the tokens
 *     once substituted.
 * Then the route layer's side: every directive's and option's parser
 * (log with sampling, log_name, log_append, reverse_proxy with response
 * matchers, handle_response, replace_status, lb_retry_match, matchers,
 * ...) through route_plan_load_text, where a refused config must say
 * why. Inputs that could make a plan touch the file system beyond
 * reading are left out of that step: file outputs and file_server
 * ("file"), imports, TLS and certificate storage, PHP, and modules;
 * relative paths are taken against a directory that does not exist. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/address.h"
#include "config/caddyfile.h"
#include "config/fmt.h"
#include "config/options.h"
#include "route/plan.h"

static const char *fuzz_env(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "X") == 0 ? "x" : NULL;
}

static const cfg_parse_opts_t opts = { .env = fuzz_env, .no_file_imports = true };

static cfg_doc_t *fuzz_parse(ifr_arena_t *a, const char *text, size_t len)
{
    cfg_doc_t *doc = NULL;
    cfg_error_t err;
    if (cfg_parse_text(a, text, len, "fuzz", &opts, &doc, &err)) {
        if (err.message[0] == '\0') abort(); /* every error says something */
        return NULL;
    }
    return doc;
}

static size_t fuzz_directives(const cfg_doc_t *d)
{
    size_t n = d->global ? d->global->count : 0;
    for (size_t i = 0; i < d->nsites; i++) n += d->sites[i].body.count;
    return n;
}

static bool fuzz_plan_unsafe(const char *text, size_t len)
{
    static const char *const words[] = { "file", "import", "tls", "storage", "cert", "acme", "wasm", "plugin",
                                         "gojinn", "reactor", "local", "https", "php", "fastcgi" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (memmem(text, len, words[i], strlen(words[i]))) return true;
    return false;
}

static void fuzz_plan(const char *text, size_t len)
{
    if (len > 16384 || fuzz_plan_unsafe(text, len)) return;
    cfg_error_t err;
    memset(&err, 0, sizeof err);
    route_plan_t *p = route_plan_load_text(text, len, "/nonexistent-fuzz-dir/Caddyfile", &err);
    if (p) route_plan_release(p);
    else if (err.message[0] == '\0') abort();   /* every refusal says something */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    cfg_doc_t *doc = fuzz_parse(&a, text, size);
    if (doc) {
        cfg_options_t o;
        cfg_error_t err;
        if (cfg_parse_global_options(doc->global, &o, &err) < 0) cfg_options_defaults(&o);
        for (size_t i = 0; i < doc->nsites; i++)
            for (size_t k = 0; k < doc->sites[i].nkeys; k++) {
                cfg_address_t addr;
                if (cfg_parse_address(&doc->sites[i].keys[k], &addr, &err) == 0)
                    cfg_address_resolve(&doc->sites[i].keys[k], &addr, &o, &err);
            }
    }

    ifr_buf_t once = IFR_BUF_INIT, twice = IFR_BUF_INIT;
    cfg_error_t err;
    if (cfg_format(text, size, "fuzz", &once, &err) == 0) {
        if (cfg_format(once.data ? once.data : "", once.len, "fuzz", &twice, &err) != 0) abort();
        if (!ifr_str_eq(ifr_buf_str(&once), ifr_buf_str(&twice))) abort();
        if (doc && !memmem(text, size, "{$", 2)) {
            ifr_arena_t b;
            ifr_arena_init(&b, 0);
            cfg_doc_t *again = fuzz_parse(&b, once.data ? once.data : "", once.len);
            if (!again || again->nsites != doc->nsites ||
                fuzz_directives(again) != fuzz_directives(doc))
                abort();
            ifr_arena_destroy(&b);
        }
    }
    ifr_buf_free(&once);
    ifr_buf_free(&twice);
    ifr_arena_destroy(&a);
    fuzz_plan(text, size);
    return 0;
}
