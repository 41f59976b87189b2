/* Sending one file: validators (ETag, Last-Modified), conditional requests
 * (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
 * If-Range), byte ranges (one range, or several as multipart/byteranges),
 * precompressed siblings (.br, .zst, .gz) and the MIME type. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "http/message.h"
#include "route/file_server.h"
#include "route/negotiate.h"
#include "route/response.h"
#include "route/state.h"

#define ROUTE__MAX_RANGES 16

typedef struct {
    uint64_t start, len;
} route__range_t;

/* Caddy's ETag: mtime in nanoseconds and size, both base 36. */
static void route__etag(const struct stat *st, char *buf)
{
    uint64_t v[2] = { (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec,
                      (uint64_t)st->st_size };
    size_t n = 0;
    buf[n++] = '"';
    for (int k = 0; k < 2; k++) {
        char tmp[16];
        size_t t = 0;
        uint64_t x = v[k];
        do { tmp[t++] = "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36]; x /= 36; } while (x);
        while (t) buf[n++] = tmp[--t];
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

/* Whether a list of entity tags (If-Match / If-None-Match) names etag.
 * weak: W/ prefixes are ignored (If-None-Match's weak comparison). */
static bool route__etag_listed(ifr_str_t list, ifr_str_t etag, bool weak)
{
    size_t p = 0;
    while (p < list.len) {
        while (p < list.len && (list.ptr[p] == ' ' || list.ptr[p] == ',')) p++;
        size_t st = p;
        while (p < list.len && list.ptr[p] != ',') p++;
        ifr_str_t t = ifr_str_sub(list, st, p);
        while (t.len && t.ptr[t.len - 1] == ' ') t.len--;
        if (ifr_str_eq_cstr(t, "*")) return true;
        bool tw = ifr_str_starts_with(t, IFR_LIT("W/"));
        if (tw) { if (!weak) continue; t = ifr_str_sub(t, 2, t.len); }
        if (ifr_str_eq(t, etag)) return true;
    }
    return false;
}

static ifr_str_t route__req_header(route_exchange_t *x, const char *name)
{
    const http_header_t *h = http_headers_get(&x->req->headers, ifr_cstr(name));
    return h ? h->value : IFR_NULL_STR;
}

/* Parses "bytes=a-b,c-,-n" against size. Returns the number of ranges,
 * 0 for "serve the whole file" (malformed, too many ranges, or ranges
 * adding up to more than the file: overlaps that would send parts of it
 * many times, where Go's ServeContent and nginx send it once), -1 for "not
 * satisfiable". */
static int route__parse_ranges(ifr_str_t h, uint64_t size, route__range_t *out)
{
    if (!ifr_str_starts_with(h, IFR_LIT("bytes="))) return 0;
    size_t p = 6;
    int n = 0;
    bool any = false;
    uint64_t sum = 0;
    while (p < h.len) {
        while (p < h.len && (h.ptr[p] == ' ' || h.ptr[p] == ',')) p++;
        if (p >= h.len) break;
        uint64_t a = 0, b = 0;
        bool has_a = false, has_b = false;
        bool fits_a, fits_b;
        size_t nd = ifr_str_digits(ifr_str_sub(h, p, h.len), &a, &fits_a);
        has_a = nd > 0;
        p += nd;
        if (!fits_a || p >= h.len || h.ptr[p++] != '-') return 0;
        nd = ifr_str_digits(ifr_str_sub(h, p, h.len), &b, &fits_b);
        has_b = nd > 0;
        p += nd;
        if (!fits_b) return 0;
        while (p < h.len && h.ptr[p] == ' ') p++;
        if (p < h.len && h.ptr[p] != ',') return 0;
        if (!has_a && !has_b) return 0;
        any = true;
        route__range_t r;
        if (!has_a) {              /* suffix: the last b bytes */
            if (b == 0) continue;
            if (b > size) b = size;
            r = (route__range_t){ size - b, b };
        } else {
            if (has_b && b < a) return 0;
            if (a >= size) continue;   /* this one is unsatisfiable; others may not be */
            uint64_t end = has_b && b < size ? b : size - 1;
            r = (route__range_t){ a, end - a + 1 };
        }
        if (n == ROUTE__MAX_RANGES) return 0;
        sum += r.len;   /* each len <= size: no overflow before the check */
        if (sum > size) return 0;
        out[n++] = r;
    }
    if (!any) return 0;
    return n == 0 ? -1 : n;
}

/* Sends [off, off+len) of fd as body bytes through a fixed buffer. Used
 * for the parts of a multipart answer: send_file would take fd away, and
 * wasi-libc has no dup(). */
static int route__send_part(route_exchange_t *x, int fd, uint64_t off, uint64_t len)
{
    char buf[16384];
    while (len > 0) {
        ssize_t n = pread(fd, buf, len < sizeof(buf) ? (size_t)len : sizeof(buf), (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || x->io->send_body(x, buf, (size_t)n, false) != 0) return -1;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* fd, unless the bytes came from the open-file cache (nothing open). */
static void route__file_close(int fd)
{
    if (fd >= 0) close(fd);
}

/* Sends [off, off+len) of the file as the last of the body: from the
 * cached bytes when there are (body.ptr), else from fd (taken over). */
static void route__send_span(route_exchange_t *x, int fd, ifr_str_t body, uint64_t off, uint64_t len)
{
    if (body.ptr) x->io->send_body(x, body.ptr + off, (size_t)len, true);
    else x->io->send_file(x, fd, (off_t)off, len, true);
}

/* Picks a precompressed sibling the client accepts; fills *fd and *sst. */
static const char *route__precompressed(route_exchange_t *x, const route_file_conf_t *c, const char *real,
                                       int *fd, struct stat *sst)
{
    static const struct { const char *coding, *ext; } exts[] = { { "br", ".br" }, { "zstd", ".zst" }, { "gzip", ".gz" } };
    for (size_t i = 0; i < c->precompressed.count; i++) {
        ifr_str_t coding = c->precompressed.items[i];
        if (route_accept_encoding_q(&x->req->headers, coding) <= 0) continue;
        for (size_t k = 0; k < 3; k++) {
            if (!ifr_str_eq_cstr(coding, exts[k].coding)) continue;
            char *sib = ifr_arena_printf(x->arena, "%s%s", real, exts[k].ext);
            /* O_NOFOLLOW: a sibling that is a symlink is never served;
             * O_NONBLOCK: one that is a FIFO must not block the worker in
             * open (it is then refused as not a regular file). */
            int sfd = sib ? open(sib, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) : -1;
            if (sfd < 0) continue;
            struct stat sb;
            if (fstat(sfd, &sb) == 0 && S_ISREG(sb.st_mode)) {
                *fd = sfd;
                *sst = sb;
                return exts[k].coding;
            }
            close(sfd);
        }
    }
    return NULL;
}

route_result_t route_file_send(route_exchange_t *x, const route_file_conf_t *c, const char *real,
                               const struct stat *st_in, int fd)
{
    http_headers_t *rh = &x->resp.headers;
    struct stat st = *st_in;
    int sib = -1;
    const char *coding = c->precompressed.count ? route__precompressed(x, c, real, &sib, &st) : NULL;
    if (coding) {
        route__file_close(fd);
        fd = sib;
    }
    if (c->precompressed.count && route_vary_add(x, IFR_LIT("Accept-Encoding")) != 0) {
        route__file_close(fd);
        return route_fail(x, 500, "out of memory");
    }
    /* The bytes the open-file cache holds, while they are still the ones
     * of the file stat'ed; else the file is opened again here. */
    ifr_str_t body = IFR_NULL_STR;
    if (fd == ROUTE_FS_IN_CACHE && !route_fs_cache_body(real, &st, &body)) fd = -1;
    if (fd == -1) {
        /* Found regular, but it may have been swapped for a FIFO since. */
        fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) return route_fail(x, errno == EACCES ? 403 : 404, "cannot open file");
        if (fstat(fd, &st) != 0) { close(fd); return route_fail(x, 500, "cannot stat file"); }
        if (!S_ISREG(st.st_mode)) { close(fd); return route_fail(x, 404, "not a regular file"); }
    }
    /* An unknown extension gets no Content-Type, as Caddy (which stops Go
     * from sniffing one): a guess could make a browser run what it is not. */
    const char *type = route_mime_type(ifr_cstr(real));
    char etag[40], lm[ROUTE_HTTP_DATE_SIZE];
    route__etag(&st, etag);
    route_http_date(st.st_mtim.tv_sec, lm);
    ifr_str_t etag_s = ifr_cstr(etag);
    if (c->etag_exts.count) {
        int got = route_file_etag_sidecar(x, c, real, coding, &etag_s);
        if (got < 0) {
            route__file_close(fd);
            return route_fail(x, 500, "cannot read the ETag sidecar file");
        }
        if (got > 0 || etag_s.len == 0) etag_s = ifr_cstr(etag);   /* none, or empty: Caddy's own */
    }
    if ((type && route_header_default(x, IFR_LIT("Content-Type"), ifr_cstr(type)) != 0) ||
        http_headers_set(rh, x->arena, IFR_LIT("ETag"), ifr_arena_str(x->arena, etag_s)) != 0 ||
        http_headers_set(rh, x->arena, IFR_LIT("Last-Modified"), ifr_arena_str(x->arena, ifr_cstr(lm))) != 0 ||
        (coding && http_headers_set(rh, x->arena, IFR_LIT("Content-Encoding"), ifr_cstr(coding)) != 0)) {
        route__file_close(fd);
        return route_fail(x, 500, "out of memory");
    }

    /* Preconditions, in RFC 9110 section 13.2.2 order. */
    time_t since;
    ifr_str_t im = route__req_header(x, "If-Match"), inm = route__req_header(x, "If-None-Match");
    ifr_str_t ius = route__req_header(x, "If-Unmodified-Since"), ims = route__req_header(x, "If-Modified-Since");
    if ((im.ptr && !route__etag_listed(im, etag_s, false)) ||
        (!im.ptr && ius.ptr && route_http_date_parse(ius, &since) && st.st_mtim.tv_sec > since)) {
        route__file_close(fd);
        return route_send_simple(x, 412, IFR_LIT(""));
    }
    bool not_modified = inm.ptr ? route__etag_listed(inm, etag_s, true)
                                : ims.ptr && route_http_date_parse(ims, &since) && st.st_mtim.tv_sec <= since;
    if (not_modified) {
        route__file_close(fd);
        /* As Go's ServeContent (so Caddy): the ETag stands for the file, so
         * Last-Modified goes, and so do the fields of a body not sent. */
        http_headers_remove(rh, IFR_LIT("Content-Type"));
        http_headers_remove(rh, IFR_LIT("Content-Encoding"));
        http_headers_remove(rh, IFR_LIT("Last-Modified"));
        x->resp.status = 304;
        x->resp.content_length = 0;
        if (x->io->send_head(x) == 0) x->io->send_body(x, NULL, 0, true);
        return ROUTE_DONE;
    }

    uint64_t size = (uint64_t)st.st_size;
    /* Inside handle_errors a file answers with the error's status (Caddy). */
    int status = c->status;
    route_state_t *rs = route_state(x);
    if (!status && rs && rs->in_errors && x->error_status) status = x->error_status;
    route__range_t ranges[ROUTE__MAX_RANGES];
    int nr = 0;
    ifr_str_t range = route__req_header(x, "Range"), ifrange = route__req_header(x, "If-Range");
    if (range.ptr && status == 0) {
        bool fresh = true;
        if (ifrange.ptr) {
            time_t d;
            fresh = ifrange.len && ifrange.ptr[0] == '"' ? ifr_str_eq(ifrange, etag_s)
                  : route_http_date_parse(ifrange, &d) && d == st.st_mtim.tv_sec;
        }
        if (fresh) nr = route__parse_ranges(range, size, ranges);
    }
    if (nr < 0) {
        /* The answer itself, not an error for handle_errors: Caddy's comes
         * from Go's ServeContent, with its text. */
        route__file_close(fd);
        char *cr = ifr_arena_printf(x->arena, "bytes */%" PRIu64, size);
        if (!cr || http_headers_set(rh, x->arena, IFR_LIT("Content-Range"), ifr_cstr(cr)) != 0 ||
            http_headers_set(rh, x->arena, IFR_LIT("Content-Type"), IFR_LIT("text/plain; charset=utf-8")) != 0 ||
            http_headers_set(rh, x->arena, IFR_LIT("X-Content-Type-Options"), IFR_LIT("nosniff")) != 0)
            return route_fail(x, 500, "out of memory");
        return route_send_simple(x, 416, IFR_LIT("invalid range: failed to overlap\n"));
    }
    if (http_headers_set(rh, x->arena, IFR_LIT("Accept-Ranges"), IFR_LIT("bytes")) != 0) {
        route__file_close(fd);
        return route_fail(x, 500, "out of memory");
    }
    bool head = ifr_str_eq_cstr(x->req->method, "HEAD");
    if (nr == 0) {
        x->resp.status = status ? status : 200;
        x->resp.content_length = (int64_t)size;
        if (x->io->send_head(x) != 0 || head || size == 0) {
            route__file_close(fd);
            if (head || size == 0) x->io->send_body(x, NULL, 0, true);
            return ROUTE_DONE;
        }
        route__send_span(x, fd, body, 0, size);
        return ROUTE_DONE;
    }
    x->resp.status = 206;
    if (nr == 1) {
        char *cr = ifr_arena_printf(x->arena, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, ranges[0].start,
                                    ranges[0].start + ranges[0].len - 1, size);
        if (!cr || http_headers_set(rh, x->arena, IFR_LIT("Content-Range"), ifr_cstr(cr)) != 0) {
            route__file_close(fd);
            return route_fail(x, 500, "out of memory");
        }
        x->resp.content_length = (int64_t)ranges[0].len;
        if (x->io->send_head(x) != 0 || head) {
            route__file_close(fd);
            if (head) x->io->send_body(x, NULL, 0, true);
            return ROUTE_DONE;
        }
        route__send_span(x, fd, body, ranges[0].start, ranges[0].len);
        return ROUTE_DONE;
    }
    /* Several ranges: multipart/byteranges with a boundary per response. */
    char boundary[40];
    snprintf(boundary, sizeof(boundary), "ifrit%016" PRIx64, x->id * 0x9e3779b97f4a7c15u ^ size);
    char *parts[ROUTE__MAX_RANGES];
    uint64_t total = 0;
    for (int i = 0; i < nr; i++) {
        parts[i] = ifr_arena_printf(x->arena, "%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n\r\n",
                                    i ? "\r\n" : "", boundary, type ? type : "", ranges[i].start,
                                    ranges[i].start + ranges[i].len - 1, size);
        if (!parts[i]) { route__file_close(fd); return route_fail(x, 500, "out of memory"); }
        total += strlen(parts[i]) + ranges[i].len;
    }
    char *tail = ifr_arena_printf(x->arena, "\r\n--%s--\r\n", boundary);
    char *ct = ifr_arena_printf(x->arena, "multipart/byteranges; boundary=%s", boundary);
    if (!tail || !ct || http_headers_set(rh, x->arena, IFR_LIT("Content-Type"), ifr_cstr(ct)) != 0) {
        route__file_close(fd);
        return route_fail(x, 500, "out of memory");
    }
    total += strlen(tail);
    x->resp.content_length = (int64_t)total;
    if (x->io->send_head(x) != 0 || head) {
        route__file_close(fd);
        if (head) x->io->send_body(x, NULL, 0, true);
        return ROUTE_DONE;
    }
    for (int i = 0; i < nr; i++) {
        if (x->io->send_body(x, parts[i], strlen(parts[i]), false) != 0 ||
            (body.ptr ? x->io->send_body(x, body.ptr + ranges[i].start, (size_t)ranges[i].len, false)
                      : route__send_part(x, fd, ranges[i].start, ranges[i].len)) != 0) {
            route__file_close(fd);
            return ROUTE_DONE;
        }
    }
    route__file_close(fd);
    x->io->send_body(x, tail, strlen(tail), true);
    return ROUTE_DONE;
}
