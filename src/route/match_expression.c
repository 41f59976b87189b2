/* `expression <cel...>` (also `@name <cel>` with the expression in quotes
 * or backticks): Caddy's CEL matcher, for the part of CEL that published
 * configs write (cel.h). Several arguments are joined by spaces into one
 * expression, quoted ones with their quotes, as Caddy does. Several expression lines in one set are
 * AND-ed. */
#include "config/dispense.h"
#include "route/cel.h"
#include "route/matcher.h"

static int route__expression_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    if (d->nargs == 1) return route_cel_parse(p, &d->args[0], d->args[0].text, (route_cel_node_t **)conf);
    /* As Caddy's raw arguments: a quoted word keeps its quotes. */
    size_t len = 0;
    for (size_t i = 0; i < d->nargs; i++) len += d->args[i].text.len * 2 + 3;
    char *text = ifr_arena_alloc(p->arena, len + 1);
    if (!text) return cfg_errorf(p->err, NULL, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < d->nargs; i++) {
        bool quote = cfg_token_is_literal(&d->args[i]);
        if (i) text[n++] = ' ';
        if (quote) text[n++] = '"';
        for (size_t k = 0; k < d->args[i].text.len; k++) {
            char ch = d->args[i].text.ptr[k];
            if (quote && (ch == '"' || ch == '\\')) text[n++] = '\\';
            text[n++] = ch;
        }
        if (quote) text[n++] = '"';
    }
    text[n] = '\0';
    return route_cel_parse(p, &d->args[0], ifr_str(text, n), (route_cel_node_t **)conf);
}

static bool route__expression_match(route_exchange_t *x, const void *conf)
{
    return route_cel_eval(x, conf);
}

const route_matcher_t route_match_expression = {
    .name = "expression", .flags = ROUTE_MATCH_SEPARATE, .parse = route__expression_parse,
    .match = route__expression_match,
};
