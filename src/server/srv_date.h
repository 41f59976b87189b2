/* The Date header value (RFC 9110 section 5.6.7 IMF-fixdate), formatted
 * once per second per thread instead of once per response. */
#ifndef IFRIT_SERVER_SRV_DATE_H
#define IFRIT_SERVER_SRV_DATE_H

#include "base/str.h"

/* "Sun, 06 Nov 1994 08:49:37 GMT"; valid until the next call on this thread. */
ifr_str_t srv_date_now(void);

#endif
