/* src/tls: certificate loading and its errors, names and wildcards, the
 * policy contexts, the SNI store with real in-memory handshakes, and the
 * local CA in a scratch data directory. */
#define TEST_SUITE "tls"
#include "testing.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme/challenge.h"
#include "base/log.h"
#include "tls/tls_ca.h"
#include "tls/tls_cert.h"
#include "tls/tls_ctx.h"
#include "tls/tls_store.h"

static char dir[256];

/* A self-signed certificate for san valid from now+from to now+to seconds. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san, long from, long to)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_gmtime_adj(X509_getm_notBefore(x), from);
    X509_gmtime_adj(X509_getm_notAfter(x), to);
    X509_set_pubkey(x, key);
    if (san) {
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, key, EVP_sha256());
    return x;
}

/* Writes cert and key as NAME.crt/NAME.key under dir (key mode kmode). */
static void write_pair(const char *name, X509 *x, EVP_PKEY *k, mode_t kmode, char *crt, char *key)
{
    sprintf(crt, "%s/%s.crt", dir, name);
    sprintf(key, "%s/%s.key", dir, name);
    FILE *f = fopen(crt, "w");
    PEM_write_X509(f, x);
    fclose(f);
    int fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, kmode);
    f = fdopen(fd, "w");
    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    chmod(key, kmode);
}

static char last_log[2048];
static void capture(ifr_log_level_t level, const char *line, size_t len, void *ud)
{
    (void)level; (void)ud;
    snprintf(last_log, sizeof last_log, "%.*s", (int)len, line);
}

static void test_cert_load_and_errors(void)
{
    char crt[512], key[512], crt2[512], key2[512], err[1024];
    EVP_PKEY *k = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
    X509 *good = make_cert(k, "a.test", "DNS:a.test,DNS:*.b.test,IP:127.0.0.1", -60, 3600);
    write_pair("good", good, k, 0600, crt, key);
    last_log[0] = '\0';
    ifr_log_set_sink(capture, NULL);
    tls_cert_t *c = tls_cert_load(crt, key, err, sizeof err);
    CHECK(c != NULL);
    CHECK_STR_EQ(last_log, "");
    if (c) {
        CHECK_INT_EQ(c->nnames, 3);
        CHECK(tls_cert_covers(c, "A.TEST"));
        CHECK(tls_cert_covers(c, "x.b.test"));
        CHECK(!tls_cert_covers(c, "b.test"));
        CHECK(!tls_cert_covers(c, "x.y.b.test"));
        CHECK(tls_cert_covers(c, "127.0.0.1"));
        tls_cert_release(c);
    }
    /* A key others can read: loaded, with a warning naming the file. */
    chmod(key, 0644);
    c = tls_cert_load(crt, key, err, sizeof err);
    CHECK(c != NULL);
    CHECK(strstr(last_log, key) != NULL && strstr(last_log, "chmod 600") != NULL);
    tls_cert_release(c);
    ifr_log_set_sink(NULL, NULL);

    CHECK(tls_cert_load("/nonexistent/x.crt", key, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot read the certificate file /nonexistent/x.crt") != NULL);
    CHECK(tls_cert_load(crt, "/nonexistent/x.key", err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot read the key file /nonexistent/x.key") != NULL);
    /* The key as the certificate: no certificate in it. */
    CHECK(tls_cert_load(key, key, err, sizeof err) == NULL);
    CHECK(strstr(err, "no PEM certificate") != NULL && strstr(err, key) != NULL);
    /* Another key: mismatch, naming both files. */
    write_pair("other", good, k2, 0600, crt2, key2);
    CHECK(tls_cert_load(crt, key2, err, sizeof err) == NULL);
    CHECK(strstr(err, "does not match") != NULL && strstr(err, key2) != NULL && strstr(err, crt) != NULL);
    X509 *old = make_cert(k, "a.test", "DNS:a.test", -7200, -3600);
    write_pair("expired", old, k, 0600, crt2, key2);
    CHECK(tls_cert_load(crt2, key2, err, sizeof err) == NULL);
    CHECK(strstr(err, "expired on") != NULL && strstr(err, crt2) != NULL);
    X509 *later = make_cert(k, "a.test", "DNS:a.test", 3600, 7200);
    write_pair("later", later, k, 0600, crt2, key2);
    CHECK(tls_cert_load(crt2, key2, err, sizeof err) == NULL);
    CHECK(strstr(err, "not valid before") != NULL);
    /* No SAN: the common name. */
    X509 *cn = make_cert(k, "Legacy.Test", NULL, -60, 3600);
    write_pair("cn", cn, k, 0600, crt2, key2);
    c = tls_cert_load(crt2, key2, err, sizeof err);
    CHECK(c && c->nnames == 1 && strcmp(c->names[0], "legacy.test") == 0);
    tls_cert_release(c);
    X509_free(good); X509_free(old); X509_free(later); X509_free(cn);
    EVP_PKEY_free(k); EVP_PKEY_free(k2);
}

static tls_cert_t *cert_for(const char *name, const char *san)
{
    char crt[512], key[512], err[512];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = make_cert(k, name, san, -60, 3600);
    write_pair(name, x, k, 0600, crt, key);
    X509_free(x);
    EVP_PKEY_free(k);
    return tls_cert_load(crt, key, err, sizeof err);
}

static void test_policy_errors(void)
{
    tls_cert_t *c = cert_for("p.test", "DNS:p.test");
    char err[512];
    tls_policy_conf_t conf = { 0 };
    SSL_CTX *ctx = tls_ctx_new(&conf, c, err, sizeof err);
    CHECK(ctx != NULL);
    if (ctx) {
        const tls_policy_t *p = tls_ctx_policy(ctx);
        CHECK_INT_EQ(p->min_version, TLS1_2_VERSION);
        CHECK_INT_EQ(p->max_version, TLS1_3_VERSION);
        CHECK_STR_EQ(p->groups, "X25519:P-256");
        CHECK(strstr(p->ciphers, "CBC") == NULL && strstr(p->ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256") != NULL);
        CHECK(tls_ctx_cert(ctx) == c);
        SSL_CTX_free(ctx);
    }
    const char *bad_cipher[] = { "TLS_RSA_WITH_RC4_128_SHA" };
    conf = (tls_policy_conf_t){ .ciphers = bad_cipher, .nciphers = 1 };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "TLS_RSA_WITH_RC4_128_SHA") != NULL);
    const char *only13[] = { "TLS_AES_128_GCM_SHA256" };
    conf = (tls_policy_conf_t){ .ciphers = only13, .nciphers = 1 };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "no TLS 1.2 suite") != NULL);
    conf.protocol_min = "tls1.3";
    ctx = tls_ctx_new(&conf, c, err, sizeof err);
    CHECK(ctx != NULL);
    SSL_CTX_free(ctx);
    const char *curves[] = { "secp384r1", "x448" };
    conf = (tls_policy_conf_t){ .curves = curves, .ncurves = 2 };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "'x448'") != NULL);
    /* h2 only where servers { protocols } has it: offered first by
     * default, refused when named with HTTP/2 off. */
    const char *h2[] = { "h2" };
    conf = (tls_policy_conf_t){ .alpn = h2, .nalpn = 1 };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "HTTP/2 is off") != NULL);
    conf.http2 = true;
    ctx = tls_ctx_new(&conf, c, err, sizeof err);
    CHECK(ctx != NULL);
    SSL_CTX_free(ctx);
    conf = (tls_policy_conf_t){ .http2 = true };
    ctx = tls_ctx_new(&conf, c, err, sizeof err);
    CHECK(ctx != NULL && tls_ctx_policy(ctx)->alpn_len == 12 && memcmp(tls_ctx_policy(ctx)->alpn, "\x02h2\x08http/1.1", 12) == 0);
    SSL_CTX_free(ctx);
    conf = (tls_policy_conf_t){ 0 };
    ctx = tls_ctx_new(&conf, c, err, sizeof err);
    CHECK(ctx != NULL && tls_ctx_policy(ctx)->alpn_len == 9 && memcmp(tls_ctx_policy(ctx)->alpn, "\x08http/1.1", 9) == 0);
    SSL_CTX_free(ctx);
    conf = (tls_policy_conf_t){ .protocol_min = "tls1.3", .protocol_max = "tls1.2" };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    conf = (tls_policy_conf_t){ .protocol_min = "tls1.1" };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "tls1.1") != NULL);
    conf = (tls_policy_conf_t){ .client_auth = TLS_CLIENT_AUTH_REQUIRE_AND_VERIFY };
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "trusted_ca_cert_file") != NULL);
    const char *missing[] = { "/nonexistent/ca.pem" };
    conf.client_ca_files = missing;
    conf.nclient_ca_files = 1;
    CHECK(tls_ctx_new(&conf, c, err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/ca.pem") != NULL);
    tls_cert_release(c);
}

/* Drives a client and a server SSL over a socketpair in this thread.
 * 1 both finished, 0 one failed. */
static int handshake(SSL *cli, SSL *srv)
{
    bool cdone = false, sdone = false;
    for (int i = 0; i < 200 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(cli);
            if (r == 1) cdone = true;
            else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ) return 0;
        }
        if (!sdone) {
            int r = SSL_do_handshake(srv);
            if (r == 1) sdone = true;
            else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ) return 0;
        }
    }
    return cdone && sdone;
}

/* A handshake against store with sni (NULL: none) and the client's
 * version cap; the server certificate's first name in got. */
static int connect_store(tls_store_t *st, const char *sni, int max_version, char *got, size_t cap)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    if (max_version) SSL_CTX_set_max_proto_version(cctx, max_version);
    SSL *cli = SSL_new(cctx);
    SSL_set_fd(cli, sv[0]);
    SSL_set_connect_state(cli);
    if (sni) SSL_set_tlsext_host_name(cli, sni);
    SSL *srv = tls_store_new_ssl(st, sv[1]);
    int ok = srv ? handshake(cli, srv) : 0;
    got[0] = '\0';
    if (ok) {
        X509 *peer = SSL_get1_peer_certificate(cli);
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, got, (int)cap);
        X509_free(peer);
    }
    ERR_clear_error();
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    close(sv[0]);
    close(sv[1]);
    return ok;
}

/* A handshake offering the ALPN list alpn (wire format) for sni: 1 when it
 * completes, with the protocol agreed in proto and whether the server's
 * certificate carries id-pe-acmeIdentifier in *acme_ext. */
static int connect_alpn(tls_store_t *st, const char *sni, const unsigned char *alpn, size_t alpn_len, char *proto,
                        size_t cap, bool *acme_ext)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *cli = SSL_new(cctx);
    SSL_set_fd(cli, sv[0]);
    SSL_set_connect_state(cli);
    SSL_set_tlsext_host_name(cli, sni);
    SSL_set_alpn_protos(cli, alpn, (unsigned)alpn_len);
    SSL *srv = tls_store_new_ssl(st, sv[1]);
    int ok = srv ? handshake(cli, srv) : 0;
    proto[0] = '\0';
    *acme_ext = false;
    if (ok) {
        const unsigned char *p;
        unsigned n;
        SSL_get0_alpn_selected(cli, &p, &n);
        snprintf(proto, cap, "%.*s", (int)n, (const char *)p);
        X509 *peer = SSL_get1_peer_certificate(cli);
        ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
        *acme_ext = peer && X509_get_ext_by_OBJ(peer, oid, -1) >= 0;
        ASN1_OBJECT_free(oid);
        X509_free(peer);
    }
    ERR_clear_error();
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    close(sv[0]);
    close(sv[1]);
    return ok;
}

static int challenge_hook(SSL *ssl, const char *sni) { return acme_tlsalpn_use(ssl, sni); }

/* TLS-ALPN-01 (RFC 8737): only a ClientHello offering acme-tls/1 alone,
 * for a name with a pending challenge, gets the challenge certificate and
 * acme-tls/1; the store may hold no certificate yet. */
static void test_store_acme_challenge(void)
{
    static const unsigned char acme_only[] = "\x0a" "acme-tls/1";
    static const unsigned char acme_and_h1[] = "\x0a" "acme-tls/1" "\x08" "http/1.1";
    char proto[64];
    bool ext;
    tls_store_t *st = tls_store_new(NULL, NULL);
    tls_store_set_challenge(challenge_hook);
    CHECK(acme_tlsalpn_put("c.test", "token.thumbprint") == 0);
    CHECK_INT_EQ(connect_alpn(st, "c.test", acme_only, sizeof acme_only - 1, proto, sizeof proto, &ext), 1);
    CHECK_STR_EQ(proto, "acme-tls/1");
    CHECK(ext);
    /* No challenge pending for that name: refused. */
    CHECK_INT_EQ(connect_alpn(st, "d.test", acme_only, sizeof acme_only - 1, proto, sizeof proto, &ext), 0);
    /* Another protocol offered too: an ordinary handshake (no certificate here). */
    CHECK_INT_EQ(connect_alpn(st, "c.test", acme_and_h1, sizeof acme_and_h1 - 1, proto, sizeof proto, &ext), 0);
    acme_tlsalpn_remove("c.test");
    CHECK_INT_EQ(connect_alpn(st, "c.test", acme_only, sizeof acme_only - 1, proto, sizeof proto, &ext), 0);
    tls_store_set_challenge(NULL);
    tls_store_release(st);
}

static void test_store_sni(void)
{
    char err[512], got[256];
    tls_cert_t *a = cert_for("a.test", "DNS:a.test"), *w = cert_for("wild.test", "DNS:*.w.test");
    tls_cert_t *d = cert_for("default.test", "DNS:default.test");
    tls_policy_conf_t conf = { 0 }, conf13 = { .protocol_min = "tls1.3" };
    SSL_CTX *ca = tls_ctx_new(&conf13, a, err, sizeof err), *cw = tls_ctx_new(&conf, w, err, sizeof err);
    SSL_CTX *cd = tls_ctx_new(&conf, d, err, sizeof err);
    CHECK(ca && cw && cd);
    tls_store_t *st = tls_store_new(NULL, NULL);
    /* Made while empty (an ACME host's first certificate may come by a
     * TLS-ALPN-01 handshake); a handshake then finds no certificate. */
    CHECK(tls_store_accept_ctx(st) != NULL);
    CHECK_INT_EQ(connect_store(st, "a.test", 0, got, sizeof got), 0);
    tls_store_add(st, "a.test", ca);
    tls_store_add(st, "*.w.test", cw);
    tls_store_add(st, "A.test", cd);   /* first one wins */
    CHECK_INT_EQ(connect_store(st, "a.test", 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "a.test");
    CHECK_INT_EQ(connect_store(st, "x.w.test", 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "wild.test");
    /* Unknown names and no SNI: a failed handshake, no certificate. */
    CHECK_INT_EQ(connect_store(st, "y.x.w.test", 0, got, sizeof got), 0);
    CHECK_INT_EQ(connect_store(st, "nobody.test", 0, got, sizeof got), 0);
    CHECK_INT_EQ(connect_store(st, NULL, 0, got, sizeof got), 0);
    /* a.test's policy is TLS 1.3 only: a 1.2 client is refused there ... */
    CHECK_INT_EQ(connect_store(st, "a.test", TLS1_2_VERSION, got, sizeof got), 0);
    /* ... and served by the wildcard's policy. */
    CHECK_INT_EQ(connect_store(st, "x.w.test", TLS1_2_VERSION, got, sizeof got), 1);
    tls_store_release(st);

    /* default_sni is for a ClientHello without SNI, fallback_sni for one
     * whose name matches nothing (Caddy's two options). */
    st = tls_store_new(NULL, "default.test");
    tls_store_add(st, "a.test", ca);
    tls_store_add(st, "default.test", cd);
    CHECK_INT_EQ(connect_store(st, "nobody.test", 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "default.test");
    CHECK_INT_EQ(connect_store(st, NULL, 0, got, sizeof got), 0);
    tls_store_release(st);
    st = tls_store_new("default.test", NULL);
    tls_store_add(st, "a.test", ca);
    tls_store_add(st, "default.test", cd);
    CHECK_INT_EQ(connect_store(st, "nobody.test", 0, got, sizeof got), 0);
    CHECK_INT_EQ(connect_store(st, NULL, 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "default.test");
    /* Renewal swaps a context under the store. */
    tls_store_replace(st, cd, cw);
    CHECK_INT_EQ(connect_store(st, "default.test", 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "wild.test");
    tls_store_release(st);

    st = tls_store_new(NULL, NULL);
    tls_store_add(st, "", cd);   /* a site without a host takes any name */
    CHECK_INT_EQ(connect_store(st, "whatever.test", 0, got, sizeof got), 1);
    CHECK_STR_EQ(got, "default.test");
    SSL_CTX *p = tls_store_pick(st, NULL, "127.0.0.1");
    CHECK(p == cd);
    SSL_CTX_free(p);
    tls_store_release(st);
    SSL_CTX_free(ca); SSL_CTX_free(cw); SSL_CTX_free(cd);
    tls_cert_release(a); tls_cert_release(w); tls_cert_release(d);
}

static bool verifies(const tls_cert_t *root, const tls_cert_t *leaf, const char *host)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, root->leaf);
    X509_STORE_CTX *v = X509_STORE_CTX_new();
    X509_STORE_CTX_init(v, store, leaf->leaf, leaf->chain);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(v);
    if (strchr(host, ':') || (host[0] >= '0' && host[0] <= '9')) X509_VERIFY_PARAM_set1_ip_asc(param, host);
    else X509_VERIFY_PARAM_set1_host(param, host, 0);
    bool ok = X509_verify_cert(v) == 1;
    X509_STORE_CTX_free(v);
    X509_STORE_free(store);
    return ok;
}

static void test_local_ca(void)
{
    char err[1024], path[TLS_STORAGE_PATH_MAX], data[600];
    snprintf(data, sizeof data, "%s/data", dir);
    tls_storage_t s;
    CHECK_INT_EQ(tls_storage_init(&s, data, err, sizeof err), 0);
    ifr_log_set_level(IFR_LOG_WARN);   /* "created the local CA's root" */
    tls_ca_t *ca = tls_ca_open(&s, err, sizeof err);
    CHECK(ca != NULL);
    if (!ca) { printf("# %s\n", err); return; }
    struct stat st;
    tls_storage_path(&s, TLS_CA_ROOT_KEY, path, sizeof path);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    tls_storage_path(&s, TLS_CA_INTER_KEY, path, sizeof path);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    size_t rlen = 0;
    char *root_pem = tls_ca_root_pem(ca, &rlen);
    CHECK(root_pem && strstr(root_pem, "BEGIN CERTIFICATE"));

    tls_cert_t *l = tls_ca_leaf(ca, "localhost", 0, err, sizeof err), *ip = tls_ca_leaf(ca, "127.0.0.1", 0, err, sizeof err);
    CHECK(l && ip);
    tls_storage_path(&s, "certificates/local/localhost/localhost.key", path, sizeof path);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    tls_storage_path(&s, "certificates/local/localhost/localhost.json", path, sizeof path);
    CHECK(stat(path, &st) == 0);
    /* A second process (here: a second open) finds the same root and leaf. */
    tls_ca_t *again = tls_ca_open(&s, err, sizeof err);
    CHECK(again != NULL);
    size_t r2len = 0;
    char *root2 = again ? tls_ca_root_pem(again, &r2len) : NULL;
    CHECK(root2 && r2len == rlen && memcmp(root_pem, root2, rlen) == 0);
    tls_cert_t *l2 = again ? tls_ca_leaf(again, "localhost", 0, err, sizeof err) : NULL;
    CHECK(l2 && l && ASN1_INTEGER_cmp(X509_get0_serialNumber(l->leaf), X509_get0_serialNumber(l2->leaf)) == 0);
    if (l && ip) {
        CHECK_INT_EQ(l->not_after - l->not_before, TLS_CA_LEAF_LIFETIME + 60);
        CHECK(!tls_cert_due(l, time(NULL)));
        CHECK(tls_cert_due(l, l->not_after - (TLS_CA_LEAF_LIFETIME + 60) / 3 + 1));
        /* Chains to the root, for its name only. */
        tls_cert_t *root = NULL;
        size_t klen = 0;
        tls_storage_path(&s, TLS_CA_ROOT_KEY, path, sizeof path);
        char *kpem = tls_storage_read(&s, TLS_CA_ROOT_KEY, 65536, &klen, NULL, err, sizeof err);
        root = tls_cert_from_pem(root_pem, rlen, "root", kpem, klen, "root key", err, sizeof err);
        free(kpem);
        CHECK(root != NULL);
        if (root) {
            CHECK(verifies(root, l, "localhost"));
            CHECK(!verifies(root, l, "example.com"));
            CHECK(verifies(root, ip, "127.0.0.1"));
            tls_cert_release(root);
        }
    }
    CHECK(tls_ca_leaf(ca, "bad\"name", 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot be a certificate name") != NULL);
    tls_cert_release(l); tls_cert_release(l2); tls_cert_release(ip);
    free(root_pem); free(root2);
    tls_ca_free(ca);
    tls_ca_free(again);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/ifrit-tls-unit-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN(test_cert_load_and_errors);
    RUN(test_policy_errors);
    RUN(test_store_sni);
    RUN(test_store_acme_challenge);
    RUN(test_local_ca);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return testing_done();
}
