/* See srv_natives.h. The backends live in codec_*.c and password_*.c
 * beside this file; each one's registration call goes here. */
#include "server/srv_natives.h"

void srv_register_natives(void)
{
}
