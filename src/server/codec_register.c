/* One call that plugs the native codecs and password verifier into src/route. */
#include "server/codec_register.h"

#include "route/password.h"

void srv_route_natives_register(void)
{
    route_codec_register(&srv_codec_gzip);
    route_codec_register(&srv_codec_zstd);
    route_password_register(srv_password_crypt_verify);
    route_password_register_cache(srv_password_crypt_cached);
}
