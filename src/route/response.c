/* Complete in-memory responses and errors. */
#include "route/response.h"

#include "http/message.h"

route_result_t route_send_simple(route_exchange_t *x, int status, ifr_str_t body)
{
    x->resp.status = status;
    x->resp.content_length = (int64_t)body.len;
    if (x->io->send_head(x) != 0) return ROUTE_DONE;
    x->io->send_body(x, body.ptr, body.len, true);
    return ROUTE_DONE;
}

int route_header_default(route_exchange_t *x, ifr_str_t name, ifr_str_t value)
{
    if (http_headers_get(&x->resp.headers, name)) return 0;
    return http_headers_add(&x->resp.headers, x->arena, name, value);
}

route_result_t route_fail(route_exchange_t *x, int status, const char *message)
{
    x->error_status = status;
    x->error_message = message;
    return ROUTE_ERROR;
}
