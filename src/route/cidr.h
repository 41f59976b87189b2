/* IP addresses and CIDR ranges as the remote_ip and client_ip matchers,
 * reverse_proxy's trusted_proxies and the server's trusted_proxies take
 * them: "10.0.0.0/8", "::1", "127.0.0.1" (a bare address is the full
 * prefix), and `private_ranges` for the private and loopback ranges
 * (Caddy's list: 192.168.0.0/16 172.16.0.0/12 10.0.0.0/8 127.0.0.1/8
 * fd00::/8 ::1). An IPv4 peer on a dual-stack socket (::ffff:a.b.c.d)
 * matches the IPv4 ranges. Lists live in the plan's arena. */
#ifndef IFRIT_ROUTE_CIDR_H
#define IFRIT_ROUTE_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"
#include "config/caddyfile.h"
#include "config/error.h"

typedef struct {
    uint8_t addr[16];
    int family;        /* AF_INET or AF_INET6 */
    int bits;
} route_cidr_t;

typedef struct {
    route_cidr_t *items;
    size_t count;
} route_cidrs_t;

/* Parses "a.b.c.d[/n]" or "v6[/n]". 0, or -1 when it is neither. */
int route_cidr_parse(ifr_str_t s, route_cidr_t *c);

/* Adds t's range to l (private_ranges adds all of them). 0, or -1 with
 * *err at t: "<what>: expected an IP address or CIDR range, got '...'". */
int route_cidrs_add(ifr_arena_t *a, route_cidrs_t *l, const cfg_token_t *t, const char *what,
                    cfg_error_t *err);

/* Whether the textual address ip is in one of l's ranges (false when ip
 * does not parse). */
bool route_cidrs_contain(const route_cidrs_t *l, ifr_str_t ip);

#endif
