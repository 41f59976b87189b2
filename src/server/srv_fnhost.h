/* The native backend of functions' host calls (fn/fn_host.h): the KV store
 * on SQLite (srv_fnhost_kv.c), outbound HTTP with libcurl on the offload
 * helpers (srv_fnhost_http.c), functions' SQLite databases
 * (srv_fnhost_db.c) and Ed25519 checks of signed modules with OpenSSL
 * (srv_fnhost_sign.c). */
#ifndef IFRIT_SERVER_SRV_FNHOST_H
#define IFRIT_SERVER_SRV_FNHOST_H

#include "fn/fn_host.h"

void srv_fnhost_kv_fill(fn_host_backend_t *b);
/* Commits every KV write still waiting in memory: when the server stops,
 * after its workers did. */
void srv_fnhost_kv_flush_all(void);
void srv_fnhost_http_fill(fn_host_backend_t *b);
void srv_fnhost_sign_fill(fn_host_backend_t *b);
void srv_fnhost_db_fill(fn_host_backend_t *b);
/* Fills and registers the backend: once, at start-up (srv_register_natives). */
void srv_fnhost_register(void);

#endif
