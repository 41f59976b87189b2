/* base/str.h's decimal parser (ifr_str_digits, ifr_str_to_u64): the one
 * every layer's integers go through (ports, Content-Length, config
 * integers, placeholder indexes, Range headers). */
#define TEST_SUITE "base/str_int"
#include "testing.h"

#include "base/str.h"

static void test_digits_prefix(void)
{
    uint64_t v;
    bool fits;
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("123-4"), &v, &fits), 3);
    CHECK(v == 123 && fits);
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("-1"), &v, &fits), 0);
    CHECK(v == 0 && fits);
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT(""), &v, NULL), 0);
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("0007"), &v, NULL), 4);
    CHECK(v == 7);
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("18446744073709551615x"), &v, &fits), 20);
    CHECK(v == UINT64_MAX && fits);
    /* One past 2^64-1, and far past it: every digit is still counted. */
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("18446744073709551616"), &v, &fits), 20);
    CHECK(v == UINT64_MAX && !fits);
    CHECK_INT_EQ(ifr_str_digits(IFR_LIT("99999999999999999999999"), &v, &fits), 23);
    CHECK(v == UINT64_MAX && !fits);
    /* The slice's length bounds the read. */
    CHECK_INT_EQ(ifr_str_digits(ifr_str("12345", 2), &v, NULL), 2);
    CHECK(v == 12);
}

static void test_whole_value(void)
{
    uint64_t v = 42;
    CHECK(ifr_str_to_u64(IFR_LIT("65535"), 65535, &v) && v == 65535);
    CHECK(!ifr_str_to_u64(IFR_LIT("65536"), 65535, &v));
    CHECK(v == 65535);                        /* untouched on failure */
    CHECK(ifr_str_to_u64(IFR_LIT("0"), 10, &v) && v == 0);
    CHECK(!ifr_str_to_u64(IFR_LIT(""), 10, &v));
    CHECK(!ifr_str_to_u64(IFR_LIT("+1"), 10, &v));
    CHECK(!ifr_str_to_u64(IFR_LIT(" 1"), 10, &v));
    CHECK(!ifr_str_to_u64(IFR_LIT("1 "), 10, &v));
    CHECK(!ifr_str_to_u64(IFR_LIT("1a"), UINT64_MAX, &v));
    CHECK(ifr_str_to_u64(IFR_LIT("18446744073709551615"), UINT64_MAX, &v) && v == UINT64_MAX);
    CHECK(!ifr_str_to_u64(IFR_LIT("18446744073709551616"), UINT64_MAX, &v));
}

int main(void)
{
    RUN(test_digits_prefix);
    RUN(test_whole_value);
    return testing_done();
}
