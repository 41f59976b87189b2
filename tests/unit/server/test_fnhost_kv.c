/* The functions' KV store on SQLite (server/srv_fnhost_kv.c) through the
 * backend table src/fn calls: values, namespaces, TTLs, locks, a store
 * opened twice being one store, the file under the data directory, and
 * writes reaching the file (srv_fnhost_kv_flush_all, as at a stop). */
#define TEST_SUITE "server/fnhost_kv"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "server/srv_fnhost.h"
#include "testing.h"

static fn_host_backend_t b;
static fn_kv_store_t *store;
static char dir[] = "/tmp/ifrit-test-kv-XXXXXX";

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int get(const char *ns, const char *key, char *out, size_t cap, size_t *len)
{
    return b.kv_get(store, ifr_cstr(ns), ifr_cstr(key), out, cap, len);
}

static void test_open(void)
{
    char why[300];
    store = b.kv_open(dir, why, sizeof why);
    CHECK(store != NULL);
    CHECK(b.kv_open(dir, why, sizeof why) == store);   /* one store per file, shared */
    char path[512];
    snprintf(path, sizeof path, "%s/functions/kv.sqlite3", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(b.kv_open("/proc/no/such/place", why, sizeof why) == NULL && strstr(why, "/proc/no/such/place"));
}

static void test_values_and_namespaces(void)
{
    char out[64];
    size_t len = 0;
    CHECK(get("a", "k", out, sizeof out, &len) == 0);
    CHECK(b.kv_set(store, IFR_LIT("a"), IFR_LIT("k"), IFR_LIT("value one"), 0) == 0);
    CHECK(get("a", "k", out, sizeof out, &len) == 1 && len == 9 && memcmp(out, "value one", 9) == 0);
    CHECK(get("b", "k", out, sizeof out, &len) == 0);   /* another namespace */
    CHECK(b.kv_set(store, IFR_LIT("a"), IFR_LIT("k"), IFR_LIT("two"), 0) == 0);
    CHECK(get("a", "k", out, sizeof out, &len) == 1 && len == 3 && memcmp(out, "two", 3) == 0);
    /* A short buffer gets the first bytes and the whole length. */
    memset(out, 0, sizeof out);
    CHECK(get("a", "k", out, 2, &len) == 1 && len == 3 && memcmp(out, "tw", 2) == 0 && out[2] == 0);
    /* Binary keys and values, an empty value. */
    CHECK(b.kv_set(store, IFR_LIT("a"), ifr_str("k\0x", 3), ifr_str("\0\1\2", 3), 0) == 0);
    CHECK(get("a", "k", out, sizeof out, &len) == 1 && len == 3);
    CHECK(b.kv_get(store, IFR_LIT("a"), ifr_str("k\0x", 3), out, sizeof out, &len) == 1 && len == 3 && out[2] == 2);
    CHECK(b.kv_set(store, IFR_LIT("a"), IFR_LIT("empty"), IFR_LIT(""), 0) == 0);
    CHECK(get("a", "empty", out, sizeof out, &len) == 1 && len == 0);
    CHECK(b.kv_delete(store, IFR_LIT("a"), IFR_LIT("k")) == 1);
    CHECK(b.kv_delete(store, IFR_LIT("a"), IFR_LIT("k")) == 0);
    CHECK(get("a", "k", out, sizeof out, &len) == 0);
}

static void test_ttl(void)
{
    char out[8];
    size_t len;
    CHECK(b.kv_set(store, IFR_LIT("t"), IFR_LIT("k"), IFR_LIT("v"), 30) == 0);
    CHECK(b.kv_set(store, IFR_LIT("t"), IFR_LIT("keep"), IFR_LIT("v"), 0) == 0);
    int rounds = 0;
    while (get("t", "k", out, sizeof out, &len) == 1 && rounds++ < 200) sleep_ms(10);
    CHECK(get("t", "k", out, sizeof out, &len) == 0);
    CHECK(get("t", "keep", out, sizeof out, &len) == 1);
    CHECK(b.kv_delete(store, IFR_LIT("t"), IFR_LIT("k")) == 0);   /* an expired key is not there to delete */
}

static void test_locks(void)
{
    CHECK(b.lock(store, IFR_LIT("n"), IFR_LIT("L"), 0) == 1);
    CHECK(b.lock(store, IFR_LIT("n"), IFR_LIT("L"), 0) == 0);
    CHECK(b.lock(store, IFR_LIT("m"), IFR_LIT("L"), 0) == 1);   /* per namespace */
    CHECK(b.unlock(store, IFR_LIT("n"), IFR_LIT("L")) == 1);
    CHECK(b.unlock(store, IFR_LIT("n"), IFR_LIT("L")) == 0);
    CHECK(b.lock(store, IFR_LIT("n"), IFR_LIT("E"), 30) == 1);
    CHECK(b.lock(store, IFR_LIT("n"), IFR_LIT("E"), 30) == 0);
    int rounds = 0;
    while (b.lock(store, IFR_LIT("n"), IFR_LIT("E"), 0) == 0 && rounds++ < 200) sleep_ms(10);
    CHECK(rounds <= 200);                                        /* taken again once expired */
    CHECK(b.lock(store, IFR_LIT("n"), IFR_LIT("E"), 30) == 0);   /* now held with no TTL */
    /* Locks and values are apart: a lock is no key. */
    char out[4];
    size_t len;
    CHECK(b.kv_get(store, IFR_LIT("n"), IFR_LIT("E"), out, sizeof out, &len) == 0);
}

/* The value of ns/key as the file has it, read by a connection of its own
 * ("" with *found false when absent). */
static void file_value(const char *ns, const char *key, char *out, size_t cap, bool *found)
{
    char path[512];
    snprintf(path, sizeof path, "%s/functions/kv.sqlite3", dir);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    *found = false;
    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE ns = ?1 AND key = ?2", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, key, (int)strlen(key), SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *found = true;
            snprintf(out, cap, "%.*s", sqlite3_column_bytes(st, 0), (const char *)sqlite3_column_blob(st, 0));
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_writes_reach_the_file(void)
{
    char v[64];
    bool found;
    CHECK(b.kv_set(store, IFR_LIT("d"), IFR_LIT("k"), IFR_LIT("first"), 0) == 0);
    CHECK(b.kv_set(store, IFR_LIT("d"), IFR_LIT("k"), IFR_LIT("second"), 0) == 0);
    CHECK(b.kv_set(store, IFR_LIT("d"), IFR_LIT("gone"), IFR_LIT("x"), 0) == 0);
    srv_fnhost_kv_flush_all();
    file_value("d", "k", v, sizeof v, &found);
    CHECK(found && !strcmp(v, "second"));
    file_value("d", "gone", v, sizeof v, &found);
    CHECK(found);
    CHECK(b.kv_delete(store, IFR_LIT("d"), IFR_LIT("gone")) == 1);
    srv_fnhost_kv_flush_all();
    file_value("d", "gone", v, sizeof v, &found);
    CHECK(!found);
    /* The thread commits on its own too (within about 10 ms; waited for
     * here up to 2 s). */
    CHECK(b.kv_set(store, IFR_LIT("d"), IFR_LIT("later"), IFR_LIT("by the thread"), 0) == 0);
    for (int i = 0; i < 200; i++) {
        file_value("d", "later", v, sizeof v, &found);
        if (found) break;
        sleep_ms(10);
    }
    CHECK(found && !strcmp(v, "by the thread"));
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    srv_fnhost_kv_fill(&b);
    RUN(test_open);
    if (store) {
        RUN(test_values_and_namespaces);
        RUN(test_ttl);
        RUN(test_locks);
        RUN(test_writes_reach_the_file);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    return testing_done();
}
