// cflags: -Iinclude
/* A JSON webhook receiver (protocol json): checks the HMAC-SHA256 signature
 * a sender puts in the X-Signature-256 header ("sha256=<hex>", as GitHub
 * does) against the body and the shared secret in $WEBHOOK_SECRET, then
 * answers 200 with a small JSON summary, or 401.
 *
 * With host calls granted (docs/functions.md, "Host calls"; examples/
 * Caddyfile shows the block) it also
 *   - drops a delivery it has seen already: the X-Delivery-ID header (as
 *     GitHub's X-GitHub-Delivery) is kept in KV for a day (kv_read,
 *     kv_write), and a repeat answers {"ok":true,"duplicate":true};
 *   - forwards the body to $FORWARD_URL with a POST (http, allow_host);
 *   - when the target is down (no answer, or 5xx), queues itself a job
 *     with the body (enqueue) and still answers 200 {"queued":true}: the
 *     job runs this function again with method ASYNC (no signature to
 *     check: it comes from the server), forwards, and fails while the
 *     target is down, so the server tries it again (max_retries,
 *     retry_backoff) and dead-letters it in the end.
 * Without a grant, those calls fail and the receiver answers as before.
 *
 * SHA-256 (FIPS 180-4) and HMAC (RFC 2104) are written out below. Their
 * test vectors run at start-up, before the first read of stdin: with
 * snapshots on, that happens once when the config loads, not per request.
 *
 * Sign a body for a test:
 *   printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifrit_host.h"

/* ---- SHA-256 ---------------------------------------------------------- */

typedef struct {
    uint32_t h[8];
    uint8_t block[64];
    size_t used;        /* bytes in block */
    uint64_t length;    /* bytes hashed so far */
} sha256_t;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(sha256_t *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_init(sha256_t *s)
{
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, iv, sizeof iv);
    s->used = 0;
    s->length = 0;
}

static void sha256_update(sha256_t *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->length += len;
    while (len) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used == 64) {
            sha256_block(s, s->block);
            s->used = 0;
        }
    }
}

static void sha256_final(sha256_t *s, uint8_t out[32])
{
    uint64_t bits = s->length * 8;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha256_update(s, &pad, 1);
    while (s->used != 56) sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- HMAC-SHA256 -------------------------------------------------------- */

static void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[32])
{
    uint8_t k[64] = { 0 }, pad[64], inner[32];
    sha256_t s;
    if (key_len > 64) {   /* long keys are hashed first */
        sha256_init(&s);
        sha256_update(&s, key, key_len);
        sha256_final(&s, k);
    } else {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha256_init(&s);
    sha256_update(&s, pad, 64);
    sha256_update(&s, msg, msg_len);
    sha256_final(&s, inner);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    sha256_init(&s);
    sha256_update(&s, pad, 64);
    sha256_update(&s, inner, 32);
    sha256_final(&s, out);
}

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* FIPS 180-4 examples and RFC 4231 test cases 1 and 2. */
static int self_test(void)
{
    uint8_t d[32];
    char hex[65];
    sha256_t s;
    sha256_init(&s);
    sha256_update(&s, "abc", 3);
    sha256_final(&s, d);
    to_hex(d, 32, hex);
    if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) return -1;
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_init(&s);
    sha256_update(&s, two, strlen(two));
    sha256_final(&s, d);
    to_hex(d, 32, hex);
    if (strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")) return -1;
    uint8_t key1[20];
    memset(key1, 0x0b, sizeof key1);
    hmac_sha256(key1, sizeof key1, "Hi There", 8, d);
    to_hex(d, 32, hex);
    if (strcmp(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")) return -1;
    hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
    to_hex(d, 32, hex);
    if (strcmp(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")) return -1;
    return 0;
}

/* ---- the request document ----------------------------------------------- */

/* The string value after `"key":` (or, with array, `"key":[`), unescaped
 * into out (a byte-for-byte copy for \uXXXX below 0x100, which is what
 * the host writes for raw bytes). Good enough for the host's own compact
 * output, not a general JSON parser. */
static long json_string_after(const char *doc, const char *key, int array, char *out, size_t cap)
{
    char pat[80];
    snprintf(pat, sizeof pat, array ? "\"%s\":[\"" : "\"%s\":\"", key);
    const char *p = strstr(doc, pat);
    if (!p) return -1;
    p += strlen(pat);
    size_t n = 0;
    for (; *p && *p != '"' && n + 1 < cap; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'r') c = '\r';
            else if (c == 'b') c = '\b';
            else if (c == 'f') c = '\f';
            else if (c == 'u') {
                char hex[5] = { p[1], p[2], p[3], p[4], 0 };
                c = (char)strtol(hex, NULL, 16);
                p += 4;
            }
        }
        out[n++] = c;
    }
    out[n] = 0;
    return (long)n;
}

static void answer(int status, const char *json_body)
{
    printf("{\"status\":%d,\"headers\":{\"Content-Type\":[\"application/json\"]},\"body\":\"", status);
    for (const char *p = json_body; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar(*p);
    }
    printf("\"}");
}

/* POSTs body to $FORWARD_URL: 1 delivered (2xx-4xx), 0 not (down), -1
 * nothing to forward to. */
static int forward(const char *body, size_t len)
{
    const char *url = getenv("FORWARD_URL");
    if (!url || !*url) return -1;
    static const char headers[] = "Content-Type: application/json";
    int32_t e = ifrit_http_request("POST", 4, url, strlen(url), headers, sizeof headers - 1, body, len);
    int status = e == IFRIT_HOST_OK ? ifrit_http_status() : 0;
    if (status && status < 500) return 1;
    fprintf(stderr, "webhook: forwarding to %s failed (error %d, status %d)\n", url, (int)e, status);
    return 0;
}

/* The function's own module, as the job names it ($WEBHOOK_MODULE, else
 * the Caddyfile's name for it). */
static const char *self_module(void)
{
    const char *m = getenv("WEBHOOK_MODULE");
    return m && *m ? m : "webhook.wasm";
}

int main(void)
{
    if (self_test() != 0) {
        fprintf(stderr, "webhook: SHA-256/HMAC self-test failed\n");
        return 1;
    }
    static char doc[1 << 20], body[1 << 20], sig[128];
    size_t n = fread(doc, 1, sizeof doc - 1, stdin);
    doc[n] = 0;
    const char *secret = getenv("WEBHOOK_SECRET");
    long body_len = json_string_after(doc, "body", 0, body, sizeof body);
    static char method[16];
    if (json_string_after(doc, "method", 0, method, sizeof method) > 0 && !strcmp(method, "ASYNC")) {
        /* A retry the server runs (a job): forward, or fail so it is tried again. */
        int sent = body_len < 0 ? -1 : forward(body, (size_t)body_len);
        answer(sent == 1 ? 200 : 503, sent == 1 ? "{\"ok\":true,\"forwarded\":true}" : "{\"ok\":false}");
        return 0;
    }
    if (!secret || !*secret) {
        fprintf(stderr, "webhook: WEBHOOK_SECRET is not set\n");
        answer(500, "{\"ok\":false,\"error\":\"not configured\"}");
        return 0;
    }
    if (body_len < 0 || json_string_after(doc, "X-Signature-256", 1, sig, sizeof sig) < 0 ||
        strncmp(sig, "sha256=", 7) != 0) {
        answer(401, "{\"ok\":false,\"error\":\"missing signature\"}");
        return 0;
    }
    uint8_t mac[32];
    char want[65];
    hmac_sha256(secret, strlen(secret), body, (size_t)body_len, mac);
    to_hex(mac, 32, want);
    /* Compared in constant time: no early exit at the first difference. */
    unsigned diff = strlen(sig + 7) != 64;
    for (int i = 0; i < 64 && sig[7 + i]; i++) diff |= (unsigned)(want[i] ^ sig[7 + i]);
    if (diff) {
        answer(401, "{\"ok\":false,\"error\":\"bad signature\"}");
        return 0;
    }
    static char id[128], key[160];
    if (json_string_after(doc, "X-Delivery-Id", 1, id, sizeof id) > 0) {
        int kl = snprintf(key, sizeof key, "delivery:%s", id);
        uint32_t seen = 0;
        int32_t e = ifrit_kv_get(key, (uint32_t)kl, NULL, 0, &seen);
        if (e == IFRIT_HOST_OK || e == IFRIT_HOST_BUFFER_TOO_SMALL) {
            answer(200, "{\"ok\":true,\"duplicate\":true}");
            return 0;
        }
        ifrit_kv_set(key, (uint32_t)kl, "1", 1, 24LL * 3600 * 1000);
    }
    int sent = forward(body, (size_t)body_len);
    char ok[128];
    if (sent == 0) {
        char job[32];
        const char *m = self_module();
        int32_t e = ifrit_enqueue(m, strlen(m), body, (uint32_t)body_len, job);
        if (e == IFRIT_HOST_OK) snprintf(ok, sizeof ok, "{\"ok\":true,\"bytes\":%ld,\"queued\":\"%.32s\"}", body_len, job);
        else snprintf(ok, sizeof ok, "{\"ok\":false,\"bytes\":%ld,\"error\":\"not forwarded\"}", body_len);
        answer(e == IFRIT_HOST_OK ? 200 : 502, ok);
        return 0;
    }
    snprintf(ok, sizeof ok, "{\"ok\":true,\"bytes\":%ld%s}", body_len, sent == 1 ? ",\"forwarded\":true" : "");
    answer(200, ok);
    return 0;
}
