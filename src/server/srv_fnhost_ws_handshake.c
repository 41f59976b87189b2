/* The WebSocket opening handshake (RFC 6455 section 4.2): which requests
 * may be upgraded, and the Sec-WebSocket-Accept that proves the server
 * read the key. */
#include "server/srv_fnhost_ws.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

static const char srv__ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* Whether the comma-separated list s holds token (case-insensitive). */
static bool srv__ws_list_has_token(const char *s, const char *token)
{
    size_t tlen = strlen(token);
    while (s && *s) {
        while (*s == ' ' || *s == '\t' || *s == ',') s++;
        const char *end = s;
        while (*end && *end != ',') end++;
        const char *last = end;
        while (last > s && (last[-1] == ' ' || last[-1] == '\t')) last--;
        if ((size_t)(last - s) == tlen && strncasecmp(s, token, tlen) == 0) return true;
        s = end;
    }
    return false;
}

static bool srv__ws_is_base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* A key must be 16 bytes in base64: 22 characters, the last with its
 * low 4 bits clear (A, Q, g or w), then "==". */
static bool srv__ws_key_is_16_bytes(const char *key)
{
    if (strlen(key) != 24 || strcmp(key + 22, "==") != 0) return false;
    for (int i = 0; i < 22; i++)
        if (!srv__ws_is_base64_char(key[i])) return false;
    return strchr("AQgw", key[21]) != NULL;
}

int srv_ws_handshake_check(const srv_ws_request_t *req, const char **why)
{
    if (!req->method || strcmp(req->method, "GET") != 0) {
        *why = "a WebSocket handshake must be a GET";
        return 400;
    }
    if (req->http_minor < 1) {
        *why = "a WebSocket handshake needs HTTP/1.1";
        return 400;
    }
    if (!srv__ws_list_has_token(req->upgrade, "websocket")) {
        *why = "no \"Upgrade: websocket\"";
        return 400;
    }
    if (!srv__ws_list_has_token(req->connection, "upgrade")) {
        *why = "no \"Connection: Upgrade\"";
        return 400;
    }
    if (!req->key || !srv__ws_key_is_16_bytes(req->key)) {
        *why = "Sec-WebSocket-Key is missing or not 16 bytes in base64";
        return 400;
    }
    if (!req->version || strcmp(req->version, "13") != 0) {
        *why = "Sec-WebSocket-Version must be 13";
        return 426;
    }
    *why = NULL;
    return 0;
}

int srv_ws_accept_key(const char *key, char out[SRV_WS_ACCEPT_LEN + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, key, strlen(key)) == 1 &&
              EVP_DigestUpdate(ctx, srv__ws_guid, sizeof srv__ws_guid - 1) == 1 &&
              EVP_DigestFinal_ex(ctx, digest, &dlen) == 1 && dlen == 20;
    EVP_MD_CTX_free(ctx);
    if (!ok) return -1;
    /* 20 bytes make 28 base64 characters; EVP_EncodeBlock adds the NUL. */
    EVP_EncodeBlock((unsigned char *)out, digest, 20);
    return 0;
}
