/* The native reverse_proxy transport (route/proxy_transport.h): one call
 * carries a request to an upstream over a pooled connection
 * (srv_upstream.h) and relays the response to the client, streaming both
 * bodies with bounded buffers:
 *   request body:  read from the client only while less than
 *                  SRV_PROXY_HIGH_WATER waits to be written upstream;
 *   response body: read from the upstream only while the client's output
 *                  queue is below SRV_PROXY_HIGH_WATER (x->io->queued /
 *                  wait_writable).
 * Every byte read is handed on at once (flushed as it arrives), unless a
 * positive flush_interval applies (route_proxy_flush_delay): then up to one
 * read_buffer is held until the exchange timer fires. A 101 to an upgrade
 * request hands the connection to x->io->upgrade (srv_tunnel.h).
 *
 * Hook: srv_register_natives() calls srv_proxy_register(); a worker calls
 * srv_proxy_thread_exit() when its loop ends. */
#ifndef IFRIT_SERVER_SRV_PROXY_H
#define IFRIT_SERVER_SRV_PROXY_H

#define SRV_PROXY_HIGH_WATER (256 * 1024)
#define SRV_PROXY_LOW_WATER (64 * 1024)

void srv_proxy_register(void);
void srv_proxy_thread_exit(void);

#endif
