/* Pieces of file_server shared between its files. */
#ifndef IFRIT_ROUTE_FILE_SERVER_H
#define IFRIT_ROUTE_FILE_SERVER_H

#include <stdbool.h>
#include <sys/stat.h>

#include "route/exchange.h"
#include "route/fs.h"
#include "route/match_util.h"
#include "route/tmpl.h"

typedef struct {
    route_tmpl_t *root;          /* NULL: the `root` directive's, else "." */
    route_strs_t hide;
    route_strs_t index;          /* default index.html, index.txt */
    route_strs_t precompressed;  /* codings in preference order: br, zstd, gzip */
    bool browse;
    bool pass_thru;
    bool canonical;              /* redirect dir -> dir/ and file/ -> file */
    int status;                  /* 0: 200/206 as usual */
} route_file_conf_t;

/* Whether the file or directory name (one path element) or the full file
 * system path is hidden. */
bool route_file_hidden(const route_file_conf_t *c, ifr_str_t fs_path);

/* Serves the regular file at real (canonical path) with stat st, answering
 * conditionals, ranges and precompressed siblings. fd is real already open
 * (st is then its fstat; fd is taken over), ROUTE_FS_IN_CACHE (the bytes
 * are the open-file cache's: route_fs_cache_body), or -1 to open it here. */
route_result_t route_file_send(route_exchange_t *x, const route_file_conf_t *c, const char *real,
                               const struct stat *st, int fd);

/* The listing (HTML or JSON) of the directory at real (canonical, under
 * the canonical root real_root): only the entries file_server would serve. */
route_result_t route_file_browse(route_exchange_t *x, const route_file_conf_t *c,
                                 const char *real_root, const char *real);

#endif
