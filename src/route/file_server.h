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
    route_strs_t etag_exts;      /* etag_file_extensions: ETag sidecar suffixes, in order */
    bool browse_sort_set;        /* browse { sort } given; else names in byte order */
    int browse_sort;             /* ... ROUTE_BROWSE_SORT_* */
    bool browse_desc;            /* ... descending */
    int browse_limit;            /* browse { file_limit N }: entries listed at most; 0: all */
} route_file_conf_t;

/* browse { sort <field> }: Caddy's fields. */
enum { ROUTE_BROWSE_SORT_NAME = 0, ROUTE_BROWSE_SORT_NAMEDIRFIRST, ROUTE_BROWSE_SORT_SIZE, ROUTE_BROWSE_SORT_TIME };

/* The largest ETag sidecar file read (bigger: 500). */
#define ROUTE_FILE_ETAG_MAX 1024

/* Whether the file or directory name (one path element) or the full file
 * system path is hidden. */
bool route_file_hidden(const route_file_conf_t *c, ifr_str_t fs_path);

/* Serves the regular file at real (canonical path) with stat st, answering
 * conditionals, ranges and precompressed siblings. fd is real already open
 * (st is then its fstat; fd is taken over), ROUTE_FS_IN_CACHE (the bytes
 * are the open-file cache's: route_fs_cache_body), or -1 to open it here. */
route_result_t route_file_send(route_exchange_t *x, const route_file_conf_t *c, const char *real,
                               const struct stat *st, int fd);

/* etag_file_extensions: the ETag from the first sidecar that exists,
 * PATH+EXT in order, where PATH is real or, for a precompressed coding,
 * its sibling (file_etag.c). 0 (*out set), 1 none exists, -1 one could not
 * be read (not a regular file, over ROUTE_FILE_ETAG_MAX bytes, ...). */
int route_file_etag_sidecar(route_exchange_t *x, const route_file_conf_t *c, const char *real, const char *coding,
                            ifr_str_t *out);

/* The listing (HTML or JSON) of the directory at real (canonical, under
 * the canonical root real_root): only the entries file_server would serve. */
route_result_t route_file_browse(route_exchange_t *x, const route_file_conf_t *c,
                                 const char *real_root, const char *real);

#endif
