/* The registry of compressors (see codec.h). */
#include "route/codec.h"

static const route_codec_t *route__codecs[ROUTE_CODEC_MAX];
static size_t route__ncodecs;

int route_codec_register(const route_codec_t *c)
{
    for (size_t i = 0; i < route__ncodecs; i++)
        if (route__codecs[i] == c) return 0;
    if (route__ncodecs == ROUTE_CODEC_MAX) return -1;
    route__codecs[route__ncodecs++] = c;
    return 0;
}

const route_codec_t *route_codec_find(ifr_str_t name)
{
    for (size_t i = 0; i < route__ncodecs; i++)
        if (ifr_str_eq_cstr(name, route__codecs[i]->name)) return route__codecs[i];
    return NULL;
}
