/* The addresses of `bind` and `default_bind` (options.h): Caddy's
 * [network/]host, where the port always comes from the site's address. */
#include <string.h>

#include "config/dispense.h"
#include "config/options.h"

/* sockaddr_un's sun_path holds 108 bytes with the terminating NUL. */
#define CFG__UNIX_PATH_MAX 107

static const struct {
    const char *name;
    cfg_bind_network_t network;
} cfg__bind_networks[] = {
    { "tcp", CFG_BIND_TCP }, { "tcp4", CFG_BIND_TCP4 }, { "tcp6", CFG_BIND_TCP6 }, { "unix", CFG_BIND_UNIX },
};

/* Caddy's other networks: named in the error, not served here. */
static const char *const cfg__bind_other_networks[] = {
    "udp", "udp4", "udp6", "unixgram", "unixpacket", "ip", "ip4", "ip6", "fd", "fdgram",
};

#define CFG__COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int cfg__bind_host(const cfg_token_t *t, ifr_str_t host, cfg_bind_t *out, cfg_error_t *err)
{
    if (host.len && host.ptr[0] == '[') {
        if (host.len < 3 || host.ptr[host.len - 1] != ']')
            return cfg_errorf(err, t, "bind: '%s': an IPv6 address in brackets is written [::1]", t->text.ptr);
        host = ifr_str_sub(host, 1, host.len - 1);
        if (ifr_str_find_char(host, ':') < 0)
            return cfg_errorf(err, t, "bind: '%s': only an IPv6 address goes in brackets", t->text.ptr);
    }
    size_t colons = 0;
    for (size_t i = 0; i < host.len; i++) {
        char c = host.ptr[i];
        colons += c == ':';
        if (c == '[' || c == ']' || c == '/' || c == ' ' || c == '\t' || (unsigned char)c < 0x20)
            return cfg_errorf(err, t, "bind: '%s' is not a host or IP address", t->text.ptr);
    }
    /* One colon is host:port; an IPv6 address has at least two. */
    if (colons == 1)
        return cfg_errorf(err, t, "bind: '%s' has a port; bind takes hosts only (the port comes from "
                          "the site's address)", t->text.ptr);
    out->host = host;
    return 0;
}

int cfg_parse_bind(const cfg_token_t *t, cfg_bind_t *out, cfg_error_t *err)
{
    ifr_str_t text = t->text;
    cfg_bind_t b = { CFG_BIND_TCP, IFR_NULL_STR };
    long slash = ifr_str_find_char(text, '/');
    /* "[::1]" has no network; "tcp6/[::1]" and "unix//run/x.sock" have one. */
    if (slash > 0) {
        ifr_str_t net = ifr_str_sub(text, 0, (size_t)slash);
        size_t i = 0;
        while (i < CFG__COUNT(cfg__bind_networks) && !ifr_str_eq_cstr(net, cfg__bind_networks[i].name)) i++;
        if (i == CFG__COUNT(cfg__bind_networks)) {
            for (size_t k = 0; k < CFG__COUNT(cfg__bind_other_networks); k++)
                if (ifr_str_eq_cstr(net, cfg__bind_other_networks[k]))
                    return cfg_errorf(err, t, "bind: network '%s' is not supported by ifrit (tcp, tcp4, tcp6 "
                                      "or unix)", cfg__bind_other_networks[k]);
            return cfg_errorf(err, t, "bind: '%s' is not an address (a host, an IP address, or "
                              "unix/PATH for a unix socket)", text.ptr);
        }
        b.network = cfg__bind_networks[i].network;
        text = ifr_str_sub(text, (size_t)slash + 1, text.len);
    } else if (slash == 0) {
        return cfg_errorf(err, t, "bind: '%s': a unix socket is written unix/%s", t->text.ptr, t->text.ptr);
    }
    if (b.network == CFG_BIND_UNIX) {
        if (text.len == 0) return cfg_errorf(err, t, "bind: '%s': expected unix/PATH", t->text.ptr);
        if (text.len > CFG__UNIX_PATH_MAX)
            return cfg_errorf(err, t, "bind: unix socket path longer than %d bytes", CFG__UNIX_PATH_MAX);
        if (memchr(text.ptr, '\0', text.len))
            return cfg_errorf(err, t, "bind: a unix socket path cannot hold a NUL byte");
        b.host = text;
    } else if (cfg__bind_host(t, text, &b, err) != 0) {
        return -1;
    }
    *out = b;
    return 0;
}

bool cfg_bind_eq(const cfg_bind_t *a, const cfg_bind_t *b)
{
    if (a->network != b->network) return false;
    return a->network == CFG_BIND_UNIX ? ifr_str_eq(a->host, b->host) : ifr_str_eq_nocase(a->host, b->host);
}
