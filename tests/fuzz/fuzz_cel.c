/* libFuzzer target for the expression matcher's CEL subset
 * (src/route/cel_*.c): the input up to its first newline is the
 * expression, the rest the request path. Parsing must never crash, read
 * out of bounds or pass its bounds, and a refusal always says why; an
 * expression that parses is evaluated against a request for that path
 * (file lookups are under a root that does not exist, so nothing is
 * read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/error.h"
#include "http/message.h"
#include "route/cel.h"
#include "route/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t elen = nl ? (size_t)(nl - data) : size;
    char *expr = malloc(elen + 1), *path = malloc(size - elen + 2);
    memcpy(expr, data, elen);
    expr[elen] = '\0';
    size_t plen = nl ? size - elen - 1 : 0;
    path[0] = '/';
    if (plen) memcpy(path + 1, nl + 1, plen);
    path[plen + 1] = '\0';
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    cfg_error_t err = { 0 };
    cfg_token_t at = { .text = ifr_str(expr, elen), .file = "fuzz", .line = 1, .col = 1 };
    route_parse_t p = { .arena = &a, .err = &err, .matcher_name = IFR_LIT("m") };
    route_cel_node_t *n = NULL;
    if (route_cel_parse(&p, &at, ifr_str(expr, elen), &n) == 0) {
        /* As the request parser gives them: the query never a NULL slice. */
        ifr_str_t target = ifr_str(path, plen + 1);
        long q = ifr_str_find_char(target, '?');
        http_request_t req = { .method = IFR_LIT("GET"), .target = target,
                               .path = q < 0 ? target : ifr_str_sub(target, 0, (size_t)q),
                               .query = q < 0 ? ifr_str(path + plen + 1, 0) : ifr_str_sub(target, (size_t)q + 1, target.len),
                               .host = IFR_LIT("example.com") };
        route_conn_info_t conn = { .remote_ip = IFR_LIT("127.0.0.1"), .remote_port = 1234 };
        route_exchange_t x = { .arena = &a, .req = &req, .conn = &conn };
        route_state_t *st = route_state(&x);
        if (st) st->root = IFR_LIT("/nonexistent-ifrit-fuzz");
        route_cel_eval(&x, n);
    } else if (err.message[0] == '\0') {
        abort();   /* a refusal always says why */
    }
    ifr_arena_destroy(&a);
    free(expr);
    free(path);
    return 0;
}
