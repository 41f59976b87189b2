/* The server's side of a function's WebSocket session (issue 20): the
 * RFC 6455 opening handshake checked and answered. The frames themselves
 * are src/http/http_ws_frame.h. */
#ifndef IFRIT_SERVER_SRV_FNHOST_WS_H
#define IFRIT_SERVER_SRV_FNHOST_WS_H

#include <stddef.h>

#define SRV_WS_ACCEPT_LEN 28   /* base64 of a SHA-1 digest */

/* The request's fields that decide an upgrade, as received (NULL: absent;
 * the caller owns them, nothing is kept). */
typedef struct {
    const char *method;
    int http_minor;            /* HTTP/1.x: 1 for 1.1 */
    const char *upgrade;       /* Upgrade */
    const char *connection;    /* Connection */
    const char *version;       /* Sec-WebSocket-Version */
    const char *key;           /* Sec-WebSocket-Key */
} srv_ws_request_t;

/* 0 when the request is a valid version 13 opening handshake; otherwise
 * the status to answer instead of upgrading (400, or 426 with
 * "Sec-WebSocket-Version: 13" for another version) and *why says what is
 * wrong (a static string). */
int srv_ws_handshake_check(const srv_ws_request_t *req, const char **why);

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + RFC 6455's GUID)),
 * written with a NUL into out. Returns 0, or -1 when hashing failed. */
int srv_ws_accept_key(const char *key, char out[SRV_WS_ACCEPT_LEN + 1]);

#endif
