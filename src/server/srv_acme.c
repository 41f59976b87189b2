/* ACME certificates in storage; see srv_acme.h. */
#include "server/srv_acme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/client.h"
#include "acme/key.h"
#include "acme/schedule.h"
#include "base/buf.h"
#include "base/log.h"

/* An account or certificate key file is small; anything bigger is not ours. */
#define SRV__ACME_KEY_FILE_MAX (64 * 1024)

void srv_acme_issuer_key(const char *ca, char *out, size_t out_len)
{
    char key[TLS_STORAGE_PATH_MAX];
    const char *p = strstr(ca, "://");
    p = p ? p + 3 : ca;
    size_t n = 0;
    for (; *p && n + 1 < sizeof key; p++) key[n++] = (*p == '/' || *p == '\\') ? '-' : *p;
    while (n && key[n - 1] == '-') n--;   /* the path's trailing slash */
    key[n] = '\0';
    tls_storage_safe_name(key, out, out_len);
}

static int srv__acme_rel(const srv_acme_site_t *site, const char *ext, char *out, size_t len)
{
    char issuer[256];
    srv_acme_issuer_key(site->ca, issuer, sizeof issuer);
    return tls_storage_cert_rel(issuer, site->name, ext, out, len);
}

tls_cert_t *srv_acme_load(const tls_storage_t *st, const srv_acme_site_t *site, bool *missing, char *err,
                          size_t err_len)
{
    char crt_rel[TLS_STORAGE_PATH_MAX], key_rel[TLS_STORAGE_PATH_MAX];
    *missing = false;
    if (srv__acme_rel(site, "crt", crt_rel, sizeof crt_rel) || srv__acme_rel(site, "key", key_rel, sizeof key_rel)) {
        snprintf(err, err_len, "the storage path for %s is too long", site->name);
        return NULL;
    }
    size_t clen, klen;
    char *crt = tls_storage_read(st, crt_rel, TLS_PEM_MAX, &clen, missing, err, err_len);
    char *key = crt ? tls_storage_read(st, key_rel, SRV__ACME_KEY_FILE_MAX, &klen, missing, err, err_len) : NULL;
    tls_cert_t *c = key ? tls_cert_from_pem(crt, clen, crt_rel, key, klen, key_rel, err, err_len) : NULL;
    free(crt);
    free(key);
    if (c && (c->not_after <= time(NULL) || !tls_cert_covers(c, site->name))) {
        snprintf(err, err_len, "%s in storage has expired or is not for %s", crt_rel, site->name);
        tls_cert_release(c);
        return NULL;
    }
    return c;
}

bool srv_acme_due(const srv_acme_site_t *site, const tls_cert_t *c, time_t now)
{
    return acme_renew_at(c->not_before, c->not_after, site->ratio > 0 ? site->ratio : 1.0 / 3) <= now;
}

/* The account key of site's email at this CA, made and saved the first
 * time. NULL with err. */
static EVP_PKEY *srv__acme_account_key(const tls_storage_t *st, const srv_acme_site_t *site, char *err, size_t err_len)
{
    char issuer[256], email[256], user[256], rel[TLS_STORAGE_PATH_MAX];
    srv_acme_issuer_key(site->ca, issuer, sizeof issuer);
    tls_storage_safe_name(site->email && site->email[0] ? site->email : "default", email, sizeof email);
    snprintf(user, sizeof user, "%s", email);
    char *at = strchr(user, '@');
    if (at && at != user) *at = '\0';
    if (!issuer[0] || !email[0] ||
        snprintf(rel, sizeof rel, "acme/%s/users/%s/%s.key", issuer, email, user) >= (int)sizeof rel) {
        snprintf(err, err_len, "no storage path for the ACME account of %s", site->name);
        return NULL;
    }
    size_t len;
    bool missing;
    char *pem = tls_storage_read(st, rel, SRV__ACME_KEY_FILE_MAX, &len, &missing, err, err_len);
    if (pem) {
        EVP_PKEY *k = acme_key_from_pem(pem, len);
        free(pem);
        if (!k) snprintf(err, err_len, "%s: not a P-256 private key", rel);
        return k;
    }
    if (!missing) return NULL;
    EVP_PKEY *k = acme_key_generate();
    ifr_buf_t out = { 0 };
    if (!k || acme_key_to_pem(k, &out) != 0 ||
        tls_storage_write(st, rel, out.data, out.len, 0600, err, err_len) != 0) {
        if (!k || !out.len) snprintf(err, err_len, "cannot make an ACME account key");
        EVP_PKEY_free(k);
        k = NULL;
    }
    ifr_buf_free(&out);
    return k;
}

/* Writes the chain, its key and Caddy's metadata file. 0, or -1 with err. */
static int srv__acme_save(const tls_storage_t *st, const srv_acme_site_t *site, const ifr_buf_t *chain, EVP_PKEY *key,
                     char *err, size_t err_len)
{
    char rel[TLS_STORAGE_PATH_MAX], json[1024];
    ifr_buf_t key_pem = { 0 };
    int rc = -1;
    if (acme_key_to_pem(key, &key_pem) != 0) {
        snprintf(err, err_len, "cannot write the key of %s as PEM", site->name);
        goto out;
    }
    int jn = snprintf(json, sizeof json, "{\"sans\":[\"%s\"],\"issuer_data\":{\"ca\":\"%s\"}}\n", site->name,
                      site->ca);
    if (jn >= (int)sizeof json) {
        snprintf(err, err_len, "the metadata of %s does not fit", site->name);
        goto out;
    }
    /* The key first: a crash between the two leaves no certificate
     * without its key. */
    if (srv__acme_rel(site, "key", rel, sizeof rel) || tls_storage_write(st, rel, key_pem.data, key_pem.len, 0600, err, err_len) ||
        srv__acme_rel(site, "crt", rel, sizeof rel) || tls_storage_write(st, rel, chain->data, chain->len, 0644, err, err_len) ||
        srv__acme_rel(site, "json", rel, sizeof rel) || tls_storage_write(st, rel, json, (size_t)jn, 0644, err, err_len))
        goto out;
    rc = 0;
out:
    ifr_buf_free(&key_pem);
    return rc;
}

static tls_cert_t *srv__acme_order(const tls_storage_t *st, const srv_acme_site_t *site, char *err, size_t err_len)
{
    EVP_PKEY *account = srv__acme_account_key(st, site, err, err_len);
    if (!account) return NULL;
    acme_config_t cfg;
    acme_config_defaults(&cfg);
    cfg.directory_url = site->ca;
    cfg.ca_root = site->ca_root;
    cfg.email = site->email;
    cfg.eab_key_id = site->eab_key_id;
    cfg.eab_mac_key = site->eab_mac_key;
    cfg.challenge = site->tlsalpn ? ACME_CHALLENGE_TLSALPN01 : ACME_CHALLENGE_HTTP01;
    cfg.stop = site->stop;
    EVP_PKEY *key = acme_key_generate();
    acme_client_t *c = key ? acme_client_new(&cfg, account) : NULL;
    EVP_PKEY_free(account);
    ifr_buf_t chain = { 0 };
    tls_cert_t *cert = NULL;
    const char *names[] = { site->name };
    if (!c || acme_client_obtain(c, names, 1, key, &chain) != 0) {
        snprintf(err, err_len, "the CA at %s gave no certificate for %s (the acme log lines say why)", site->ca,
                 site->name);
    } else if (srv__acme_save(st, site, &chain, key, err, err_len) == 0) {
        bool missing;
        cert = srv_acme_load(st, site, &missing, err, err_len);
    }
    acme_client_free(c);
    EVP_PKEY_free(key);
    ifr_buf_free(&chain);
    return cert;
}

tls_cert_t *srv_acme_obtain(const tls_storage_t *st, const srv_acme_site_t *site, char *err, size_t err_len)
{
    char lock_name[300];
    snprintf(lock_name, sizeof lock_name, "issue_cert_%s", site->name);
    tls_storage_lock_t lock;
    int held;
    /* Tried again and again rather than waited for, so a stop is seen. */
    while ((held = tls_storage_lock(st, lock_name, false, &lock, err, err_len)) == 1) {
        if (site->stop && atomic_load(site->stop)) {
            snprintf(err, err_len, "stopped while another process held the lock of %s", site->name);
            return NULL;
        }
        struct timespec ts = { 0, ACME_STOP_CHECK_MS * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (held != 0) return NULL;
    bool missing;
    char why[512];
    tls_cert_t *c = srv_acme_load(st, site, &missing, why, sizeof why);
    if (c && srv_acme_due(site, c, time(NULL))) {
        tls_cert_release(c);
        c = NULL;
    }
    if (c) {
        ifr_log_info("acme", "%s: using the certificate another process obtained meanwhile", site->name);
    } else {
        ifr_log_info("acme", "%s: ordering a certificate from %s by %s", site->name, site->ca,
                     site->tlsalpn ? "tls-alpn-01" : "http-01");
        c = srv__acme_order(st, site, err, err_len);
    }
    tls_storage_unlock(&lock);
    return c;
}
