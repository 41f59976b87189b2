/* A function on Gojinn's host module, declared as Gojinn's Go SDK declares
 * it (host_kv_get returning i32). The request body is one command:
 *   set KEY VALUE    host_kv_set, prints "ok"
 *   get KEY          host_kv_get into a 4 KiB buffer: the value, or "absent"
 *   getcut KEY N     host_kv_get into an N-byte buffer: what came back and its length
 *   incr KEY         reads a decimal counter, adds one, stores it, prints it
 *   lincr KEY        incr under host_mutex_lock on "KEY.lock" (tried again after a
 *                    sched_yield while another request holds it): exact under concurrency
 *   enqueue NAME PAYLOAD  host_enqueue: prints what it returned (0 queued)
 *   failonce KEY     incr KEY; fails (exit 5) when that made it 1, else prints "ok"
 *   fail             fails (exit 5)
 *   setbig KEY N     stores a value of N bytes 'x' (over 1 MiB is refused)
 *   lock KEY TTL     host_mutex_lock: 1 or 0
 *   unlock KEY       host_mutex_unlock: 1 or 0
 *   fetch URL        host_http_get into a 64 KiB buffer: the body's length, then the body
 *   log TEXT         host_log at level 1
 *   badptr           host_kv_get with a buffer past the end of memory (traps)
 *   badlen           host_kv_set with a value length of 2 GiB (traps)
 *   badenqueue       host_enqueue with a payload length of 2 GiB (traps) */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOJINN(n) __attribute__((import_module("gojinn"), import_name(n)))
GOJINN("host_log") void host_log(uint32_t level, const char *p, uint32_t n);
GOJINN("host_kv_set") void host_kv_set(const char *k, uint32_t kl, const char *v, uint32_t vl);
GOJINN("host_kv_get") uint32_t host_kv_get(const char *k, uint32_t kl, char *out, uint32_t max);
GOJINN("host_mutex_lock") uint32_t host_mutex_lock(const char *k, uint32_t kl, uint32_t ttl);
GOJINN("host_mutex_unlock") uint32_t host_mutex_unlock(const char *k, uint32_t kl);
GOJINN("host_http_get") uint64_t host_http_get(const char *u, uint32_t ul, char *out, uint32_t max);
GOJINN("host_enqueue") uint32_t host_enqueue(const char *m, uint32_t ml, const char *p, uint32_t pl);

static char body[8192];
static char buf[65536];

/* Run with `args record [SLOW_MS]` (a cron's job): counts its runs in
 * "runs", keeps its stdin in "event", and notes "overlap" if another run
 * was inside at the same time (it takes SLOW_MS, sleeping). */
static int record(const char *slow_ms)
{
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    host_kv_set("event", 5, body, (uint32_t)n);
    uint32_t got = host_kv_get("inside", 6, buf, 32);
    if (got != 0xFFFFFFFFu && got == 1 && buf[0] == '1') host_kv_set("overlap", 7, "yes", 3);
    host_kv_set("inside", 6, "1", 1);
    if (slow_ms) usleep((useconds_t)atoi(slow_ms) * 1000);
    got = host_kv_get("runs", 4, buf, 32);
    long v = got == 0xFFFFFFFFu ? 0 : strtol((buf[got < 32 ? got : 31] = '\0', buf), NULL, 10);
    int len = snprintf(buf, sizeof buf, "%ld", v + 1);
    host_kv_set("runs", 4, buf, (uint32_t)len);
    host_kv_set("inside", 6, "0", 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "record")) return record(argc > 2 ? argv[2] : NULL);
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    char *cmd = strtok(body, " "), *a = strtok(NULL, " "), *b = strtok(NULL, "");
    if (!cmd) return 2;
    if (!strcmp(cmd, "set") && a && b) {
        host_kv_set(a, strlen(a), b, strlen(b));
        printf("ok");
    } else if (!strcmp(cmd, "get") && a) {
        uint32_t got = host_kv_get(a, strlen(a), buf, 4096);
        if (got == 0xFFFFFFFFu) printf("absent");
        else printf("%.*s", (int)got, buf);
    } else if (!strcmp(cmd, "getcut") && a && b) {
        uint32_t got = host_kv_get(a, strlen(a), buf, (uint32_t)atoi(b));
        printf("%u:%.*s", got, (int)(got == 0xFFFFFFFFu ? 0 : got), buf);
    } else if (!strcmp(cmd, "incr") && a) {
        uint32_t got = host_kv_get(a, strlen(a), buf, 32);
        long v = got == 0xFFFFFFFFu ? 0 : strtol((buf[got < 32 ? got : 31] = '\0', buf), NULL, 10);
        int len = snprintf(buf, sizeof buf, "%ld", v + 1);
        host_kv_set(a, strlen(a), buf, (uint32_t)len);
        printf("%ld", v + 1);
    } else if (!strcmp(cmd, "lincr") && a) {
        char lock[64];
        int ll = snprintf(lock, sizeof lock, "%s.lock", a);
        int tries = 0;
        while (host_mutex_lock(lock, (uint32_t)ll, 10) != 1)
            if (++tries > 1000000 || sched_yield() != 0) return 4;
        uint32_t got = host_kv_get(a, strlen(a), buf, 32);
        long v = got == 0xFFFFFFFFu ? 0 : strtol((buf[got < 32 ? got : 31] = '\0', buf), NULL, 10);
        int len = snprintf(buf, sizeof buf, "%ld", v + 1);
        host_kv_set(a, strlen(a), buf, (uint32_t)len);
        host_mutex_unlock(lock, (uint32_t)ll);
        printf("%ld", v + 1);
    } else if (!strcmp(cmd, "enqueue") && a && b) {
        printf("%u", host_enqueue(a, strlen(a), b, strlen(b)));
    } else if (!strcmp(cmd, "failonce") && a) {
        uint32_t got = host_kv_get(a, strlen(a), buf, 32);
        long v = got == 0xFFFFFFFFu ? 0 : strtol((buf[got < 32 ? got : 31] = '\0', buf), NULL, 10);
        int len = snprintf(buf, sizeof buf, "%ld", v + 1);
        host_kv_set(a, strlen(a), buf, (uint32_t)len);
        if (v + 1 == 1) return 5;
        printf("ok");
    } else if (!strcmp(cmd, "fail")) {
        return 5;
    } else if (!strcmp(cmd, "setbig") && a && b) {
        size_t size = (size_t)atol(b);
        char *v = malloc(size);
        if (!v) return 3;
        memset(v, 'x', size);
        host_kv_set(a, strlen(a), v, (uint32_t)size);
        printf("ok");
    } else if (!strcmp(cmd, "lock") && a && b) {
        printf("%u", host_mutex_lock(a, strlen(a), (uint32_t)atoi(b)));
    } else if (!strcmp(cmd, "unlock") && a) {
        printf("%u", host_mutex_unlock(a, strlen(a)));
    } else if (!strcmp(cmd, "fetch") && a) {
        uint64_t got = host_http_get(a, strlen(a), buf, sizeof buf);
        printf("%llu:%.*s", (unsigned long long)got, (int)got, buf);
    } else if (!strcmp(cmd, "log") && a) {
        size_t len = strlen(a) + (b ? strlen(b) + 1 : 0);
        if (b) a[strlen(a)] = ' ';
        host_log(1, a, (uint32_t)len);
        printf("logged");
    } else if (!strcmp(cmd, "badptr")) {
        host_kv_get("k", 1, (char *)(uintptr_t)0xFFFFFF00u, 4096);
        printf("not trapped");
    } else if (!strcmp(cmd, "badlen")) {
        host_kv_set("k", 1, buf, 0x80000000u);
        printf("not trapped");
    } else if (!strcmp(cmd, "badenqueue")) {
        host_enqueue("w.wasm", 6, buf, 0x80000000u);
        printf("not trapped");
    } else {
        return 2;
    }
    return 0;
}
