/* The table behind http/chars.h, filled by rule rather than by hand so
 * each class reads as its definition. */
#include "http/chars.h"

#define HTTP__ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define HTTP__TOKEN(c) (HTTP__ALNUM(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
                  (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || \
                  (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define HTTP__FIELD(c) ((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f))
#define HTTP__TARGET(c) ((c) > 0x20 && (c) < 0x7f && (c) != '#')
#define HTTP__HOST(c) (HTTP__ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == '!' || \
                 (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || \
                 (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=' || (c) == ':' || (c) == '[' || \
                 (c) == ']' || (c) == '%')

#define HTTP__CLASS(c) ((HTTP__TOKEN(c) ? HTTP_CHAR_TOKEN : 0) | (HTTP__FIELD(c) ? HTTP_CHAR_FIELD : 0) | \
                  (HTTP__TARGET(c) ? HTTP_CHAR_TARGET : 0) | (HTTP__HOST(c) ? HTTP_CHAR_HOST : 0))
#define HTTP__ROW(c) HTTP__CLASS(c), HTTP__CLASS(c + 1), HTTP__CLASS(c + 2), HTTP__CLASS(c + 3), HTTP__CLASS(c + 4), HTTP__CLASS(c + 5), \
               HTTP__CLASS(c + 6), HTTP__CLASS(c + 7)

const unsigned char http_char_class[256] = {
    HTTP__ROW(0x00), HTTP__ROW(0x08), HTTP__ROW(0x10), HTTP__ROW(0x18), HTTP__ROW(0x20), HTTP__ROW(0x28), HTTP__ROW(0x30), HTTP__ROW(0x38),
    HTTP__ROW(0x40), HTTP__ROW(0x48), HTTP__ROW(0x50), HTTP__ROW(0x58), HTTP__ROW(0x60), HTTP__ROW(0x68), HTTP__ROW(0x70), HTTP__ROW(0x78),
    HTTP__ROW(0x80), HTTP__ROW(0x88), HTTP__ROW(0x90), HTTP__ROW(0x98), HTTP__ROW(0xa0), HTTP__ROW(0xa8), HTTP__ROW(0xb0), HTTP__ROW(0xb8),
    HTTP__ROW(0xc0), HTTP__ROW(0xc8), HTTP__ROW(0xd0), HTTP__ROW(0xd8), HTTP__ROW(0xe0), HTTP__ROW(0xe8), HTTP__ROW(0xf0), HTTP__ROW(0xf8),
};
