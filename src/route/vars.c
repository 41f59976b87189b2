/* Request variables and map outputs (vars.h). */
#include "route/vars.h"

#include <string.h>

#include "base/buf.h"
#include "route/state.h"

int route_var_set(route_exchange_t *x, ifr_str_t name, ifr_str_t value)
{
    route_state_t *st = route_state(x);
    route_var_t *v = st ? ifr_arena_calloc(x->arena, 1, sizeof(*v)) : NULL;
    if (!v) return -1;
    if (ifr_str_eq_cstr(name, "root")) st->root = value;   /* Caddy's root is this variable */
    *v = (route_var_t){ name, value, st->vars };
    st->vars = v;
    return 0;
}

bool route_var_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *value)
{
    route_state_t *st = x->route_state;
    *value = IFR_LIT("");
    for (route_var_t *v = st ? st->vars : NULL; v; v = v->next)
        if (ifr_str_eq(v->name, name)) {
            *value = v->value;
            return true;
        }
    return false;
}

int route_map_activate(route_exchange_t *x, const route_map_conf_t *m)
{
    route_state_t *st = route_state(x);
    route_map_active_t *a = st ? ifr_arena_calloc(x->arena, 1, sizeof(*a)) : NULL;
    if (!a) return -1;
    *a = (route_map_active_t){ m, st->maps };
    st->maps = a;
    return 0;
}

static bool route__name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The group a name or number stands for; -1 when none. */
static int route__expand_group(const route_regex_t *rx, ifr_str_t name)
{
    uint64_t n;
    if (name.len && ifr_str_to_u64(name, 1000000, &n)) return n < ROUTE_MAX_GROUPS ? (int)n : -1;
    for (int g = 1; g < ROUTE_MAX_GROUPS; g++)
        if (rx->names[g] && ifr_str_eq_cstr(name, rx->names[g])) return g;
    return -1;
}

ifr_str_t route_regex_expand(route_exchange_t *x, const route_regex_t *rx, const ifr_str_t *groups, ifr_str_t t)
{
    size_t cap = t.len;
    for (int g = 0; g < ROUTE_MAX_GROUPS; g++) cap += groups[g].len * (t.len / 2 + 1);
    char *b = ifr_arena_alloc(x->arena, cap + 1);
    if (!b) return IFR_LIT("");
    size_t n = 0;
    for (size_t i = 0; i < t.len; i++) {
        if (t.ptr[i] != '$' || i + 1 >= t.len) { b[n++] = t.ptr[i]; continue; }
        if (t.ptr[i + 1] == '$') { b[n++] = '$'; i++; continue; }
        ifr_str_t name;
        size_t end;
        if (t.ptr[i + 1] == '{') {
            size_t j = i + 2;
            while (j < t.len && route__name_char(t.ptr[j])) j++;
            if (j >= t.len || t.ptr[j] != '}' || j == i + 2) { b[n++] = '$'; continue; }   /* not a reference */
            name = ifr_str(t.ptr + i + 2, j - i - 2);
            end = j;
        } else {
            size_t j = i + 1;
            while (j < t.len && route__name_char(t.ptr[j])) j++;
            if (j == i + 1) { b[n++] = '$'; continue; }
            name = ifr_str(t.ptr + i + 1, j - i - 1);   /* Go takes the longest name: $1x is ${1x} */
            end = j - 1;
        }
        int g = route__expand_group(rx, name);
        if (g >= 0 && groups[g].len && n + groups[g].len <= cap) {
            memcpy(b + n, groups[g].ptr, groups[g].len);
            n += groups[g].len;
        }
        i = end;
    }
    b[n] = '\0';
    return ifr_str(b, n);
}

/* Output d of map m for this request, as Caddy's map: the first line
 * whose input matches and that has an output there, else the default. */
static bool route__map_value(route_exchange_t *x, const route_map_conf_t *m, size_t d, ifr_str_t *value)
{
    ifr_str_t in;
    if (route_tmpl_render(x, m->source, &in) != 0) return false;
    for (size_t i = 0; i < m->nlines; i++) {
        const route_map_line_t *l = &m->lines[i];
        if (l->rx) {
            ifr_str_t g[ROUTE_MAX_GROUPS];
            if (!l->raw[d].ptr || !route_regex_match(l->rx, in, g)) continue;
            *value = route_regex_expand(x, l->rx, g, l->raw[d]);
            return true;
        }
        if (!l->outputs[d] || !ifr_str_eq(in, l->input)) continue;
        return route_tmpl_render(x, l->outputs[d], value) == 0;
    }
    if (m->defaults[d]) return route_tmpl_render(x, m->defaults[d], value) == 0;
    return true;   /* known, with nothing: empty */
}

bool route_map_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *value)
{
    route_state_t *st = x->route_state;
    *value = IFR_LIT("");
    for (route_map_active_t *a = st ? st->maps : NULL; a; a = a->next)
        for (size_t d = 0; d < a->conf->ndests; d++)
            if (ifr_str_eq(a->conf->dests[d], name)) {
                if (!route__map_value(x, a->conf, d, value)) *value = IFR_LIT("");   /* out of memory */
                return true;
            }
    return false;
}
