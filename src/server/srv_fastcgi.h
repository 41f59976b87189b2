/* The native transport of reverse_proxy's `transport fastcgi`
 * (route/proxy_transport.h, route/fastcgi.h): one call carries a request
 * to a FastCGI application such as php-fpm over a pooled connection
 * (srv_upstream.h: TCP or a unix socket; FCGI_KEEP_CONN keeps it for the
 * next request) and relays the answer, streaming both ways with the
 * bounds of srv_proxy.h:
 *   request body:  STDIN records, read from the client only while less
 *                  than SRV_PROXY_HIGH_WATER waits to be written;
 *   response body: STDOUT after its CGI head, read only while the
 *                  client's output queue is below SRV_PROXY_HIGH_WATER.
 * STDERR is logged with capture_stderr (at most SRV_FASTCGI_STDERR_KEEP
 * bytes of it per request), at warn level, error for a 4xx or 5xx.
 * Whatever the application sends that is not FastCGI as it should be is
 * a 502 before the head (an abort after it) and a log line naming it.
 *
 * Hook: srv_register_natives() calls srv_fastcgi_register(). */
#ifndef IFRIT_SERVER_SRV_FASTCGI_H
#define IFRIT_SERVER_SRV_FASTCGI_H

/* What fits one log line (IFR_LOG_MSG_MAX) with the words around it. */
#define SRV_FASTCGI_STDERR_KEEP 1536

void srv_fastcgi_register(void);

#endif
