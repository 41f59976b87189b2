/* kTLS: whether this machine lets OpenSSL hand a connection's record
 * encryption to the kernel (the tls upper layer protocol), decided once
 * per process before the first TLS context is made, and said once in the
 * log at start (docs/tls.md, "Connections"). */
#ifndef IFRIT_SERVER_SRV_TLS_KTLS_H
#define IFRIT_SERVER_SRV_TLS_KTLS_H

#include <stdbool.h>
#include <stddef.h>

/* Tries the kernel's tls ULP on a loopback TCP connection (the kernel
 * loads the module on that first use if it has one). true when OpenSSL
 * and the kernel both offer kTLS; else false and why (a sentence). */
bool srv_tls_ktls_probe(char *why, size_t len);

/* The probe, once per process: its answer turns SSL_OP_ENABLE_KTLS on in
 * every TLS context made after it (tls_ctx_set_ktls). Later calls return
 * the first answer. */
bool srv_tls_ktls_decide(void);

/* Logs which path TLS connections take, the first time it is called
 * after srv_tls_ktls_decide (the server calls it when a configuration
 * with TLS listeners starts serving). */
void srv_tls_ktls_log_once(void);

/* The path a TLS listener's connections take, for its "listening on"
 * line: a static string, by srv_tls_ktls_decide's answer. */
const char *srv_tls_ktls_listener_note(void);

#endif
