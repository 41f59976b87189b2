/* The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1
 * and 2) that a load balancer sends first on a connection to say whose
 * connection it is relaying: read before TLS and HTTP by a listener with
 * servers { listener_wrappers { proxy_protocol } } (src/server,
 * srv_proxy_header.c). A pure parser over the bytes received so far; it
 * keeps nothing and allocates nothing.
 *
 *   v1: "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" or
 *       "PROXY UNKNOWN ...\r\n", at most 107 bytes;
 *   v2: the 12-byte signature, version/command, family/protocol, a
 *       16-bit length and that many bytes (addresses, then TLVs, which
 *       are skipped); at most HTTP_PROXY_V2_MAX bytes of them here. */
#ifndef IFRIT_HTTP_PROXY_HEADER_H
#define IFRIT_HTTP_PROXY_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_PROXY_V1_MAX 107      /* the spec's longest v1 line, CRLF included */
#define HTTP_PROXY_V2_MAX 4096     /* address block and TLVs taken (the spec allows 65535) */
#define HTTP_PROXY_HEADER_MAX (16 + HTTP_PROXY_V2_MAX)

typedef enum {
    HTTP_PROXY_NEED_MORE,   /* the bytes so far may still become a header */
    HTTP_PROXY_ABSENT,      /* the connection does not start with one */
    HTTP_PROXY_BAD,         /* it starts like one but is not valid (error set) */
    HTTP_PROXY_OK,          /* a whole header of len bytes */
} http_proxy_result_t;

typedef struct {
    size_t len;             /* bytes of the header, to take off the stream */
    int version;            /* 1 or 2 */
    /* false: the header names no addresses (v1 UNKNOWN, v2 LOCAL, an
     * unspecified or unix family): the connection's own stand. */
    bool has_addresses;
    char src_ip[46], dst_ip[46];   /* textual, as inet_ntop writes them */
    uint16_t src_port, dst_port;
    const char *error;      /* BAD: why, a static string */
} http_proxy_header_t;

/* Looks at the first n bytes of a connection. */
http_proxy_result_t http_proxy_header_parse(const uint8_t *p, size_t n, http_proxy_header_t *out);

#endif
