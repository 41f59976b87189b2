/* Serialising a response head (RFC 9112 sections 4 and 5). The caller (the
 * server) decides framing and connection fields; this module only writes
 * bytes, and refuses field names or values that would let a handler or a
 * guest split the response (CR, LF, NUL...). */
#ifndef IFRIT_HTTP_RESPONSE_WRITER_H
#define IFRIT_HTTP_RESPONSE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/str.h"

/* Appends "HTTP/1.1 <status> <reason>\r\n". -1 if status is not 100..999
 * or the buffer cannot grow. */
int http_write_status_line(ifr_buf_t *out, int status);

/* Appends "name: value\r\n". -1 if name is not a token, value holds a
 * control byte, or the buffer cannot grow (nothing is appended then). */
int http_write_field(ifr_buf_t *out, ifr_str_t name, ifr_str_t value);

/* The same without the checks, for fields the server itself makes from
 * constants and numbers (Date, Content-Length, Connection...). */
int http_write_known_field(ifr_buf_t *out, ifr_str_t name, ifr_str_t value);

/* Appends "name: <decimal n>\r\n" (Content-Length and the like). */
int http_write_field_uint(ifr_buf_t *out, ifr_str_t name, uint64_t n);

/* True if the field is one the server owns in a response head (framing and
 * connection management); handlers' copies are ignored. */
bool http_is_connection_field(ifr_str_t name);

#endif
