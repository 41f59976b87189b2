/* The table behind http/chars.h, filled by rule rather than by hand so
 * each class reads as its definition. */
#include "http/chars.h"

#define ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define TOKEN(c) (ALNUM(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
                  (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || \
                  (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define FIELD(c) ((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f))
#define TARGET(c) ((c) > 0x20 && (c) < 0x7f && (c) != '#')
#define HOST(c) (ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == '!' || \
                 (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || \
                 (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=' || (c) == ':' || (c) == '[' || \
                 (c) == ']' || (c) == '%')

#define CLASS(c) ((TOKEN(c) ? HTTP_CHAR_TOKEN : 0) | (FIELD(c) ? HTTP_CHAR_FIELD : 0) | \
                  (TARGET(c) ? HTTP_CHAR_TARGET : 0) | (HOST(c) ? HTTP_CHAR_HOST : 0))
#define ROW(c) CLASS(c), CLASS(c + 1), CLASS(c + 2), CLASS(c + 3), CLASS(c + 4), CLASS(c + 5), \
               CLASS(c + 6), CLASS(c + 7)

const unsigned char http_char_class[256] = {
    ROW(0x00), ROW(0x08), ROW(0x10), ROW(0x18), ROW(0x20), ROW(0x28), ROW(0x30), ROW(0x38),
    ROW(0x40), ROW(0x48), ROW(0x50), ROW(0x58), ROW(0x60), ROW(0x68), ROW(0x70), ROW(0x78),
    ROW(0x80), ROW(0x88), ROW(0x90), ROW(0x98), ROW(0xa0), ROW(0xa8), ROW(0xb0), ROW(0xb8),
    ROW(0xc0), ROW(0xc8), ROW(0xd0), ROW(0xd8), ROW(0xe0), ROW(0xe8), ROW(0xf0), ROW(0xf8),
};
