/* bcrypt (see bcrypt.h). Blowfish's initial state is the fractional part
 * of pi, which the build computes into blowfish_pi.h (scripts/pi-hex.c). */
#include "base/bcrypt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/ct_equal.h"
#include "blowfish_pi.h"

#define IFR__BF_ROUNDS 16
#define IFR__BF_P (IFR__BF_ROUNDS + 2)
#define IFR__BF_KEY_BYTES (IFR__BF_P * 4)        /* 72: the password bytes that count */
#define IFR__BF_SALT_BYTES 16
#define IFR__BF_SETTING_LEN 29              /* "$2b$NN$" + 22 salt characters */

typedef struct {
    uint32_t p[IFR__BF_P];
    uint32_t s[4][256];
} ifr__bf_state_t;

_Static_assert(BLOWFISH_PI_WORDS == IFR__BF_P + 4 * 256, "pi words make P and the S-boxes");

static const char ifr__bf_alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static int ifr__bf_digit(char c)
{
    const char *at = c ? strchr(ifr__bf_alphabet, c) : NULL;
    return at ? (int)(at - ifr__bf_alphabet) : -1;
}

static uint32_t ifr__bf_f(const ifr__bf_state_t *st, uint32_t x)
{
    return ((st->s[0][x >> 24] + st->s[1][(x >> 16) & 0xff]) ^ st->s[2][(x >> 8) & 0xff]) + st->s[3][x & 0xff];
}

static void ifr__bf_encrypt(const ifr__bf_state_t *st, uint32_t *lp, uint32_t *rp)
{
    uint32_t l = *lp, r = *rp;
    for (int i = 0; i < IFR__BF_ROUNDS; i += 2) {
        l ^= st->p[i];
        r ^= ifr__bf_f(st, l);
        r ^= st->p[i + 1];
        l ^= ifr__bf_f(st, r);
    }
    *lp = r ^ st->p[IFR__BF_P - 1];
    *rp = l ^ st->p[IFR__BF_P - 2];
}

/* Re-keys P and the S-boxes by encrypting a running block, XORed with the
 * salt's words in turn when there is a salt (the "expensive key schedule"). */
static void ifr__bf_rekey(ifr__bf_state_t *st, const uint32_t *salt)
{
    uint32_t l = 0, r = 0;
    size_t k = 0;
    uint32_t *words = st->p;
    for (size_t i = 0; i < IFR__BF_P + 4 * 256; i += 2) {
        if (salt) {
            l ^= salt[k];
            r ^= salt[k + 1];
            k = (k + 2) % 4;
        }
        ifr__bf_encrypt(st, &l, &r);
        uint32_t *w = i < IFR__BF_P ? &words[i] : &st->s[(i - IFR__BF_P) / 256][(i - IFR__BF_P) % 256];
        w[0] = l;
        w[1] = r;
    }
}

static void ifr__bf_xor_key(ifr__bf_state_t *st, const uint32_t *key)
{
    for (size_t i = 0; i < IFR__BF_P; i++) st->p[i] ^= key[i];
}

/* The key words: the password and a NUL, repeated to 72 bytes, big-endian.
 * Also whether $2a$'s safety measure applies: crypt_blowfish's $2x$ bug
 * sign-extended each byte into the word being built, so a byte >= 0x80
 * after the first of its word could clobber the bytes before it. When that
 * happened somewhere yet the buggy words equal the right ones, $2a$ flips
 * bit 16 of the first P word, so such a $2a$ hash never matches a $2x$
 * one; libxcrypt does it, so this does too. */
static bool ifr__bf_key_words(const unsigned char *pw, size_t len, uint32_t key[IFR__BF_P])
{
    size_t n = len < IFR__BF_KEY_BYTES ? len + 1 : IFR__BF_KEY_BYTES;
    bool high_inside = false, differs = false;
    for (size_t i = 0, at = 0; i < IFR__BF_P; i++) {
        uint32_t right = 0, buggy = 0;
        for (int j = 0; j < 4; j++, at = (at + 1) % n) {
            unsigned char c = at < len ? pw[at] : 0;
            right = right << 8 | c;
            buggy = buggy << 8 | (uint32_t)(int32_t)(signed char)c;
            if (j && (c & 0x80)) high_inside = true;
        }
        key[i] = right;
        differs |= right != buggy;
    }
    return high_inside && !differs;
}

/* n bytes from bcrypt's base64 (no padding); -1 on a foreign character. */
static int ifr__bf_decode(const char *in, unsigned char *out, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    while (o < n) {
        int v = ifr__bf_digit(*in++);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return 0;
}

static char *ifr__bf_encode(const unsigned char *in, size_t n, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            *out++ = ifr__bf_alphabet[(acc >> bits) & 63];
        }
    }
    if (bits) *out++ = ifr__bf_alphabet[(acc << (6 - bits)) & 63];
    return out;
}

int ifr_bcrypt_cost(const char *h)
{
    if (!h || h[0] != '$' || h[1] != '2' || (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$') return -1;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$') return -1;
    int cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31) return -1;
    for (int i = 7; i < IFR__BF_SETTING_LEN; i++)
        if (ifr__bf_digit(h[i]) < 0) return -1;
    return cost;
}

int ifr_bcrypt_hash(const char *setting, const void *password, size_t len, char out[IFR_BCRYPT_LEN + 1])
{
    int cost = ifr_bcrypt_cost(setting);
    if (cost < 0) return -1;
    unsigned char salt_bytes[IFR__BF_SALT_BYTES];
    if (ifr__bf_decode(setting + 7, salt_bytes, sizeof(salt_bytes)) != 0) return -1;
    uint32_t salt[4], key[IFR__BF_P], salt_key[IFR__BF_P];
    for (size_t i = 0; i < 4; i++)
        salt[i] = (uint32_t)salt_bytes[4 * i] << 24 | (uint32_t)salt_bytes[4 * i + 1] << 16 |
                  (uint32_t)salt_bytes[4 * i + 2] << 8 | salt_bytes[4 * i + 3];
    for (size_t i = 0; i < IFR__BF_P; i++) salt_key[i] = salt[i % 4];
    bool flip = ifr__bf_key_words(password, len, key) && setting[2] == 'a';

    ifr__bf_state_t st;
    memcpy(&st, blowfish_pi, sizeof(st));
    ifr__bf_xor_key(&st, key);
    if (flip) st.p[0] ^= 0x10000;
    ifr__bf_rekey(&st, salt);
    for (uint64_t round = (uint64_t)1 << cost; round > 0; round--) {
        ifr__bf_xor_key(&st, key);
        ifr__bf_rekey(&st, NULL);
        ifr__bf_xor_key(&st, salt_key);
        ifr__bf_rekey(&st, NULL);
    }

    static const char magic[] = "OrpheanBeholderScryDoubt";
    uint32_t block[6];
    for (size_t i = 0; i < 6; i++)
        block[i] = (uint32_t)(unsigned char)magic[4 * i] << 24 | (uint32_t)(unsigned char)magic[4 * i + 1] << 16 |
                   (uint32_t)(unsigned char)magic[4 * i + 2] << 8 | (unsigned char)magic[4 * i + 3];
    for (int i = 0; i < 64; i++)
        for (size_t b = 0; b < 6; b += 2) ifr__bf_encrypt(&st, &block[b], &block[b + 1]);
    unsigned char digest[24];
    for (size_t i = 0; i < 6; i++)
        for (int j = 0; j < 4; j++) digest[4 * i + j] = (unsigned char)(block[i] >> (24 - 8 * j));

    memcpy(out, setting, 7);
    char *end = ifr__bf_encode(digest, 23, ifr__bf_encode(salt_bytes, sizeof(salt_bytes), out + 7));
    *end = '\0';
    return 0;
}

int ifr_bcrypt_verify(const char *hash, const void *password, size_t len)
{
    char out[IFR_BCRYPT_LEN + 1];
    if (ifr_bcrypt_hash(hash, password, len, out) != 0) return -1;
    return ifr_ct_equal(out, IFR_BCRYPT_LEN, hash, strlen(hash)) ? 1 : 0;
}
