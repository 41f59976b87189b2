/* Site addresses (address.h): [scheme://]host[:port][/path]. */
#include <string.h>

#include "config/address.h"
#include "config/dispense.h"

static long cfg__find(ifr_str_t s, ifr_str_t needle)
{
    for (size_t i = 0; i + needle.len <= s.len; i++)
        if (memcmp(s.ptr + i, needle.ptr, needle.len) == 0) return (long)i;
    return -1;
}

static int cfg__parse_port(const cfg_token_t *key, ifr_str_t p, uint16_t *out, cfg_error_t *err)
{
    uint64_t v = 0;
    bool ok = p.len <= 5 && ifr_str_to_u64(p, 65535, &v);
    if (!ok || v == 0)
        return cfg_errorf(err, key, "site address '%s': expected a port from 1 to 65535, got '%.*s'",
                          key->text.ptr, (int)p.len, p.ptr);
    *out = (uint16_t)v;
    return 0;
}

int cfg_parse_address(const cfg_token_t *key, cfg_address_t *out, cfg_error_t *err)
{
    /* Absent parts are empty slices of the key, never NULL pointers. */
    ifr_str_t s = key->text, none = ifr_str(s.ptr, 0);
    *out = (cfg_address_t){ .scheme = none, .host = none, .path = none };
    long sep = cfg__find(s, IFR_LIT("://"));
    if (sep >= 0) {
        out->scheme = ifr_str_sub(s, 0, (size_t)sep);
        if (!ifr_str_eq_nocase(out->scheme, IFR_LIT("http")) &&
            !ifr_str_eq_nocase(out->scheme, IFR_LIT("https")))
            return cfg_errorf(err, key, "site address '%s': the scheme must be http or https",
                              key->text.ptr);
        s = ifr_str_sub(s, (size_t)sep + 3, s.len);
    }
    long slash = ifr_str_find_char(s, '/');
    if (slash >= 0) {
        out->path = ifr_str_sub(s, (size_t)slash, s.len);
        s = ifr_str_sub(s, 0, (size_t)slash);
    }
    ifr_str_t port = IFR_NULL_STR;
    if (s.len && s.ptr[0] == '[') {
        long close = ifr_str_find_char(s, ']');
        if (close < 0)
            return cfg_errorf(err, key, "site address '%s': expected ']' after the IPv6 address",
                              key->text.ptr);
        out->host = ifr_str_sub(s, 1, (size_t)close);
        ifr_str_t rest = ifr_str_sub(s, (size_t)close + 1, s.len);
        if (rest.len && rest.ptr[0] != ':')
            return cfg_errorf(err, key, "site address '%s': expected ':port' after ']'",
                              key->text.ptr);
        if (rest.len) port = ifr_str_sub(rest, 1, rest.len);
        if (rest.len && !port.len)
            return cfg__parse_port(key, port, &out->port, err);
    } else {
        long colon = -1;
        for (size_t i = s.len; i-- > 0;)
            if (s.ptr[i] == ':') { colon = (long)i; break; }
        if (colon >= 0) {
            port = ifr_str_sub(s, (size_t)colon + 1, s.len);
            s = ifr_str_sub(s, 0, (size_t)colon);
            if (ifr_str_find_char(s, ':') >= 0)
                return cfg_errorf(err, key, "site address '%s': write IPv6 hosts in brackets, "
                                  "like [::1]:8080", key->text.ptr);
            if (!port.len) return cfg__parse_port(key, port, &out->port, err);
        }
        out->host = s;
    }
    if (port.len && cfg__parse_port(key, port, &out->port, err)) return -1;
    if (!out->scheme.len && !out->host.len && !out->port)
        return cfg_errorf(err, key, "site address '%s': expected a host, a port or a scheme",
                          key->text.ptr);
    return 0;
}

int cfg_address_resolve(const cfg_token_t *key, cfg_address_t *a, const cfg_options_t *o,
                        cfg_error_t *err)
{
    if (ifr_str_eq_nocase(a->scheme, IFR_LIT("http"))) {
        a->tls = false;
        a->listen_port = a->port ? a->port : o->http_port;
    } else if (ifr_str_eq_nocase(a->scheme, IFR_LIT("https"))) {
        a->tls = true;
        a->listen_port = a->port ? a->port : o->https_port;
        if (a->listen_port == o->http_port)
            return cfg_errorf(err, key, "site address '%s': https on the http_port (%u): one "
                              "port cannot serve both", key->text.ptr, o->http_port);
    } else if (a->port) {
        /* See address.h: a port without scheme is plain HTTP for now,
         * except the https_port itself. */
        a->listen_port = a->port;
        a->tls = a->port == o->https_port && !o->auto_https_off;
    } else {
        a->tls = !o->auto_https_off && a->host.len > 0;
        a->listen_port = a->tls ? o->https_port : o->http_port;
    }
    return 0;
}
