/* Name lookups off the worker's loop: getaddrinfo blocks for as long as
 * the DNS takes (a resolver that never answers: glibc's timeout times its
 * attempts per nameserver, 5 s x 2 each by default, see resolv.conf(5)),
 * so each lookup runs on a short-lived helper thread of its own and its
 * answer comes back to the loop through an eventfd that the loop watches.
 *
 * At most SRV_LOOKUP_MAX lookups run at once in the process (a hung DNS
 * holds each for its whole timeout); past that a start fails at once.
 *
 * Ownership: the caller owns a lookup until its cb ran or it cancelled
 * it; the record is shared with the helper thread by reference count, so
 * a cancelled lookup whose thread is still blocked is freed by that
 * thread when getaddrinfo returns, and never touches the loop again.
 * Memory the loop may still see an event for is released on a later
 * task, never inside an event callback. */
#ifndef IFRIT_SERVER_SRV_RESOLVE_H
#define IFRIT_SERVER_SRV_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/srv_loop.h"

#define SRV_LOOKUP_MAX 64

typedef struct srv_lookup srv_lookup_t;

/* Runs on the loop: res is getaddrinfo's list (valid only during the
 * call), or NULL with err saying why (gai_strerror's words, or ours). */
typedef void (*srv_lookup_cb)(void *ud, const struct addrinfo *res, const char *err);

/* Starts resolving host (TCP, any family) for port. NULL with *err when
 * it cannot start (too many lookups, out of memory, no thread). */
srv_lookup_t *srv_lookup_start(srv_loop_t *loop, const char *host, uint16_t port, srv_lookup_cb cb, void *ud,
                               const char **err);

/* The owner lets go before cb ran: cb will not run. loop_ends: the
 * caller's loop runs no more (thread exit), so nothing is left to it. */
void srv_lookup_cancel(srv_lookup_t *l, bool loop_ends);

#endif
