/* The worker timers behind proxy-wasm ticks (plugin/plugin.h,
 * plugin_ticker_t): timers on the calling worker's loop, kept in a list of
 * the thread's own so that the worker's exit lets each one go. */
#ifndef IFRIT_SERVER_SRV_PLUGIN_TICKER_H
#define IFRIT_SERVER_SRV_PLUGIN_TICKER_H

/* Registers them with the plugin layer (srv_register_natives). */
void srv_plugin_ticker_register(void);
/* At a worker's exit: every timer of this thread gets its last call. */
void srv_plugin_ticker_thread_exit(void);

#endif
