/* The native writer of log files, with rolling (srv_log_file.c). */
#ifndef IFRIT_SERVER_SRV_LOG_FILE_H
#define IFRIT_SERVER_SRV_LOG_FILE_H

/* Plugs the writer into src/route (route/log_output.h); before any plan loads. */
void srv_log_files_register(void);
/* Writes out every line still waiting, finishes the rolled files' work
 * and ends the threads; after the workers are done, before the exit. */
void srv_log_files_stop(void);

#endif
