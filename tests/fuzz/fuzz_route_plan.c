/* libFuzzer target for the route layer's side of the Caddyfile: every
 * directive's and option's parser (log with sampling, log_name,
 * log_append, reverse_proxy with response matchers, handle_response,
 * replace_status, lb_retry_match, matchers, ...) through
 * route_plan_load_text, which fuzz_caddyfile (the front end) does not
 * reach. Never crash, never hang, and a refused config always says why.
 * Inputs that could make a plan touch the file system beyond reading are
 * left out: file outputs and file_server roots ("file"), imports, TLS and
 * certificate storage, PHP, and modules (wasm, plugins); relative paths are
 * taken against a directory that does not exist. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route/plan.h"

static bool fuzz_unsafe(const char *text, size_t len)
{
    static const char *const words[] = { "file", "import", "tls", "storage", "cert", "acme", "wasm", "plugin",
                                         "gojinn", "reactor", "local", "https", "php", "fastcgi" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (memmem(text, len, words[i], strlen(words[i]))) return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (size > 16384 || fuzz_unsafe(text, size)) return 0;
    cfg_error_t err;
    memset(&err, 0, sizeof err);
    route_plan_t *p = route_plan_load_text(text, size, "/nonexistent-fuzz-dir/Caddyfile", &err);
    if (p) route_plan_release(p);
    else if (err.message[0] == '\0') abort();   /* every refusal says something */
    return 0;
}
