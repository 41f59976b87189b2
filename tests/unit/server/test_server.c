/* The native server library on real sockets, with a fake plan standing in
 * for src/route (this file defines the route/plan.h functions, so the real
 * ones are not linked). The handlers here exercise what the directives may
 * not: request bodies read by a handler (echo, body_limit 413, 100-continue),
 * chunked responses, async completion, ROUTE_ERROR; plus timeouts, reload
 * (good and bad) and graceful stop through real signals. */
#include "testing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "route/plan.h"
#include "server/srv_server.h"

/* ---- the fake plan ---- */

struct route_plan {
    atomic_int refs;
    route_listener_t listener;
    cfg_options_t options;
    int generation;
};

static uint16_t fake_port;
static atomic_int fake_generation;
static atomic_int fake_live_plans;
static atomic_int fake_exchanges_done;

route_plan_t *route_plan_load(const char *path, cfg_error_t *err)
{
    FILE *f = fopen(path, "r");
    char text[64] = "";
    if (f) {
        if (!fgets(text, sizeof text, f)) text[0] = '\0';
        fclose(f);
    }
    if (strncmp(text, "bad", 3) == 0) {
        snprintf(err->file, sizeof err->file, "%s", path);
        err->line = 1;
        err->col = 1;
        snprintf(err->message, sizeof err->message, "this config is bad");
        return NULL;
    }
    route_plan_t *p = calloc(1, sizeof *p);
    atomic_init(&p->refs, 1);
    p->listener = (route_listener_t){ "127.0.0.1", fake_port, false };
    p->options.workers = 2;
    p->options.read_header_timeout_ns = 300 * 1000000LL;
    p->options.read_body_timeout_ns = 300 * 1000000LL;
    p->options.idle_timeout_ns = 5000 * 1000000LL;
    p->generation = atomic_fetch_add(&fake_generation, 1) + 1;
    atomic_fetch_add(&fake_live_plans, 1);
    return p;
}

route_plan_t *route_plan_load_text(const char *text, size_t len, const char *filename, cfg_error_t *err)
{
    (void)text; (void)len;
    return route_plan_load(filename, err);
}

void route_plan_retain(route_plan_t *p) { atomic_fetch_add(&p->refs, 1); }

void route_plan_release(route_plan_t *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1) {
        atomic_fetch_sub(&fake_live_plans, 1);
        free(p);
    }
}

size_t route_plan_listeners(const route_plan_t *p, const route_listener_t **out)
{
    *out = &p->listener;
    return 1;
}

const cfg_options_t *route_plan_options(const route_plan_t *p) { return &p->options; }

/* The fake plan has no shutdown_delay, so nothing is ever scheduled. */
void route_plan_shutdown_schedule(route_plan_t *p, int64_t at_ns) { (void)p; (void)at_ns; }
int64_t route_plan_shutdown_at(const route_plan_t *p) { (void)p; return 0; }

/* No global `log` options: the server's lines stay on stderr. */
bool route_plan_has_loggers(const route_plan_t *p) { (void)p; return false; }
void route_plan_log_line(const route_plan_t *p, int level, ifr_str_t logger, ifr_str_t msg)
{
    (void)p; (void)level; (void)logger; (void)msg;
}
int route_plan_log_min_level(const route_plan_t *p) { (void)p; return 1; }

/* No TLS sites: the fake plan serves plain HTTP only. */
size_t route_plan_tls_sites(const route_plan_t *p, const route_tls_site_t **out)
{
    (void)p;
    *out = NULL;
    return 0;
}

void route_exchange_done(const route_plan_t *p, route_exchange_t *x)
{
    (void)p; (void)x;
    atomic_fetch_add(&fake_exchanges_done, 1);
}

/* Echo: collects the body in the arena, answers it at the end (chunked,
 * since the length is not announced up front). */
typedef struct {
    char *data;
    size_t len, cap;
} echo_t;

static int echo_body(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    echo_t *e = ud;
    if (e->len + len > e->cap) {
        size_t cap = (e->len + len) * 2;
        char *n = ifr_arena_alloc(x->arena, cap);
        if (!n) return -1;
        if (e->len) memcpy(n, e->data, e->len);
        e->data = n;
        e->cap = cap;
    }
    if (len) memcpy(e->data + e->len, data, len);
    e->len += len;
    if (is_last) {
        x->resp.status = 200;
        x->io->send_body(x, e->data, e->len, true);
    }
    return 0;
}

/* A producer that respects back-pressure: 4 MiB in 64 KiB pieces, never
 * queueing past 256 KiB, resumed by wait_writable. */
#define BIG_TOTAL (4u << 20)
#define BIG_PIECE (64u << 10)
static atomic_ullong big_max_queued;

static void big_produce(route_exchange_t *x, void *ud)
{
    uint64_t *sent = ud;
    static char piece[BIG_PIECE];
    memset(piece, 'z', sizeof piece);
    while (*sent < BIG_TOTAL && x->io->queued(x) < (256u << 10)) {
        *sent += BIG_PIECE;
        if (x->io->send_body(x, piece, BIG_PIECE, *sent == BIG_TOTAL) < 0) return;
        uint64_t q = x->io->queued(x);
        if (q > atomic_load(&big_max_queued)) atomic_store(&big_max_queued, q);
    }
    if (*sent < BIG_TOTAL) x->io->wait_writable(x, big_produce, sent);
}

route_result_t route_dispatch(const route_plan_t *p, route_exchange_t *x)
{
    if (ifr_str_eq(x->req->path, IFR_LIT("/big"))) {
        uint64_t *sent = ifr_arena_calloc(x->arena, 1, sizeof *sent);
        x->resp.status = 200;
        x->resp.content_length = BIG_TOTAL;
        x->io->send_head(x);
        big_produce(x, sent);
        return ROUTE_ASYNC;
    }
    ifr_str_t path = x->req->path;
    if (ifr_str_eq(path, IFR_LIT("/hello"))) {
        x->resp.status = 200;
        x->resp.content_length = 5;
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Content-Type"), IFR_LIT("text/plain"));
        x->io->send_head(x);
        x->io->send_body(x, "hello", 5, true);
        return ROUTE_DONE;
    }
    if (ifr_str_eq(path, IFR_LIT("/generation"))) {
        char *text = ifr_arena_printf(x->arena, "%d", p->generation);
        x->resp.status = 200;
        x->resp.content_length = (int64_t)strlen(text);
        x->io->send_body(x, text, strlen(text), true);
        return ROUTE_DONE;
    }
    if (ifr_str_eq(path, IFR_LIT("/echo")) || ifr_str_eq(path, IFR_LIT("/limit"))) {
        if (ifr_str_eq(path, IFR_LIT("/limit"))) x->body_limit = 10;
        echo_t *e = ifr_arena_calloc(x->arena, 1, sizeof *e);
        if (x->io->read_body(x, echo_body, e) < 0) return ROUTE_DONE;
        return ROUTE_ASYNC;
    }
    if (ifr_str_eq(path, IFR_LIT("/stream"))) {
        x->resp.status = 200;
        x->io->send_head(x);
        x->io->send_body(x, "one,", 4, false);
        x->io->send_body(x, "two,", 4, false);
        x->io->send_body(x, "three", 5, true);
        return ROUTE_DONE;
    }
    if (ifr_str_eq(path, IFR_LIT("/bad-header"))) {
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("X-Evil"), IFR_LIT("a\r\nSet-Cookie: x=1"));
        x->resp.content_length = 2;
        x->io->send_body(x, "ok", 2, true);
        return ROUTE_DONE;
    }
    if (ifr_str_eq(path, IFR_LIT("/missing"))) {
        x->error_status = 404;
        return ROUTE_ERROR;
    }
    if (ifr_str_eq(path, IFR_LIT("/nothing"))) return ROUTE_DONE;
    x->resp.status = 200;
    x->resp.content_length = 0;
    x->io->send_body(x, NULL, 0, true);
    return ROUTE_DONE;
}

/* ---- running the server in a thread, talking to it over sockets ---- */

static char config_path[256];
static char pid_path[256];
static pthread_t server_thread;
static int server_status = -1;

static void *server_main(void *arg)
{
    (void)arg;
    srv_run_options_t o = { config_path, pid_path };
    server_status = srv_server_run(&o);
    return NULL;
}

static void write_config(const char *text)
{
    FILE *f = fopen(config_path, "w");
    fputs(text, f);
    fclose(f);
}

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(fake_port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { 10, 0 };   /* a bound on waiting, not a threshold */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s) { send_all(fd, s, strlen(s)); }

/* Reads until the buffer holds `needle` or the peer closes; returns length. */
static size_t read_until(int fd, char *buf, size_t cap, const char *needle)
{
    size_t len = 0;
    buf[0] = '\0';
    while (len + 1 < cap) {
        if (needle && strstr(buf, needle)) break;
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        buf[len] = '\0';
    }
    return len;
}

/* Everything until the server closes. */
static size_t read_all(int fd, char *buf, size_t cap) { return read_until(fd, buf, cap, NULL); }

static void start_server(void)
{
    snprintf(config_path, sizeof config_path, "/tmp/ifrit-test-server-%d.conf", (int)getpid());
    snprintf(pid_path, sizeof pid_path, "/tmp/ifrit-test-server-%d.pid", (int)getpid());
    write_config("good\n");
    /* A free port: bind to 0, read it back, release it. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    fake_port = ntohs(a.sin_port);
    close(s);
    pthread_create(&server_thread, NULL, server_main, NULL);
    for (int i = 0; i < 500; i++) {
        int fd = connect_server();
        if (fd >= 0) {
            close(fd);
            return;
        }
        usleep(10000);
    }
}

static void test_hello_keepalive_pipelining(void)
{
    int fd = connect_server();
    CHECK(fd >= 0);
    send_str(fd, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /stream HTTP/1.1\r\nHost: a\r\n\r\n"
                 "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    char buf[8192];
    read_all(fd, buf, sizeof buf);
    char *first = strstr(buf, "HTTP/1.1 200 OK\r\n");
    CHECK(first == buf);
    /* Server is the route layer's (absent from this fake plan's heads), so
     * `header -Server` can remove it; Date is the host's. */
    CHECK(strstr(buf, "Content-Type: text/plain\r\nDate: ") != NULL);
    CHECK(strstr(buf, "Transfer-Encoding: chunked\r\n\r\n4\r\none,\r\n4\r\ntwo,\r\n5\r\nthree\r\n0\r\n\r\n") != NULL);
    /* HEAD: same head, no body; then the last response closes. */
    char *head = strstr(buf, "0\r\n\r\nHTTP/1.1 200 OK\r\n");
    CHECK(head != NULL);
    if (head) {
        char *after_head = strstr(head + 5, "\r\n\r\n");
        CHECK(after_head && strncmp(after_head + 4, "HTTP/1.1 200 OK", 15) == 0);
    }
    CHECK(strstr(buf, "Connection: close\r\n\r\nhello") != NULL);
    close(fd);
}

static void test_echo_content_length_and_chunked(void)
{
    int fd = connect_server();
    send_str(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
                 "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n");
    char buf[8192];
    read_all(fd, buf, sizeof buf);
    CHECK(strstr(buf, "b\r\nhello world\r\n0\r\n\r\n") != NULL);
    CHECK(strstr(buf, "5\r\nabcde\r\n0\r\n\r\n") != NULL);
    close(fd);
}

static void test_body_byte_by_byte(void)
{
    int fd = connect_server();
    const char *req = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "4\r\nwxyz\r\n0\r\n\r\n";
    for (const char *p = req; *p; p++) send_all(fd, p, 1);
    char buf[4096];
    read_all(fd, buf, sizeof buf);
    CHECK(strstr(buf, "4\r\nwxyz\r\n0\r\n\r\n") != NULL);
    close(fd);
}

static void test_body_limit_413(void)
{
    int fd = connect_server();
    send_str(fd, "POST /limit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
    char buf[4096];
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
    close(fd);
    fd = connect_server();
    send_str(fd, "POST /limit HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
    close(fd);
    fd = connect_server();
    send_str(fd, "POST /limit HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd");
    read_all(fd, buf, sizeof buf);
    CHECK(strstr(buf, "4\r\nabcd\r\n0\r\n\r\n") != NULL);
    close(fd);
}

static void test_expect_continue(void)
{
    int fd = connect_server();
    send_str(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    char buf[4096];
    read_until(fd, buf, sizeof buf, "\r\n\r\n");
    CHECK_STR_EQ(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    send_str(fd, "xyz");
    read_until(fd, buf, sizeof buf, "0\r\n\r\n");
    CHECK(strstr(buf, "3\r\nxyz\r\n0\r\n\r\n") != NULL);
    close(fd);
    /* A handler that never reads: no 100, a final answer, and close. */
    fd = connect_server();
    send_str(fd, "POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
    close(fd);
}

static void test_errors(void)
{
    char buf[4096];
    int fd = connect_server();
    send_str(fd, "GET /missing HTTP/1.1\r\nHost: a\r\n\r\nGET /nothing HTTP/1.1\r\nHost: a\r\n\r\n"
                 "GET /bad-header HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    /* Bare answers the host makes itself carry Server. */
    CHECK(strstr(buf, "HTTP/1.1 500 Internal Server Error\r\nServer: ifrit\r\n") != NULL);
    CHECK(strstr(buf, "Set-Cookie") == NULL);
    CHECK(strstr(buf, "HTTP/1.1 400 Bad Request\r\n") != NULL);
    close(fd);
}

static void test_half_close_after_requests(void)
{
    char buf[8192];
    int fd = connect_server();
    send_str(fd, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    shutdown(fd, SHUT_WR);
    read_all(fd, buf, sizeof buf);
    CHECK(strstr(buf, "three\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n") != NULL);
    CHECK(strstr(buf, "\r\n\r\nhello") != NULL);
    close(fd);
}

static void test_back_pressure(void)
{
    int fd = connect_server();
    send_str(fd, "GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    static char buf[(4u << 20) + 4096];
    size_t n = read_all(fd, buf, sizeof buf);
    char *body = strstr(buf, "\r\n\r\n");
    CHECK(body != NULL);
    if (body) CHECK_INT_EQ(n - (size_t)(body + 4 - buf), BIG_TOTAL);
    CHECK(atomic_load(&big_max_queued) <= (256u << 10) + BIG_PIECE + 1024);
    close(fd);
}

static void test_http10(void)
{
    char buf[4096];
    int fd = connect_server();
    send_str(fd, "GET /stream HTTP/1.0\r\n\r\n");
    read_all(fd, buf, sizeof buf);
    CHECK(strstr(buf, "Transfer-Encoding") == NULL);
    CHECK(strstr(buf, "\r\n\r\none,two,three") != NULL);
    close(fd);
}

static void test_slow_head_gets_408(void)
{
    char buf[4096];
    int fd = connect_server();
    send_str(fd, "GET /hello HTTP/1.1\r\nHost: a\r\n");   /* never finished */
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 408 Request Timeout\r\n", 30) == 0);
    close(fd);
    fd = connect_server();
    send_str(fd, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    read_all(fd, buf, sizeof buf);
    CHECK(strncmp(buf, "HTTP/1.1 408 ", 13) == 0);
    close(fd);
}

static int generation_now(void)
{
    char buf[4096];
    int fd = connect_server();
    send_str(fd, "GET /generation HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    read_all(fd, buf, sizeof buf);
    close(fd);
    char *body = strstr(buf, "\r\n\r\n");
    return body ? atoi(body + 4) : -1;
}

static void test_reload(void)
{
    int before = generation_now();
    CHECK(before >= 1);
    /* An exchange in flight across the reload keeps working. */
    int slow = connect_server();
    send_str(slow, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab");
    write_config("bad\n");
    kill(getpid(), SIGHUP);
    /* Both workers must answer with the old plan: ask a few times. */
    for (int i = 0; i < 4; i++) CHECK_INT_EQ(generation_now(), before);
    write_config("good\n");
    kill(getpid(), SIGHUP);
    int after = -1;
    for (int i = 0; i < 200 && (after = generation_now()) == before; i++) usleep(10000);
    CHECK(after > before);
    send_str(slow, "cd");
    char buf[4096];
    read_all(slow, buf, sizeof buf);
    CHECK(strstr(buf, "4\r\nabcd\r\n") != NULL);
    close(slow);
}

static void test_graceful_stop(void)
{
    char buf[4096];
    int busy = connect_server();
    /* The 100 Continue proves the exchange is running before the stop. */
    send_str(busy, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    read_until(busy, buf, sizeof buf, "\r\n\r\n");
    CHECK_STR_EQ(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    send_str(busy, "ab");
    int idle = connect_server();
    kill(getpid(), SIGTERM);
    /* Every worker has taken the stop once the listening socket is gone. */
    for (int i = 0; i < 1000; i++) {
        int probe = connect_server();
        if (probe < 0) break;
        close(probe);
        usleep(10000);
    }
    /* The idle connection is closed without a response... */
    CHECK_INT_EQ(read_all(idle, buf, sizeof buf), 0);
    close(idle);
    /* ...the in-flight one finishes, told that the connection closes. */
    send_str(busy, "cd");
    read_all(busy, buf, sizeof buf);
    CHECK(strstr(buf, "Connection: close\r\n") != NULL);
    CHECK(strstr(buf, "4\r\nabcd\r\n") != NULL);
    close(busy);
    pthread_join(server_thread, NULL);
    CHECK_INT_EQ(server_status, 0);
    CHECK_INT_EQ(atomic_load(&fake_live_plans), 0);
    CHECK(access(pid_path, F_OK) != 0);
    unlink(config_path);
}

int main(void)
{
    /* Signals go to the server's sigwaitinfo, not to this thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    start_server();
    RUN(test_hello_keepalive_pipelining);
    RUN(test_echo_content_length_and_chunked);
    RUN(test_body_byte_by_byte);
    RUN(test_body_limit_413);
    RUN(test_expect_continue);
    RUN(test_errors);
    RUN(test_half_close_after_requests);
    RUN(test_back_pressure);
    RUN(test_http10);
    RUN(test_slow_head_gets_408);
    RUN(test_reload);
    RUN(test_graceful_stop);
    return testing_done();
}
