/* Clocks: monotonic never goes back, realtime is today-ish, a sleep (a
 * poll_oneoff clock subscription) lasts at least as long as asked, the
 * CPU-time clocks answer. Prints "ok" lines, or what was wrong. */
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return -1;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    int bad = 0;
    long long a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
    if (a < 0 || b < a) { printf("monotonic went back\n"); bad = 1; } else printf("monotonic ok\n");
    long long now = ns(CLOCK_REALTIME) / 1000000000LL;
    if (now < 1600000000LL) { printf("realtime %lld is in the past\n", now); bad = 1; } else printf("realtime ok\n");
    struct timespec res;
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || (res.tv_sec == 0 && res.tv_nsec == 0)) { printf("resolution bad\n"); bad = 1; }
    else printf("resolution ok\n");
    long long before = ns(CLOCK_MONOTONIC);
    struct timespec req = { 0, 20 * 1000000 };
    if (nanosleep(&req, NULL) != 0) { printf("nanosleep failed\n"); bad = 1; }
    long long slept = ns(CLOCK_MONOTONIC) - before;
    if (slept < 20 * 1000000) { printf("slept only %lld ns\n", slept); bad = 1; } else printf("sleep ok\n");
    if (ns(CLOCK_PROCESS_CPUTIME_ID) < 0 || ns(CLOCK_THREAD_CPUTIME_ID) < 0) { printf("cputime failed\n"); bad = 1; }
    else printf("cputime ok\n");
    return bad;
}
