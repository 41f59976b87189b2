/* acme_get: obtains a certificate with src/acme, for the tests against a
 * real ACME CA (tests/acme). It answers the CA's validation itself, as the
 * server will: HTTP-01 from acme_http01_lookup on --http-port and
 * TLS-ALPN-01 from acme_tlsalpn_use on --tls-port, both on 127.0.0.1.
 *
 *   acme_get --dir URL --name NAME --out DIR [--ca-root FILE] [--email E]
 *            [--challenge http-01|tls-alpn-01] [--http-port N] [--tls-port N]
 *            [--attempts N] [--backoff-ms N] [--bad-nonce-retries N]
 *
 * Writes DIR/NAME.crt (the chain) and DIR/NAME.key; exits 0 on success,
 * 1 when the certificate was not obtained (the log on stderr says why). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "acme/challenge.h"
#include "acme/client.h"
#include "acme/key.h"
#include "base/log.h"

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
        fprintf(stderr, "acme_get: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        exit(1);
    }
    return fd;
}

static void set_timeouts(int fd)
{
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* HTTP-01: one request per connection; the path picks the answer. */
static void *http01_responder(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) continue;
        set_timeouts(fd);
        char req[4096];
        size_t got = 0;
        while (got < sizeof req - 1) {
            ssize_t n = read(fd, req + got, sizeof req - 1 - got);
            if (n <= 0) break;
            got += (size_t)n;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n")) break;
        }
        req[got] = '\0';
        char *sp = strchr(req, ' '), *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
        char answer[512], resp[1024];
        long n = sp && sp2 ? acme_http01_lookup(ifr_str(sp + 1, (size_t)(sp2 - sp - 1)), answer, sizeof answer) : -1;
        int len = n >= 0 ? snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %ld\r\n"
                                                       "Connection: close\r\n\r\n%s", n, answer)
                         : snprintf(resp, sizeof resp, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        if (write(fd, resp, (size_t)len) < 0) {}
        close(fd);
    }
    return NULL;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    (void)ssl; (void)arg;
    static const unsigned char want[] = "\x0a" ACME_TLSALPN_PROTOCOL;
    if (SSL_select_next_proto((unsigned char **)out, outlen, want, sizeof want - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)arg;
    if (acme_tlsalpn_use(ssl, SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) < 0) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

/* TLS-ALPN-01: the handshake is the answer. */
static void *tlsalpn_responder(void *arg)
{
    int lfd = *(int *)arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) continue;
        set_timeouts(fd);
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) SSL_shutdown(ssl);
        SSL_free(ssl);
        close(fd);
    }
    return NULL;
}

static int write_file(const char *dir, const char *name, const char *ext, const void *data, size_t len, int mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0 || chmod(path, (mode_t)mode) != 0) {
        fprintf(stderr, "acme_get: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    acme_config_t cfg;
    acme_config_defaults(&cfg);
    const char *name = NULL, *out = NULL;
    int http_port = 0, tls_port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--dir")) cfg.directory_url = v;
        else if (!strcmp(k, "--ca-root")) cfg.ca_root = v;
        else if (!strcmp(k, "--email")) cfg.email = v;
        else if (!strcmp(k, "--name")) name = v;
        else if (!strcmp(k, "--out")) out = v;
        else if (!strcmp(k, "--http-port")) http_port = atoi(v);
        else if (!strcmp(k, "--tls-port")) tls_port = atoi(v);
        else if (!strcmp(k, "--attempts")) cfg.request_attempts = atoi(v);
        else if (!strcmp(k, "--backoff-ms")) cfg.backoff_initial_ms = atol(v);
        else if (!strcmp(k, "--bad-nonce-retries")) cfg.bad_nonce_retries = atoi(v);
        else if (!strcmp(k, "--challenge")) {
            if (!strcmp(v, "tls-alpn-01")) cfg.challenge = ACME_CHALLENGE_TLSALPN01;
            else if (strcmp(v, "http-01")) { fprintf(stderr, "acme_get: unknown challenge %s\n", v); return 2; }
        } else {
            fprintf(stderr, "acme_get: unknown option %s\n", k);
            return 2;
        }
    }
    if (!cfg.directory_url || !name || !out) {
        fprintf(stderr, "usage: acme_get --dir URL --name NAME --out DIR [--ca-root FILE] [--email E] "
                        "[--challenge http-01|tls-alpn-01] [--http-port N] [--tls-port N] [--attempts N] [--backoff-ms N] [--bad-nonce-retries N]\n");
        return 2;
    }
    /* A CA closing a validation connection early must not kill the tool (ifrit ignores SIGPIPE too). */
    signal(SIGPIPE, SIG_IGN);
    pthread_t t;
    static int http_fd, tls_fd;
    if (http_port) {
        http_fd = listen_on(http_port);
        pthread_create(&t, NULL, http01_responder, &http_fd);
        pthread_detach(t);
    }
    if (tls_port) {
        tls_fd = listen_on(tls_port);
        pthread_create(&t, NULL, tlsalpn_responder, &tls_fd);
        pthread_detach(t);
    }
    EVP_PKEY *account = acme_key_generate(), *key = acme_key_generate();
    acme_client_t *c = account && key ? acme_client_new(&cfg, account) : NULL;
    ifr_buf_t chain = IFR_BUF_INIT, key_pem = IFR_BUF_INIT;
    const char *names[] = { name };
    int rc = 1;
    if (c && acme_client_obtain(c, names, 1, key, &chain) == 0 && acme_key_to_pem(key, &key_pem) == 0 &&
        write_file(out, name, "crt", chain.data, chain.len, 0644) == 0 &&
        write_file(out, name, "key", key_pem.data, key_pem.len, 0600) == 0)
        rc = 0;
    acme_client_free(c);
    EVP_PKEY_free(account);
    EVP_PKEY_free(key);
    ifr_buf_free(&chain);
    ifr_buf_free(&key_pem);
    return rc;
}
