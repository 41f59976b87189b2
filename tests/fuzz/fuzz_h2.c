/* libFuzzer target for the HTTP/2 session (src/server/srv_h2*.c): the
 * input, after the client preface, is what a client sends on a connection
 * of a real worker loop, wired to the route layer with a plan from the
 * Caddyfile below (respond, header, encode, request_body, a matcher, a
 * placeholder, an error route), over one end of a socketpair. The loop
 * runs until the session closes the connection or a bounded number of
 * turns passed; what the server writes is read and dropped. Must never
 * crash, leak, hang or read out of bounds, whatever the frames say. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "route/plan.h"
#include "server/srv_conn.h"
#include "server/srv_h2.h"
#include "server/srv_natives.h"

static const char CADDYFILE[] =
    "{\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\n"
    ":8080 {\n"
    "\tencode gzip\n"
    "\trequest_body /small/* {\n\t\tmax_size 64\n\t}\n"
    "\theader X-Proto {http.request.proto}\n"
    "\t@post method POST\n"
    "\trespond @post \"posted {http.request.header.content-type}\"\n"
    "\trespond /big \"" /* long enough for gzip to take it */
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "\"\n"
    "\terror /err 503\n"
    "\thandle_errors {\n\t\trespond \"error {err.status_code}\"\n\t}\n"
    "\trespond \"hello {uri}\"\n"
    "}\n";

#define TURNS_MAX 200

static srv_worker_t worker;

static void on_wake(srv_watch_t *w, uint32_t events)
{
    (void)w; (void)events;
}

static int setup(void)
{
    ifr_log_set_level(IFR_LOG_ERROR);
    srv_register_natives();
    cfg_error_t err;
    route_plan_t *p = route_plan_load_text(CADDYFILE, sizeof CADDYFILE - 1, "fuzz_h2.Caddyfile", &err);
    if (!p || srv_loop_init(&worker.loop, on_wake, &worker) != 0) abort();
    worker.plan = p;
    worker.scratch = IFR_BUF_INIT;
    pthread_mutex_init(&worker.mu, NULL);
    const cfg_options_t *o = route_plan_options(p);
    worker.timeouts = (srv_timeouts_t){ o->read_header_timeout_ns, o->read_body_timeout_ns, o->write_timeout_ns,
                                        o->idle_timeout_ns };
    return 0;
}

static void drain(int fd)
{
    char sink[65536];
    while (read(fd, sink, sizeof sink) > 0) {
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready = -1;
    if (ready < 0) ready = setup();
    if (size > 256 * 1024) return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) abort();
    int big = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    srv_conn_t *c = srv_conn_new(&worker, sv[0], &srv_transport_plain, NULL);
    if (!c || srv_h2_start(c) != 0) abort();
    /* What does not fit the socket now goes as the server reads. */
    size_t off = 0;
    if (write(sv[1], SRV_H2_PREFACE, SRV_H2_PREFACE_LEN) != SRV_H2_PREFACE_LEN) abort();
    for (int turn = 0; turn < TURNS_MAX && worker.conns; turn++) {
        if (off < size) {
            ssize_t n = write(sv[1], data + off, size - off);
            if (n > 0) off += (size_t)n;
            if (off == size) shutdown(sv[1], SHUT_WR);
        } else if (size == 0) {
            shutdown(sv[1], SHUT_WR);
        }
        srv_conn_run(worker.conns);
        srv_loop_run_once(&worker.loop, 0);
        drain(sv[1]);
    }
    while (worker.conns) srv_conn_close(worker.conns);
    srv_loop_run_once(&worker.loop, 0);
    close(sv[1]);
    return 0;
}
