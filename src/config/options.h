/* The global options block, read into a cfg_options_t (the plan keeps
 * one: route_plan_options).
 *
 *   {
 *       admin off
 *       auto_https off|disable_redirects|disable_certs|ignore_loaded_certs
 *       local_certs
 *       default_sni example.com
 *       fallback_sni example.com
 *       skip_install_trust
 *       storage file_system /var/lib/ifrit
 *       renew_interval 10m
 *       email ops@example.com         (and the other ACME options: options_acme.h)
 *       http_port 8080
 *       https_port 8443
 *       debug
 *       grace_period 10s
 *       shutdown_delay 30s
 *       wasm_memory_budget 4GiB
 *       workers 4
 *       default_bind 127.0.0.1 [::1] unix//run/ifrit.sock
 *       log [<name>] { output ...; format ...; level ...; include/exclude ... }   (docs/directives.md)
 *       servers {
 *           timeouts {
 *               read_body 10s
 *               read_header 5s
 *               write 30s
 *               idle 2m
 *           }
 *           trusted_proxies static private_ranges 203.0.113.0/24
 *           client_ip_headers X-Forwarded-For X-Real-IP
 *           trusted_proxies_strict
 *           protocols h1 h2 h2c
 *           max_header_size 64KiB
 *           strict_sni_host on|insecure_off
 *           keepalive_interval 30s
 *           log_credentials
 *           listener_wrappers {
 *               proxy_protocol {
 *                   timeout 5s
 *                   allow 10.0.0.0/8
 *                   deny 10.9.0.0/16
 *                   fallback_policy ignore|use|reject|require|skip
 *               }
 *               http_redirect
 *               tls
 *           }
 *           name <name>
 *       }
 *   }
 *
 * Caddy options ifrit does not implement yet (acme_dns, on_demand_tls, ...)
 * are an error saying so; anything else unknown is an error suggesting the
 * closest known option.
 */
#ifndef IFRIT_CONFIG_OPTIONS_H
#define IFRIT_CONFIG_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "config/caddyfile.h"
#include "config/error.h"

#define CFG_MAX_ORDER 64   /* `order` lines in the global options */
#define CFG_MAX_LOGS 32    /* global `log` options (loggers) */

/* The `engine` option; NONE: not given (the compiler on x86-64 Linux when
 * IFRIT_ENGINE=compiler, else the interpreter: docs/engine.md). */
typedef enum { CFG_ENGINE_NONE, CFG_ENGINE_INTERPRETER, CFG_ENGINE_COMPILER } cfg_engine_t;

typedef enum { CFG_STRICT_SNI_DEFAULT, CFG_STRICT_SNI_ON, CFG_STRICT_SNI_OFF } cfg_strict_sni_t;

/* proxy_protocol's policies for a connection, as Caddy's (go-proxyproto's):
 * IGNORE takes a header off and keeps the connection's address, USE takes
 * the header's, REJECT closes a connection that sends one, REQUIRE one
 * that does not, SKIP does not look (the bytes reach HTTP or TLS). */
typedef enum { CFG_PROXY_IGNORE, CFG_PROXY_USE, CFG_PROXY_REJECT, CFG_PROXY_REQUIRE, CFG_PROXY_SKIP } cfg_proxy_policy_t;

/* The global options block, with defaults filled in. */
typedef struct {
    int workers;                  /* 0 = one per core */
    int64_t grace_period_ns;      /* graceful shutdown limit; 0 = none */
    int64_t shutdown_delay_ns;    /* shutdown_delay: serving on, {http.shutting_down} true, before the grace period */
    uint64_t wasm_memory_budget;  /* functions' guest memory, bytes; 0 = from the machine's */
    cfg_engine_t engine;          /* engine interpreter|compiler: how functions and plugins run */
    bool debug;                   /* debug-level logging */
    bool admin_off;
    bool auto_https_off;          /* auto_https off: no automatic HTTPS, no redirects */
    bool auto_https_no_redirects; /* auto_https disable_redirects (also set by off) */
    bool auto_https_no_certs;     /* auto_https disable_certs: TLS sites need tls CERT KEY */
    bool auto_https_ignore_loaded; /* auto_https ignore_loaded_certs */
    bool local_certs;             /* every automatic certificate from the local CA */
    bool skip_install_trust;      /* ifrit never installs the root by itself anyway */
    const char *default_sni;      /* the name whose certificate a ClientHello without SNI gets */
    const char *fallback_sni;     /* ... and one whose SNI matches no certificate */
    const char *storage_path;     /* storage file_system PATH; NULL = the default data directory */
    int64_t renew_interval_ns;    /* how often certificates are checked for renewal (default 10m) */
    uint16_t http_port;           /* default 80 */
    uint16_t https_port;          /* default 443 */
    int64_t read_header_timeout_ns;
    int64_t read_body_timeout_ns;
    int64_t write_timeout_ns;
    int64_t idle_timeout_ns;
    /* servers { trusted_proxies static <ranges...> }: the range tokens
     * (src/route/client_ip.c parses them); NULL: no proxy is trusted. */
    const cfg_token_t *trusted_proxies;
    size_t ntrusted_proxies;
    const cfg_token_t *client_ip_headers;  /* client_ip_headers; NULL: X-Forwarded-For */
    size_t nclient_ip_headers;
    bool trusted_proxies_strict;  /* the rightmost untrusted address, not the leftmost */
    /* servers { protocols }: the HTTP versions served, CFG_PROTO_* bits
     * (default h1 h2: HTTP/2 by ALPN on TLS listeners, none in cleartext). */
    unsigned protocols;
    /* servers { max_header_size N }: the most bytes of a request head
     * (request line and fields); 0: the built-in limits (docs/server.md). */
    uint64_t max_header_size;
    /* servers { strict_sni_host on|insecure_off }: a TLS request's Host
     * must equal its SNI; DEFAULT: only on ports with a client_auth site. */
    cfg_strict_sni_t strict_sni_host;
    int64_t keepalive_interval_ns;  /* TCP keep-alive probes; default 15s, 0: off */
    bool log_credentials;           /* access logs keep Cookie, Authorization, ... */
    /* servers { listener_wrappers { proxy_protocol { ... } } }: the block
     * (its allow/deny ranges are read by src/route), or NULL: no PROXY
     * header is looked for. timeout: the header must be in by then (0:
     * only read_header bounds it). fallback: the policy for a peer in
     * neither list (allow: USE, deny: REJECT, unix sockets: USE). */
    const cfg_directive_t *proxy_protocol;
    int64_t proxy_protocol_timeout_ns;
    cfg_proxy_policy_t proxy_protocol_fallback;
    /* listener_wrappers { http_redirect }: a cleartext HTTP request on a
     * TLS listener gets Caddy's 308 to https:// instead of a failed
     * handshake (src/server/srv_http_redirect.c). */
    bool http_redirect;
    /* ACME (options_acme.h; docs/tls.md). NULL: Let's Encrypt, the
     * system's roots, no contact; ratio 0: Caddy's 1/3. */
    const char *acme_email;
    const char *acme_ca;
    const char *acme_ca_root;
    double renewal_window_ratio;
    /* on_demand_tls { ask URL; interval D; burst N }: the endpoint that
     * approves a name for an on-demand certificate (GET URL?domain=NAME,
     * 2xx: yes), and at most burst orders per interval (0: no limit). */
    const char *on_demand_ask;
    int64_t on_demand_interval_ns;
    int on_demand_burst;
    /* acme_eab { key_id K; mac_key M }: the CA's external account
     * binding (RFC 8555 7.3.4), or NULL. */
    const char *acme_eab_key_id, *acme_eab_mac_key;
    /* default_bind: the addresses of every site without a `bind` of its
     * own (checked by cfg_parse_bind; the route layer reads them again);
     * NULL: all interfaces. */
    const cfg_token_t *default_bind;
    size_t ndefault_bind;
    /* `order <dir> first|last|before <other>|after <other>`, in file
     * order; the directive names are checked where the directive table is
     * (src/route). Tokens point into the document. */
    struct cfg_order {
        const cfg_token_t *dir, *where, *other;   /* other: NULL for first/last */
    } order[CFG_MAX_ORDER];
    size_t norder;
    /* The global `log [<name>] { ... }` options, in file order (the route
     * layer reads them: src/route/log_global.c). */
    const cfg_directive_t *logs[CFG_MAX_LOGS];
    size_t nlogs;
} cfg_options_t;

#define CFG_PROTO_H1 1u    /* HTTP/1.1 (and 1.0) */
#define CFG_PROTO_H2 2u    /* HTTP/2 over TLS, chosen by ALPN */
#define CFG_PROTO_H2C 4u   /* HTTP/2 over cleartext, with prior knowledge */

/* Unlike Caddy (which waits for ever unless told), a stop ends within
 * this by default; `grace_period 0` waits for every in-flight request. */
#define CFG_DEFAULT_GRACE_PERIOD_NS (30LL * 1000000000LL)

/* The largest max_header_size: a connection may buffer this much head. */
#define CFG_MAX_HEADER_SIZE_LIMIT (16u << 20)

/* An address of `bind` or `default_bind`, as Caddy writes it:
 * [network/]host with no port (the port is the site's). network is tcp
 * (the default), tcp4, tcp6 or unix; a host is a name, an IP address, or
 * an IPv6 address in brackets; empty is every interface (of that family).
 * unix/PATH is a unix socket (unix//run/x.sock: the path is absolute). */
typedef enum { CFG_BIND_TCP, CFG_BIND_TCP4, CFG_BIND_TCP6, CFG_BIND_UNIX } cfg_bind_network_t;
typedef struct {
    cfg_bind_network_t network;
    ifr_str_t host;    /* brackets removed; the socket path for unix; points into the token */
} cfg_bind_t;

/* Splits t; the other networks (udp, ...), a host:port and an overlong
 * socket path are errors naming the token. 0, or -1 with *err filled. */
int cfg_parse_bind(const cfg_token_t *t, cfg_bind_t *out, cfg_error_t *err);
/* The same listener address (hosts compare without case, paths exactly). */
bool cfg_bind_eq(const cfg_bind_t *a, const cfg_bind_t *b);

/* The defaults, as Caddy has them where Caddy has one:
 *   workers 0 (one per core), grace_period 30s (the above), debug off,
 *   admin on, auto_https on, http_port 80, https_port 443, read_header
 *   1m, idle 5m, read_body 0 and write 0 (0 = no timeout), protocols h1 h2,
 *   shutdown_delay 0, max_header_size 0 (built-in limits), keepalive_interval 15s,
 *   wasm_memory_budget 0 (the server takes half the machine's memory). */
void cfg_options_defaults(cfg_options_t *o);

/* Sets *o to the defaults, then applies global (which may be NULL: no
 * global options block). Returns 0, or -1 with *err at the offending token. */
int cfg_parse_global_options(const cfg_block_t *global, cfg_options_t *o, cfg_error_t *err);

#endif
