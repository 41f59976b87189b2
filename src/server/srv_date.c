/* The cached Date header value; see srv_date.h. */
#include "server/srv_date.h"

#include <time.h>

static _Thread_local time_t date_second = -1;
static _Thread_local char date_text[32];
static _Thread_local size_t date_len;

ifr_str_t srv_date_now(void)
{
    struct timespec ts;
    /* The coarse clock is a memory read on Linux; a second's precision is
     * all the header carries. */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != date_second) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        date_len = strftime(date_text, sizeof date_text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        date_second = ts.tv_sec;
    }
    return ifr_str(date_text, date_len);
}
