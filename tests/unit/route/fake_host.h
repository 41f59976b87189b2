/* A fake host for route unit tests: builds requests, dispatches them to a
 * plan and records the response the route layer sends through x->io. */
#ifndef IFRIT_TEST_FAKE_HOST_H
#define IFRIT_TEST_FAKE_HOST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/message.h"
#include "route/exchange.h"
#include "route/plan.h"

typedef struct {
    ifr_arena_t arena;
    http_request_t req;
    route_conn_info_t conn;
    route_exchange_t x;
    route_result_t result;
    int status;                /* as sent by send_head (or the bare error status) */
    http_headers_t headers;    /* as sent */
    char body[1 << 17];
    size_t body_len;
    bool ended;
} fake_t;

static inline int fake_send_head(route_exchange_t *x)
{
    fake_t *f = x->io_ctx;
    f->status = x->resp.status;
    f->headers = x->resp.headers;
    x->head_sent = true;
    return 0;
}

static inline int fake_send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    fake_t *f = x->io_ctx;
    if (len && f->body_len + len < sizeof(f->body)) {
        memcpy(f->body + f->body_len, data, len);
        f->body_len += len;
    }
    if (is_last) f->ended = true;
    return 0;
}

static inline int fake_send_file(route_exchange_t *x, int fd, off_t off, uint64_t len, bool is_last)
{
    fake_t *f = x->io_ctx;
    while (len > 0 && f->body_len + 1 < sizeof(f->body)) {
        size_t room = sizeof(f->body) - 1 - f->body_len;
        size_t want = len < room ? (size_t)len : room;
        ssize_t n = pread(fd, f->body + f->body_len, want, off);
        if (n <= 0) break;
        f->body_len += (size_t)n;
        off += n;
        len -= (uint64_t)n;
    }
    close(fd);
    if (is_last) f->ended = true;
    return 0;
}

static inline int fake_read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    (void)x; (void)cb; (void)ud;
    return -1;
}

static const route_io_t fake_io = { .send_head = fake_send_head, .send_body = fake_send_body,
                                    .send_file = fake_send_file, .read_body = fake_read_body };

/* Runs one request. hdrs: "Name: value" strings, NULL-terminated. */
static inline fake_t *fake_run(const route_plan_t *p, const char *method, const char *target, const char *host,
                        const char *const *hdrs)
{
    static uint64_t ids;
    fake_t *f = calloc(1, sizeof(*f));
    ifr_arena_init(&f->arena, 0);
    f->req.method = ifr_cstr(method);
    f->req.target = ifr_cstr(target);
    const char *q = strchr(target, '?');
    f->req.path = q ? ifr_str(target, (size_t)(q - target)) : ifr_cstr(target);
    f->req.query = q ? ifr_cstr(q + 1) : IFR_LIT("");
    f->req.version_major = 1;
    f->req.version_minor = 1;
    f->req.host = ifr_cstr(host);
    for (size_t i = 0; hdrs && hdrs[i]; i++) {
        const char *colon = strchr(hdrs[i], ':');
        const char *v = colon + 1;
        while (*v == ' ') v++;
        http_headers_add(&f->req.headers, &f->arena, ifr_str(hdrs[i], (size_t)(colon - hdrs[i])), ifr_cstr(v));
    }
    f->conn = (route_conn_info_t){ .remote_ip = IFR_LIT("127.0.0.1"), .remote_port = 5555,
                                   .local_ip = IFR_LIT("127.0.0.1"), .local_port = 8080 };
    f->x = (route_exchange_t){ .arena = &f->arena, .req = &f->req, .conn = &f->conn, .io = &fake_io,
                               .io_ctx = f, .id = ++ids };
    f->x.resp.content_length = -1;
    f->result = route_dispatch(p, &f->x);
    if (f->result == ROUTE_ERROR && !f->x.head_sent) f->status = f->x.error_status;
    f->body[f->body_len] = '\0';
    route_exchange_done(p, &f->x);
    return f;
}

static inline void fake_free(fake_t *f)
{
    ifr_arena_destroy(&f->arena);
    free(f);
}

/* The value of a sent header, or "" */
static inline const char *fake_header(fake_t *f, const char *name)
{
    const http_header_t *h = http_headers_get(&f->headers, ifr_cstr(name));
    if (!h) return "";
    return ifr_arena_strndup(&f->arena, h->value.ptr, h->value.len);
}

static inline route_plan_t *plan_from(const char *text)
{
    cfg_error_t err;
    route_plan_t *p = route_plan_load_text(text, strlen(text), "test.caddy", &err);
    if (!p) printf("# plan error: %s:%d:%d: %s\n", err.file, err.line, err.col, err.message);
    return p;
}

#endif
