/* TLS in the server: the glue between the plan's TLS sites, src/tls and
 * the transport of each accepted connection.
 *
 * srv_tls_port_t is one TLS listening port's certificate set, stable for
 * the listener's life (it is the listener's transport ctx); the store
 * inside is replaced whole at each reload and swapped per certificate by
 * renewals. srv_tls_config_t is what a loaded plan needs: a store per TLS
 * port, the local CA's leaves to renew. Built when a plan is loaded (on
 * the loading thread), so a bad certificate refuses the configuration
 * with the file named, and a reload keeps the old one. */
#ifndef IFRIT_SERVER_SRV_TLS_H
#define IFRIT_SERVER_SRV_TLS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/error.h"
#include "route/plan.h"
#include "server/srv_transport.h"
#include "tls/tls_store.h"

typedef struct {
    pthread_mutex_t mu;
    tls_store_t *store;   /* current; a reference */
} srv_tls_port_t;

/* The OpenSSL transport (srv_transport_tls.c); ctx is a srv_tls_port_t. */
extern const srv_transport_ops_t srv_transport_tls;

/* A new port with no store yet (handshakes fail until one is set). */
srv_tls_port_t *srv_tls_port_new(void);
void srv_tls_port_free(srv_tls_port_t *p);
/* Replaces the store (takes a reference to s). */
void srv_tls_port_set(srv_tls_port_t *p, tls_store_t *s);
/* The current store with a reference for the caller, or NULL. */
tls_store_t *srv_tls_port_get(srv_tls_port_t *p);

typedef struct srv_tls_config srv_tls_config_t;

/* Loads every certificate the plan's TLS sites need (files named by tls,
 * the local CA's leaves), builds their contexts and starts the renewal of
 * the local CA's leaves. NULL with err filled ("FILE:LINE:COL: tls: ..."
 * at the site's tls directive, or a sentence) on a bad certificate or
 * setting. A plan without TLS gets an empty configuration. Keeps a
 * reference to p. */
srv_tls_config_t *srv_tls_config_load(route_plan_t *p, cfg_error_t *err);
/* Starts the ACME thread when the plan has ACME hosts (the server does,
 * once the configuration is in use; ifrit validate does not). Again is
 * a no-op. */
void srv_tls_config_start(srv_tls_config_t *c);
/* Stops the renewals and drops the stores (connections keep theirs). */
void srv_tls_config_free(srv_tls_config_t *c);
/* The store for a listening port (no reference taken), or NULL. */
tls_store_t *srv_tls_config_store(const srv_tls_config_t *c, uint16_t port);

#endif
