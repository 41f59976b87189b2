/* Host validation; see http/host.h. */
#include "http/host.h"

#include "http/chars.h"

static bool http__host_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* reg-name / IPv4address: host bytes but the ':' and brackets, and every
 * '%' followed by two hex digits. */
static bool http__host_reg_name(ifr_str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == ':' || c == '[' || c == ']' || !http_is_host_char((unsigned char)c)) return false;
        if (c == '%' && !(i + 2 < s.len && http__host_hex(s.ptr[i + 1]) && http__host_hex(s.ptr[i + 2]))) return false;
    }
    return true;
}

/* The inside of "[...]": hex digits, ':' and '.' (an IPv4 tail), at least
 * one ':'. IPvFuture and zone ids are not taken. */
static bool http__host_ip_literal(ifr_str_t s)
{
    bool colon = false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == ':') colon = true;
        else if (c != '.' && !http__host_hex(c)) return false;
    }
    return colon;
}

bool http_host_valid(ifr_str_t v)
{
    size_t end;   /* where the host ends: v.len or the port's ':' */
    if (v.len && v.ptr[0] == '[') {
        long close = ifr_str_find_char(v, ']');
        if (close < 0 || !http__host_ip_literal(ifr_str_sub(v, 1, (size_t)close))) return false;
        end = (size_t)close + 1;
        if (end < v.len && v.ptr[end] != ':') return false;
    } else {
        long colon = ifr_str_find_char(v, ':');
        end = colon < 0 ? v.len : (size_t)colon;
        if (!http__host_reg_name(ifr_str_sub(v, 0, end))) return false;
    }
    if (end == v.len) return true;
    ifr_str_t port = ifr_str_sub(v, end + 1, v.len);
    uint64_t n;
    return port.len == 0 || (port.len <= 5 && ifr_str_to_u64(port, 65535, &n));
}
