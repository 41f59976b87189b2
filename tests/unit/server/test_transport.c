/* The transport contract (server/srv_transport.h) on the plain socket
 * transport over a socket pair: what each call returns, how it keeps the
 * readiness flags (the short-read fast path, would-block, end of input),
 * what an epoll event turns back on, and that a transport holding input
 * of its own stays readable after a short read cleared can_read. */
#include "testing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/srv_transport.h"

/* t over one end of a fresh non-blocking pair; *peer is the other end. */
static void plain_pair(srv_transport_t *t, int *peer)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
    CHECK_INT_EQ(srv_transport_plain.start(t, sv[0], NULL), 0);
    *peer = sv[1];
}

static void test_start_is_ready_both_ways(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    CHECK(t.ops == &srv_transport_plain);
    CHECK(t.can_read && t.can_write && !t.peer_closed && !t.read_wants_write && !t.write_wants_read);
    CHECK(t.impl == NULL);
    srv_transport_close(&t);
    close(peer);
}

static void test_read_short_full_again_and_end(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    char buf[16];
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), SRV_IO_AGAIN);
    CHECK(!t.can_read);

    t.can_read = true;
    CHECK_INT_EQ(write(peer, "0123456789abcdefXY", 18), 18);
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), 16);   /* a full read: more may wait */
    CHECK(t.can_read);
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), 2);    /* a short one drained the socket */
    CHECK_MEM_EQ(buf, 2, "XY");
    CHECK(!t.can_read);

    /* After the peer's end was signalled a short read keeps can_read:
     * the end itself brings no new edge. */
    t.can_read = true;
    srv_transport_events(&t, EPOLLIN | EPOLLRDHUP);
    CHECK(t.peer_closed);
    CHECK_INT_EQ(write(peer, "z", 1), 1);
    close(peer);
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), 1);
    CHECK(t.can_read);
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), 0);
    CHECK(!t.can_read);
    srv_transport_close(&t);
}

static void test_writev_gathers_and_says_again_when_full(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    struct iovec iov[2] = { { "head ", 5 }, { "body", 4 } };
    CHECK_INT_EQ(srv_transport_writev(&t, iov, 2), 9);
    char buf[16];
    CHECK_INT_EQ(read(peer, buf, sizeof buf), 9);
    CHECK_MEM_EQ(buf, 9, "head body");

    static char big[64 * 1024];
    struct iovec one = { big, sizeof big };
    ssize_t r;
    int rounds = 0;
    while ((r = srv_transport_writev(&t, &one, 1)) > 0 && ++rounds < 10000) {
    }
    CHECK_INT_EQ(r, SRV_IO_AGAIN);
    CHECK(!t.can_write);
    srv_transport_events(&t, EPOLLOUT);
    CHECK(t.can_write);

    close(peer);
    t.can_write = true;
    CHECK_INT_EQ(srv_transport_writev(&t, &one, 1), SRV_IO_ERROR);   /* EPIPE, no SIGPIPE */
    srv_transport_close(&t);
}

static void test_sendfile_moves_the_range_and_sees_a_short_file(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    char path[] = "/tmp/ifrit-test-transport-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK_INT_EQ(write(fd, "0123456789", 10), 10);
    off_t off = 2;
    CHECK_INT_EQ(t.ops->sendfile(&t, fd, &off, 5), 5);
    CHECK_INT_EQ(off, 7);
    char buf[16];
    CHECK_INT_EQ(read(peer, buf, sizeof buf), 5);
    CHECK_MEM_EQ(buf, 5, "23456");
    off = 10;
    CHECK_INT_EQ(t.ops->sendfile(&t, fd, &off, 5), 0);   /* the file ended first */
    close(fd);
    CHECK(t.ops->can_splice(&t));
    srv_transport_close(&t);
    close(peer);
}

static void test_shutdown_ends_our_side_and_keeps_reading(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    CHECK_INT_EQ(t.ops->shutdown(&t), 0);
    char buf[8];
    CHECK_INT_EQ(read(peer, buf, sizeof buf), 0);   /* the peer sees our end */
    CHECK_INT_EQ(write(peer, "late", 4), 4);         /* and may still send: we drain it */
    CHECK_INT_EQ(srv_transport_read(&t, buf, sizeof buf), 4);
    srv_transport_close(&t);
    close(peer);
}

static void test_close_closes_the_socket(void)
{
    srv_transport_t t;
    int peer;
    plain_pair(&t, &peer);
    int fd = t.fd;
    srv_transport_close(&t);
    CHECK_INT_EQ(t.fd, -1);
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    close(peer);
}

static void test_events_wake_what_each_direction_waits_for(void)
{
    srv_transport_t t = { .ops = &srv_transport_plain };
    t.read_wants_write = true;        /* a TLS read that must write first */
    srv_transport_events(&t, EPOLLIN);
    CHECK(t.can_read && !t.can_write && t.read_wants_write);
    t.can_read = false;
    srv_transport_events(&t, EPOLLOUT);
    CHECK(t.can_write && t.can_read && !t.read_wants_write);

    t = (srv_transport_t){ .ops = &srv_transport_plain, .write_wants_read = true };
    srv_transport_events(&t, EPOLLIN);
    CHECK(t.can_read && t.can_write && !t.write_wants_read);

    t = (srv_transport_t){ .ops = &srv_transport_plain };
    srv_transport_events(&t, EPOLLHUP);
    CHECK(t.can_read && t.can_write && t.peer_closed);
}

/* A transport that holds decrypted input, as the TLS one does. */
static bool holds_input(const srv_transport_t *t)
{
    (void)t;
    return true;
}

static void test_pending_input_keeps_it_readable(void)
{
    srv_transport_ops_t ops = srv_transport_plain;
    ops.has_pending_input = holds_input;
    srv_transport_t t = { .ops = &ops, .can_read = false };
    CHECK(srv_transport_readable(&t));
    t.ops = &srv_transport_plain;
    CHECK(!srv_transport_readable(&t));
    t.can_read = true;
    CHECK(srv_transport_readable(&t));
}

int main(void)
{
    RUN(test_start_is_ready_both_ways);
    RUN(test_read_short_full_again_and_end);
    RUN(test_writev_gathers_and_says_again_when_full);
    RUN(test_sendfile_moves_the_range_and_sees_a_short_file);
    RUN(test_shutdown_ends_our_side_and_keeps_reading);
    RUN(test_close_closes_the_socket);
    RUN(test_events_wake_what_each_direction_waits_for);
    RUN(test_pending_input_keeps_it_readable);
    return testing_done();
}
