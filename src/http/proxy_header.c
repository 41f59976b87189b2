/* The PROXY protocol header parser (proxy_header.h). */
#include "http/proxy_header.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t http__v2_sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

static http_proxy_result_t http__bad(http_proxy_header_t *h, const char *why)
{
    h->error = why;
    return HTTP_PROXY_BAD;
}

/* One space-ended (or CR-ended, for the last) field of a v1 line. */
static bool http__v1_field(const char **p, const char *end, char stop, char *out, size_t cap)
{
    const char *s = *p;
    while (*p < end && **p != stop) (*p)++;
    size_t n = (size_t)(*p - s);
    if (*p == end || n == 0 || n >= cap) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    (*p)++;
    return true;
}

/* A port as v1 writes it: 1 to 5 digits, no leading zero, at most 65535. */
static bool http__v1_port(const char *s, uint16_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || (s[0] == '0' && n > 1)) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535) return false;
    *out = (uint16_t)v;
    return true;
}

static http_proxy_result_t http__v1(const uint8_t *p, size_t n, http_proxy_header_t *h)
{
    const char *s = (const char *)p;
    size_t limit = n < HTTP_PROXY_V1_MAX ? n : HTTP_PROXY_V1_MAX;
    const char *lf = memchr(s, '\n', limit);
    if (!lf) return n >= HTTP_PROXY_V1_MAX ? http__bad(h, "PROXY v1 line longer than 107 bytes") : HTTP_PROXY_NEED_MORE;
    if (lf == s || lf[-1] != '\r') return http__bad(h, "PROXY v1 line does not end in CRLF");
    h->len = (size_t)(lf - s) + 1;
    h->version = 1;
    const char *q = s + 6, *end = lf - 1;   /* after "PROXY ", before CR */
    if ((size_t)(end - q) >= 7 && memcmp(q, "UNKNOWN", 7) == 0 && (q + 7 == end || q[7] == ' ')) {
        h->has_addresses = false;   /* the rest of the line is ignored, as the spec says */
        return HTTP_PROXY_OK;
    }
    char proto[8], sport[8], dport[8];
    if (!http__v1_field(&q, end, ' ', proto, sizeof proto)) return http__bad(h, "PROXY v1: no protocol");
    int family;
    if (strcmp(proto, "TCP4") == 0) family = AF_INET;
    else if (strcmp(proto, "TCP6") == 0) family = AF_INET6;
    else return http__bad(h, "PROXY v1: protocol is not TCP4, TCP6 or UNKNOWN");
    if (!http__v1_field(&q, end, ' ', h->src_ip, sizeof h->src_ip) ||
        !http__v1_field(&q, end, ' ', h->dst_ip, sizeof h->dst_ip) ||
        !http__v1_field(&q, end, ' ', sport, sizeof sport))
        return http__bad(h, "PROXY v1: too few fields");
    /* The last field runs to the CR. */
    size_t dn = (size_t)(end - q);
    if (dn == 0 || dn >= sizeof dport || memchr(q, ' ', dn)) return http__bad(h, "PROXY v1: bad destination port");
    memcpy(dport, q, dn);
    dport[dn] = '\0';
    uint8_t bin[16];
    if (inet_pton(family, h->src_ip, bin) != 1 || inet_pton(family, h->dst_ip, bin) != 1)
        return http__bad(h, "PROXY v1: an address is not one of the protocol's family");
    if (!http__v1_port(sport, &h->src_port) || !http__v1_port(dport, &h->dst_port))
        return http__bad(h, "PROXY v1: a port is not a number from 0 to 65535");
    h->has_addresses = true;
    return HTTP_PROXY_OK;
}

static http_proxy_result_t http__v2(const uint8_t *p, size_t n, http_proxy_header_t *h)
{
    if (n < 16) return HTTP_PROXY_NEED_MORE;
    unsigned version = p[12] >> 4, command = p[12] & 0x0F, family = p[13] >> 4, proto = p[13] & 0x0F;
    size_t body = ((size_t)p[14] << 8) | p[15];
    if (version != 2) return http__bad(h, "PROXY v2: version is not 2");
    if (command > 1) return http__bad(h, "PROXY v2: command is neither LOCAL nor PROXY");
    if (family > 3 || proto > 2) return http__bad(h, "PROXY v2: unknown address family or protocol");
    if (body > HTTP_PROXY_V2_MAX) return http__bad(h, "PROXY v2: header longer than 4096 bytes");
    if (n < 16 + body) return HTTP_PROXY_NEED_MORE;
    h->len = 16 + body;
    h->version = 2;
    h->has_addresses = false;
    /* LOCAL (a health check of the balancer's own) and the unspecified
     * and unix families keep the connection's addresses. */
    if (command == 0 || family == 0 || family == 3) return HTTP_PROXY_OK;
    if (proto == 2) return http__bad(h, "PROXY v2: a datagram (UDP) header on a stream connection");
    size_t need = family == 1 ? 12 : 36, alen = family == 1 ? 4 : 16;
    if (body < need) return http__bad(h, "PROXY v2: address block shorter than its family needs");
    int af = family == 1 ? AF_INET : AF_INET6;
    const uint8_t *a = p + 16;
    inet_ntop(af, a, h->src_ip, sizeof h->src_ip);
    inet_ntop(af, a + alen, h->dst_ip, sizeof h->dst_ip);
    h->src_port = (uint16_t)((a[2 * alen] << 8) | a[2 * alen + 1]);
    h->dst_port = (uint16_t)((a[2 * alen + 2] << 8) | a[2 * alen + 3]);
    h->has_addresses = true;
    return HTTP_PROXY_OK;
}

http_proxy_result_t http_proxy_header_parse(const uint8_t *p, size_t n, http_proxy_header_t *out)
{
    memset(out, 0, sizeof *out);
    static const char v1_sig[6] = "PROXY ";
    size_t k1 = n < 6 ? n : 6, k2 = n < 12 ? n : 12;
    if (memcmp(p, v1_sig, k1) == 0) return k1 < 6 ? HTTP_PROXY_NEED_MORE : http__v1(p, n, out);
    if (memcmp(p, http__v2_sig, k2) == 0) return k2 < 12 ? HTTP_PROXY_NEED_MORE : http__v2(p, n, out);
    return n == 0 ? HTTP_PROXY_NEED_MORE : HTTP_PROXY_ABSENT;
}
