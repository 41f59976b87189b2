/* Choosing a file by existence, as Caddy's `file` matcher does; shared by
 * the matcher (match_file.c) and try_files, which Caddy builds from it.
 *
 * A selection has candidates (templates), a policy, split_path delimiters
 * and an optional root (default: the site root, else the working
 * directory). Each candidate is rendered, cleaned, split at the first
 * delimiter that ends a path element ("/index.php/x" with ".php": the file
 * "/index.php", the remainder "/x"; case-insensitive), joined to the root
 * and looked up; a last element with `*`, `?` or `[` is a glob over that
 * directory's names, in name order. Like every file lookup, a candidate
 * that resolves outside the root (through .. or a symlink) does not
 * exist. What was chosen is kept for {file_match.relative},
 * {file_match.absolute}, {file_match.type} and {file_match.remainder}
 * (also spelled {http.matchers.file.*}).
 *
 * Ownership: the config lives in the plan's arena; a found file in
 * x->arena. */
#ifndef IFRIT_ROUTE_FILE_MATCH_H
#define IFRIT_ROUTE_FILE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "route/directive.h"
#include "route/tmpl.h"

typedef enum {
    ROUTE_FILE_FIRST_EXIST, ROUTE_FILE_SMALLEST, ROUTE_FILE_LARGEST, ROUTE_FILE_NEWEST,
} route_file_policy_t;

typedef struct {
    route_tmpl_t *tmpl;
    bool dir;          /* written with a trailing '/': must be a directory */
    bool glob;         /* its last element has * ? [ outside placeholders */
    int status;        /* `=404`: fails with this status (first_exist), 0 otherwise */
} route_file_cand_t;

typedef struct {
    route_tmpl_t *root;           /* NULL: {http.vars.root}, else "." */
    route_file_cand_t *cands;     /* none: the request path */
    size_t ncands;
    route_file_policy_t policy;
    ifr_str_t *split;             /* split_path delimiters */
    size_t nsplit;
} route_file_conf_t;

/* The file a selection chose (route_state's file_match). */
typedef struct route_file_found {
    ifr_str_t relative, absolute, remainder;
    bool is_dir;
} route_file_found_t;

/* Adds the candidates args[0..n) to c (config time). */
int route_file_add_candidates(route_parse_t *p, route_file_conf_t *c, const cfg_token_t *args, size_t n);

/* Reads a policy name into c; 0, or -1 with p->err filled. */
int route_file_parse_policy(route_parse_t *p, route_file_conf_t *c, const cfg_token_t *name);

/* Runs the selection: 1 when a file was chosen (kept in the exchange's
 * state for the placeholders), 0 when none was, -1 when the arena ran
 * out. A `=<status>` candidate reached under first_exist sets *status
 * (else *status is 0) and gives 0. */
int route_file_select(route_exchange_t *x, const route_file_conf_t *c, int *status);

#endif
