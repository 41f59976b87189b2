/* The encoders of a log entry (json, console) and where its line goes
 * (log.h). */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "route/log.h"

static int route__json_str(ifr_buf_t *b, ifr_str_t s) { return ifr_json_append_string(b, s); }

static int route__encode_fields(ifr_buf_t *b, const route_lf_t *obj, bool first)
{
    int rc = 0;
    for (uint32_t i = 0; i < obj->n && rc == 0; i++) {
        const route_lf_t *f = &obj->kids[i];
        if (f->skip) continue;
        if (!first) rc |= ifr_buf_append_byte(b, ',');
        first = false;
        rc |= route__json_str(b, f->key);
        rc |= ifr_buf_append_byte(b, ':');
        switch (f->kind) {
        case ROUTE_LF_STR: rc |= route__json_str(b, f->str); break;
        case ROUTE_LF_RAW: rc |= ifr_buf_append_str(b, f->str); break;
        case ROUTE_LF_STRS:
            rc |= ifr_buf_append_byte(b, '[');
            for (uint32_t k = 0; k < f->n; k++) {
                if (k) rc |= ifr_buf_append_byte(b, ',');
                rc |= route__json_str(b, f->strs[k]);
            }
            rc |= ifr_buf_append_byte(b, ']');
            break;
        case ROUTE_LF_OBJ:
            rc |= ifr_buf_append_byte(b, '{');
            rc |= route__encode_fields(b, f, true);
            rc |= ifr_buf_append_byte(b, '}');
            break;
        }
    }
    return rc ? -1 : 0;
}

static bool route__has_fields(const route_lf_t *obj)
{
    for (uint32_t i = 0; i < obj->n; i++)
        if (!obj->kids[i].skip) return true;
    return false;
}

int route_log_encode(route_log_format_t fmt, const route_log_entry_t *e, ifr_buf_t *b)
{
    int rc = 0;
    long long sec = (long long)(e->ts_ns / 1000000000), nsec = (long long)(e->ts_ns % 1000000000);
    if (fmt == ROUTE_LOG_FMT_JSON) {
        /* zap's production JSON: level in lower case, ts in float seconds. */
        char lower[8];
        const char *up = route_log_level_names[e->level];
        size_t n = 0;
        for (; up[n] && n < sizeof lower - 1; n++) lower[n] = (char)(up[n] | 0x20);
        lower[n] = '\0';
        rc |= ifr_buf_printf(b, "{\"level\":\"%s\",\"ts\":%lld.%06lld,\"logger\":", lower, sec, nsec / 1000);
        rc |= route__json_str(b, e->logger);
        rc |= ifr_buf_append_cstr(b, ",\"msg\":");
        rc |= route__json_str(b, e->msg);
        rc |= route__encode_fields(b, &e->fields, false);
        rc |= ifr_buf_append_cstr(b, "}\n");
        return rc ? -1 : 0;
    }
    /* Console, as Caddy sets zap's up: wall time in milliseconds (UTC),
     * the level in capitals, the logger, the message, then the fields as
     * one JSON object, separated by tabs. */
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    rc |= ifr_buf_printf(b, "%04d/%02d/%02d %02d:%02d:%02d.%03lld\t%s\t", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nsec / 1000000,
                         route_log_level_names[e->level]);
    rc |= ifr_buf_append_str(b, e->logger);
    rc |= ifr_buf_append_byte(b, '\t');
    rc |= ifr_buf_append_str(b, e->msg);
    if (route__has_fields(&e->fields)) {
        rc |= ifr_buf_append_cstr(b, "\t{");
        rc |= route__encode_fields(b, &e->fields, true);
        rc |= ifr_buf_append_byte(b, '}');
    }
    rc |= ifr_buf_append_byte(b, '\n');
    return rc ? -1 : 0;
}

/* A copy of the tree filters can change without touching the original
 * (another logger may take the same entry). */
static int route__copy(ifr_arena_t *a, const route_lf_t *from, route_lf_t *to)
{
    *to = *from;
    if (from->kind != ROUTE_LF_OBJ || !from->n) return 0;
    to->kids = ifr_arena_alloc(a, from->n * sizeof(route_lf_t));
    if (!to->kids) return -1;
    for (uint32_t i = 0; i < from->n; i++)
        if (route__copy(a, &from->kids[i], &to->kids[i])) return -1;
    return 0;
}

static void route__write_fd(int fd, const char *p, size_t n)
{
    /* One write per line: lines from several workers never interleave. */
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += (size_t)w;
    }
}

void route_log_emit(const route_log_conf_t *c, ifr_arena_t *a, const route_log_entry_t *e)
{
    if (c->out == ROUTE_LOG_OUT_DISCARD || e->level < c->level) return;
    /* After the level, as zap's sampler: only entries the level lets through count. */
    if (!route_log_sample_keep(c->sampler, e->level, e->msg)) return;
    route_log_entry_t filtered;
    if (c->filters) {
        filtered = *e;
        if (route__copy(a, &e->fields, &filtered.fields)) return;
        route_log_filters_apply(a, c->filters, &filtered);
        e = &filtered;
    }
    ifr_buf_t b = IFR_BUF_INIT;
    if (route_log_encode(c->format, e, &b) == 0) {
        if (c->out == ROUTE_LOG_OUT_FILE) route_log_file_write(c->sink, b.data, b.len);
        else route__write_fd(c->out == ROUTE_LOG_OUT_STDOUT ? STDOUT_FILENO : STDERR_FILENO, b.data, b.len);
    }
    ifr_buf_free(&b);
}
