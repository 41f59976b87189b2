/* ifrit adapt [--config FILE] [--adapter caddyfile] [--pretty]: prints the
 * loaded Caddyfile as Caddy's JSON structure where ifrit's model maps onto
 * it (src/route/plan_json.h), so users and tests can see what ifrit
 * understood; `caddy adapt` prints the same shape for the same file. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "route/plan.h"
#include "route/plan_json.h"
#include "server/commands.h"
#include "server/srv_natives.h"
#include "server/srv_server.h"

/* Compact JSON as indented lines (tabs, as caddy adapt --pretty). */
static int srv__adapt_pretty(ifr_str_t in, ifr_buf_t *out)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        int rc = 0;
        if (in_str) {
            rc = ifr_buf_append_byte(out, c);
            if (c == '\\' && i + 1 < in.len) rc |= ifr_buf_append_byte(out, in.ptr[++i]);
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
            rc = ifr_buf_append_byte(out, c);
        } else if (c == '{' || c == '[') {
            bool empty = i + 1 < in.len && (in.ptr[i + 1] == '}' || in.ptr[i + 1] == ']');
            rc = ifr_buf_append_byte(out, c);
            if (empty) { rc |= ifr_buf_append_byte(out, in.ptr[++i]); }
            else {
                depth++;
                rc |= ifr_buf_append_byte(out, '\n');
                for (int d = 0; d < depth; d++) rc |= ifr_buf_append_byte(out, '\t');
            }
        } else if (c == '}' || c == ']') {
            depth--;
            rc = ifr_buf_append_byte(out, '\n');
            for (int d = 0; d < depth; d++) rc |= ifr_buf_append_byte(out, '\t');
            rc |= ifr_buf_append_byte(out, c);
        } else if (c == ',') {
            rc = ifr_buf_append_byte(out, ',') | ifr_buf_append_byte(out, '\n');
            for (int d = 0; d < depth; d++) rc |= ifr_buf_append_byte(out, '\t');
        } else if (c == ':') {
            rc = ifr_buf_append_cstr(out, ": ");
        } else {
            rc = ifr_buf_append_byte(out, c);
        }
        if (rc != 0) return -1;
    }
    return 0;
}

int srv_cmd_adapt(int argc, char **argv)
{
    const char *path = "Caddyfile";
    bool pretty = false;
    for (int i = 0; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--pretty") == 0) {
            pretty = true;
        } else if (value && (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0)) {
            path = argv[++i];
        } else if (value && strcmp(argv[i], "--adapter") == 0) {
            if (strcmp(argv[++i], "caddyfile") != 0) {
                fprintf(stderr, "ifrit adapt: adapter '%s' is not supported (only caddyfile)\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "ifrit adapt: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    srv_register_natives();
    cfg_error_t err = { 0 };
    route_plan_t *p = route_plan_load(path, &err);
    if (!p) {
        char msg[1024];
        srv_format_config_error(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    ifr_buf_t json = IFR_BUF_INIT, nice = IFR_BUF_INIT;
    int rc = route_plan_json(p, &json);
    route_plan_release(p);
    if (rc == 0 && pretty) rc = srv__adapt_pretty(ifr_buf_str(&json), &nice);
    if (rc != 0) {
        fprintf(stderr, "ifrit adapt: out of memory\n");
        ifr_buf_free(&json);
        ifr_buf_free(&nice);
        return 1;
    }
    const ifr_buf_t *o = pretty ? &nice : &json;
    fwrite(o->data, 1, o->len, stdout);
    fputc('\n', stdout);
    ifr_buf_free(&json);
    ifr_buf_free(&nice);
    return 0;
}
