/* kTLS availability; see srv_tls_ktls.h. */
#include "server/srv_tls_ktls.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "tls/tls_ctx.h"

/* The ULPs the kernel has registered, for the reason when tls is not one. */
static void srv__ktls_ulps(char *out, size_t len)
{
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
    out[0] = '\0';
    if (!f) return;
    if (fgets(out, (int)len, f)) out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

/* A connected loopback TCP socket in *client (and its peer in *server), for
 * the setsockopt the kernel only takes on an established connection. */
static int srv__ktls_pair(int *client, int *server)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    *client = *server = -1;
    if (l < 0) return -1;
    if (bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0 &&
        getsockname(l, (struct sockaddr *)&a, &al) == 0 &&
        (*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
        connect(*client, (struct sockaddr *)&a, sizeof a) == 0)
        *server = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    close(l);
    if (*server >= 0) return 0;
    if (*client >= 0) close(*client);
    *client = -1;
    return -1;
}

bool srv_tls_ktls_probe(char *why, size_t len)
{
#ifdef OPENSSL_NO_KTLS
    snprintf(why, len, "OpenSSL was built without it");
    return false;
#else
    int c, s;
    if (srv__ktls_pair(&c, &s) != 0) {
        snprintf(why, len, "no loopback connection to try the kernel's tls ULP on (%s)", strerror(errno));
        return false;
    }
    int r = setsockopt(s, IPPROTO_TCP, TCP_ULP, "tls", sizeof "tls");
    int e = errno;
    close(c);
    close(s);
    if (r == 0) return true;
    if (e == ENOENT) {
        char ulps[256];
        srv__ktls_ulps(ulps, sizeof ulps);
        snprintf(why, len, "the kernel has no tls upper layer protocol (module tls not built or not loadable; "
                 "tcp_available_ulp: %s)", ulps[0] ? ulps : "none");
    } else {
        snprintf(why, len, "the kernel refused the tls upper layer protocol (%s)", strerror(e));
    }
    return false;
#endif
}

static pthread_once_t srv__ktls_once = PTHREAD_ONCE_INIT;
static bool srv__ktls_on;
static char srv__ktls_why[320];
static atomic_bool srv__ktls_logged;

static void srv__ktls_decide_once(void)
{
    srv__ktls_on = srv_tls_ktls_probe(srv__ktls_why, sizeof srv__ktls_why);
    tls_ctx_set_ktls(srv__ktls_on);
}

bool srv_tls_ktls_decide(void)
{
    pthread_once(&srv__ktls_once, srv__ktls_decide_once);
    return srv__ktls_on;
}

void srv_tls_ktls_log_once(void)
{
    bool on = srv_tls_ktls_decide();
    if (atomic_exchange(&srv__ktls_logged, true)) return;
    if (on)
        ifr_log_info("tls", "kTLS available: TLS connections hand their record encryption to the kernel once the "
                     "handshake is done (SSL_OP_ENABLE_KTLS); bodies and files are still written with SSL_write");
    else
        ifr_log_info("tls", "kTLS unavailable: %s; TLS connections encrypt in OpenSSL through a buffer "
                     "(files are read, not sent with sendfile)", srv__ktls_why);
}

const char *srv_tls_ktls_listener_note(void)
{
    return srv_tls_ktls_decide() ? " (TLS, kTLS offered: the kernel encrypts records; bodies go through SSL_write)"
                                 : " (TLS, buffered: no kTLS)";
}
