/* Where certificates, keys, the local CA and ACME accounts live: one data
 * directory in Caddy's layout, so an operator finds things where Caddy
 * keeps them.
 *
 *   <root>/pki/authorities/local/root.crt|root.key|intermediate.crt|intermediate.key
 *   <root>/certificates/<issuer>/<name>/<name>.crt|.key|.json
 *   <root>/acme/<issuer>/users/<email>/...        (src/acme)
 *   <root>/locks/<name>.lock                      (tls_storage_lock)
 *
 * The root is `storage file_system PATH`, else $XDG_DATA_HOME/ifrit, else
 * $HOME/.local/share/ifrit. Relative paths below are relative to it.
 * Files are replaced atomically (written beside, then renamed), and the
 * directories made on the way are 0700. Safe from any thread: nothing is
 * shared but the root string. */
#ifndef IFRIT_TLS_TLS_STORAGE_H
#define IFRIT_TLS_TLS_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TLS_STORAGE_PATH_MAX 4096

typedef struct {
    char root[TLS_STORAGE_PATH_MAX];
} tls_storage_t;

/* Sets the root: configured (storage file_system PATH) when not NULL,
 * else the default above. The directory is not created yet. 0, or -1 with
 * a sentence in err (no HOME, a path too long). */
int tls_storage_init(tls_storage_t *s, const char *configured, char *err, size_t err_len);

/* "<root>/<rel>" into out. 0, or -1 when it does not fit. */
int tls_storage_path(const tls_storage_t *s, const char *rel, char *out, size_t out_len);

/* A name made safe as a path component, as Caddy's StorageKeys.Safe does:
 * lowercase; "*" becomes "wildcard_", "+" "_plus_", ":" "-", spaces "_";
 * ".." is dropped and anything outside [a-z0-9._-@] removed, and the
 * result never has two dots in a row. "" when nothing is left or it does
 * not fit. */
void tls_storage_safe_name(const char *name, char *out, size_t out_len);

/* "certificates/<issuer>/<safe>/<safe>.<ext>" (ext "crt", "key", "json"). */
int tls_storage_cert_rel(const char *issuer, const char *name, const char *ext, char *out, size_t out_len);

/* Writes data as rel atomically with mode (0600 for keys, 0644 for the
 * rest), making the directories on the way. 0, or -1 with a sentence
 * naming the file in err. */
int tls_storage_write(const tls_storage_t *s, const char *rel, const void *data, size_t len, mode_t mode,
                      char *err, size_t err_len);

/* Reads rel (up to max bytes, NUL-terminated, caller frees). NULL with a
 * sentence in err; *missing (may be NULL) tells a file that is not there
 * from one that cannot be read. */
char *tls_storage_read(const tls_storage_t *s, const char *rel, size_t max, size_t *len, bool *missing,
                       char *err, size_t err_len);

/* Removes rel; 0 also when it was not there. */
int tls_storage_remove(const tls_storage_t *s, const char *rel);

/* An exclusive lock on "locks/<safe name>.lock" held through an open file
 * (flock), so two ifrit processes sharing the directory do not both issue
 * or order the same certificate; a crashed holder releases it with its
 * descriptors. */
typedef struct {
    int fd;   /* -1 when not held */
} tls_storage_lock_t;

/* wait: block until the lock is free (call it off the event loops);
 * otherwise try once. Returns 0 held, 1 busy (only without wait), -1 error
 * with a sentence in err. */
int tls_storage_lock(const tls_storage_t *s, const char *name, bool wait, tls_storage_lock_t *out, char *err,
                     size_t err_len);
void tls_storage_unlock(tls_storage_lock_t *l);

#endif
