/* The KV store's memory (server/srv_fnhost_kv_cache.c) over a fake file
 * (a small table here, counting its reads): hits never read the file, a
 * miss reads it once (absence too), writes wait until a batch taken from
 * them is done, a write made again after its batch was taken keeps
 * waiting, eviction past the byte bound drops only entries no write waits
 * on, TTLs, deletes, and many threads writing and reading at once. */
#define TEST_SUITE "server/fnhost_kv_cache"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_fnhost_kv_cache.h"
#include "testing.h"

/* The fake file: up to 64 rows of ns/key/value. */
typedef struct {
    char ns[32], key[32], value[32];
    int64_t expires;
    bool used;
} row_t;
static row_t file_rows[64];
static int file_reads;
static bool file_broken;

static row_t *file_find(ifr_str_t ns, ifr_str_t key)
{
    for (int i = 0; i < 64; i++)
        if (file_rows[i].used && strlen(file_rows[i].ns) == ns.len && !memcmp(file_rows[i].ns, ns.ptr, ns.len) &&
            strlen(file_rows[i].key) == key.len && !memcmp(file_rows[i].key, key.ptr, key.len))
            return &file_rows[i];
    return NULL;
}

static void file_put(const char *ns, const char *key, const char *value, int64_t expires)
{
    row_t *r = file_find(ifr_cstr(ns), ifr_cstr(key));
    for (int i = 0; !r && i < 64; i++)
        if (!file_rows[i].used) r = &file_rows[i];
    if (!r) return;
    snprintf(r->ns, sizeof r->ns, "%s", ns);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->value, sizeof r->value, "%s", value);
    r->expires = expires;
    r->used = true;
}

static int file_load(void *ud, ifr_str_t ns, ifr_str_t key, int64_t now, srv_kv_loaded_t *out)
{
    (void)ud;
    file_reads++;
    if (file_broken) return -1;
    row_t *r = file_find(ns, key);
    if (!r || (r->expires && r->expires <= now)) return 0;
    out->len = strlen(r->value);
    out->value = out->len ? malloc(out->len) : NULL;
    memcpy(out->value, r->value, out->len);
    out->expires = r->expires;
    return 1;
}

/* Takes every waiting write, applies it to the fake file, marks it done. */
static size_t flush(srv_kv_cache_t *c)
{
    srv_kv_batch_t b = { 0 };
    CHECK(srv_kv_cache_take(c, &b, 1 << 20) == 0);
    for (size_t i = 0; i < b.n; i++) {
        srv_kv_write_t *w = &b.w[i];
        char ns[32], key[32], value[32];
        snprintf(ns, sizeof ns, "%.*s", (int)w->ns_len, (char *)w->bytes);
        snprintf(key, sizeof key, "%.*s", (int)w->key_len, (char *)w->bytes + w->ns_len);
        snprintf(value, sizeof value, "%.*s", (int)w->value_len, (char *)w->bytes + w->ns_len + w->key_len);
        if (w->present) file_put(ns, key, value, w->expires);
        else if (file_find(ifr_cstr(ns), ifr_cstr(key))) file_find(ifr_cstr(ns), ifr_cstr(key))->used = false;
    }
    srv_kv_cache_done(c, &b);
    size_t n = b.n;
    srv_kv_batch_free(&b);
    return n;
}

static int get(srv_kv_cache_t *c, const char *ns, const char *key, char *out, int64_t now)
{
    size_t len = 0;
    memset(out, 0, 32);
    int rc = srv_kv_cache_get(c, ifr_cstr(ns), ifr_cstr(key), out, 31, &len, now);
    if (rc == 1 && len < 32) out[len] = '\0';
    return rc;
}

static void reset_file(void)
{
    memset(file_rows, 0, sizeof file_rows);
    file_reads = 0;
    file_broken = false;
}

static void test_hits_do_not_read_the_file(void)
{
    reset_file();
    file_put("a", "k", "from file", 0);
    srv_kv_cache_t *c = srv_kv_cache_new(1 << 20, 1 << 20, file_load, NULL);
    char out[32];
    CHECK(get(c, "a", "k", out, 1) == 1 && !strcmp(out, "from file"));
    CHECK(get(c, "a", "k", out, 1) == 1 && !strcmp(out, "from file"));
    CHECK(get(c, "a", "nope", out, 1) == 0);
    CHECK(get(c, "a", "nope", out, 1) == 0);   /* absence is kept too */
    CHECK(get(c, "b", "k", out, 1) == 0);      /* another namespace */
    CHECK_INT_EQ(file_reads, 3);
    /* A short buffer gets the first bytes and the whole length. */
    size_t len = 0;
    char small[4] = { 0 };
    CHECK(srv_kv_cache_get(c, IFR_LIT("a"), IFR_LIT("k"), small, 2, &len, 1) == 1 && len == 9 && !memcmp(small, "fr", 2) &&
          small[2] == 0);
    /* A file that cannot be read: the miss fails and nothing is kept. */
    file_broken = true;
    CHECK(get(c, "a", "other", out, 1) == -1);
    file_broken = false;
    CHECK(get(c, "a", "other", out, 1) == 0);
    srv_kv_cache_free(c);
}

static void test_writes_wait_until_done(void)
{
    reset_file();
    srv_kv_cache_t *c = srv_kv_cache_new(1 << 20, 1 << 20, file_load, NULL);
    char out[32];
    CHECK(srv_kv_cache_set(c, IFR_LIT("a"), IFR_LIT("k"), IFR_LIT("one"), 0) == 0);
    CHECK(get(c, "a", "k", out, 1) == 1 && !strcmp(out, "one"));
    CHECK_INT_EQ(file_reads, 0);                /* a set never reads the file */
    CHECK(file_find(IFR_LIT("a"), IFR_LIT("k")) == NULL);
    CHECK_INT_EQ(srv_kv_cache_waiting(c), 1);
    CHECK_INT_EQ(flush(c), 1);
    CHECK_INT_EQ(srv_kv_cache_waiting(c), 0);
    CHECK(file_find(IFR_LIT("a"), IFR_LIT("k")) && !strcmp(file_find(IFR_LIT("a"), IFR_LIT("k"))->value, "one"));
    CHECK_INT_EQ(flush(c), 0);                  /* nothing waits any more */

    /* Written again between take and done: it keeps waiting, and the
     * next batch carries the newer value. */
    srv_kv_batch_t b = { 0 };
    CHECK(srv_kv_cache_set(c, IFR_LIT("a"), IFR_LIT("k"), IFR_LIT("two"), 0) == 0);
    CHECK(srv_kv_cache_take(c, &b, 1 << 20) == 0 && b.n == 1);
    CHECK(srv_kv_cache_set(c, IFR_LIT("a"), IFR_LIT("k"), IFR_LIT("three"), 0) == 0);
    srv_kv_cache_done(c, &b);
    srv_kv_batch_free(&b);
    CHECK_INT_EQ(srv_kv_cache_waiting(c), 1);
    CHECK_INT_EQ(flush(c), 1);
    CHECK(!strcmp(file_find(IFR_LIT("a"), IFR_LIT("k"))->value, "three"));

    /* Deletes wait the same way; deleting an absent key changes nothing. */
    CHECK(srv_kv_cache_delete(c, IFR_LIT("a"), IFR_LIT("k"), 1) == 1);
    CHECK(get(c, "a", "k", out, 1) == 0);
    CHECK(srv_kv_cache_delete(c, IFR_LIT("a"), IFR_LIT("k"), 1) == 0);
    CHECK_INT_EQ(flush(c), 1);
    CHECK(file_find(IFR_LIT("a"), IFR_LIT("k")) == NULL);
    file_put("a", "f", "in the file", 0);
    CHECK(srv_kv_cache_delete(c, IFR_LIT("a"), IFR_LIT("f"), 1) == 1);   /* a miss, then a delete */
    CHECK_INT_EQ(flush(c), 1);
    CHECK(file_find(IFR_LIT("a"), IFR_LIT("f")) == NULL);
    srv_kv_cache_free(c);
}

static void test_ttl(void)
{
    reset_file();
    srv_kv_cache_t *c = srv_kv_cache_new(1 << 20, 1 << 20, file_load, NULL);
    char out[32];
    CHECK(srv_kv_cache_set(c, IFR_LIT("t"), IFR_LIT("k"), IFR_LIT("v"), 100) == 0);
    CHECK(get(c, "t", "k", out, 99) == 1);
    CHECK(get(c, "t", "k", out, 100) == 0);     /* expired at its time */
    CHECK(srv_kv_cache_delete(c, IFR_LIT("t"), IFR_LIT("k"), 100) == 0);   /* not there to delete */
    file_put("t", "old", "v", 50);
    CHECK(get(c, "t", "old", out, 60) == 0);    /* expired in the file */
    flush(c);
    srv_kv_cache_free(c);
}

static void test_eviction_keeps_waiting_writes(void)
{
    reset_file();
    /* Room for a few entries only. */
    srv_kv_cache_t *c = srv_kv_cache_new(2000, 1 << 20, file_load, NULL);
    char key[16], out[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(srv_kv_cache_set(c, IFR_LIT("e"), ifr_cstr(key), IFR_LIT("value"), 0) == 0);
    }
    /* Nothing was committed: every write is still in memory. */
    CHECK_INT_EQ(srv_kv_cache_waiting(c), 40);
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(get(c, "e", key, out, 1) == 1 && !strcmp(out, "value"));
    }
    CHECK_INT_EQ(file_reads, 0);
    CHECK_INT_EQ(flush(c), 40);
    /* Committed, they may go: reading them all again past the bound reads
     * some from the file, with the right values. */
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(get(c, "e", key, out, 1) == 1 && !strcmp(out, "value"));
    }
    CHECK(file_reads > 0);
    srv_kv_cache_free(c);
}

static void test_full(void)
{
    reset_file();
    srv_kv_cache_t *c = srv_kv_cache_new(1 << 20, 500, file_load, NULL);
    CHECK(!srv_kv_cache_full(c));
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        srv_kv_cache_set(c, IFR_LIT("f"), ifr_cstr(key), IFR_LIT("0123456789"), 0);
    }
    CHECK(srv_kv_cache_full(c));
    flush(c);
    CHECK(!srv_kv_cache_full(c));
    srv_kv_cache_free(c);
}

/* Threads each count their own key up with get and set, and read the
 * others' keys meanwhile: every count ends exact. */
static srv_kv_cache_t *shared;
static void *count_up(void *arg)
{
    char key[16], out[32];
    snprintf(key, sizeof key, "t%d", (int)(intptr_t)arg);
    for (int i = 0; i < 2000; i++) {
        long v = get(shared, "c", key, out, 1) == 1 ? atol(out) : 0;
        int n = snprintf(out, sizeof out, "%ld", v + 1);
        srv_kv_cache_set(shared, IFR_LIT("c"), ifr_cstr(key), ifr_str(out, (size_t)n), 0);
        get(shared, "c", "t0", out, 1);
    }
    return NULL;
}

static void test_threads(void)
{
    reset_file();
    shared = srv_kv_cache_new(1 << 20, 1 << 20, file_load, NULL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, count_up, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    char key[16], out[32];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "t%d", i);
        CHECK(get(shared, "c", key, out, 1) == 1 && !strcmp(out, "2000"));
    }
    CHECK_INT_EQ(flush(shared), 4);
    srv_kv_cache_free(shared);
}

int main(void)
{
    RUN(test_hits_do_not_read_the_file);
    RUN(test_writes_wait_until_done);
    RUN(test_ttl);
    RUN(test_eviction_keeps_waiting_writes);
    RUN(test_full);
    RUN(test_threads);
    return testing_done();
}
