/* The shape of a Host value or of the authority of an absolute-form target
 * (RFC 9110 section 7.2, RFC 3986 section 3.2). */
#ifndef IFRIT_HTTP_HOST_H
#define IFRIT_HTTP_HOST_H

#include <stdbool.h>

#include "base/str.h"

/* host [":" port]: host a reg-name or IPv4 address (unreserved bytes,
 * %XX, sub-delims) or an IPv6 literal in brackets; port at most 65535,
 * possibly empty ("x:"). The empty value is valid too (RFC 9112 section
 * 3.2: a request whose target has no authority sends an empty Host). */
bool http_host_valid(ifr_str_t v);

#endif
