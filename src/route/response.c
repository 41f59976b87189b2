/* Complete in-memory responses and errors. */
#include "route/response.h"

#include <string.h>

#include "http/message.h"

route_result_t route_send_simple(route_exchange_t *x, int status, ifr_str_t body)
{
    x->resp.status = status;
    x->resp.content_length = (int64_t)body.len;
    if (x->io->send_head(x) != 0) return ROUTE_DONE;
    x->io->send_body(x, body.ptr, body.len, true);
    return ROUTE_DONE;
}

int route_header_default(route_exchange_t *x, ifr_str_t name, ifr_str_t value)
{
    if (http_headers_get(&x->resp.headers, name)) return 0;
    return http_headers_add(&x->resp.headers, x->arena, name, value);
}

int route_vary_add(route_exchange_t *x, ifr_str_t token)
{
    http_headers_t *h = &x->resp.headers;
    http_header_t *first = NULL;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!ifr_str_eq_nocase(h->items[i].name, IFR_LIT("Vary"))) continue;
        ifr_str_t v = h->items[i].value;
        if (http_list_has(v, token) || http_list_has(v, IFR_LIT("*"))) return 0;
        if (!first) first = &h->items[i];
    }
    if (!first || first->value.len == 0) return http_headers_set(h, x->arena, IFR_LIT("Vary"), token);
    char *joined = ifr_arena_printf(x->arena, "%.*s, %.*s", (int)first->value.len, first->value.ptr,
                                    (int)token.len, token.ptr);
    if (!joined) return -1;
    first->value = ifr_cstr(joined);
    return 0;
}

route_result_t route_fail(route_exchange_t *x, int status, const char *message)
{
    x->error_status = status;
    x->error_message = message;
    return ROUTE_ERROR;
}

/* HTML-escapes s into the arena. */
ifr_str_t route_html_escape(ifr_arena_t *a, ifr_str_t s)
{
    char *b = ifr_arena_alloc(a, s.len * 6 + 1);
    if (!b) return IFR_LIT("");
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        const char *e = NULL;
        switch (s.ptr[i]) {
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '&': e = "&amp;"; break;
        case '"': e = "&#34;"; break;
        case '\'': e = "&#39;"; break;
        default: b[n++] = s.ptr[i]; continue;
        }
        size_t l = strlen(e);
        memcpy(b + n, e, l);
        n += l;
    }
    return ifr_str(b, n);
}
