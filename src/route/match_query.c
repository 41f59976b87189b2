/* `query <key>=<value>...`: query string parameters (decoded). Value `*`
 * matches any value of a present key; other values use Caddy's fast
 * patterns. Different keys are AND-ed, values of one key OR-ed. */
#include "config/dispense.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/path.h"

typedef struct {
    ifr_str_t key;
    route_strs_t values;
} route__query_key_t;

typedef struct {
    route__query_key_t *keys;
    size_t count;
} route__query_conf_t;

static int route__query_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route__query_conf_t *c = *conf;
    if (!c && !(c = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*c))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        ifr_str_t a = d->args[i].text;
        long eq = ifr_str_find_char(a, '=');
        if (eq <= 0)
            return cfg_errorf(p->err, &d->args[i], "query: expected key=value, got '%.*s'", (int)a.len, a.ptr);
        ifr_str_t key = ifr_str_sub(a, 0, (size_t)eq), val = ifr_str_sub(a, (size_t)eq + 1, a.len);
        route__query_key_t *k = NULL;
        for (size_t j = 0; j < c->count; j++)
            if (ifr_str_eq(c->keys[j].key, key)) k = &c->keys[j];
        if (!k) {
            route__query_key_t *n = ifr_arena_calloc(p->arena, c->count + 1, sizeof(*n));
            if (!n) return cfg_errorf(p->err, NULL, "out of memory");
            if (c->count) memcpy(n, c->keys, c->count * sizeof(*n));
            c->keys = n;
            k = &c->keys[c->count++];
            k->key = key;
        }
        if (route_strs_add(p->arena, &k->values, val) != 0) return cfg_errorf(p->err, NULL, "out of memory");
    }
    return 0;
}

/* Whether some occurrence of key in q has a value matching one of k's. */
static bool route__query_key_match(route_exchange_t *x, ifr_str_t q, const route__query_key_t *k)
{
    size_t i = 0;
    while (i < q.len) {
        size_t st = i;
        while (i < q.len && q.ptr[i] != '&') i++;
        ifr_str_t pair = ifr_str_sub(q, st, i++);
        long eq = ifr_str_find_char(pair, '=');
        ifr_str_t rk = eq < 0 ? pair : ifr_str_sub(pair, 0, (size_t)eq);
        ifr_str_t rv = eq < 0 ? IFR_LIT("") : ifr_str_sub(pair, (size_t)eq + 1, pair.len);
        char *kb = ifr_arena_alloc(x->arena, rk.len + rv.len + 2);
        if (!kb) return false;
        long kl = route_url_decode(rk, kb, true);
        if (kl < 0 || !ifr_str_eq(ifr_str(kb, (size_t)kl), k->key)) continue;
        char *vb = kb + rk.len + 1;
        long vl = route_url_decode(rv, vb, true);
        if (vl < 0) continue;
        for (size_t j = 0; j < k->values.count; j++)
            if (route_wild_match(k->values.items[j], ifr_str(vb, (size_t)vl), false)) return true;
    }
    return false;
}

static bool route__query_match(route_exchange_t *x, const void *conf)
{
    const route__query_conf_t *c = conf;
    for (size_t i = 0; i < c->count; i++)
        if (!route__query_key_match(x, x->req->query, &c->keys[i])) return false;
    return true;
}

const route_matcher_t route_match_query = {
    .name = "query", .parse = route__query_parse, .match = route__query_match,
};
