#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"

static ifr_log_level_t ifr__log_min = IFR_LOG_INFO;
static ifr_log_sink_cb ifr__log_sink;
static void *ifr__log_sink_ud;
static ifr_log_entry_cb ifr__log_entry_sink;
static void *ifr__log_entry_ud;

static const char *const ifr__log_level_names[] = { "debug", "info", "warn", "error" };

void ifr_log_set_level(ifr_log_level_t min) { ifr__log_min = min; }
ifr_log_level_t ifr_log_get_level(void) { return ifr__log_min; }

void ifr_log_set_sink(ifr_log_sink_cb sink, void *ud)
{
    ifr__log_sink = sink;
    ifr__log_sink_ud = ud;
}

void ifr_log_set_entry_sink(ifr_log_entry_cb sink, void *ud)
{
    ifr__log_entry_sink = sink;
    ifr__log_entry_ud = ud;
}

void ifr_log(ifr_log_level_t level, const char *logger, const char *fmt, ...)
{
    if (level < ifr__log_min) return;
    char msg[IFR_LOG_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    ifr_log_msg(level, logger, ifr_str(msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1));
}

void ifr_log_msg(ifr_log_level_t level, const char *logger, ifr_str_t msg)
{
    if (level < ifr__log_min) return;
    if (msg.len > IFR_LOG_MSG_MAX) msg.len = IFR_LOG_MSG_MAX;
    if (ifr__log_entry_sink && ifr__log_entry_sink(level, logger ? logger : "", msg, ifr__log_entry_ud)) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Fixed-size line: JSON escaping can at most sextuple the message. */
    char line[(IFR_LOG_MSG_MAX + 1) * 6 + 256];
    int head = snprintf(line, sizeof line, "{\"ts\":%lld.%06ld,\"level\":\"%s\",\"logger\":",
                        (long long)ts.tv_sec, ts.tv_nsec / 1000, ifr__log_level_names[level]);
    size_t len = (size_t)head;
    len += ifr_json_escape_to(line + len, sizeof line - len, ifr_cstr(logger ? logger : ""));
    len += (size_t)snprintf(line + len, sizeof line - len, ",\"msg\":");
    len += ifr_json_escape_to(line + len, sizeof line - len, msg);
    if (len + 3 > sizeof line) len = sizeof line - 3;
    line[len++] = '}';
    if (ifr__log_sink) {
        line[len] = '\0';
        ifr__log_sink(level, line, len, ifr__log_sink_ud);
        return;
    }
    line[len++] = '\n';
    /* One write per line so lines from several workers never interleave. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
