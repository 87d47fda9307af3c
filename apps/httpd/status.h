/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd's status page (--status ADDR:PORT, off by default): nginx stub_status' lines,
 * so the tools that read those read ours, then the file bytes the NIC sent versus the ones the
 * host handled itself. Formatting only; the server gathers the figures. */
#ifndef IOTCP_HTTPD_STATUS_H
#define IOTCP_HTTPD_STATUS_H

#include <stddef.h>
#include <stdint.h>

struct httpd_status {
	uint64_t active;   /* open client connections */
	uint64_t accepts;  /* connections accepted */
	uint64_t handled;  /* accepted and served (not refused with 503) */
	uint64_t requests; /* requests answered */
	uint64_t reading;  /* connections with part of a request */
	uint64_t writing;  /* connections with a response under way */
	uint64_t waiting;  /* idle keep-alive connections */
	uint64_t offload_bytes;	  /* file bytes the NIC sent on the host's behalf */
	uint64_t host_file_bytes; /* file bytes the host read and sent itself (copy mode) */
};

/* The page, NUL-terminated, into buf. Returns its length, or -1 when cap is too small. */
int httpd_status_format(char *buf, size_t cap, const struct httpd_status *s);

#endif
