/* Response matchers (resp_match.h). */
#include "route/resp_match.h"

#include <stdio.h>

#include "config/dispense.h"
#include "route/path.h"

int route_resp_match_parse(route_parse_t *p, const cfg_directive_t *d, const char *who, route_resp_match_t **out)
{
    route_resp_match_t *m = ifr_arena_calloc(p->arena, 1, sizeof(*m));
    if (!m) return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs || !d->block || d->block->count == 0)
        return cfg_errorf(p->err, &d->name, "%s match: expected a block of status and header lines", who);
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *l = &d->block->items[i];
        if (ifr_str_eq_cstr(l->name.text, "status")) {
            if (cfg_expect_args(l, 1, ROUTE_RESP_MATCH_CODES - m->ncodes, p->err) != 0) return -1;
            for (size_t k = 0; k < l->nargs; k++) {
                ifr_str_t a = l->args[k].text;
                int code;
                if (a.len == 3 && a.ptr[0] >= '1' && a.ptr[0] <= '5' && ifr_ascii_lower(a.ptr[1]) == 'x' &&
                    ifr_ascii_lower(a.ptr[2]) == 'x')
                    code = a.ptr[0] - '0';
                else if (route_parse_status(&l->args[k], &code) != 0)
                    return cfg_errorf(p->err, &l->args[k], "%s match status: expected a code like 200 or 2xx", who);
                m->codes[m->ncodes++] = code;
            }
        } else if (ifr_str_eq_cstr(l->name.text, "header")) {
            if (m->nheaders == ROUTE_RESP_MATCH_HEADERS)
                return cfg_errorf(p->err, &l->name, "%s match: at most %d header lines", who, ROUTE_RESP_MATCH_HEADERS);
            if (cfg_expect_args(l, 1, ROUTE_RESP_MATCH_VALUES + 1, p->err) != 0) return -1;
            struct route_resp_match_hdr *h = &m->headers[m->nheaders++];
            h->field = l->args[0].text;
            for (size_t k = 1; k < l->nargs; k++) h->values[h->nvalues++] = l->args[k].text;
        } else {
            static const char *const known[] = { "status", "header" };
            char what[64];
            snprintf(what, sizeof(what), "%s match condition", who);
            return cfg_error_unknown(p->err, &l->name, what, known, 2);
        }
    }
    *out = m;
    return 0;
}

/* Whether any line of the field matches any of the values (or, with no
 * values, whether the field is there): every line counts, as in Caddy. */
static bool route__resp_header_matches(const struct route_resp_match_hdr *h, const http_headers_t *hs)
{
    for (uint32_t i = 0; i < hs->count; i++) {
        const http_header_t *f = &hs->items[i];
        if (!ifr_str_eq_nocase(f->name, h->field)) continue;
        if (h->nvalues == 0) return true;
        for (size_t k = 0; k < h->nvalues; k++)
            if (route_wild_match(h->values[k], f->value, false)) return true;
    }
    return false;
}

bool route_resp_match(const route_resp_match_t *m, const http_response_t *r)
{
    bool status_ok = m->ncodes == 0;
    for (size_t i = 0; i < m->ncodes && !status_ok; i++)
        status_ok = m->codes[i] == r->status || (m->codes[i] <= 5 && r->status / 100 == m->codes[i]);
    if (!status_ok) return false;
    for (size_t i = 0; i < m->nheaders; i++)
        if (!route__resp_header_matches(&m->headers[i], &r->headers)) return false;
    return true;
}
