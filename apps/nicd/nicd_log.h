/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd's log: timestamped lines "YYYY-mm-dd HH:MM:SS.mmm iotcp-nicd[pid]: ..." to the
 * --log-file (DPDK's own log goes there too) or to stderr. One log per process. */
#ifndef IOTCP_NICD_LOG_H
#define IOTCP_NICD_LOG_H

/* Append to path from now on. 0, or -1 with errno set (the log stays on stderr). */
int nicd_log_open(const char *path);
/* Hand the log file to DPDK's log as well (after the EAL is up); no-op without a log file. */
void nicd_log_to_eal(void);
/* Back to stderr; closes the log file (and takes it from DPDK's log). */
void nicd_log_close(void);

__attribute__((format(printf, 1, 2))) void nicd_log(const char *fmt, ...);

#endif
