/* Loading and checking certificates; see tls_cert.h. */
#include "tls/tls_cert.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/log.h"

void tls_time_text(time_t t, char *out, size_t out_len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, out_len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The last OpenSSL error as a short reason, or fallback. */
static const char *tls__cert_ssl_reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : fallback;
}

static time_t tls__cert_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
    return timegm(&tm);
}

static int tls__cert_add_name(tls_cert_t *c, const char *name, size_t len)
{
    if (c->nnames == TLS_CERT_MAX_NAMES || len == 0) return 0;
    char *n = malloc(len + 1);
    if (!n) return -1;
    for (size_t i = 0; i < len; i++) n[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
    n[len] = '\0';
    c->names[c->nnames++] = n;
    return 0;
}

/* DNS and IP entries of the subjectAltName; the common name when there is
 * none (old self-signed certificates). */
static int tls__cert_collect_names(tls_cert_t *c)
{
    c->names = calloc(TLS_CERT_MAX_NAMES, sizeof *c->names);
    if (!c->names) return -1;
    GENERAL_NAMES *sans = X509_get_ext_d2i(c->leaf, NID_subject_alt_name, NULL, NULL);
    int rc = 0;
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && rc == 0; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type == GEN_DNS) {
            rc = tls__cert_add_name(c, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
                               (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD) {
            char ip[INET6_ADDRSTRLEN];
            int len = ASN1_STRING_length(g->d.iPAddress);
            int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
            if (af && inet_ntop(af, ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof ip))
                rc = tls__cert_add_name(c, ip, strlen(ip));
        }
    }
    GENERAL_NAMES_free(sans);
    if (rc == 0 && c->nnames == 0) {
        char cn[256];
        int n = X509_NAME_get_text_by_NID(X509_get_subject_name(c->leaf), NID_commonName, cn, sizeof cn);
        if (n > 0) rc = tls__cert_add_name(c, cn, (size_t)n);
    }
    return rc;
}

static void tls__cert_free(tls_cert_t *c)
{
    X509_free(c->leaf);
    sk_X509_pop_free(c->chain, X509_free);
    EVP_PKEY_free(c->key);
    for (size_t i = 0; i < c->nnames; i++) free(c->names[i]);
    free(c->names);
    free(c);
}

tls_cert_t *tls_cert_from_pem(const char *cert_pem, size_t cert_len, const char *cert_file, const char *key_pem,
                              size_t key_len, const char *key_file, char *err, size_t err_len)
{
    tls_cert_t *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, err_len, "out of memory"); return NULL; }
    atomic_init(&c->refs, 1);
    c->chain = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(cert_pem, (int)cert_len);
    if (!c->chain || !b) { snprintf(err, err_len, "out of memory"); goto fail; }
    c->leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (!c->leaf) {
        snprintf(err, err_len, "certificate file %s: no PEM certificate in it (%s)", cert_file,
                 tls__cert_ssl_reason("empty"));
        goto fail;
    }
    for (X509 *x; (x = PEM_read_bio_X509(b, NULL, NULL, NULL));)
        if (!sk_X509_push(c->chain, x)) { X509_free(x); snprintf(err, err_len, "out of memory"); goto fail; }
    ERR_clear_error();   /* the loop ends on "no start line" */
    BIO_free(b);
    b = BIO_new_mem_buf(key_pem, (int)key_len);
    if (!b) { snprintf(err, err_len, "out of memory"); goto fail; }
    c->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    if (!c->key) {
        snprintf(err, err_len, "key file %s: no PEM private key in it (%s)", key_file, tls__cert_ssl_reason("empty"));
        goto fail;
    }
    if (X509_check_private_key(c->leaf, c->key) != 1) {
        ERR_clear_error();
        snprintf(err, err_len, "key file %s does not match the certificate in %s", key_file, cert_file);
        goto fail;
    }
    c->not_before = tls__cert_time(X509_get0_notBefore(c->leaf));
    c->not_after = tls__cert_time(X509_get0_notAfter(c->leaf));
    time_t now = time(NULL);
    char when[64];
    if (c->not_after <= now) {
        tls_time_text(c->not_after, when, sizeof when);
        snprintf(err, err_len, "certificate file %s: the certificate expired on %s", cert_file, when);
        goto fail;
    }
    if (c->not_before > now) {
        tls_time_text(c->not_before, when, sizeof when);
        snprintf(err, err_len, "certificate file %s: the certificate is not valid before %s", cert_file, when);
        goto fail;
    }
    if (tls__cert_collect_names(c) != 0) { snprintf(err, err_len, "out of memory"); goto fail; }
    BIO_free(b);
    return c;
fail:
    BIO_free(b);
    tls__cert_free(c);
    return NULL;
}

tls_cert_t *tls_cert_load(const char *cert_path, const char *key_path, char *err, size_t err_len)
{
    char why[256];
    size_t clen = 0, klen = 0;
    char *cpem = ifr_read_file(cert_path, TLS_PEM_MAX, &clen, why, sizeof why);
    if (!cpem) {
        snprintf(err, err_len, "cannot read the certificate file %s: %s", cert_path, why);
        return NULL;
    }
    char *kpem = ifr_read_file(key_path, TLS_PEM_MAX, &klen, why, sizeof why);
    if (!kpem) {
        snprintf(err, err_len, "cannot read the key file %s: %s", key_path, why);
        free(cpem);
        return NULL;
    }
    tls_cert_t *c = tls_cert_from_pem(cpem, clen, cert_path, kpem, klen, key_path, err, err_len);
    OPENSSL_cleanse(kpem, klen);
    free(kpem);
    free(cpem);
    struct stat st;
    if (c && stat(key_path, &st) == 0 && (st.st_mode & 077))
        ifr_log_warn("tls", "key file %s can be read by %s (mode %03o): chmod 600 it", key_path,
                     (st.st_mode & 07) ? "anyone" : "its group", (unsigned)(st.st_mode & 0777));
    return c;
}

void tls_cert_retain(tls_cert_t *c) { atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed); }

void tls_cert_release(tls_cert_t *c)
{
    if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) tls__cert_free(c);
}

bool tls_cert_covers(const tls_cert_t *c, const char *host)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (tls_name_matches(c->names[i], host)) return true;
    return false;
}

bool tls_name_matches(const char *pattern, const char *host)
{
    if (strcasecmp(pattern, host) == 0) return true;
    if (pattern[0] != '*' || pattern[1] != '.') return false;
    const char *dot = strchr(host, '.');
    /* One label: "a.example.com" but not "example.com" or ".example.com". */
    return dot && dot != host && strcasecmp(dot + 1, pattern + 2) == 0;
}
