/* The certificate signing request sent to an order's finalize URL
 * (RFC 8555 section 7.4): the names as dNSName SANs (the first also as the
 * subject's CN), signed with the certificate's key. */
#ifndef IFRIT_ACME_CSR_H
#define IFRIT_ACME_CSR_H

#include <stddef.h>
#include <openssl/evp.h>

#include "base/buf.h"

/* Appends the CSR's DER. -1 on failure. */
int acme_csr_der(ifr_buf_t *out, EVP_PKEY *key, const char *const *names, size_t n);

#endif
