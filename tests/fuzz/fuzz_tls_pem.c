/* libFuzzer target for the certificate reader (tls/tls_cert.h), what
 * loads every tls CERT KEY file and every certificate in storage. Input:
 * one byte n, then the certificate PEM (the next n * 16 bytes, or all
 * that is left), then the key PEM. Must never crash, leak or read out of
 * bounds; an accepted pair must cover the names it reports, and must
 * carry a key that matches. Also the storage names made from any text:
 * never a '/' or "..". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "tls/tls_cert.h"
#include "tls/tls_storage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t split = (size_t)data[0] * 16;
    const char *rest = (const char *)data + 1;
    size_t left = size - 1;
    if (split > left) split = left;
    char err[512];
    tls_cert_t *c = tls_cert_from_pem(rest, split, "cert", rest + split, left - split, "key", err, sizeof err);
    if (c) {
        if (X509_check_private_key(c->leaf, c->key) != 1) abort();
        for (size_t i = 0; i < c->nnames; i++)
            if (!tls_cert_covers(c, c->names[i])) abort();
        tls_cert_release(c);
    } else if (!err[0]) {
        abort();   /* a refusal always says why */
    }
    char name[256], safe[64];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    tls_storage_safe_name(name, safe, sizeof safe);
    if (strchr(safe, '/') || strstr(safe, "..")) abort();
    return 0;
}
