/* Writing a list of header fields into a head, as every native writer
 * does (responses, interim heads, trailers, requests upstream): each
 * through http_write_field, and a field with bytes that could split the
 * message is dropped alone, not the whole head. */
#ifndef IFRIT_SERVER_SRV_FIELDS_H
#define IFRIT_SERVER_SRV_FIELDS_H

#include "base/buf.h"
#include "http/message.h"

/* Appends h's fields to b. A dropped field is logged at warning level as
 * "dropped <what> NAME with invalid bytes"; what NULL drops it silently. */
void srv_write_fields(ifr_buf_t *b, const http_headers_t *h, const char *what);

#endif
