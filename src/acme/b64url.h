/* base64url without padding (RFC 4648 section 5), as JOSE and ACME use it
 * for every binary value (RFC 7515 section 2). */
#ifndef IFRIT_ACME_B64URL_H
#define IFRIT_ACME_B64URL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Characters the encoding of n bytes takes (no padding, no NUL). */
static inline size_t acme_b64url_len(size_t n) { return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0); }

/* Appends the encoding of data. -1 if the buffer cannot grow. */
int acme_b64url_append(ifr_buf_t *out, const void *data, size_t n);

/* Decodes text (no padding, no whitespace: both are errors, as RFC 7515
 * section 2 says) into out, which holds at most cap bytes. Returns the
 * decoded length, or -1 on a character outside the alphabet, a length
 * that no encoding has (4k+1), non-zero bits left over at the end, or
 * output longer than cap. */
long acme_b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap);

#endif
