/* SPDX-License-Identifier: BSD-2-Clause */
/* The daemon's life as a process: going to the background with the parent waiting for the
 * child's start-up verdict on a pipe, the pid file, SIGTERM/SIGINT asking the loop to stop,
 * and the boot id that tells the host this is a new NIC. */
#ifndef IOTCP_NICD_DAEMON_H
#define IOTCP_NICD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

/* Fork into the background; the parent exits with the child's startup verdict, read from a
 * pipe. Returns the write end for the child (or -1 on failure, in the parent's process). */
int nicd_daemonize(void);
/* Tell the waiting parent (ready_fd from nicd_daemonize(); -1: none) whether start-up worked;
 * on success stdout and stderr go to /dev/null. */
void nicd_startup_done(int ready_fd, bool ok);
/* Write our pid to path. 0 or -1 (errno). */
int nicd_write_pid_file(const char *path);

/* SIGTERM and SIGINT set the stop flag; SIGPIPE is ignored. */
void nicd_signals_install(void);
/* True once a stop signal arrived. */
bool nicd_stop_requested(void);

/* A random non-zero boot id (the clock and pid if getrandom fails). */
uint64_t nicd_new_boot_id(void);

#endif
