/* The local CA; see tls_ca.h. */
#include "tls/tls_ca.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct tls_ca {
    tls_storage_t storage;
    tls_cert_t *root;
    tls_cert_t *inter;
};

/* Issued certificates start this long ago, for clients whose clock is a
 * little behind; not those living less than an hour, where a minute would
 * be most of their life (and make them due at once). */
#define TLS__CA_BACKDATE 60
#define TLS__CA_BACKDATE_MIN_LIFE 3600

bool tls_cert_due(const tls_cert_t *c, time_t now)
{
    time_t life = c->not_after - c->not_before;
    return c->not_after - now < life / 3;
}

/* The text a memory BIO holds after a successful PEM write (written: the
 * write's result), as a NUL-terminated malloc'd copy; NULL on failure. */
static char *tls__ca_pem_text(BIO *b, bool written, size_t *len)
{
    char *out = NULL;
    if (b && written) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        if (n > 0 && (out = malloc((size_t)n + 1))) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
            *len = (size_t)n;
        }
    }
    BIO_free(b);
    return out;
}

static char *tls__ca_pem_of_cert(X509 *x, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    return tls__ca_pem_text(b, b && PEM_write_bio_X509(b, x) == 1, len);
}

static char *tls__ca_pem_of_key(EVP_PKEY *k, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    return tls__ca_pem_text(b, b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1, len);
}

static bool tls__ca_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    bool ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* A certificate for key signed by issuer_key (self-signed when issuer is
 * NULL). kind: 0 root, 1 intermediate, 2 leaf for san. */
static X509 *tls__ca_make(int kind, const char *cn, const char *san, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                     time_t not_after)
{
    time_t now = time(NULL);
    long backdate = not_after - now >= TLS__CA_BACKDATE_MIN_LIFE ? TLS__CA_BACKDATE : 0;
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    bool ok = x && RAND_bytes(serial, sizeof serial) == 1;
    if (ok) {
        serial[0] &= 0x7f;   /* a positive serial number */
        ok = (bn = BN_bin2bn(serial, sizeof serial, NULL)) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    }
    BN_free(bn);
    X509_NAME *name = X509_NAME_new();
    ok = ok && name && X509_set_version(x, 2) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
         X509_set_subject_name(x, name) && X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
         X509_time_adj_ex(X509_getm_notBefore(x), 0, -backdate, &now) &&
         X509_time_adj_ex(X509_getm_notAfter(x), 0, (long)(not_after - now), &now) && X509_set_pubkey(x, key);
    X509_NAME_free(name);
    X509 *signer = issuer ? issuer : x;
    if (ok && kind == 0)
        ok = tls__ca_add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:1") &&
             tls__ca_add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (ok && kind == 1)
        ok = tls__ca_add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
             tls__ca_add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (ok && kind == 2)
        ok = tls__ca_add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE") &&
             tls__ca_add_ext(x, signer, NID_key_usage, "critical,digitalSignature") &&
             tls__ca_add_ext(x, signer, NID_ext_key_usage, "serverAuth,clientAuth") &&
             tls__ca_add_ext(x, signer, NID_subject_alt_name, san);
    ok = ok && tls__ca_add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (ok && kind != 0) ok = tls__ca_add_ext(x, signer, NID_authority_key_identifier, "keyid:always");
    ok = ok && X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Stores a certificate (chain appended) and its key; 0 or -1 with err. */
static int tls__ca_store(tls_ca_t *ca, const char *crt_rel, const char *key_rel, X509 *x, X509 *chain, EVP_PKEY *key,
                    char *err, size_t err_len)
{
    size_t clen = 0, xlen = 0, klen = 0;
    char *cpem = tls__ca_pem_of_cert(x, &clen), *xpem = chain ? tls__ca_pem_of_cert(chain, &xlen) : NULL;
    char *kpem = tls__ca_pem_of_key(key, &klen);
    int rc = -1;
    char *all = cpem ? malloc(clen + xlen + 1) : NULL;
    if (!all || !kpem || (chain && !xpem)) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    memcpy(all, cpem, clen);
    if (xpem) memcpy(all + clen, xpem, xlen);
    /* The key first: a certificate on disk always has its key beside it. */
    if (tls_storage_write(&ca->storage, key_rel, kpem, klen, 0600, err, err_len) == 0 &&
        tls_storage_write(&ca->storage, crt_rel, all, clen + xlen, 0644, err, err_len) == 0)
        rc = 0;
out:
    if (kpem) OPENSSL_cleanse(kpem, klen);
    free(kpem);
    free(cpem);
    free(xpem);
    free(all);
    return rc;
}

/* Reads a stored certificate and key; NULL with *missing when either
 * file is not there. */
static tls_cert_t *tls__ca_read(tls_ca_t *ca, const char *crt_rel, const char *key_rel, bool *missing, char *err,
                           size_t err_len)
{
    size_t clen = 0, klen = 0;
    bool m1 = false, m2 = false;
    char cpath[TLS_STORAGE_PATH_MAX], kpath[TLS_STORAGE_PATH_MAX];
    char *c = tls_storage_read(&ca->storage, crt_rel, TLS_PEM_MAX, &clen, &m1, err, err_len);
    char *k = c ? tls_storage_read(&ca->storage, key_rel, TLS_PEM_MAX, &klen, &m2, err, err_len) : NULL;
    *missing = m1 || m2;
    tls_cert_t *out = NULL;
    if (c && k) {
        tls_storage_path(&ca->storage, crt_rel, cpath, sizeof cpath);
        tls_storage_path(&ca->storage, key_rel, kpath, sizeof kpath);
        out = tls_cert_from_pem(c, clen, cpath, k, klen, kpath, err, err_len);
    }
    if (k) OPENSSL_cleanse(k, klen);
    free(k);
    free(c);
    return out;
}

static tls_cert_t *tls__ca_cert_of(X509 *x, EVP_PKEY *key)
{
    size_t clen = 0, klen = 0;
    char *c = tls__ca_pem_of_cert(x, &clen), *k = tls__ca_pem_of_key(key, &klen), err[256];
    tls_cert_t *out = c && k ? tls_cert_from_pem(c, clen, "(new)", k, klen, "(new)", err, sizeof err) : NULL;
    if (k) OPENSSL_cleanse(k, klen);
    free(c);
    free(k);
    return out;
}

static int tls__ca_make_root(tls_ca_t *ca, char *err, size_t err_len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char cn[80];
    snprintf(cn, sizeof cn, "ifrit Local Authority - %d ECC Root", tm.tm_year + 1900);
    X509 *x = key ? tls__ca_make(0, cn, NULL, key, NULL, NULL, now + TLS_CA_ROOT_LIFETIME) : NULL;
    int rc = -1;
    if (!x) snprintf(err, err_len, "cannot create the local CA's root certificate");
    else if (tls__ca_store(ca, TLS_CA_ROOT_CRT, TLS_CA_ROOT_KEY, x, NULL, key, err, err_len) == 0 &&
             (ca->root = tls__ca_cert_of(x, key))) {
        char path[TLS_STORAGE_PATH_MAX];
        tls_storage_path(&ca->storage, TLS_CA_ROOT_CRT, path, sizeof path);
        ifr_log_info("tls", "created the local CA's root certificate %s (ifrit trust installs it)", path);
        rc = 0;
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int tls__ca_make_intermediate(tls_ca_t *ca, char *err, size_t err_len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    time_t end = time(NULL) + TLS_CA_INTERMEDIATE_LIFETIME;
    if (end > ca->root->not_after) end = ca->root->not_after;
    X509 *x = key ? tls__ca_make(1, "ifrit Local Authority - ECC Intermediate", NULL, key, ca->root->leaf, ca->root->key,
                            end)
                  : NULL;
    int rc = -1;
    if (!x) snprintf(err, err_len, "cannot create the local CA's intermediate certificate");
    else if (tls__ca_store(ca, TLS_CA_INTER_CRT, TLS_CA_INTER_KEY, x, NULL, key, err, err_len) == 0) {
        tls_cert_release(ca->inter);
        if ((ca->inter = tls__ca_cert_of(x, key))) rc = 0;
        else snprintf(err, err_len, "out of memory");
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

tls_ca_t *tls_ca_open(const tls_storage_t *storage, char *err, size_t err_len)
{
    tls_ca_t *ca = calloc(1, sizeof *ca);
    if (!ca) { snprintf(err, err_len, "out of memory"); return NULL; }
    ca->storage = *storage;
    tls_storage_lock_t lock;
    if (tls_storage_lock(&ca->storage, "pki_local", true, &lock, err, err_len) != 0) {
        free(ca);
        return NULL;
    }
    bool missing = false;
    ca->root = tls__ca_read(ca, TLS_CA_ROOT_CRT, TLS_CA_ROOT_KEY, &missing, err, err_len);
    if (!ca->root && (!missing || tls__ca_make_root(ca, err, err_len) != 0)) goto fail;
    ca->inter = tls__ca_read(ca, TLS_CA_INTER_CRT, TLS_CA_INTER_KEY, &missing, err, err_len);
    /* A missing, expired or due intermediate is made again; one that does
     * not verify under this root (the root was replaced) too. */
    bool bad = !ca->inter || tls_cert_due(ca->inter, time(NULL)) ||
               X509_verify(ca->inter->leaf, X509_get0_pubkey(ca->root->leaf)) != 1;
    ERR_clear_error();
    if (bad && tls__ca_make_intermediate(ca, err, err_len) != 0) goto fail;
    tls_storage_unlock(&lock);
    return ca;
fail:
    tls_storage_unlock(&lock);
    tls_ca_free(ca);
    return NULL;
}

void tls_ca_free(tls_ca_t *ca)
{
    if (!ca) return;
    tls_cert_release(ca->root);
    tls_cert_release(ca->inter);
    free(ca);
}

char *tls_ca_root_pem(const tls_ca_t *ca, size_t *len)
{
    return tls__ca_pem_of_cert(ca->root->leaf, len);
}

/* Whether the stored leaf was signed by the current intermediate. */
static bool tls__ca_signed_by_current(const tls_ca_t *ca, const tls_cert_t *c)
{
    bool ok = X509_verify(c->leaf, X509_get0_pubkey(ca->inter->leaf)) == 1;
    ERR_clear_error();
    return ok;
}

tls_cert_t *tls_ca_leaf(tls_ca_t *ca, const char *name, long long lifetime, char *err, size_t err_len)
{
    char crt[600], key[600], meta[600], lockname[600];
    /* Host names and IPs only: the name goes into the SAN and the JSON. */
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == ':' ||
              *p == '*' || *p == '_')) {
            snprintf(err, err_len, "'%s' cannot be a certificate name", name);
            return NULL;
        }
    if (!name[0] || tls_storage_cert_rel("local", name, "crt", crt, sizeof crt) != 0 ||
        tls_storage_cert_rel("local", name, "key", key, sizeof key) != 0 ||
        tls_storage_cert_rel("local", name, "json", meta, sizeof meta) != 0) {
        snprintf(err, err_len, "'%s' cannot be a certificate name", name);
        return NULL;
    }
    time_t now = time(NULL);
    if (tls_cert_due(ca->inter, now) && tls__ca_make_intermediate(ca, err, err_len) != 0) return NULL;
    snprintf(lockname, sizeof lockname, "issue_cert_%s", name);
    tls_storage_lock_t lock;
    if (tls_storage_lock(&ca->storage, lockname, true, &lock, err, err_len) != 0) return NULL;
    bool missing = false;
    tls_cert_t *c = tls__ca_read(ca, crt, key, &missing, err, err_len);
    if (c && (tls_cert_due(c, now) || !tls_cert_covers(c, name) || !tls__ca_signed_by_current(ca, c))) {
        tls_cert_release(c);
        c = NULL;
    }
    if (c) {
        tls_storage_unlock(&lock);
        return c;
    }
    unsigned char ipbuf[16];
    bool is_ip = inet_pton(AF_INET, name, ipbuf) == 1 || inet_pton(AF_INET6, name, ipbuf) == 1;
    char san[600];
    snprintf(san, sizeof san, "%s:%s", is_ip ? "IP" : "DNS", name);
    time_t end = now + (lifetime > 0 ? lifetime : TLS_CA_LEAF_LIFETIME);
    if (end > ca->inter->not_after) end = ca->inter->not_after;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = k ? tls__ca_make(2, name, san, k, ca->inter->leaf, ca->inter->key, end) : NULL;
    if (!x) {
        ERR_clear_error();
        snprintf(err, err_len, "the local CA cannot issue a certificate for '%s'", name);
    } else if (tls__ca_store(ca, crt, key, x, ca->inter->leaf, k, err, err_len) == 0) {
        char json[700];
        int n = snprintf(json, sizeof json, "{\"sans\":[\"%s\"],\"issuer\":\"local\"}\n", name);
        if (tls_storage_write(&ca->storage, meta, json, (size_t)n, 0644, err, err_len) == 0)
            c = tls__ca_read(ca, crt, key, &missing, err, err_len);
    }
    X509_free(x);
    EVP_PKEY_free(k);
    tls_storage_unlock(&lock);
    return c;
}
