/* The character classes, and the word-at-a-time field-value check against
 * the byte-by-byte one at every position and length. */
#include "testing.h"

#include "http/chars.h"

static bool value_bytewise(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!http_is_field_char((unsigned char)s[i])) return false;
    return true;
}

static void test_field_value_matches_bytewise(void)
{
    char buf[40];
    int mismatches = 0;
    for (int b = 0; b < 256; b++) {
        for (size_t len = 1; len <= 33; len++) {
            for (size_t at = 0; at < len; at++) {
                memset(buf, 'a', len);
                buf[at] = (char)b;
                if (http_is_field_value(buf, len) != value_bytewise(buf, len)) mismatches++;
            }
        }
    }
    CHECK_INT_EQ(mismatches, 0);
}

static void test_field_value_cases(void)
{
    CHECK(http_is_field_value("", 0));
    CHECK(http_is_field_value("text/html; charset=utf-8", 24));
    CHECK(http_is_field_value("tab\there and obs-text \x80\xff ok", 27));
    CHECK(!http_is_field_value("0123456789abcdef\r\nInjected: 1", 29));
    CHECK(!http_is_field_value("0123456789abcde\x7f", 16));
    CHECK(!http_is_field_value("01234567\0", 9));
}

int main(void)
{
    RUN(test_field_value_matches_bytewise);
    RUN(test_field_value_cases);
    return testing_done();
}
