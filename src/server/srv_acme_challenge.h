/* The server's answers to ACME validations (the tables in
 * acme/challenge.h, filled by the ACME thread): HTTP-01 before any site or
 * route on every plain or TLS port, TLS-ALPN-01 in the ClientHello of any
 * TLS port. */
#ifndef IFRIT_SERVER_SRV_ACME_CHALLENGE_H
#define IFRIT_SERVER_SRV_ACME_CHALLENGE_H

/* Installs both answers (route_exchange_set_early, tls_store_set_challenge).
 * Once, at start. */
void srv_acme_challenges_register(void);

#endif
