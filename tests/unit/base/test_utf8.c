/* base/utf8.h: the boundaries of well-formed UTF-8 (RFC 3629, table 3-7 of
 * the Unicode standard) that the wasm decoder and the JSON code rely on. */
#define TEST_SUITE "base/utf8"
#include "testing.h"

#include "base/utf8.h"

static size_t seq(const char *s) { return ifr_utf8_seq_len((const unsigned char *)s, strlen(s)); }

static void test_sequence_lengths(void)
{
    CHECK_INT_EQ(seq("a"), 1);
    CHECK_INT_EQ(seq("\x7f"), 1);
    CHECK_INT_EQ(seq("\xc2\x80"), 2);          /* U+0080 */
    CHECK_INT_EQ(seq("\xdf\xbf"), 2);          /* U+07FF */
    CHECK_INT_EQ(seq("\xe0\xa0\x80"), 3);      /* U+0800 */
    CHECK_INT_EQ(seq("\xed\x9f\xbf"), 3);      /* U+D7FF */
    CHECK_INT_EQ(seq("\xee\x80\x80"), 3);      /* U+E000 */
    CHECK_INT_EQ(seq("\xef\xbf\xbf"), 3);      /* U+FFFF */
    CHECK_INT_EQ(seq("\xf0\x90\x80\x80"), 4);  /* U+10000 */
    CHECK_INT_EQ(seq("\xf4\x8f\xbf\xbf"), 4);  /* U+10FFFF */
}

static void test_refused(void)
{
    CHECK_INT_EQ(seq("\x80"), 0);              /* a continuation byte alone */
    CHECK_INT_EQ(seq("\xc0\x80"), 0);          /* overlong NUL */
    CHECK_INT_EQ(seq("\xc1\xbf"), 0);          /* overlong U+007F */
    CHECK_INT_EQ(seq("\xe0\x9f\xbf"), 0);      /* overlong U+07FF */
    CHECK_INT_EQ(seq("\xed\xa0\x80"), 0);      /* surrogate U+D800 */
    CHECK_INT_EQ(seq("\xed\xbf\xbf"), 0);      /* surrogate U+DFFF */
    CHECK_INT_EQ(seq("\xf0\x8f\xbf\xbf"), 0);  /* overlong U+FFFF */
    CHECK_INT_EQ(seq("\xf4\x90\x80\x80"), 0);  /* U+110000 */
    CHECK_INT_EQ(seq("\xf5\x80\x80\x80"), 0);
    CHECK_INT_EQ(seq("\xff"), 0);
    CHECK_INT_EQ(seq("\xe2\x82"), 0);          /* cut short */
    CHECK_INT_EQ(seq("\xe2\x28\xa1"), 0);      /* a third byte that is no continuation */
    /* The length given bounds the read, not the NUL. */
    CHECK_INT_EQ(ifr_utf8_seq_len((const unsigned char *)"\xc3\xa9", 1), 0);
}

static void test_whole_strings(void)
{
    CHECK(ifr_utf8_valid("", 0));
    CHECK(ifr_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    CHECK(!ifr_utf8_valid("caf\xc3", 4));
    CHECK(!ifr_utf8_valid("ok\xed\xa0\x80", 5));
    CHECK(ifr_utf8_valid("a\0b", 3));          /* NUL is a character */
}

int main(void)
{
    RUN(test_sequence_lengths);
    RUN(test_refused);
    RUN(test_whole_strings);
    return testing_done();
}
