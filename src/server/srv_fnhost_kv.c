/* The functions' KV store (fn_host.h) on SQLite: one file,
 * <data directory>/functions/kv.sqlite3, in WAL mode, shared by every
 * function, namespaced by the function's namespace.
 *
 * Why SQLite: an embedded, transactional, crash-safe store that Debian
 * ships (libsqlite3), needing no server, readable with the sqlite3 tool.
 *
 * Values go through memory (srv_fnhost_kv_cache.c): a get answers from it
 * when the key was touched before (a hash and a stripe lock, no SQLite), a
 * set changes it and its write waits; the store's own thread commits the
 * waiting writes together, in one transaction, SRV__KV_FLUSH_MS after the
 * first of them (so a set is in the file within about that long), and
 * srv_fnhost_kv_flush_all commits what is left when the server stops. A
 * statement costs SQLite's per-transaction file locks (about 16 us for a
 * lookup on the test VM); memory is about a hundred times cheaper.
 *
 * Locks are in memory only (srv_fnhost_kv_locks.c): they belong to this
 * process's requests, so a restart frees them.
 *
 * One connection per store, used under a mutex (misses, the commits of
 * waiting writes): WAL with synchronous=NORMAL, a commit appends to
 * the log, no fsync. The WAL's checkpoints, which do fsync, run on the
 * store's thread (a second connection, PASSIVE: it never blocks a writer),
 * when the log has grown past SRV__KV_CHECKPOINT_PAGES; that thread also
 * deletes expired keys in small batches. Reads never see an
 * expired row, swept or not. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "fn/fn_host.h"
#include "server/srv_fnhost.h"
#include "server/srv_fnhost_kv_cache.h"
#include "server/srv_fnhost_kv_locks.h"
#include "tls/tls_storage.h"

#define SRV__KV_FILE "functions/kv.sqlite3"
#define SRV__KV_CHECKPOINT_PAGES 1000
#define SRV__KV_SWEEP_EVERY_S 30
#define SRV__KV_SWEEP_BATCH 256
/* Another process writing the file (ifrit validate, an old server still
 * stopping) holds SQLite's lock for at most this long before a call fails. */
#define SRV__KV_BUSY_MS 50
/* A set's write waits at most about this long for its transaction
 * (docs/functions.md, "The KV store"). */
#define SRV__KV_FLUSH_MS 10
/* Keys and values kept in memory; waiting writes past which a set commits
 * them itself before it returns; the writes one transaction commits. */
#define SRV__KV_CACHE_BYTES ((size_t)64 << 20)
#define SRV__KV_WAITING_BYTES ((size_t)16 << 20)
#define SRV__KV_BATCH_BYTES ((size_t)4 << 20)

/* Locks held at once per store (srv_fnhost_kv_locks.c); past it a lock
 * call fails (UNAVAILABLE). */
#define SRV__KV_MAX_LOCKS ((size_t)1 << 20)

enum { SRV__KV_LOAD, SRV__KV_SET, SRV__KV_DELETE, SRV__KV_SWEEP, SRV__KV_BEGIN, SRV__KV_COMMIT, SRV__KV_ROLLBACK, SRV__KV_NSTMT };

static const char *const srv__kv_sql[SRV__KV_NSTMT] = {
    [SRV__KV_LOAD] = "SELECT value, expires FROM kv WHERE ns = ?1 AND key = ?2 AND (expires = 0 OR expires > ?3)",
    [SRV__KV_SET] = "INSERT INTO kv (ns, key, value, expires) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
    [SRV__KV_DELETE] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
    [SRV__KV_SWEEP] = "DELETE FROM kv WHERE (ns, key) IN "
                     "(SELECT ns, key FROM kv WHERE expires > 0 AND expires <= ?1 LIMIT 256)",
    [SRV__KV_BEGIN] = "BEGIN IMMEDIATE",
    [SRV__KV_COMMIT] = "COMMIT",
    [SRV__KV_ROLLBACK] = "ROLLBACK",
};

static const char srv__kv_schema[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA wal_autocheckpoint = 0;"
    "CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
    " expires INTEGER NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires > 0;";

struct fn_kv_store {
    struct fn_kv_store *next;
    char path[TLS_STORAGE_PATH_MAX];
    pthread_mutex_t mu;              /* db and its statements */
    sqlite3 *db;
    sqlite3_stmt *stmt[SRV__KV_NSTMT];
    srv_kv_cache_t *cache;
    srv_kv_locks_t *locks;
    pthread_mutex_t flush_mu;        /* one commit of waiting writes at a time */
    bool failing;                    /* the last commit failed (logged once until one succeeds) */
    atomic_bool flush_pending;       /* writes wait and the thread was told */
    pthread_mutex_t wake_mu;         /* the store thread's wake-up */
    pthread_cond_t wake;
    int wal_pages;
    pthread_t thread;
};

static pthread_mutex_t srv__kv_stores_mu = PTHREAD_MUTEX_INITIALIZER;
static fn_kv_store_t *srv__kv_stores;

static int64_t srv__kv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int srv_fnhost_mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

static void srv__kv_wake(fn_kv_store_t *s)
{
    pthread_mutex_lock(&s->wake_mu);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->wake_mu);
}

static int srv__kv_wal_hook(void *ud, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    fn_kv_store_t *s = ud;
    if (pages < SRV__KV_CHECKPOINT_PAGES) return SQLITE_OK;
    pthread_mutex_lock(&s->wake_mu);
    s->wal_pages = pages;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->wake_mu);
    return SQLITE_OK;
}

/* Binds ns and key as ?1 and ?2. */
static void srv__kv_bind_key(sqlite3_stmt *st, ifr_str_t ns, ifr_str_t key)
{
    sqlite3_bind_text(st, 1, ns.ptr, (int)ns.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, key.len ? key.ptr : "", (int)key.len, SQLITE_STATIC);
}

/* Steps a statement that returns no row (db under mu): SQLite's code. */
static int srv__kv_step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Writes the batch in one transaction: 0, or -1 (rolled back; logged
 * when the last commit had succeeded). */
static int srv__kv_commit(fn_kv_store_t *s, const srv_kv_batch_t *b)
{
    pthread_mutex_lock(&s->mu);
    int rc = srv__kv_step(s->stmt[SRV__KV_BEGIN]);
    for (size_t i = 0; rc == SQLITE_DONE && i < b->n; i++) {
        const srv_kv_write_t *w = &b->w[i];
        ifr_str_t ns = ifr_str((const char *)w->bytes, w->ns_len);
        ifr_str_t key = ifr_str((const char *)w->bytes + w->ns_len, w->key_len);
        sqlite3_stmt *st = s->stmt[w->present ? SRV__KV_SET : SRV__KV_DELETE];
        srv__kv_bind_key(st, ns, key);
        if (w->present) {
            const unsigned char *v = w->bytes + w->ns_len + w->key_len;
            sqlite3_bind_blob(st, 3, w->value_len ? (const void *)v : "", (int)w->value_len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, w->expires);
        }
        rc = srv__kv_step(st);
    }
    if (rc == SQLITE_DONE) rc = srv__kv_step(s->stmt[SRV__KV_COMMIT]);
    bool ok = rc == SQLITE_DONE;
    if (!ok) {
        if (!s->failing)
            ifr_log_error("fn", "kv store %s: %zu writes could not be committed (kept in memory, tried again): %s",
                          s->path, b->n, sqlite3_errmsg(s->db));
        if (!sqlite3_get_autocommit(s->db)) srv__kv_step(s->stmt[SRV__KV_ROLLBACK]);
    } else if (s->failing) {
        ifr_log_info("fn", "kv store %s: writes are committed again", s->path);
    }
    s->failing = !ok;
    pthread_mutex_unlock(&s->mu);
    return ok ? 0 : -1;
}

/* Commits every waiting write (those made meanwhile too, up to a bound
 * under a steady stream of writes): 0, or -1 when a commit failed. */
static int srv__kv_flush(fn_kv_store_t *s)
{
    pthread_mutex_lock(&s->flush_mu);
    atomic_store(&s->flush_pending, false);
    srv_kv_batch_t b = { 0 };
    int rc = 0;
    for (int round = 0; rc == 0 && round < 64 && srv_kv_cache_waiting(s->cache) > 0; round++) {
        if (srv_kv_cache_take(s->cache, &b, SRV__KV_BATCH_BYTES) != 0) {
            ifr_log_error("fn", "kv store %s: out of memory committing writes (tried again)", s->path);
            rc = -1;
        } else if (b.n == 0) {
            break;
        } else if ((rc = srv__kv_commit(s, &b)) == 0) {
            srv_kv_cache_done(s->cache, &b);
        }
        srv_kv_batch_clear(&b);
    }
    srv_kv_batch_free(&b);
    /* Left waiting: the thread tries again after its pause. */
    if (srv_kv_cache_waiting(s->cache) > 0) atomic_store(&s->flush_pending, true);
    pthread_mutex_unlock(&s->flush_mu);
    return rc;
}

/* Runs a sweep statement until it deletes less than a batch. */
static void srv__kv_sweep(fn_kv_store_t *s, int which)
{
    for (;;) {
        pthread_mutex_lock(&s->mu);
        sqlite3_stmt *st = s->stmt[which];
        sqlite3_bind_int64(st, 1, srv__kv_now_ms());
        int rc = sqlite3_step(st);
        int n = sqlite3_changes(s->db);
        sqlite3_reset(st);
        pthread_mutex_unlock(&s->mu);
        if (rc != SQLITE_DONE || n < SRV__KV_SWEEP_BATCH) return;
    }
}

static void srv__kv_pause_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* The store's thread: commits waiting writes SRV__KV_FLUSH_MS after the
 * first of them, checkpoints the WAL, sweeps expired rows. */
static void *srv__kv_thread(void *arg)
{
    fn_kv_store_t *s = arg;
    sqlite3 *ck = NULL;
    if (sqlite3_open_v2(s->path, &ck, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        ifr_log_error("fn", "kv store %s: cannot open it for checkpoints: %s", s->path, sqlite3_errmsg(ck));
        sqlite3_close(ck);
        ck = NULL;
    }
    if (ck) sqlite3_busy_timeout(ck, 1000);
    struct timespec sweep_at;
    clock_gettime(CLOCK_REALTIME, &sweep_at);
    sweep_at.tv_sec += SRV__KV_SWEEP_EVERY_S;
    for (;;) {
        pthread_mutex_lock(&s->wake_mu);
        while (s->wal_pages < SRV__KV_CHECKPOINT_PAGES && !atomic_load(&s->flush_pending))
            if (pthread_cond_timedwait(&s->wake, &s->wake_mu, &sweep_at) == ETIMEDOUT) break;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        bool sweep = now.tv_sec > sweep_at.tv_sec || (now.tv_sec == sweep_at.tv_sec && now.tv_nsec >= sweep_at.tv_nsec);
        bool checkpoint = s->wal_pages >= SRV__KV_CHECKPOINT_PAGES;
        s->wal_pages = 0;
        pthread_mutex_unlock(&s->wake_mu);
        if (atomic_load(&s->flush_pending)) {
            srv__kv_pause_ms(SRV__KV_FLUSH_MS);   /* the writes that follow join the transaction */
            srv__kv_flush(s);
        }
        if (checkpoint && ck) {
            int rc = sqlite3_wal_checkpoint_v2(ck, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY)
                ifr_log_warn("fn", "kv store %s: checkpoint failed: %s", s->path, sqlite3_errmsg(ck));
        }
        if (sweep) {
            srv__kv_sweep(s, SRV__KV_SWEEP);
            clock_gettime(CLOCK_REALTIME, &sweep_at);
            sweep_at.tv_sec += SRV__KV_SWEEP_EVERY_S;
        }
    }
    return NULL;
}

/* The cache's miss: key as the file has it (the caller holds key's stripe). */
static int srv__kv_load(void *ud, ifr_str_t ns, ifr_str_t key, int64_t now, srv_kv_loaded_t *out)
{
    fn_kv_store_t *s = ud;
    pthread_mutex_lock(&s->mu);
    sqlite3_stmt *st = s->stmt[SRV__KV_LOAD];
    srv__kv_bind_key(st, ns, key);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *v = sqlite3_column_blob(st, 0);
        out->value = n ? malloc(n) : NULL;
        if (n && !out->value) {
            ifr_log_error("fn", "kv store %s: out of memory reading a value of %zu bytes", s->path, n);
            found = -1;
        } else {
            if (n) memcpy(out->value, v, n);
            out->len = n;
            out->expires = sqlite3_column_int64(st, 1);
            found = 1;
        }
    } else if (rc != SQLITE_DONE) {
        ifr_log_error("fn", "kv store %s: get failed: %s", s->path, sqlite3_errmsg(s->db));
        found = -1;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&s->mu);
    return found;
}

static void srv__kv_close(fn_kv_store_t *s)
{
    for (int i = 0; i < SRV__KV_NSTMT; i++) sqlite3_finalize(s->stmt[i]);
    sqlite3_close(s->db);
    srv_kv_cache_free(s->cache);
    srv_kv_locks_free(s->locks);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->flush_mu);
    pthread_mutex_destroy(&s->wake_mu);
    pthread_cond_destroy(&s->wake);
    free(s);
}

static fn_kv_store_t *srv__kv_new(const char *path, char *why, size_t size)
{
    fn_kv_store_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->flush_mu, NULL);
    pthread_mutex_init(&s->wake_mu, NULL);
    pthread_cond_init(&s->wake, NULL);
    atomic_init(&s->flush_pending, false);
    if (!(s->cache = srv_kv_cache_new(SRV__KV_CACHE_BYTES, SRV__KV_WAITING_BYTES, srv__kv_load, s)) ||
        !(s->locks = srv_kv_locks_new(SRV__KV_MAX_LOCKS))) {
        snprintf(why, size, "out of memory");
        srv__kv_close(s);
        return NULL;
    }
    char dir[TLS_STORAGE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    if (srv_fnhost_mkdirs(dir) != 0) {
        snprintf(why, size, "cannot make the directory of %s: %s", path, strerror(errno));
        srv__kv_close(s);
        return NULL;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    char *err = NULL;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(s->db, SRV__KV_BUSY_MS) != SQLITE_OK ||
        sqlite3_exec(s->db, srv__kv_schema, NULL, NULL, &err) != SQLITE_OK) {
        snprintf(why, size, "cannot open %s: %s", path, err ? err : sqlite3_errmsg(s->db));
        sqlite3_free(err);
        srv__kv_close(s);
        return NULL;
    }
    for (int i = 0; i < SRV__KV_NSTMT; i++)
        if (sqlite3_prepare_v3(s->db, srv__kv_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK) {
            snprintf(why, size, "%s: %s", path, sqlite3_errmsg(s->db));
            srv__kv_close(s);
            return NULL;
        }
    sqlite3_wal_hook(s->db, srv__kv_wal_hook, s);
    if (pthread_create(&s->thread, NULL, srv__kv_thread, s) != 0) {
        snprintf(why, size, "cannot start its thread");
        srv__kv_close(s);
        return NULL;
    }
    pthread_detach(s->thread);
    return s;
}

static fn_kv_store_t *srv__kv_open(const char *storage_path, char *why, size_t size)
{
    tls_storage_t st;
    char path[TLS_STORAGE_PATH_MAX];
    if (tls_storage_init(&st, storage_path, why, size) != 0) return NULL;
    if (tls_storage_path(&st, SRV__KV_FILE, path, sizeof path) != 0) {
        snprintf(why, size, "the data directory's path is too long");
        return NULL;
    }
    pthread_mutex_lock(&srv__kv_stores_mu);
    fn_kv_store_t *s = srv__kv_stores;
    while (s && strcmp(s->path, path) != 0) s = s->next;
    if (!s && (s = srv__kv_new(path, why, size))) {
        s->next = srv__kv_stores;
        srv__kv_stores = s;
    }
    pthread_mutex_unlock(&srv__kv_stores_mu);
    return s;
}

void srv_fnhost_kv_flush_all(void)
{
    pthread_mutex_lock(&srv__kv_stores_mu);
    for (fn_kv_store_t *s = srv__kv_stores; s; s = s->next) srv__kv_flush(s);
    pthread_mutex_unlock(&srv__kv_stores_mu);
}

/* A write now waits: tells the thread, once per pause. */
static void srv__kv_written(fn_kv_store_t *s)
{
    if (!atomic_exchange(&s->flush_pending, true)) srv__kv_wake(s);
}

static int srv__kv_get(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, void *out, size_t cap, size_t *len)
{
    return srv_kv_cache_get(s->cache, ns, key, out, cap, len, srv__kv_now_ms());
}

static int srv__kv_set(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, ifr_str_t value, int64_t ttl_ms)
{
    /* Past the waiting writes' bound, this caller commits them first (and
     * fails if the file refuses them): memory does not grow without end. */
    if (srv_kv_cache_full(s->cache) && srv__kv_flush(s) != 0 && srv_kv_cache_full(s->cache)) return -1;
    if (srv_kv_cache_set(s->cache, ns, key, value, ttl_ms ? srv__kv_now_ms() + ttl_ms : 0) != 0) {
        ifr_log_error("fn", "kv store %s: out of memory storing a value of %zu bytes", s->path, value.len);
        return -1;
    }
    srv__kv_written(s);
    return 0;
}

static int srv__kv_delete(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key)
{
    int rc = srv_kv_cache_delete(s->cache, ns, key, srv__kv_now_ms());
    if (rc >= 0) srv__kv_written(s);
    return rc;
}

static int srv__kv_lock(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key, int64_t ttl_ms)
{
    int64_t now = srv__kv_now_ms();
    int rc = srv_kv_locks_take(s->locks, ns, key, ttl_ms ? now + ttl_ms : 0, now);
    if (rc < 0) ifr_log_error("fn", "kv store %s: a lock failed: %zu locks are held (or out of memory)", s->path,
                              SRV__KV_MAX_LOCKS);
    return rc;
}

static int srv__kv_unlock(fn_kv_store_t *s, ifr_str_t ns, ifr_str_t key)
{
    return srv_kv_locks_release(s->locks, ns, key, srv__kv_now_ms());
}

static char *srv__kv_default_namespace(const char *module_path)
{
    char *real = realpath(module_path, NULL);
    const char *p = real ? real : module_path;
    size_t n = strlen(p) + 4;
    char *ns = malloc(n);
    if (ns) snprintf(ns, n, "fn:%s", p);
    free(real);
    return ns;
}

void srv_fnhost_kv_fill(fn_host_backend_t *b)
{
    b->kv_default_namespace = srv__kv_default_namespace;
    b->kv_open = srv__kv_open;
    b->kv_get = srv__kv_get;
    b->kv_set = srv__kv_set;
    b->kv_delete = srv__kv_delete;
    b->lock = srv__kv_lock;
    b->unlock = srv__kv_unlock;
}
