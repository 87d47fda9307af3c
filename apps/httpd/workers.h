/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd --workers N: N processes, each a whole host context on a host shard of
 * iotcp-nicd --shards N (issue 13 item 1). The parent forks them once the command line is
 * parsed and then only supervises: it forwards TERM and INT to them, reaps them and logs one
 * that dies; it never restarts one nor stops the others (a worker that dies takes only its own
 * connections: the NIC steers each connection to one shard). Worker i connects to the memif
 * socket PATH (i = 0) or PATH.i, runs its own EAL (file prefix P-wI) on the i-th allowed CPU
 * from --lcore on, and writes its stats, log and access log to the given paths, suffixed .i
 * for i > 0. */
#ifndef IOTCP_HTTPD_WORKERS_H
#define IOTCP_HTTPD_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#define HTTPD_MAX_WORKERS 8 /* iotcp-nicd's NICD_MAX_SHARDS */

/* What a worker changes in the configuration: pointers to the parsed values, rewritten in the
 * child. */
struct httpd_worker_cfg {
	const char **nic_socket;
	const char **file_prefix;
	int *lcore;
	const char **stats_file;
	const char **log_file;
	const char **access_log;
};

/* Fork n workers (n >= 2). In a worker: returns its index with *cfg rewritten for it. In the
 * parent: supervises until every worker has exited, then returns -1 with *status the exit status
 * for the parent (0 when every worker exited 0). On a fork failure the workers already started
 * are stopped and -1 is returned with *status 1. */
int httpd_workers_run(unsigned n, struct httpd_worker_cfg *cfg, int *status);

#endif
