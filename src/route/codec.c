/* The registry of compressors (see codec.h). */
#include "route/codec.h"

static const route_codec_t *route_codecs[ROUTE_CODEC_MAX];
static size_t route_ncodecs;

int route_codec_register(const route_codec_t *c)
{
    for (size_t i = 0; i < route_ncodecs; i++)
        if (route_codecs[i] == c) return 0;
    if (route_ncodecs == ROUTE_CODEC_MAX) return -1;
    route_codecs[route_ncodecs++] = c;
    return 0;
}

const route_codec_t *route_codec_find(ifr_str_t name)
{
    for (size_t i = 0; i < route_ncodecs; i++)
        if (ifr_str_eq_cstr(name, route_codecs[i]->name)) return route_codecs[i];
    return NULL;
}
