/* Response head serialisation; see http/response_writer.h. */
#include "http/response_writer.h"

#include <string.h>

#include "http/chars.h"
#include "http/message.h"

int http_write_status_line(ifr_buf_t *out, int status)
{
    if (status < 100 || status > 999) return -1;
    char line[16] = "HTTP/1.1 000 ";
    line[9] = (char)('0' + status / 100);
    line[10] = (char)('0' + status / 10 % 10);
    line[11] = (char)('0' + status % 10);
    const char *reason = http_status_reason(status);
    size_t mark = out->len;
    if (ifr_buf_append(out, line, 13) < 0 || ifr_buf_append_cstr(out, reason) < 0 ||
        ifr_buf_append(out, "\r\n", 2) < 0) {
        out->len = mark;
        return -1;
    }
    return 0;
}

int http_write_field(ifr_buf_t *out, ifr_str_t name, ifr_str_t value)
{
    if (name.len == 0) return -1;
    for (size_t i = 0; i < name.len; i++)
        if (!http_is_tchar((unsigned char)name.ptr[i])) return -1;
    if (!http_is_field_value(value.ptr, value.len)) return -1;
    return http_write_known_field(out, name, value);
}

int http_write_known_field(ifr_buf_t *out, ifr_str_t name, ifr_str_t value)
{
    if (ifr_buf_reserve(out, name.len + value.len + 4) < 0) return -1;
    /* Room is reserved: write in place rather than append by append. */
    char *p = out->data + out->len;
    memcpy(p, name.ptr, name.len);
    p += name.len;
    *p++ = ':';
    *p++ = ' ';
    if (value.len) memcpy(p, value.ptr, value.len);
    p += value.len;
    *p++ = '\r';
    *p++ = '\n';
    out->len = (size_t)(p - out->data);
    return 0;
}

int http_write_field_uint(ifr_buf_t *out, ifr_str_t name, uint64_t n)
{
    char digits[24];
    size_t k = sizeof digits;
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    return http_write_known_field(out, name, ifr_str(digits + k, sizeof digits - k));
}

bool http_is_connection_field(ifr_str_t name)
{
    switch (name.len) {
    case 10:
        return ifr_str_eq_nocase(name, IFR_LIT("connection")) ||
               ifr_str_eq_nocase(name, IFR_LIT("keep-alive"));
    case 14:
        return ifr_str_eq_nocase(name, IFR_LIT("content-length"));
    case 17:
        return ifr_str_eq_nocase(name, IFR_LIT("transfer-encoding"));
    default:
        return false;
    }
}
