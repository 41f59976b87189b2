/* See srv_transport_tls_client.h. */
#include "server/srv_transport_tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes of a file read per sendfile call (files go up only through the
 * generic interface; the proxy writes through writev). */
#define SRV__TLSC_FILE_CHUNK 16384

typedef struct {
    SSL *ssl;
    bool done;
    char failure[256];
} srv__tlsc_conn_t;

static void srv__tlsc_openssl_error(char *out, size_t len, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "unknown error";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    snprintf(out, len, "%s: %s", what, buf);
    ERR_clear_error();
}

/* Session resumption: each context (one per upstream pool per worker
 * thread, so no lock) keeps the last resumable session its upstream gave
 * (a TLS 1.2 session or a TLS 1.3 ticket) in an ex_data slot, and every
 * new connection offers it; a server that declines just does a full
 * handshake. The slot's free callback drops it with the context. */
static int srv__tlsc_session_idx = -1;
static pthread_once_t srv__tlsc_session_once = PTHREAD_ONCE_INIT;

static void srv__tlsc_session_slot_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    SSL_SESSION_free(ptr);
}

static void srv__tlsc_session_slot_make(void)
{
    srv__tlsc_session_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, srv__tlsc_session_slot_free);
}

static int srv__tlsc_new_session(SSL *ssl, SSL_SESSION *sess)
{
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    if (srv__tlsc_session_idx < 0 || !SSL_SESSION_is_resumable(sess)) return 0;
    SSL_SESSION *old = SSL_CTX_get_ex_data(ctx, srv__tlsc_session_idx);
    if (SSL_CTX_set_ex_data(ctx, srv__tlsc_session_idx, sess) != 1) return 0;
    SSL_SESSION_free(old);
    return 1;   /* the slot keeps the reference */
}

SSL_CTX *srv_tls_client_ctx_new(const route_proxy_tls_conf_t *conf, char *err, size_t errlen)
{
    pthread_once(&srv__tlsc_session_once, srv__tlsc_session_slot_make);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        srv__tlsc_openssl_error(err, errlen, "cannot make a TLS context");
        return NULL;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, srv__tlsc_new_session);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* A server that closes without close_notify ends a body read until
     * close like a plain one (Go's transport does not insist either). */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, conf->insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if (!conf->insecure_skip_verify) {
        int ok = 1;
        if (conf->nca_files)
            for (size_t i = 0; ok && i < conf->nca_files; i++) {
                ok = SSL_CTX_load_verify_locations(ctx, conf->ca_files[i], NULL);
                if (!ok) {
                    char what[300];
                    snprintf(what, sizeof what, "tls_trusted_ca_certs %s", conf->ca_files[i]);
                    srv__tlsc_openssl_error(err, errlen, what);
                }
            }
        else if (!(ok = SSL_CTX_set_default_verify_paths(ctx)))
            srv__tlsc_openssl_error(err, errlen, "cannot load the system trust store");
        if (!ok) {
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    if (conf->client_cert) {
        if (SSL_CTX_use_certificate_chain_file(ctx, conf->client_cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, conf->client_key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            srv__tlsc_openssl_error(err, errlen, "tls_client_auth");
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

void srv_tls_client_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

static int srv__tlsc_start(srv_transport_t *t, int fd, void *arg)
{
    const srv_tls_client_start_t *s = arg;
    srv__tlsc_conn_t *c = calloc(1, sizeof *c);
    SSL *ssl = c ? SSL_new(s->ssl_ctx) : NULL;
    if (!ssl || SSL_set_fd(ssl, fd) != 1) goto fail;
    const char *name = s->conf->server_name ? s->conf->server_name : s->host;
    if (name && *name) {
        unsigned char ip[16];
        bool is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
        /* No SNI for an IP address (RFC 6066); the certificate must name it instead. */
        if (!is_ip && SSL_set_tlsext_host_name(ssl, name) != 1) goto fail;
        if (!s->conf->insecure_skip_verify) {
            X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : X509_VERIFY_PARAM_set1_host(param, name, 0);
            if (ok != 1) goto fail;
        }
    }
    /* ALPN says which HTTP versions this connection may speak (versions):
     * a server that picks by ALPN (h2 first) then answers in that one. */
    static const unsigned char both[] = "\x02h2\x08http/1.1";
    const unsigned char *alpn = both + 3;       /* http/1.1 */
    size_t alpn_len = sizeof both - 1 - 3;
    if (s->offer_h2) {
        alpn = both;
        alpn_len = s->conf->alpn_h1 ? sizeof both - 1 : 3;
    }
    if (SSL_set_alpn_protos(ssl, alpn, (unsigned)alpn_len) != 0) goto fail;
    SSL_SESSION *last = srv__tlsc_session_idx >= 0 ? SSL_CTX_get_ex_data(s->ssl_ctx, srv__tlsc_session_idx) : NULL;
    if (last && SSL_set_session(ssl, last) != 1) ERR_clear_error();   /* then a full handshake */
    SSL_set_connect_state(ssl);
    c->ssl = ssl;
    srv_transport_init(t, &srv_transport_tls_client, fd, c);
    return 0;
fail:
    SSL_free(ssl);
    free(c);
    close(fd);
    ERR_clear_error();
    return -1;
}

/* An OpenSSL call that returned r <= 0: the flags, and what to return. */
static ssize_t srv__tlsc_failed(srv_transport_t *t, int r, bool reading)
{
    srv__tlsc_conn_t *c = t->impl;
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        t->can_read = false;
        if (!reading) t->can_write = false, t->write_wants_read = true;
        return SRV_IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        t->can_write = false;
        if (reading) t->can_read = false, t->read_wants_write = true;
        return SRV_IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        if (reading) {
            t->can_read = false;
            return 0;
        }
        return SRV_IO_ERROR;
    case SSL_ERROR_SYSCALL:
        snprintf(c->failure, sizeof c->failure, "%s", errno ? strerror(errno) : "connection closed");
        ERR_clear_error();
        return SRV_IO_ERROR;
    default:
        srv__tlsc_openssl_error(c->failure, sizeof c->failure, "TLS error");
        return SRV_IO_ERROR;
    }
}

static int srv__tlsc_handshake(srv_transport_t *t)
{
    srv__tlsc_conn_t *c = t->impl;
    if (c->done) return 0;
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->done = true;
        return 0;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return (int)srv__tlsc_failed(t, r, true);
    long v = SSL_get_verify_result(c->ssl);
    if (v != X509_V_OK) {
        snprintf(c->failure, sizeof c->failure, "TLS handshake: certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
        ERR_clear_error();
    } else if (e == SSL_ERROR_SYSCALL || (e == SSL_ERROR_SSL && ERR_peek_error() == 0)) {
        snprintf(c->failure, sizeof c->failure, "TLS handshake: %s",
                 errno && e == SSL_ERROR_SYSCALL ? strerror(errno) : "the upstream closed the connection");
        ERR_clear_error();
    } else {
        srv__tlsc_openssl_error(c->failure, sizeof c->failure, "TLS handshake");
    }
    return SRV_IO_ERROR;
}

static ssize_t srv__tlsc_read(srv_transport_t *t, void *buf, size_t len)
{
    srv__tlsc_conn_t *c = t->impl;
    size_t n = 0;
    int r = SSL_read_ex(c->ssl, buf, len, &n);
    /* A short read proves nothing about the socket (a record ended): the
     * next read says WANT_READ when it is drained. */
    if (r == 1) return (ssize_t)n;
    return srv__tlsc_failed(t, r, true);
}

static ssize_t srv__tlsc_writev(srv_transport_t *t, const struct iovec *iov, int cnt)
{
    srv__tlsc_conn_t *c = t->impl;
    /* One buffer at a time: a write that must be retried is retried with
     * the same first bytes, as OpenSSL wants. */
    (void)cnt;
    size_t n = 0;
    int r = SSL_write_ex(c->ssl, iov[0].iov_base, iov[0].iov_len, &n);
    if (r == 1) return (ssize_t)n;
    return srv__tlsc_failed(t, r, false);
}

static ssize_t srv__tlsc_sendfile(srv_transport_t *t, int file_fd, off_t *offset, size_t len)
{
    unsigned char buf[SRV__TLSC_FILE_CHUNK];
    ssize_t got = pread(file_fd, buf, len < sizeof buf ? len : sizeof buf, *offset);
    if (got < 0) return SRV_IO_ERROR;
    if (got == 0) return 0;
    struct iovec iov = { buf, (size_t)got };
    ssize_t n = srv__tlsc_writev(t, &iov, 1);
    if (n > 0) *offset += n;
    return n;
}

static bool srv__tlsc_can_splice(const srv_transport_t *t)
{
    (void)t;
    return false;
}

static int srv__tlsc_shutdown(srv_transport_t *t)
{
    srv__tlsc_conn_t *c = t->impl;
    int r = SSL_shutdown(c->ssl);
    if (r < 0) {
        ssize_t e = srv__tlsc_failed(t, r, false);
        if (e == SRV_IO_AGAIN) return SRV_IO_AGAIN;
    }
    return shutdown(t->fd, SHUT_WR) == 0 ? 0 : SRV_IO_ERROR;
}

static bool srv__tlsc_has_pending_input(const srv_transport_t *t)
{
    const srv__tlsc_conn_t *c = t->impl;
    return SSL_pending(c->ssl) > 0;
}

static void srv__tlsc_describe(const srv_transport_t *t, route_conn_info_t *info)
{
    (void)t;
    info->tls = true;
}

static void srv__tlsc_close(srv_transport_t *t)
{
    srv__tlsc_conn_t *c = t->impl;
    if (c) {
        /* A close_notify first (one try, never waited on): OpenSSL marks
         * the session of a connection freed without one as not
         * resumable, which would spoil the one the context keeps. */
        if (c->done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
            SSL_shutdown(c->ssl);
            ERR_clear_error();
        }
        SSL_free(c->ssl);
        free(c);
    }
    t->impl = NULL;
    close(t->fd);
}

bool srv_tls_client_chose_h2(const srv_transport_t *t)
{
    const srv__tlsc_conn_t *c = t->impl;
    const unsigned char *p = NULL;
    unsigned n = 0;
    if (c && c->ssl) SSL_get0_alpn_selected(c->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

const char *srv_tls_client_failure(const srv_transport_t *t)
{
    const srv__tlsc_conn_t *c = t->impl;
    return c && c->failure[0] ? c->failure : "TLS failure";
}

const srv_transport_ops_t srv_transport_tls_client = {
    .name = "tls-client",
    .start = srv__tlsc_start,
    .handshake = srv__tlsc_handshake,
    .read = srv__tlsc_read,
    .writev = srv__tlsc_writev,
    .sendfile = srv__tlsc_sendfile,
    .can_splice = srv__tlsc_can_splice,
    .shutdown = srv__tlsc_shutdown,
    .has_pending_input = srv__tlsc_has_pending_input,
    .describe = srv__tlsc_describe,
    .close = srv__tlsc_close,
};
