/* MIME types by file extension: the common web types, as Caddy (Go's
 * mime package with its built-in table) would send them. */
#include "route/fs.h"

static const struct { const char *ext; const char *type; } route__mime_table[] = {
    { "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
    { "css", "text/css; charset=utf-8" }, { "js", "text/javascript; charset=utf-8" },
    { "mjs", "text/javascript; charset=utf-8" }, { "json", "application/json" },
    { "txt", "text/plain; charset=utf-8" }, { "md", "text/markdown; charset=utf-8" },
    { "csv", "text/csv; charset=utf-8" }, { "xml", "text/xml; charset=utf-8" },
    { "svg", "image/svg+xml" }, { "png", "image/png" }, { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" }, { "gif", "image/gif" }, { "webp", "image/webp" },
    { "avif", "image/avif" }, { "ico", "image/vnd.microsoft.icon" }, { "bmp", "image/bmp" },
    { "wasm", "application/wasm" }, { "pdf", "application/pdf" }, { "zip", "application/zip" },
    { "gz", "application/gzip" }, { "tar", "application/x-tar" }, { "zst", "application/zstd" },
    { "woff", "font/woff" }, { "woff2", "font/woff2" }, { "ttf", "font/ttf" }, { "otf", "font/otf" },
    { "mp4", "video/mp4" }, { "webm", "video/webm" }, { "mp3", "audio/mpeg" }, { "ogg", "audio/ogg" },
    { "wav", "audio/wav" }, { "webmanifest", "application/manifest+json" },
    { "map", "application/json" }, { "yaml", "application/yaml" }, { "yml", "application/yaml" },
    { "toml", "application/toml" }, { "rss", "application/rss+xml" }, { "atom", "application/atom+xml" },
};

const char *route_mime_type(ifr_str_t name)
{
    size_t dot = name.len;
    while (dot > 0 && name.ptr[dot - 1] != '.' && name.ptr[dot - 1] != '/') dot--;
    if (dot == 0 || name.ptr[dot - 1] != '.') return NULL;
    ifr_str_t ext = ifr_str_sub(name, dot, name.len);
    for (size_t i = 0; i < sizeof(route__mime_table) / sizeof(route__mime_table[0]); i++)
        if (ifr_str_eq_nocase(ext, ifr_cstr(route__mime_table[i].ext))) return route__mime_table[i].type;
    return NULL;
}
