/* basic_auth's password verifier at the edge (route/password.h). */
#ifndef IFRIT_EDGE_PASSWORD_H
#define IFRIT_EDGE_PASSWORD_H

/* The most bcrypt cost a request may spend at the edge: 14 is Caddy's
 * default (about 1.4 s of CPU in V8 on the development machine); each
 * step up doubles it. Higher costs are refused with a logged error. */
#define EDGE_BCRYPT_MAX_COST 14

void edge_password_register(void);

#endif
