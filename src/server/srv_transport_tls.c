/* The OpenSSL transport; see srv_transport.h and srv_tls.h.
 *
 * Writes are gathered into one TLS record at a time in the worker
 * thread's staging buffer (a whole record lying in one piece is
 * encrypted where it lies). OpenSSL wants a write that could not finish
 * retried with the same bytes, so the bytes of a record it took are
 * reported taken, copied to the connection (the only per-connection
 * buffer, and only while the socket is full), and the record is finished
 * before anything else is written. Files are read through the same
 * staging buffer and SSL_write on every TLS connection, can_splice false:
 * where the kernel has kTLS, OpenSSL encrypts in the kernel underneath,
 * but ifrit has no SSL_sendfile path (docs/tls.md, srv_tls_ktls.h). */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "server/srv_tls.h"
#include "server/srv_tls_ondemand.h"

/* Plaintext bytes per record, TLS's largest (RFC 8446 5.1): what each
 * SSL_write is given, so a record OpenSSL could not send is at most this. */
#define SRV__TLS_RECORD 16384
/* Bytes of a file one pread takes (four records, then encrypted one by
 * one): a quarter of the preads of reading a record at a time. */
#define SRV__TLS_FILE_READ (4 * SRV__TLS_RECORD)
/* Bytes one writev or sendfile call encrypts at most before it returns,
 * so one connection's big body does not hold the loop long (256 KiB is
 * about a tenth of a millisecond of AES-GCM) yet a large file does not
 * cost a trip around the loop every 64 KiB. */
#define SRV__TLS_WRITE_BUDGET (16 * SRV__TLS_RECORD)

typedef struct {
    SSL *ssl;
    tls_store_t *store;       /* held until the handshake is over */
    bool done;                /* handshake finished */
    unsigned char *pending;   /* a record's bytes OpenSSL still has to send, or NULL */
    size_t pending_len;
    char sni[256];
    char version[16];
    char cipher[64];
    char alpn[32];
    bool resumed;
    uint16_t version_id, cipher_id;
    /* The client certificate's, when one was sent (one allocation). */
    char *client;
    const char *client_subject, *client_issuer, *client_serial, *client_fingerprint;
} srv__tls_conn_t;

/* A record's bytes gathered before SSL_write, or a file's read; a worker
 * thread's own. */
static _Thread_local unsigned char srv__tls_stage[SRV__TLS_FILE_READ];

static int srv__tls_start(srv_transport_t *t, int fd, void *ctx)
{
    srv_tls_port_t *port = ctx;
    tls_store_t *store = srv_tls_port_get(port);
    srv__tls_conn_t *c = store ? calloc(1, sizeof *c) : NULL;
    SSL *ssl = c ? tls_store_new_ssl(store, fd) : NULL;
    if (!ssl) {
        free(c);
        tls_store_release(store);
        close(fd);
        ERR_clear_error();
        return -1;
    }
    c->ssl = ssl;
    c->store = store;
    srv_transport_init(t, &srv_transport_tls, fd, c);
    return 0;
}

/* Empties the thread's error queue before an SSL call, as SSL_get_error
 * needs. Looking first is the cheap part: ERR_clear_error wipes all of
 * its slots every time (about 800 instructions, a tenth of a small
 * request's SSL_write), and the queue is nearly always empty already,
 * since every failure below clears it. */
static inline void srv__tls_errors_reset(void)
{
    if (ERR_peek_error()) ERR_clear_error();
}

/* An OpenSSL call that returned r <= 0: sets the flags and says what the
 * caller returns. eof_ok: a clean end (close_notify) reads as 0. */
static ssize_t srv__tls_failed(srv_transport_t *t, int r, bool reading)
{
    srv__tls_conn_t *c = t->impl;
    int e = SSL_get_error(c->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        t->can_read = false;
        if (!reading) t->can_write = false, t->write_wants_read = true;
        return SRV_IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        t->can_write = false;
        if (reading) t->can_read = false, t->read_wants_write = true;
        return SRV_IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        t->can_read = false;
        return 0;
    default:
        /* A reset, a bad record, an alert, an end in the middle of a
         * record: nothing more can be trusted on this connection. */
        ERR_clear_error();
        return SRV_IO_ERROR;
    }
}

/* name as RFC 2253 text ("CN=client,O=Example"), into b. */
static void srv__tls_name_text(BIO *b, const X509_NAME *name)
{
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
    BIO_write(b, "", 1);
}

/* Subject, issuer, serial and fingerprint of the client's certificate, as
 * four NUL-terminated strings in one allocation. */
static void srv__tls_note_client(srv__tls_conn_t *c)
{
    X509 *peer = SSL_get0_peer_certificate(c->ssl);
    BIO *b = peer ? BIO_new(BIO_s_mem()) : NULL;
    if (!b) return;
    srv__tls_name_text(b, X509_get_subject_name(peer));
    srv__tls_name_text(b, X509_get_issuer_name(peer));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), NULL);
    char *dec = bn ? BN_bn2dec(bn) : NULL;
    BIO_write(b, dec ? dec : "", (int)(dec ? strlen(dec) : 0) + 1);
    OPENSSL_free(dec);
    BN_free(bn);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (X509_digest(peer, EVP_sha256(), md, &mdlen) == 1)
        for (unsigned i = 0; i < mdlen; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    BIO_write(b, hex, (int)strlen(hex) + 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    if (n > 0 && (c->client = malloc((size_t)n))) {
        memcpy(c->client, data, (size_t)n);
        const char **parts[] = { &c->client_subject, &c->client_issuer, &c->client_serial, &c->client_fingerprint };
        const char *p = c->client;
        for (size_t i = 0; i < 4; i++) {
            *parts[i] = p;
            p += strlen(p) + 1;
        }
    }
    BIO_free(b);
    ERR_clear_error();
}

static void srv__tls_note_done(srv__tls_conn_t *c)
{
    const char *sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(c->sni, sizeof c->sni, "%s", sni ? sni : "");
    for (char *p = c->sni; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    int v = SSL_version(c->ssl);
    snprintf(c->version, sizeof c->version, "%s", v == TLS1_3_VERSION ? "tls1.3" : v == TLS1_2_VERSION ? "tls1.2" : "");
    c->version_id = (uint16_t)v;
    const SSL_CIPHER *ci = SSL_get_current_cipher(c->ssl);
    c->cipher_id = ci ? SSL_CIPHER_get_protocol_id(ci) : 0;
    const char *std = ci ? SSL_CIPHER_standard_name(ci) : NULL;
    snprintf(c->cipher, sizeof c->cipher, "%s", std ? std : "");
    const unsigned char *proto = NULL;
    unsigned plen = 0;
    SSL_get0_alpn_selected(c->ssl, &proto, &plen);
    snprintf(c->alpn, sizeof c->alpn, "%.*s", (int)(plen < sizeof c->alpn ? plen : 0), proto ? (const char *)proto : "");
    c->resumed = SSL_session_reused(c->ssl);
    srv__tls_note_client(c);
}

static int srv__tls_handshake(srv_transport_t *t)
{
    srv__tls_conn_t *c = t->impl;
    if (c->done) return 0;
    srv__tls_errors_reset();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->done = true;
        srv_tls_park_drop(c->ssl);
        srv__tls_note_done(c);
        tls_store_release(c->store);
        c->store = NULL;
        return 0;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return (int)srv__tls_failed(t, r, true);
    /* The ClientHello callback paused the handshake (an on-demand
     * certificate on its way): the owner parks it (wait_elsewhere). */
    if (e == SSL_ERROR_WANT_CLIENT_HELLO_CB) return SRV_IO_AGAIN;
    unsigned long why = ERR_peek_error();
    ifr_log(IFR_LOG_DEBUG, "tls", "handshake failed: %s",
            why ? ERR_reason_error_string(why) : e == SSL_ERROR_SYSCALL ? "the client went away" : "refused");
    ERR_clear_error();
    return SRV_IO_ERROR;
}

static ssize_t srv__tls_read(srv_transport_t *t, void *buf, size_t len)
{
    srv__tls_conn_t *c = t->impl;
    size_t n = 0;
    srv__tls_errors_reset();
    int r = SSL_read_ex(c->ssl, buf, len, &n);
    if (r == 1) return (ssize_t)n;
    return srv__tls_failed(t, r, true);
}

/* Finishes the staged record. 0 when nothing is left staged. */
static ssize_t srv__tls_flush_stage(srv_transport_t *t)
{
    srv__tls_conn_t *c = t->impl;
    if (!c->pending) return 0;
    size_t n = 0;
    srv__tls_errors_reset();
    int r = SSL_write_ex(c->ssl, c->pending, c->pending_len, &n);
    if (r != 1) return srv__tls_failed(t, r, false);
    free(c->pending);
    c->pending = NULL;
    return 0;
}

/* Encrypts the len bytes (at most a record) at p as one record: len when
 * it left or is staged (taken either way), or an error. */
static ssize_t srv__tls_write_record(srv_transport_t *t, const unsigned char *p, size_t len)
{
    srv__tls_conn_t *c = t->impl;
    size_t n = 0;
    srv__tls_errors_reset();
    int r = SSL_write_ex(c->ssl, p, len, &n);
    if (r == 1) return (ssize_t)len;
    ssize_t f = srv__tls_failed(t, r, false);
    if (f != SRV_IO_AGAIN) return f;
    /* OpenSSL holds the record: the bytes are taken, and kept for the
     * retry it needs (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets them move). */
    if (!(c->pending = malloc(len))) return SRV_IO_ERROR;
    memcpy(c->pending, p, len);
    c->pending_len = len;
    return (ssize_t)len;
}

static ssize_t srv__tls_writev(srv_transport_t *t, const struct iovec *iov, int cnt)
{
    const srv__tls_conn_t *c = t->impl;
    ssize_t f = srv__tls_flush_stage(t);
    if (f != 0) return f;
    size_t total = 0;
    int i = 0;
    size_t off = 0;
    while (total < SRV__TLS_WRITE_BUDGET && i < cnt) {
        const unsigned char *rec = srv__tls_stage;
        size_t fill = 0;
        if (iov[i].iov_len - off >= SRV__TLS_RECORD) {
            /* A whole record in one piece (a full queue segment: HTTP/2
             * output, big bodies) is encrypted where it lies, not staged:
             * the same record, one copy fewer. */
            rec = (const unsigned char *)iov[i].iov_base + off;
            fill = SRV__TLS_RECORD;
            off += fill;
            if (off == iov[i].iov_len) i++, off = 0;
        }
        while (fill < SRV__TLS_RECORD && i < cnt) {
            size_t take = iov[i].iov_len - off;
            if (take > SRV__TLS_RECORD - fill) take = SRV__TLS_RECORD - fill;
            memcpy(srv__tls_stage + fill, (const char *)iov[i].iov_base + off, take);
            fill += take;
            off += take;
            if (off == iov[i].iov_len) i++, off = 0;
        }
        if (fill == 0) break;
        ssize_t w = srv__tls_write_record(t, rec, fill);
        if (w < 0) return total ? (ssize_t)total : w;
        total += (size_t)w;
        if (c->pending) break;   /* the socket is full */
    }
    return (ssize_t)total;
}

static ssize_t srv__tls_sendfile(srv_transport_t *t, int file_fd, off_t *offset, size_t len)
{
    const srv__tls_conn_t *c = t->impl;
    ssize_t f = srv__tls_flush_stage(t);
    if (f != 0) return f;
    size_t total = 0;
    while (total < len && total < SRV__TLS_WRITE_BUDGET) {
        size_t want = len - total < sizeof srv__tls_stage ? len - total : sizeof srv__tls_stage;
        ssize_t r = pread(file_fd, srv__tls_stage, want, *offset);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return total ? (ssize_t)total : SRV_IO_ERROR;
        if (r == 0) return total ? (ssize_t)total : 0;   /* the file shrank */
        for (size_t done = 0; done < (size_t)r;) {
            size_t rec = (size_t)r - done < SRV__TLS_RECORD ? (size_t)r - done : SRV__TLS_RECORD;
            ssize_t w = srv__tls_write_record(t, srv__tls_stage + done, rec);
            if (w < 0) return total ? (ssize_t)total : w;
            *offset += w;
            total += (size_t)w;
            done += (size_t)w;
            /* The socket is full: what is left of this read is read
             * again next time, from the new offset. */
            if (c->pending) return (ssize_t)total;
        }
    }
    return (ssize_t)total;
}

static bool srv__tls_can_splice(const srv_transport_t *t)
{
    (void)t;
    return false;
}

static int srv__tls_shutdown(srv_transport_t *t)
{
    srv__tls_conn_t *c = t->impl;
    ssize_t f = srv__tls_flush_stage(t);
    if (f != 0) return (int)f;
    if (c->done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
        srv__tls_errors_reset();
        int r = SSL_shutdown(c->ssl);
        if (r < 0) {
            ssize_t e = srv__tls_failed(t, r, false);
            if (e == SRV_IO_AGAIN) return SRV_IO_AGAIN;
            /* The close_notify cannot go: still end the write side. */
        }
    }
    return shutdown(t->fd, SHUT_WR) == 0 || errno == ENOTCONN ? 0 : SRV_IO_ERROR;
}

static bool srv__tls_has_pending_input(const srv_transport_t *t)
{
    const srv__tls_conn_t *c = t->impl;
    return SSL_has_pending(c->ssl) == 1;
}

static void srv__tls_describe(const srv_transport_t *t, route_conn_info_t *info)
{
    const srv__tls_conn_t *c = t->impl;
    info->tls = true;
    info->tls_server_name = ifr_cstr(c->sni);
    info->tls_version = ifr_cstr(c->version);
    info->tls_cipher = ifr_cstr(c->cipher);
    info->tls_proto = ifr_cstr(c->alpn);
    info->tls_resumed = c->resumed;
    info->tls_version_id = c->version_id;
    info->tls_cipher_id = c->cipher_id;
    if (c->client) {
        info->tls_client_subject = ifr_cstr(c->client_subject);
        info->tls_client_issuer = ifr_cstr(c->client_issuer);
        info->tls_client_serial = ifr_cstr(c->client_serial);
        info->tls_client_fingerprint = ifr_cstr(c->client_fingerprint);
    }
}

static bool srv__tls_wait_elsewhere(srv_transport_t *t, srv_worker_t *w, srv_task_t *wake)
{
    const srv__tls_conn_t *c = t->impl;
    return !c->done && srv_tls_park_wait(c->ssl, w, wake);
}

static void srv__tls_close(srv_transport_t *t)
{
    srv__tls_conn_t *c = t->impl;
    if (c) {
        SSL_free(c->ssl);
        tls_store_release(c->store);
        free(c->pending);
        free(c->client);
        free(c);
        t->impl = NULL;
    }
    ERR_clear_error();
    if (t->fd >= 0) close(t->fd);
}

const srv_transport_ops_t srv_transport_tls = {
    .name = "tls",
    .start = srv__tls_start,
    .handshake = srv__tls_handshake,
    .read = srv__tls_read,
    .writev = srv__tls_writev,
    .sendfile = srv__tls_sendfile,
    .can_splice = srv__tls_can_splice,
    .shutdown = srv__tls_shutdown,
    .has_pending_input = srv__tls_has_pending_input,
    .describe = srv__tls_describe,
    .close = srv__tls_close,
    .wait_elsewhere = srv__tls_wait_elsewhere,
};
