/* Content negotiation on Accept-Encoding (encode, file_server precompressed). */
#ifndef IFRIT_ROUTE_NEGOTIATE_H
#define IFRIT_ROUTE_NEGOTIATE_H

#include "base/str.h"
#include "http/message.h"

/* The weight (0..1000, from q=0..1) the request's Accept-Encoding fields
 * give coding, counting "*" for codings not named; -1 when neither is
 * named (or there is no such field). 0 means "refused". */
int route_accept_encoding_q(const http_headers_t *req_headers, ifr_str_t coding);

#endif
