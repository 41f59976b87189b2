/* See srv_fields.h. */
#include "server/srv_fields.h"

#include "base/log.h"
#include "http/response_writer.h"

void srv_write_fields(ifr_buf_t *b, const http_headers_t *h, const char *what)
{
    for (uint32_t i = 0; i < h->count; i++) {
        const http_header_t *f = &h->items[i];
        if (http_write_field(b, f->name, f->value) < 0 && what)
            ifr_log_warn("http", "dropped %s %.*s with invalid bytes", what, (int)f->name.len, f->name.ptr);
    }
}
