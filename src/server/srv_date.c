/* The cached Date header value; see srv_date.h. */
#include "server/srv_date.h"

#include <time.h>

static _Thread_local time_t srv__date_second = -1;
static _Thread_local char srv__date_text[32];
static _Thread_local size_t srv__date_len;

ifr_str_t srv_date_now(void)
{
    struct timespec ts;
    /* The coarse clock is a memory read on Linux; a second's precision is
     * all the header carries. */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != srv__date_second) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        srv__date_len = strftime(srv__date_text, sizeof srv__date_text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        srv__date_second = ts.tv_sec;
    }
    return ifr_str(srv__date_text, srv__date_len);
}
