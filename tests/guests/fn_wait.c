/* Waits inside WASI calls, chosen by the query string (issue 14, item 2):
 *   sleep=MS   sleeps MS milliseconds (nanosleep: poll_oneoff on a clock),
 *              then answers "slept MS"
 *   yield=MS   calls sched_yield until MS milliseconds have passed on the
 *              monotonic clock, then answers "yielded N times"
 * Before waiting it logs "waiting" to stderr, so a test can tell the guest
 * is inside its wait. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    const char *q = getenv("QUERY_STRING");
    if (!q) q = "";
    long ms = 0;
    if (!strncmp(q, "sleep=", 6)) {
        ms = atol(q + 6);
        fprintf(stderr, "waiting\n");
        struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&t, NULL);
        printf("slept %ld\n", ms);
        return 0;
    }
    if (!strncmp(q, "yield=", 6)) {
        ms = atol(q + 6);
        fprintf(stderr, "waiting\n");
        long long end = now_ms() + ms;
        unsigned long n = 0;
        while (now_ms() < end) {
            sched_yield();
            n++;
        }
        printf("yielded %lu times\n", n);
        return 0;
    }
    printf("nothing to wait for\n");
    return 0;
}
