/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd: a static HTTP/1.1 server on the iotcp socket + offload API. */
#ifndef IOTCP_HTTPD_SERVER_H
#define IOTCP_HTTPD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iotcp/iotcp.h"

enum httpd_mode {
	HTTPD_MODE_OFFLOAD, /* the NIC reads and sends file bytes (iotcp_offload_*) */
	HTTPD_MODE_COPY,    /* the host reads files and writes them to the socket */
};

struct httpd;

struct httpd_config {
	enum httpd_mode mode;
	const char *docroot;       /* copy mode only: offload mode never touches it */
	uint16_t port;             /* HTTP; 0: none (HTTPS only) */
	uint16_t tls_port;         /* HTTPS when tls is set (443) */
	struct iotcp_tls_ctx *tls; /* certificate and key; NULL: no HTTPS */
	int backlog;
	unsigned max_conns;        /* beyond: 503 and close */
	unsigned max_header_bytes; /* request line + header fields; beyond: 431 (at most
				    * HTTP_MAX_HEADER_BYTES, the parser's own limit) */
	unsigned request_timeout_ms; /* a started request must be complete by then (408) */
	unsigned idle_timeout_ms;  /* keep-alive connection with nothing to do */
	unsigned send_timeout_ms;  /* no send progress for this long: abort */
	FILE *access_log;          /* common log format; NULL = none */
	/* The status page (status.h) on its own listener: status_port 0 = off (the default);
	 * status_ip (host byte order) 0 = every address of ours. */
	uint32_t status_ip;
	uint16_t status_port;
	/* Listen on [::] (IPv6 and IPv4 alike) rather than 0.0.0.0: when the stack has an IPv6
	 * address. The status listener stays on status_ip. */
	bool ipv6;
	/* --workers: SO_REUSEPORT on the listeners (kernel sockets: several workers on one port;
	 * the IO-TCP stack has a listener per worker anyway, the NIC steering between them). */
	bool reuse_port;
	const char *server_name;
	/* Called about once a second from the serving loop (e.g. to write counters). */
	void (*on_tick)(struct httpd *h, void *arg);
	void *tick_arg;
};

void httpd_config_default(struct httpd_config *c);

struct httpd;

struct httpd_stats {
	uint64_t accepted, requests, active, rejected_503;
	uint64_t status_2xx, status_3xx, status_4xx, status_5xx;
	uint64_t body_bytes, timeouts;
	uint64_t file_bytes_read; /* copy mode: file bytes the server read to send itself */
	uint64_t lingering; /* lingering closes after an error response (linger.c LINGER_MS) */
};

/* Listen and get ready; NULL with errno. */
struct httpd *httpd_new(struct iotcp_ctx *ctx, const struct httpd_config *cfg);
/* Serve until *stop becomes true (checked at least every 200 ms). Returns 0. */
int httpd_run(struct httpd *h, volatile bool *stop);
void httpd_get_stats(const struct httpd *h, struct httpd_stats *st);
void httpd_free(struct httpd *h);

#endif
