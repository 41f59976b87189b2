/* ifrit trust / ifrit untrust [--config FILE]: the local CA's root in the
 * system trust store (Debian's update-ca-certificates). trust creates the
 * CA if there is none yet and always prints where the root is; run as
 * root it also installs it. The data directory is the Caddyfile's
 * `storage file_system` when --config names one, else the default
 * (docs/tls.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/options.h"
#include "route/plan.h"
#include "server/commands.h"
#include "server/srv_natives.h"
#include "server/srv_server.h"
#include "tls/tls_ca.h"
#include "tls/tls_storage.h"

/* Debian's directory for local CA certificates, and the file name ours
 * gets there. */
#define SRV__TRUST_DIR "/usr/local/share/ca-certificates"
#define SRV__TRUST_FILE SRV__TRUST_DIR "/ifrit-local-root.crt"

static int srv__trust_update(void)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execlp("update-ca-certificates", "update-ca-certificates", (char *)NULL);
        fprintf(stderr, "ifrit: cannot run update-ca-certificates: %s (apt-get install ca-certificates)\n",
                strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The data directory, from --config's storage option or the default. */
static int srv__trust_storage(int argc, char **argv, const char *cmd, tls_storage_t *st)
{
    const char *config = NULL;
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 < argc && (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0)) {
            config = argv[i + 1];
        } else {
            fprintf(stderr, "ifrit %s: unknown or incomplete option '%s'\n", cmd, argv[i]);
            return 2;
        }
    }
    char err[1024];
    route_plan_t *p = NULL;
    if (config) {
        srv_register_natives();
        cfg_error_t cerr = { 0 };
        if (!(p = route_plan_load(config, &cerr))) {
            srv_format_config_error(&cerr, err, sizeof err);
            fprintf(stderr, "ifrit %s: %s\n", cmd, err);
            return 1;
        }
    }
    int rc = tls_storage_init(st, p ? route_plan_options(p)->storage_path : NULL, err, sizeof err);
    route_plan_release(p);
    if (rc != 0) {
        fprintf(stderr, "ifrit %s: %s\n", cmd, err);
        return 1;
    }
    return 0;
}

int srv_cmd_trust(int argc, char **argv)
{
    tls_storage_t st;
    int rc = srv__trust_storage(argc, argv, "trust", &st);
    if (rc != 0) return rc;
    char err[1024], path[TLS_STORAGE_PATH_MAX];
    tls_ca_t *ca = tls_ca_open(&st, err, sizeof err);
    if (!ca) {
        fprintf(stderr, "ifrit trust: %s\n", err);
        return 1;
    }
    size_t len = 0;
    char *pem = tls_ca_root_pem(ca, &len);
    tls_ca_free(ca);
    tls_storage_path(&st, TLS_CA_ROOT_CRT, path, sizeof path);
    printf("the local CA's root certificate: %s\n", path);
    if (geteuid() != 0) {
        printf("not root, so not installed: run ifrit trust as root to add it to the system store, or give it "
               "to clients (curl --cacert %s)\n", path);
        free(pem);
        return 0;
    }
    FILE *f = pem ? fopen(SRV__TRUST_FILE, "w") : NULL;
    bool wrote = f && fwrite(pem, 1, len, f) == len;
    if (f && fclose(f) != 0) wrote = false;
    free(pem);
    if (!wrote) {
        fprintf(stderr, "ifrit trust: cannot write %s: %s\n", SRV__TRUST_FILE, strerror(errno));
        return 1;
    }
    if (srv__trust_update() != 0) {
        fprintf(stderr, "ifrit trust: update-ca-certificates failed\n");
        return 1;
    }
    printf("installed as %s\n", SRV__TRUST_FILE);
    return 0;
}

int srv_cmd_untrust(int argc, char **argv)
{
    tls_storage_t st;
    int rc = srv__trust_storage(argc, argv, "untrust", &st);
    if (rc != 0) return rc;
    if (geteuid() != 0) {
        fprintf(stderr, "ifrit untrust: run it as root (it removes %s and runs update-ca-certificates)\n",
                SRV__TRUST_FILE);
        return 1;
    }
    if (unlink(SRV__TRUST_FILE) != 0) {
        if (errno == ENOENT) {
            printf("not installed (%s does not exist)\n", SRV__TRUST_FILE);
            return 0;
        }
        fprintf(stderr, "ifrit untrust: cannot remove %s: %s\n", SRV__TRUST_FILE, strerror(errno));
        return 1;
    }
    if (srv__trust_update() != 0) {
        fprintf(stderr, "ifrit untrust: update-ca-certificates failed\n");
        return 1;
    }
    printf("removed %s from the system store\n", SRV__TRUST_FILE);
    return 0;
}
