/* tls_storage: the data directory's root, safe names, atomic writes with
 * their mode, reads that tell missing from unreadable, and the lock. */
#define TEST_SUITE "tls/storage"
#include "testing.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/tls_storage.h"

static char tmpdir[256];

static void test_root(void)
{
    tls_storage_t s;
    char err[256];
    CHECK_INT_EQ(tls_storage_init(&s, "/srv/data/", err, sizeof err), 0);
    CHECK_STR_EQ(s.root, "/srv/data");
    setenv("XDG_DATA_HOME", "/x/share", 1);
    CHECK_INT_EQ(tls_storage_init(&s, NULL, err, sizeof err), 0);
    CHECK_STR_EQ(s.root, "/x/share/ifrit");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    CHECK_INT_EQ(tls_storage_init(&s, NULL, err, sizeof err), 0);
    CHECK_STR_EQ(s.root, "/home/u/.local/share/ifrit");
    unsetenv("HOME");
    CHECK_INT_EQ(tls_storage_init(&s, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "storage file_system") != NULL);
}

static void test_safe_names(void)
{
    char out[64];
    tls_storage_safe_name("*.Example.COM", out, sizeof out);
    CHECK_STR_EQ(out, "wildcard_.example.com");
    tls_storage_safe_name("../../etc/passwd", out, sizeof out);
    CHECK_STR_EQ(out, "etcpasswd");
    /* Bytes removed between two dots do not make "..". */
    tls_storage_safe_name(".\xd3.\xd3./x", out, sizeof out);
    CHECK_STR_EQ(out, ".x");
    tls_storage_safe_name("::1", out, sizeof out);

    CHECK_STR_EQ(out, "--1");
    tls_storage_safe_name("a+b c", out, sizeof out);
    CHECK_STR_EQ(out, "a_plus_b_c");
    tls_storage_safe_name("abcdefgh", out, 4);
    CHECK_STR_EQ(out, "");
    CHECK_INT_EQ(tls_storage_cert_rel("local", "localhost", "crt", out, sizeof out), 0);
    CHECK_STR_EQ(out, "certificates/local/localhost/localhost.crt");
    CHECK_INT_EQ(tls_storage_cert_rel("local", "/", "crt", out, sizeof out), -1);
}

static void test_write_read(void)
{
    tls_storage_t s;
    char err[512], path[TLS_STORAGE_PATH_MAX];
    CHECK_INT_EQ(tls_storage_init(&s, tmpdir, err, sizeof err), 0);
    CHECK_INT_EQ(tls_storage_write(&s, "a/b/k.key", "secret", 6, 0600, err, sizeof err), 0);
    CHECK_INT_EQ(tls_storage_path(&s, "a/b/k.key", path, sizeof path), 0);
    struct stat st;
    CHECK_INT_EQ(stat(path, &st), 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    char dir[TLS_STORAGE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/a", tmpdir);
    CHECK_INT_EQ(stat(dir, &st), 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0700);
    /* Replaced whole, never appended. */
    CHECK_INT_EQ(tls_storage_write(&s, "a/b/k.key", "new", 3, 0600, err, sizeof err), 0);
    size_t len = 0;
    bool missing = true;
    char *data = tls_storage_read(&s, "a/b/k.key", 1024, &len, &missing, err, sizeof err);
    CHECK(data != NULL);
    CHECK(!missing);
    if (data) CHECK_MEM_EQ(data, len, "new");
    free(data);
    data = tls_storage_read(&s, "a/none", 1024, &len, &missing, err, sizeof err);
    CHECK(data == NULL);
    CHECK(missing);
    /* A directory where a file is wanted: not "missing", an error naming it. */
    data = tls_storage_read(&s, "a/b", 1024, &len, &missing, err, sizeof err);
    CHECK(data == NULL);
    CHECK(!missing);
    CHECK(strstr(err, "/a/b") != NULL);
    CHECK_INT_EQ(tls_storage_remove(&s, "a/b/k.key"), 0);
    CHECK_INT_EQ(tls_storage_remove(&s, "a/b/k.key"), 0);
    CHECK_INT_EQ(stat(path, &st), -1);
}

static void test_write_error_names_file(void)
{
    tls_storage_t s;
    char err[512];
    CHECK_INT_EQ(tls_storage_init(&s, tmpdir, err, sizeof err), 0);
    CHECK_INT_EQ(tls_storage_write(&s, "f", "x", 1, 0644, err, sizeof err), 0);
    /* "f" is a file, so "f/g" cannot be made. */
    CHECK_INT_EQ(tls_storage_write(&s, "f/g", "x", 1, 0644, err, sizeof err), -1);
    CHECK(strstr(err, "/f") != NULL);
}

static void test_lock(void)
{
    tls_storage_t s;
    char err[512];
    CHECK_INT_EQ(tls_storage_init(&s, tmpdir, err, sizeof err), 0);
    tls_storage_lock_t a, b;
    CHECK_INT_EQ(tls_storage_lock(&s, "example.com", false, &a, err, sizeof err), 0);
    CHECK_INT_EQ(tls_storage_lock(&s, "EXAMPLE.com", false, &b, err, sizeof err), 1);
    CHECK_INT_EQ(b.fd, -1);
    tls_storage_unlock(&a);
    CHECK_INT_EQ(a.fd, -1);
    CHECK_INT_EQ(tls_storage_lock(&s, "example.com", true, &b, err, sizeof err), 0);
    tls_storage_unlock(&b);
    CHECK_INT_EQ(tls_storage_lock(&s, "..", false, &b, err, sizeof err), -1);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ifrit-tls-storage-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    RUN(test_root);
    RUN(test_safe_names);
    RUN(test_write_read);
    RUN(test_write_error_names_file);
    RUN(test_lock);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) return 1;
    return testing_done();
}
