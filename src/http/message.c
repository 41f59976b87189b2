/* Header list helpers and reason phrases for the model in http/message.h. */
#include "http/message.h"

#include <string.h>

#include "http/chars.h"

/* Grows the array geometrically; the old items stay in the arena (arenas
 * never free piecemeal), which is fine for the few additions handlers make. */
static int http__headers_grow(http_headers_t *h, ifr_arena_t *a)
{
    uint32_t cap = h->cap ? h->cap * 2 : 8;
    http_header_t *items = ifr_arena_alloc(a, (size_t)cap * sizeof *items);
    if (!items) return -1;
    if (h->count) memcpy(items, h->items, (size_t)h->count * sizeof *items);
    h->items = items;
    h->cap = cap;
    return 0;
}

int http_headers_add(http_headers_t *h, ifr_arena_t *a, ifr_str_t name, ifr_str_t value)
{
    if (h->count == h->cap && http__headers_grow(h, a) < 0) return -1;
    h->items[h->count++] = (http_header_t){ name, value };
    return 0;
}

int http_headers_set(http_headers_t *h, ifr_arena_t *a, ifr_str_t name, ifr_str_t value)
{
    uint32_t first = UINT32_MAX;
    uint32_t out = 0;
    /* Keep the first match in place (so the field keeps its position) and
     * drop the others. */
    for (uint32_t i = 0; i < h->count; i++) {
        if (ifr_str_eq_nocase(h->items[i].name, name)) {
            if (first != UINT32_MAX) continue;
            first = out;
        }
        h->items[out++] = h->items[i];
    }
    h->count = out;
    if (first == UINT32_MAX) return http_headers_add(h, a, name, value);
    h->items[first] = (http_header_t){ name, value };
    return 0;
}

uint32_t http_headers_remove(http_headers_t *h, ifr_str_t name)
{
    uint32_t out = 0;
    for (uint32_t i = 0; i < h->count; i++)
        if (!ifr_str_eq_nocase(h->items[i].name, name)) h->items[out++] = h->items[i];
    uint32_t removed = h->count - out;
    h->count = out;
    return removed;
}

const http_header_t *http_headers_get(const http_headers_t *h, ifr_str_t name)
{
    for (uint32_t i = 0; i < h->count; i++)
        if (ifr_str_eq_nocase(h->items[i].name, name)) return &h->items[i];
    return NULL;
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    case 511: return "Network Authentication Required";
    default: return "";
    }
}

ifr_str_t http_trim_ows(ifr_str_t s)
{
    while (s.len && http_is_ows((unsigned char)s.ptr[0])) { s.ptr++; s.len--; }
    while (s.len && http_is_ows((unsigned char)s.ptr[s.len - 1])) s.len--;
    return s;
}

bool http_list_has(ifr_str_t list, ifr_str_t token)
{
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++) {
        if (i < list.len && list.ptr[i] != ',') continue;
        if (ifr_str_eq_nocase(http_trim_ows(ifr_str_sub(list, start, i)), token)) return true;
        start = i + 1;
    }
    return false;
}
