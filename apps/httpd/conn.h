/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd internals: the server (struct httpd) and its connections (struct hconn, with the
 * request buffers they hold while busy) that the server's files share, and the connection
 * lifecycle of conn.c. */
#ifndef IOTCP_HTTPD_CONN_H
#define IOTCP_HTTPD_CONN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "fidcache.h"
#include "http/http.h"
#include "server.h"
#include "util/wheel.h"

#define IN_CAP	 (HTTP_MAX_HEADER_BYTES + 1024)
#define HEAD_CAP 1024 /* a response head (and a short error body) */
#define SWEEP_MS 200  /* timeouts are checked this often */

enum hconn_state {
	ST_READ,      /* waiting for (the rest of) a request */
	ST_OPEN_WAIT, /* offload open pending on the NIC */
	ST_SEND,      /* response head and/or body being queued */
	ST_DRAIN,     /* discarding a request body */
	ST_LINGER,    /* error response sent, write side shut: dropping input, then close */
};

/* What a connection needs only while it handles a request: allocated when bytes arrive, freed
 * when the connection is idle again (ST_READ, nothing buffered), so an idle keep-alive
 * connection costs a struct hconn and no more (issue 13: 100k idle connections). */
struct hconn_bufs {
	struct hconn_bufs *next_free; /* in the httpd's cache of free ones */
	char in[IN_CAP];
	struct http_request req;
	char head[HEAD_CAP];
	char path[PATH_MAX];
	char reqline[256];
	size_t headlen, headoff;
	int status;
	bool tried_index;
	uint64_t body_off, body_end; /* [off, end) still to queue */
	uint64_t body_total;
};

struct hconn {
	int sd;
	enum hconn_state st;
	struct sockaddr_storage peer; /* sockaddr_in, or sockaddr_in6 on the [::] listener */
	uint64_t deadline_ms;
	uint64_t last_progress_ms;
	struct wheel_timer timer; /* request, idle and send timeouts (sweep) */

	struct hconn_bufs *b; /* NULL while idle */
	size_t inlen;
	size_t req_len;	       /* bytes of in[] the current request occupies */
	uint64_t discard_left; /* request body bytes still to drop; ST_LINGER: budget left */
	bool keep_alive;
	bool close_after; /* close once this response is queued */
	bool head_only;
	bool status_page; /* accepted on the status listener: every GET is the page */

	/* response (its head and body range are in b) */
	int fid;	      /* offload fid, or kernel fd in copy mode; -1 none */
	struct fid_ref *fref; /* offload: fid belongs to the open-file cache */
	/* copy mode: the stack reads the file into the send buffer itself (iotcp_write_from_file)
	 * unless the socket cannot (TLS): then bytes read here but not yet taken by the socket */
	bool copy_via_buf;
	uint8_t *copybuf;
	size_t copylen, copyoff;
};

struct httpd {
	struct iotcp_ctx *ctx;
	struct httpd_config cfg;
	int lsd, tls_lsd, status_lsd, epd; /* listeners: HTTP, HTTPS, status (-1: none) */
	int docroot_fd;			   /* copy mode */
	struct hconn **conns;		   /* by descriptor */
	size_t nconns_cap;
	struct httpd_stats st;
	char date[30];
	time_t date_t;
	time_t log_t;	   /* the second log_when shows */
	char log_when[64]; /* access log timestamp */
	uint64_t next_sweep_ms, next_tick_ms;
	struct fidcache fids;	      /* offload mode: open NIC files by path */
	struct wheel timers;	      /* every connection's next timeout (sweep) */
	struct hconn_bufs *free_bufs; /* request buffers kept for reuse */
	unsigned nfree_bufs;
};

/* CLOCK_MONOTONIC in milliseconds: the server's clock for every timeout. */
uint64_t now_ms(void);
/* Set c's epoll interest from its state. */
void conn_watch(struct httpd *h, struct hconn *c);
/* Request buffers for c (from the free cache or malloc); false when out of memory. */
bool bufs_get(struct httpd *h, struct hconn *c);
/* Give c's request buffers back to the free cache. */
void bufs_put(struct httpd *h, struct hconn *c);
/* Keep c's timer no later than its next timeout. */
void conn_timer(struct httpd *h, struct hconn *c);
/* Close and free c (abort_conn: with a reset, SO_LINGER 0). */
void conn_close(struct httpd *h, struct hconn *c, bool abort_conn);
/* The response is fully queued: log, then the next request or close. False if c was freed. */
bool response_done(struct httpd *h, struct hconn *c);
/* Run c as far as it goes without waiting. */
void drive(struct httpd *h, struct hconn *c);
/* Timeouts due (every SWEEP_MS) and the once-a-second tick. */
void sweep(struct httpd *h);

#endif
