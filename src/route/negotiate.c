/* Accept-Encoding q-values. */
#include "route/negotiate.h"

/* Parses "q=0.5" after a ';' into 0..1000; 1000 when absent or malformed. */
static int route__qvalue(ifr_str_t params)
{
    for (size_t i = 0; i + 1 < params.len; i++) {
        if ((params.ptr[i] != 'q' && params.ptr[i] != 'Q') || params.ptr[i + 1] != '=') continue;
        size_t j = i + 2;
        int q = 0, scale = 1000;
        if (j < params.len && params.ptr[j] >= '0' && params.ptr[j] <= '1') q = (params.ptr[j++] - '0') * 1000;
        if (j < params.len && params.ptr[j] == '.') {
            j++;
            for (int d = 0; d < 3 && j < params.len && params.ptr[j] >= '0' && params.ptr[j] <= '9'; d++, j++) {
                scale /= 10;
                q += (params.ptr[j] - '0') * scale;
            }
        }
        return q > 1000 ? 1000 : q;
    }
    return 1000;
}

static ifr_str_t route__trim(ifr_str_t s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s = ifr_str_sub(s, 1, s.len);
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

int route_accept_encoding_q(const http_headers_t *h, ifr_str_t coding)
{
    int named = -1, star = -1;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!ifr_str_eq_nocase(h->items[i].name, IFR_LIT("Accept-Encoding"))) continue;
        ifr_str_t v = h->items[i].value;
        size_t p = 0;
        while (p < v.len) {
            size_t st = p;
            while (p < v.len && v.ptr[p] != ',') p++;
            ifr_str_t item = ifr_str_sub(v, st, p++);
            long semi = ifr_str_find_char(item, ';');
            ifr_str_t name = route__trim(semi < 0 ? item : ifr_str_sub(item, 0, (size_t)semi));
            int q = semi < 0 ? 1000 : route__qvalue(ifr_str_sub(item, (size_t)semi + 1, item.len));
            if (ifr_str_eq_nocase(name, coding)) named = q;
            else if (ifr_str_eq_cstr(name, "*")) star = q;
        }
    }
    return named >= 0 ? named : star;
}
