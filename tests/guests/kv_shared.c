// cflags: -Iinclude
/* A counter on ifrit's host module for a KV store several servers share
 * (tests/e2e/test_kv_redis.py). The request body is one command:
 *   incr KEY    under lock "KEY.lock" (TTL 10 s; a held lock is tried
 *               again after a sched_yield, for up to 20 s): reads the
 *               decimal count, stores one more and prints it. A failure
 *               prints "err STEP CODE" instead (STEP lock, get or set: the
 *               count is unchanged, except that a set whose answer was lost
 *               may have been applied); a failed unlock after the set
 *               prints "N unlock CODE" (the count is N). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ifrit_host.h"

static char body[4096];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void incr(const char *key)
{
    char lock[128], buf[32];
    int ll = snprintf(lock, sizeof lock, "%s.lock", key);
    double give_up = now_s() + 20;
    int32_t e;
    while ((e = ifrit_lock(lock, (uint32_t)ll, 10000)) == IFRIT_HOST_BUSY && now_s() < give_up) sched_yield();
    if (e) {
        printf("err lock %d", e);
        return;
    }
    uint32_t len = 0;
    long v = 0;
    e = ifrit_kv_get(key, strlen(key), buf, sizeof buf - 1, &len);
    if (e == IFRIT_HOST_OK) {
        buf[len] = '\0';
        v = strtol(buf, NULL, 10);
    } else if (e != IFRIT_HOST_NOT_FOUND) {
        ifrit_unlock(lock, (uint32_t)ll);
        printf("err get %d", e);
        return;
    }
    int n = snprintf(buf, sizeof buf, "%ld", v + 1);
    if ((e = ifrit_kv_set(key, strlen(key), buf, (uint32_t)n, 0)) != 0) {
        ifrit_unlock(lock, (uint32_t)ll);
        printf("err set %d", e);
        return;
    }
    e = ifrit_unlock(lock, (uint32_t)ll);
    if (e) printf("%ld unlock %d", v + 1, e);
    else printf("%ld", v + 1);
}

int main(void)
{
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    char *cmd = strtok(body, " "), *a = strtok(NULL, " ");
    if (!cmd || !a) return 2;
    if (!strcmp(cmd, "incr")) incr(a);
    else return 2;
    return 0;
}
