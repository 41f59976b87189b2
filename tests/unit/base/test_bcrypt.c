#define TEST_SUITE "bcrypt"
#include "testing.h"

#include <crypt.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/bcrypt.h"
#include "base/ct_equal.h"
#include "blowfish_pi.h"

static const char alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void make_setting(char *out, char minor, int cost)
{
    snprintf(out, 8, "$2%c$%02d$", minor, cost);
    for (int i = 7; i < 29; i++) out[i] = alphabet[next() % 64];
    out[29] = '\0';
}

/* libxcrypt's answer; the password may not hold a NUL there. */
static const char *native(const char *setting, const char *pw)
{
    static struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    return crypt_rn(pw, setting, &cd, sizeof(cd));
}

static void test_pi_words(void)
{
    CHECK_INT_EQ(BLOWFISH_PI_WORDS, 18 + 4 * 256);
    CHECK(blowfish_pi[0] == 0x243F6A88u);
    CHECK(blowfish_pi[1] == 0x85A308D3u);
    CHECK(blowfish_pi[17] == 0x8979FB1Bu);             /* P[17] */
    CHECK(blowfish_pi[18] == 0xD1310BA6u);             /* S[0][0] */
    CHECK(blowfish_pi[18 + 3 * 256] == 0x3A39CE37u);   /* S[3][0] */
    CHECK(blowfish_pi[BLOWFISH_PI_WORDS - 1] == 0x3AC372E6u);
}

/* Random passwords (any byte but NUL, lengths 0..100, so past 72 too),
 * random salts (the last character's unused bits too), each prefix. */
static void test_matches_crypt_on_random_input(void)
{
    char setting[30], pw[101], ours[IFR_BCRYPT_LEN + 1];
    int mismatches = 0;
    for (int n = 0; n < 300; n++) {
        char minor = "aby"[n % 3];
        make_setting(setting, minor, n % 50 == 0 ? 8 : 4 + (int)(next() % 2));
        size_t len = next() % 101;
        for (size_t i = 0; i < len; i++) pw[i] = (char)(1 + next() % 255);
        pw[len] = '\0';
        const char *want = native(setting, pw);
        CHECK(want && want[0] == '$');
        if (ifr_bcrypt_hash(setting, pw, len, ours) != 0 || !want || strcmp(ours, want) != 0) {
            if (mismatches++ < 3) printf("# %s len %zu: ours %s, crypt %s\n", setting, len, ours, want ? want : "(null)");
            continue;
        }
        CHECK_INT_EQ(ifr_bcrypt_verify(want, pw, len), 1);
        if (len) {
            size_t at = next() % len;
            pw[at] ^= 0x01;
            /* a change past byte 72 does not count */
            CHECK_INT_EQ(ifr_bcrypt_verify(want, pw, len), at >= 72 ? 1 : 0);
        }
    }
    CHECK_INT_EQ(mismatches, 0);
}

static void test_truncates_at_72_bytes(void)
{
    char setting[30], a[IFR_BCRYPT_LEN + 1], b[IFR_BCRYPT_LEN + 1];
    char pw[100];
    memset(pw, 'x', sizeof(pw));
    make_setting(setting, 'b', 5);
    CHECK_INT_EQ(ifr_bcrypt_hash(setting, pw, 72, a), 0);
    CHECK_INT_EQ(ifr_bcrypt_hash(setting, pw, 100, b), 0);
    CHECK_STR_EQ(a, b);
    CHECK_INT_EQ(ifr_bcrypt_hash(setting, pw, 71, b), 0);
    CHECK(strcmp(a, b) != 0);
    pw[99] = '\0';
    CHECK_STR_EQ(a, native(setting, pw));
    CHECK_INT_EQ(ifr_bcrypt_verify(a, pw, 99), 1);
}

/* $2a$ equals $2b$ except where the old sign-extension bug would have
 * collided (three 0xff bytes and the NUL fill each word exactly). */
static void test_2a_and_2b(void)
{
    char sa[30], sb[30], ha[IFR_BCRYPT_LEN + 1], hb[IFR_BCRYPT_LEN + 1];
    make_setting(sa, 'a', 5);
    memcpy(sb, sa, sizeof(sb));
    sb[2] = 'b';
    const char *cases[] = { "plain", "\xc3\xa9t\xc3\xa9", "\xff\xa3" "345", "\xff\xff\xff", "\xa3" };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const char *pw = cases[i];
        CHECK_INT_EQ(ifr_bcrypt_hash(sa, pw, strlen(pw), ha), 0);
        CHECK_INT_EQ(ifr_bcrypt_hash(sb, pw, strlen(pw), hb), 0);
        CHECK_STR_EQ(ha, native(sa, pw));
        CHECK_STR_EQ(hb, native(sb, pw));
        bool collides = strcmp(pw, "\xff\xff\xff") == 0;
        CHECK((strcmp(ha + 4, hb + 4) != 0) == collides);
    }
}

static void test_rejects_other_settings(void)
{
    char out[IFR_BCRYPT_LEN + 1];
    const char *salt = "abcdefghijklmnopqrstuv";
    const char *bad[] = { "", "$2$05$", "$2x$05$abcdefghijklmnopqrstuv", "$2b$03$abcdefghijklmnopqrstuv",
                          "$2b$32$abcdefghijklmnopqrstuv", "$2b$5$abcdefghijklmnopqrstuv", "$2b$05$abcdefghijklmnopqrstu",
                          "$2b$05$abcdefghijklmnopqrst!v", "$1$abcdefgh$", "2b$05$abcdefghijklmnopqrstuv" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        CHECK_INT_EQ(ifr_bcrypt_cost(bad[i]), -1);
        CHECK_INT_EQ(ifr_bcrypt_hash(bad[i], "pw", 2, out), -1);
        CHECK_INT_EQ(ifr_bcrypt_verify(bad[i], "pw", 2), -1);
    }
    char s[40];
    snprintf(s, sizeof(s), "$2y$31$%s", salt);
    CHECK_INT_EQ(ifr_bcrypt_cost(s), 31);
    snprintf(s, sizeof(s), "$2a$04$%s", salt);
    CHECK_INT_EQ(ifr_bcrypt_cost(s), 4);
    /* a hash whose tail is not what the setting gives: no match */
    CHECK_INT_EQ(ifr_bcrypt_hash(s, "pw", 2, out), 0);
    out[IFR_BCRYPT_LEN - 1] = out[IFR_BCRYPT_LEN - 1] == 'a' ? 'b' : 'a';
    CHECK_INT_EQ(ifr_bcrypt_verify(out, "pw", 2), 0);
    out[IFR_BCRYPT_LEN - 5] = '\0';
    CHECK_INT_EQ(ifr_bcrypt_verify(out, "pw", 2), 0);
}

/* A NUL inside the password is hashed like any byte (Go's bcrypt does the
 * same); crypt(3) cannot be asked, so this only checks it counts. */
static void test_nul_inside_password_counts(void)
{
    char setting[30], a[IFR_BCRYPT_LEN + 1], b[IFR_BCRYPT_LEN + 1];
    make_setting(setting, 'b', 4);
    CHECK_INT_EQ(ifr_bcrypt_hash(setting, "ab\0cd", 5, a), 0);
    CHECK_INT_EQ(ifr_bcrypt_hash(setting, "ab", 2, b), 0);
    CHECK(strcmp(a, b) != 0);
    CHECK_STR_EQ(b, native(setting, "ab"));
}

static void test_ct_equal(void)
{
    CHECK(ifr_ct_equal("abc", 3, "abc", 3));
    CHECK(ifr_ct_equal("", 0, "", 0));
    CHECK(!ifr_ct_equal("abc", 3, "xbc", 3));
    CHECK(!ifr_ct_equal("abc", 3, "abx", 3));
    CHECK(!ifr_ct_equal("abc", 3, "ab", 2));
    CHECK(!ifr_ct_equal("ab", 2, "abc", 3));
    CHECK(!ifr_ct_equal("a\0c", 3, "a\0d", 3));
}

int main(void)
{
    RUN(test_pi_words);
    RUN(test_matches_crypt_on_random_input);
    RUN(test_truncates_at_72_bytes);
    RUN(test_2a_and_2b);
    RUN(test_rejects_other_settings);
    RUN(test_nul_inside_password_counts);
    RUN(test_ct_equal);
    return testing_done();
}
