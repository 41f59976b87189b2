/* See srv_natives.h. The backends live in codec_*.c and password_*.c
 * beside this file; each one's registration call goes here. */
#include "server/srv_natives.h"

#include "fn/fn.h"
#include "plugin/plugin.h"

#include "server/codec_register.h"
#include "server/srv_fastcgi.h"
#include "server/srv_fnhost.h"
#include "server/srv_log_file.h"
#include "server/srv_plugin_ticker.h"
#include "server/srv_proxy.h"

void srv_register_natives(void)
{
    srv_route_natives_register();   /* gzip, zstd, bcrypt (codec_register.c) */
    srv_proxy_register();           /* reverse_proxy transport (srv_proxy.c) */
    srv_fastcgi_register();         /* its transport fastcgi (srv_fastcgi.c) */
    srv_fnhost_register();          /* functions' KV store and outbound HTTP (srv_fnhost*.c) */
    srv_log_files_register();       /* log files with rolling (srv_log_file.c) */
    srv_plugin_ticker_register();   /* proxy-wasm ticks on worker loops (srv_plugin_ticker.c) */
    /* Route's table has a place for each; these register into it only. */
    (void)fn_register_directives();      /* wasm, gojinn */
    (void)plugin_register_directives();  /* wasm_plugin */
}
