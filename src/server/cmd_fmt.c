/* ifrit fmt [--overwrite] [FILE]: prints FILE (default ./Caddyfile, "-"
 * for stdin) in the canonical layout of config/fmt.h, or rewrites it in
 * place with --overwrite. Exit status: 0 when the file was already
 * formatted or has been rewritten, 1 when it is not formatted (the
 * formatted text is still printed, so `ifrit fmt F | diff F -` shows what
 * would change) or cannot be read or tokenized, 2 for a usage error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "config/caddyfile.h"
#include "config/fmt.h"
#include "server/commands.h"

static int srv__fmt_read(FILE *in, ifr_buf_t *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        if (b->len + n > CFG_MAX_FILE_SIZE) { errno = EFBIG; return -1; }
        if (ifr_buf_append(b, chunk, n) < 0) { errno = ENOMEM; return -1; }
    }
    return ferror(in) ? -1 : 0;
}

/* Writes next to the file and renames over it, so a crash never leaves a
 * half-written Caddyfile; the file keeps its permission bits. */
static int srv__fmt_overwrite(const char *path, ifr_str_t text)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.fmt-tmp", path) >= (int)sizeof tmp) { errno = ENAMETOOLONG; return -1; }
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    bool ok = fwrite(text.ptr, 1, text.len, f) == text.len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || chmod(tmp, mode) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int srv_cmd_fmt(int argc, char **argv)
{
    bool overwrite = false;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--overwrite") == 0 || strcmp(argv[i], "-w") == 0) overwrite = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "ifrit fmt: unknown option '%s'\nusage: ifrit fmt [--overwrite] [FILE]\n", argv[i]);
            return 2;
        } else if (!path) path = argv[i];
        else {
            fprintf(stderr, "usage: ifrit fmt [--overwrite] [FILE]\n");
            return 2;
        }
    }
    if (!path) path = "Caddyfile";
    bool from_stdin = strcmp(path, "-") == 0;
    if (from_stdin && overwrite) {
        fprintf(stderr, "ifrit fmt: --overwrite needs a file, not stdin\n");
        return 2;
    }
    ifr_buf_t in = IFR_BUF_INIT, out = IFR_BUF_INIT;
    int status = 1;
    FILE *f = stdin;
    if (!from_stdin) {
        /* The rule for files a config names (base/file.h): a FIFO or a
         * device is refused, not waited on. */
        char why[160];
        int fd = ifr_file_open(path, CFG_MAX_FILE_SIZE, NULL, NULL, NULL, why, sizeof why);
        if (fd < 0) {
            fprintf(stderr, "ifrit fmt: %s: %s\n", path, why);
            goto done;
        }
        if (!(f = fdopen(fd, "rb"))) close(fd);
    }
    if (!f || srv__fmt_read(f, &in) < 0) {
        fprintf(stderr, "ifrit fmt: %s: %s\n", path, strerror(errno));
        if (f && !from_stdin) fclose(f);
        goto done;
    }
    if (!from_stdin) fclose(f);
    cfg_error_t err;
    if (cfg_format(in.data ? in.data : "", in.len, from_stdin ? "<stdin>" : path, &out, &err) < 0) {
        char msg[1024];
        fprintf(stderr, "ifrit fmt: %s\n", cfg_error_str(&err, msg, sizeof msg));
        goto done;
    }
    bool same = ifr_str_eq(ifr_buf_str(&in), ifr_buf_str(&out));
    if (overwrite) {
        if (!same && srv__fmt_overwrite(path, ifr_buf_str(&out)) < 0) {
            fprintf(stderr, "ifrit fmt: cannot write %s: %s\n", path, strerror(errno));
            goto done;
        }
        status = 0;
        goto done;
    }
    if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) goto done;
    if (fflush(stdout) != 0) goto done;
    if (!same) fprintf(stderr, "ifrit fmt: %s is not formatted (use --overwrite to fix it)\n", path);
    status = same ? 0 : 1;
done:
    ifr_buf_free(&in);
    ifr_buf_free(&out);
    return status;
}
