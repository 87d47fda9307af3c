/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd request handling: one state machine per connection, driven by iotcp epoll events.
 *
 *   READ ──request parsed──> OPEN_WAIT ──file opened──> SEND ──body queued──> READ (keep-alive)
 *                                                                        └──> close
 * Responses are produced strictly in request order, so pipelined requests are handled by parsing
 * the next one only once the previous response is fully queued. In offload mode the host never
 * opens a file: iotcp_offload_open/fstat/write ask the NIC. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fidcache.h"
#include "status.h"
#include "http/http.h"
#include "http/select.h"
#include "util/beneath.h"
#include "util/wheel.h"
#include "server.h"

#define IN_CAP       (HTTP_MAX_HEADER_BYTES + 1024)
#define HEAD_CAP     1024 /* a response head (and a short error body) */
#define LOCATION_MAX 640  /* a redirect's encoded path; longer: 414 (it could not fit HEAD_CAP) */
#define COPY_CHUNK   (64 * 1024)
#define MAX_BODY_DISCARD (1u << 20) /* request bodies we read and drop; larger: 413 */
#define MAX_EVENTS   256
#define SWEEP_MS     200  /* timeouts are checked this often */
#define WHEEL_SLOTS  1024 /* of SWEEP_MS / 2: a 102 s span (longer timeouts come back early) */
/* Lingering close after an error response that closes the connection (like Apache's
 * lingering_close): the write side is shut (TLS: close_notify, then FIN), what the client still
 * sends is read and dropped for at most LINGER_MS or LINGER_BYTES, then the socket is closed.
 * Closing at once with unread request bytes would reset the connection (RFC 9293 3.10.4), and
 * the client's stack may throw the response away with it. */
#define LINGER_MS    2000
#define LINGER_BYTES (64u * 1024u)

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

	struct hconn_bufs *b;    /* NULL while idle */
	size_t inlen;
	size_t req_len;          /* bytes of in[] the current request occupies */
	uint64_t discard_left;   /* request body bytes still to drop; ST_LINGER: budget left */
	bool keep_alive;
	bool close_after;        /* close once this response is queued */
	bool head_only;
	bool status_page;        /* accepted on the status listener: every GET is the page */

	/* response (its head and body range are in b) */
	int fid;                 /* offload fid, or kernel fd in copy mode; -1 none */
	struct fid_ref *fref;    /* offload: fid belongs to the open-file cache */
	/* copy mode: bytes read from the file but not yet taken by the socket */
	uint8_t *copybuf;
	size_t copylen, copyoff;
};

struct httpd {
	struct iotcp_ctx *ctx;
	struct httpd_config cfg;
	int lsd, tls_lsd, status_lsd, epd; /* listeners: HTTP, HTTPS, status (-1: none) */
	int docroot_fd; /* copy mode */
	struct hconn **conns; /* by descriptor */
	size_t nconns_cap;
	struct httpd_stats st;
	char date[30];
	time_t date_t;
	time_t log_t;	   /* the second log_when shows */
	char log_when[64]; /* access log timestamp */
	uint64_t next_sweep_ms, next_tick_ms;
	struct fidcache fids; /* offload mode: open NIC files by path */
	struct wheel timers;  /* every connection's next timeout (sweep) */
	struct hconn_bufs *free_bufs; /* request buffers kept for reuse */
	unsigned nfree_bufs;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void httpd_config_default(struct httpd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = HTTPD_MODE_OFFLOAD;
	c->port = 80;
	c->tls_port = 443;
	c->backlog = 1024;
	c->max_conns = 4096;
	c->max_header_bytes = HTTP_MAX_HEADER_BYTES;
	c->request_timeout_ms = 10000;
	c->idle_timeout_ms = 30000;
	c->send_timeout_ms = 60000;
	c->server_name = "iotcp-httpd";
}

static const char *http_date_now(struct httpd *h)
{
	time_t t = time(NULL);
	if (t != h->date_t) {
		h->date_t = t;
		http_format_date(t, h->date);
	}
	return h->date;
}

static int conn_events(const struct hconn *c)
{
	switch (c->st) {
	case ST_SEND:
		return EPOLLOUT | EPOLLRDHUP;
	case ST_OPEN_WAIT:
		return EPOLLRDHUP | IOTCP_EPOLLOFFLOAD;
	default:
		return EPOLLIN | EPOLLRDHUP;
	}
}

static void conn_watch(struct httpd *h, struct hconn *c)
{
	struct epoll_event ev = {.events = (uint32_t)conn_events(c), .data.fd = c->sd};
	iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_MOD, c->sd, &ev);
}

static void body_release(struct httpd *h, struct hconn *c)
{
	if (c->fref) {
		fidcache_release(&h->fids, c->fref);
		c->fref = NULL;
		c->fid = -1;
	}
	if (c->fid >= 0) {
		if (h->cfg.mode == HTTPD_MODE_OFFLOAD)
			iotcp_offload_close(h->ctx, c->fid);
		else
			close(c->fid);
		c->fid = -1;
	}
	free(c->copybuf);
	c->copybuf = NULL;
	c->copylen = c->copyoff = 0;
}

#define FREE_BUFS_MAX 64 /* request buffers cached for reuse (malloc of 23 KiB is not free) */

/* Request buffers for c (not zeroed: 23 KiB; the small fields are). */
static bool bufs_get(struct httpd *h, struct hconn *c)
{
	struct hconn_bufs *b = h->free_bufs;

	if (b) {
		h->free_bufs = b->next_free;
		h->nfree_bufs--;
	} else if (!(b = malloc(sizeof(*b)))) {
		return false;
	}
	memset(&b->req, 0, sizeof(b->req));
	b->path[0] = b->reqline[0] = '\0';
	b->headlen = b->headoff = 0;
	b->status = 0;
	b->tried_index = false;
	b->body_off = b->body_end = b->body_total = 0;
	c->b = b;
	return true;
}

static void bufs_put(struct httpd *h, struct hconn *c)
{
	struct hconn_bufs *b = c->b;

	if (!b)
		return;
	c->b = NULL;
	if (h->nfree_bufs >= FREE_BUFS_MAX) {
		free(b);
		return;
	}
	b->next_free = h->free_bufs;
	h->free_bufs = b;
	h->nfree_bufs++;
}

/* An idle connection gives its request buffers back (see struct hconn_bufs). */
static void bufs_trim(struct httpd *h, struct hconn *c)
{
	if (c->st == ST_READ && c->inlen == 0)
		bufs_put(h, c);
}

/* When c's next timeout (request, idle or send) is due. */
static uint64_t conn_due(const struct httpd *h, const struct hconn *c)
{
	if (c->st == ST_LINGER)
		return c->deadline_ms;
	if (c->st != ST_READ)
		return c->last_progress_ms + h->cfg.send_timeout_ms;
	if (c->deadline_ms)
		return c->deadline_ms;
	if (c->inlen == 0)
		return c->last_progress_ms + h->cfg.idle_timeout_ms;
	return c->last_progress_ms + h->cfg.request_timeout_ms;
}

/* Keep c's timer no later than its next timeout. Progress only moves timeouts later, so the
 * wheel entry may be early: the sweep then re-arms it (lazy; no wheel work per request). */
static void conn_timer(struct httpd *h, struct hconn *c)
{
	uint64_t due = conn_due(h, c);

	if (!wheel_armed(&c->timer) || due < c->timer.due)
		wheel_arm(&h->timers, &c->timer, due);
}

static void conn_close(struct httpd *h, struct hconn *c, bool abort_conn)
{
	body_release(h, c);
	iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_DEL, c->sd, NULL);
	if (abort_conn) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		iotcp_setsockopt(h->ctx, c->sd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	iotcp_close(h->ctx, c->sd);
	if ((size_t)c->sd < h->nconns_cap)
		h->conns[c->sd] = NULL;
	h->st.active--;
	wheel_cancel(&h->timers, &c->timer);
	bufs_put(h, c);
	free(c);
}

/* A peer's address for the log: IPv4 dotted (also an IPv4-mapped IPv6 peer), else IPv6. */
static void peer_text(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)cap);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)cap);
		return;
	}
	inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, (socklen_t)cap);
}

static void access_log(struct httpd *h, struct hconn *c)
{
	if (!h->cfg.access_log)
		return;
	char addr[INET6_ADDRSTRLEN];
	time_t t = time(NULL);
	if (t != h->log_t) { /* one strftime a second */
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(h->log_when, sizeof(h->log_when), "%d/%b/%Y:%H:%M:%S %z", &tm);
		h->log_t = t;
	}
	const char *when = h->log_when;
	peer_text(&c->peer, addr, sizeof(addr));
	uint64_t bytes = c->head_only ? 0 : c->b->body_total;
	if (bytes)
		fprintf(h->cfg.access_log, "%s - - [%s] \"%s\" %d %" PRIu64 "\n", addr, when,
			c->b->reqline, c->b->status, bytes);
	else
		fprintf(h->cfg.access_log, "%s - - [%s] \"%s\" %d -\n", addr, when, c->b->reqline,
			c->b->status);
}

static void count_status(struct httpd *h, int status)
{
	if (status < 300)
		h->st.status_2xx++;
	else if (status < 400)
		h->st.status_3xx++;
	else if (status < 500)
		h->st.status_4xx++;
	else
		h->st.status_5xx++;
}

/* The response head is built in c->b->head by head_add, which never writes past HEAD_CAP: n is
 * the length so far, -1 once something did not fit (then it stays -1). */
__attribute__((format(printf, 3, 4))) static int head_add(struct hconn *c, int n,
							  const char *fmt, ...)
{
	va_list ap;

	if (n < 0 || n >= HEAD_CAP)
		return -1;
	va_start(ap, fmt);
	int r = vsnprintf(c->b->head + n, (size_t)(HEAD_CAP - n), fmt, ap);
	va_end(ap);
	if (r < 0 || r >= HEAD_CAP - n)
		return -1;
	return n + r;
}

/* Start a response: status line and the headers every response carries. */
static int head_begin(struct httpd *h, struct hconn *c, int status)
{
	c->b->status = status;
	count_status(h, status);
	/* HTTP/1.0 clients keep a connection only when told so (RFC 9112 section 9.3). */
	const char *conn = !c->keep_alive ? "Connection: close\r\n"
			   : c->b->req.version_minor == 0 ? "Connection: keep-alive\r\n"
						       : "";
	return head_add(c, 0, "HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n%s", status,
			http_reason(status), h->cfg.server_name, http_date_now(h), conn);
}

/* End the head. False when it did not fit: a bare 500 that closes the connection was put in
 * its place (the caller sends no body). */
static bool head_finish(struct httpd *h, struct hconn *c, int n)
{
	static const char overflow[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
				       "Connection: close\r\n\r\n";
	bool ok = n >= 0 && n <= HEAD_CAP - 3;

	if (ok) {
		memcpy(c->b->head + n, "\r\n", 3);
		c->b->headlen = (size_t)n + 2;
	} else {
		c->b->status = 500;
		c->keep_alive = false;
		memcpy(c->b->head, overflow, sizeof(overflow));
		c->b->headlen = sizeof(overflow) - 1;
	}
	c->b->headoff = 0;
	c->st = ST_SEND;
	return ok;
}

/* Percent-encode path for a Location header (RFC 3986 section 2: unreserved characters,
 * sub-delims, ':', '@' and '/' stay). False when it needs more than cap - 1 bytes. */
static bool uri_path_encode(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@/", *p);
		if (o + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return true;
}

/* A response whose text body (blen bytes; may be NULL when none) follows the head in the
 * same buffer. */
static void respond_text(struct httpd *h, struct hconn *c, int status, const char *extra,
			 const char *body, int blen)
{
	bool has_body = body != NULL;
	if (status >= 400 && status != 404 && status != 416 && status != 405)
		c->keep_alive = false; /* the request stream may be out of sync */
	int n = head_begin(h, c, status);
	if (extra)
		n = head_add(c, n, "%s", extra);
	if (has_body)
		n = head_add(c, n,
			     "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n",
			     blen);
	/* the body goes out from the same buffer: it must fit behind the head */
	if (n >= 0 && has_body && !c->head_only && n + 2 + blen >= HEAD_CAP)
		n = -1;
	if (!head_finish(h, c, n))
		blen = 0;
	else if (has_body && !c->head_only) {
		memcpy(c->b->head + c->b->headlen, body, (size_t)blen);
		c->b->headlen += (size_t)blen;
	}
	c->b->body_off = c->b->body_end = 0;
	c->b->body_total = c->head_only ? 0 : (uint64_t)blen;
	c->close_after = !c->keep_alive;
}

/* An error or bodiless response with a short text body. */
static void respond_simple(struct httpd *h, struct hconn *c, int status, const char *extra)
{
	char body[128];
	bool has_body = status != 304 && status >= 200;
	int blen = has_body ? snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status)) : 0;
	respond_text(h, c, status, extra, has_body ? body : NULL, blen);
}

/* The status page (status.h): the server's counters, its connections by state, the file
 * bytes the NIC sent (the stack's count) and those the server read itself (copy mode). */
static void respond_status(struct httpd *h, struct hconn *c)
{
	struct httpd_status s = {.active = h->st.active, .accepts = h->st.accepted,
				 .handled = h->st.accepted - h->st.rejected_503,
				 .requests = h->st.requests};
	struct iotcp_stats is;
	char body[512];

	for (size_t i = 0; i < h->nconns_cap; i++) {
		const struct hconn *o = h->conns[i];
		if (!o)
			continue;
		if (o->st == ST_SEND || o->st == ST_OPEN_WAIT || o == c)
			s.writing++;
		else if (o->inlen || o->st == ST_DRAIN)
			s.reading++;
		else
			s.waiting++;
	}
	iotcp_get_stats(h->ctx, &is);
	s.offload_bytes = is.offload_bytes;
	s.host_file_bytes = h->st.file_bytes_read;
	int blen = httpd_status_format(body, sizeof(body), &s);
	if (blen < 0)
		respond_simple(h, c, 500, NULL);
	else
		respond_text(h, c, 200, "Cache-Control: no-cache\r\n", body, blen);
}

/* ---- files: copy mode opens them itself, offload mode asks the NIC ---- */

/* Returns 0 opened (c->fid valid), -EINPROGRESS (offload: wait for the event), or -errno. */
static int file_open(struct httpd *h, struct hconn *c)
{
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD) {
		const char *p = c->b->path[0] == '/' ? c->b->path + 1 : c->b->path;
		struct fid_ref *r = fidcache_get(&h->fids, p, now_ms());
		if (r) {
			struct stat st;
			if (iotcp_offload_fstat(h->ctx, r->fid, &st) == 0) {
				c->fid = r->fid;
				c->fref = r;
				return 0; /* open already: no round trip to the NIC */
			}
			fidcache_forget(&h->fids, r); /* failed (NIC restart): open afresh */
			fidcache_release(&h->fids, r);
		}
		int fid = iotcp_offload_open(h->ctx, c->sd, p);
		if (fid < 0)
			return -errno;
		c->fid = fid;
		return -EINPROGRESS;
	}
	/* O_NONBLOCK: a FIFO must not hold the server (respond_file refuses it: 403) */
	int fd = open_beneath(h->docroot_fd, c->b->path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	c->fid = fd;
	return 0;
}

static int file_stat(struct httpd *h, struct hconn *c, struct stat *st)
{
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD)
		return iotcp_offload_fstat(h->ctx, c->fid, st) == 0 ? 0 : -errno;
	return fstat(c->fid, st) == 0 ? 0 : -errno;
}

static int errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:
	case ELOOP:
		return 403;
	case ENAMETOOLONG:
		return 414;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOSPC:
	case EAGAIN:
		return 503;
	default:
		return 500;
	}
}

static void respond_file(struct httpd *h, struct hconn *c);

/* Open c->b->path; respond once the file is open (now, or on IOTCP_EPOLLOFFLOAD in offload mode). */
static void open_and_respond(struct httpd *h, struct hconn *c)
{
	int rc = file_open(h, c);
	if (rc == -EINPROGRESS) {
		c->st = ST_OPEN_WAIT;
		return;
	}
	if (rc < 0) {
		respond_simple(h, c, errno_status(-rc), NULL);
		return;
	}
	respond_file(h, c);
}

/* The file is open: decide the response from its metadata. */
static void respond_file(struct httpd *h, struct hconn *c)
{
	struct stat st;
	int rc = file_stat(h, c, &st);
	if (rc < 0) {
		body_release(h, c);
		respond_simple(h, c, errno_status(-rc), NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		body_release(h, c);
		size_t len = strlen(c->b->path);
		if (len && c->b->path[len - 1] != '/') {
			char enc[LOCATION_MAX], loc[LOCATION_MAX + 16];
			if (!uri_path_encode(c->b->path, enc, sizeof(enc))) {
				respond_simple(h, c, 414, NULL); /* too long to redirect */
				return;
			}
			snprintf(loc, sizeof(loc), "Location: %s/\r\n", enc);
			respond_simple(h, c, 301, loc);
			return;
		}
		if (c->b->tried_index || len + 10 >= sizeof(c->b->path)) {
			respond_simple(h, c, 403, NULL);
			return;
		}
		c->b->tried_index = true;
		strcat(c->b->path, "index.html");
		open_and_respond(h, c);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		body_release(h, c);
		respond_simple(h, c, 403, NULL);
		return;
	}
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD && !c->fref)
		c->fref = fidcache_put(&h->fids, c->b->path[0] == '/' ? c->b->path + 1 : c->b->path, c->fid,
				       now_ms());

	/* RFC 9110 conditionals, If-Range and Range: src/http/select.h */
	struct http_file_meta meta = {.size = (uint64_t)st.st_size,
				      .mtime_sec = st.st_mtim.tv_sec,
				      .mtime_nsec = st.st_mtim.tv_nsec};
	struct http_selection sel;
	http_select_response(&c->b->req, &meta, &sel);
	if (sel.status == 304 || sel.status == 416) {
		char extra[160];
		body_release(h, c);
		if (sel.status == 304)
			snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: %s\r\n", sel.etag,
				 sel.last_modified);
		else
			snprintf(extra, sizeof(extra), "Content-Range: bytes */%" PRIu64 "\r\n",
				 meta.size);
		respond_simple(h, c, sel.status, extra);
		return;
	}
	int status = sel.status;
	uint64_t size = meta.size, first = sel.first, len = sel.len;
	const char *etag = sel.etag, *lastmod = sel.last_modified;
	int n = head_begin(h, c, status);
	n = head_add(c, n,
		     "Content-Type: %s\r\nContent-Length: %" PRIu64
		     "\r\nLast-Modified: %s\r\nETag: %s\r\nAccept-Ranges: bytes\r\n",
		     http_mime_type(c->b->path), len, lastmod, etag);
	if (status == 206)
		n = head_add(c, n, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
			     first, first + len - 1, size);
	if (!head_finish(h, c, n)) {
		body_release(h, c);
		c->b->body_total = 0;
		c->b->body_off = c->b->body_end = 0;
		c->close_after = true;
		return;
	}
	c->b->body_total = c->head_only ? 0 : len;
	c->b->body_off = first;
	c->b->body_end = c->head_only ? first : first + len;
	c->close_after = !c->keep_alive;
	if (c->b->body_off == c->b->body_end)
		body_release(h, c);
}

/* ---- request intake ---- */

static void start_request(struct httpd *h, struct hconn *c)
{
	const struct http_request *r = &c->b->req;
	snprintf(c->b->reqline, sizeof(c->b->reqline), "%.*s %.*s HTTP/1.%d", (int)r->method_str.len,
		 r->method_str.p, (int)(r->target.len > 200 ? 200 : r->target.len), r->target.p,
		 r->version_minor);
	h->st.requests++;
	c->keep_alive = r->keep_alive;
	c->head_only = r->method == HTTP_M_HEAD;
	c->b->tried_index = false;
	c->b->body_total = 0;

	if (r->method == HTTP_M_OTHER) {
		c->keep_alive = false; /* we do not read its body */
		respond_simple(h, c, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if (c->status_page) {
		respond_status(h, c);
		return;
	}
	int n = http_decode_path(r->target.p, r->target.len, c->b->path, sizeof(c->b->path) - 16);
	if (n < 0) {
		respond_simple(h, c, -n, NULL);
		return;
	}
	if (c->b->path[n - 1] == '/') {
		strcat(c->b->path, "index.html");
		c->b->tried_index = true;
	}
	open_and_respond(h, c);
}

/* Parse what is buffered; start the next response if a request is complete. */
static void parse_next(struct httpd *h, struct hconn *c)
{
	if (c->inlen == 0)
		return;
	int rc = http_parse_request(c->b->in, c->inlen, &c->b->req);
	/* the configured header limit, below the parser's own (HTTP_MAX_HEADER_BYTES) */
	if ((rc == 0 && c->inlen > h->cfg.max_header_bytes) || rc > (int)h->cfg.max_header_bytes)
		rc = -431;
	if (rc == 0) {
		if (c->deadline_ms == 0)
			c->deadline_ms = now_ms() + h->cfg.request_timeout_ms;
		return;
	}
	c->deadline_ms = 0;
	if (rc < 0) {
		snprintf(c->b->reqline, sizeof(c->b->reqline), "-");
		c->keep_alive = false;
		c->head_only = false;
		h->st.requests++;
		respond_simple(h, c, -rc, NULL);
		c->req_len = c->inlen;
		return;
	}
	c->req_len = (size_t)rc;
	if (c->b->req.content_length > 0) {
		if ((uint64_t)c->b->req.content_length > MAX_BODY_DISCARD) {
			snprintf(c->b->reqline, sizeof(c->b->reqline), "-");
			c->keep_alive = false;
			c->head_only = false;
			h->st.requests++;
			respond_simple(h, c, 413, NULL);
			c->req_len = c->inlen;
			return;
		}
		/* The body follows the header; drop it once the response is queued. */
		c->discard_left = (uint64_t)c->b->req.content_length;
	}
	start_request(h, c);
}

/* Lingering close (LINGER_MS): shut the write side after the queued response and drop what
 * still arrives. */
static void linger_start(struct httpd *h, struct hconn *c)
{
	if (iotcp_shutdown(h->ctx, c->sd, SHUT_WR) < 0) {
		conn_close(h, c, false);
		return;
	}
	h->st.lingering++;
	bufs_put(h, c); /* nothing more is parsed */
	c->inlen = c->req_len = 0;
	c->st = ST_LINGER;
	c->discard_left = LINGER_BYTES;
	c->deadline_ms = now_ms() + LINGER_MS;
	wheel_cancel(&h->timers, &c->timer); /* due earlier than a send timeout */
	conn_timer(h, c);
	conn_watch(h, c);
}

/* ST_LINGER: read and drop. Returns false when c was freed (EOF, error, budget spent). */
static bool linger_read(struct httpd *h, struct hconn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t r = iotcp_read(h->ctx, c->sd, sink, sizeof(sink));
		if (r < 0 && errno == EAGAIN)
			return true;
		if (r <= 0 || (uint64_t)r >= c->discard_left) {
			/* EOF (the client saw our FIN / close_notify), an error, or the budget spent:
			 * a client still sending now gets the reset it asked for */
			conn_close(h, c, false);
			return false;
		}
		c->discard_left -= (uint64_t)r;
	}
}

/* The response is fully queued: log, then move on to the next request or close. */
static bool response_done(struct httpd *h, struct hconn *c)
{
	access_log(h, c);
	h->st.body_bytes += c->b->body_total;
	body_release(h, c);
	if (c->close_after && c->b->status >= 400) {
		linger_start(h, c);
		return false;
	}
	if (c->close_after) {
		conn_close(h, c, false);
		return false;
	}
	memmove(c->b->in, c->b->in + c->req_len, c->inlen - c->req_len);
	c->inlen -= c->req_len;
	c->req_len = 0;
	/* Drop a request body that followed. */
	uint64_t drop = c->discard_left < c->inlen ? c->discard_left : c->inlen;
	memmove(c->b->in, c->b->in + drop, c->inlen - drop);
	c->inlen -= drop;
	c->discard_left -= drop;
	c->st = c->discard_left ? ST_DRAIN : ST_READ;
	c->deadline_ms = 0;
	c->last_progress_ms = now_ms();
	return true;
}

/* Queue as much of the response as the socket takes. Returns false if c was freed. */
static bool send_some(struct httpd *h, struct hconn *c)
{
	while (c->b->headoff < c->b->headlen) {
		ssize_t w = iotcp_write(h->ctx, c->sd, c->b->head + c->b->headoff, c->b->headlen - c->b->headoff);
		if (w < 0) {
			if (errno == EAGAIN)
				return true;
			conn_close(h, c, true);
			return false;
		}
		c->b->headoff += (size_t)w;
		c->last_progress_ms = now_ms();
	}
	while (c->b->body_off < c->b->body_end || c->copyoff < c->copylen) {
		uint64_t want = c->b->body_end - c->b->body_off;
		if (h->cfg.mode == HTTPD_MODE_OFFLOAD) {
			off_t off = (off_t)c->b->body_off;
			ssize_t w = iotcp_offload_write(h->ctx, c->sd, c->fid, &off,
							want > SIZE_MAX ? SIZE_MAX : (size_t)want);
			if (w < 0) {
				if (errno == EAGAIN)
					return true;
				conn_close(h, c, true);
				return false;
			}
			c->b->body_off = (uint64_t)off;
		} else {
			if (c->copyoff == c->copylen) {
				if (!c->copybuf && !(c->copybuf = malloc(COPY_CHUNK))) {
					conn_close(h, c, true);
					return false;
				}
				size_t n = want > COPY_CHUNK ? COPY_CHUNK : (size_t)want;
				ssize_t r = pread(c->fid, c->copybuf, n, (off_t)c->b->body_off);
				if (r <= 0) {
					/* file shrank or I/O error: the length is promised, abort */
					conn_close(h, c, true);
					return false;
				}
				c->copylen = (size_t)r;
				c->copyoff = 0;
				h->st.file_bytes_read += (uint64_t)r;
				c->b->body_off += (uint64_t)r;
			}
			ssize_t w = iotcp_write_file(h->ctx, c->sd, c->copybuf + c->copyoff,
						     c->copylen - c->copyoff);
			if (w < 0) {
				if (errno == EAGAIN)
					return true;
				conn_close(h, c, true);
				return false;
			}
			c->copyoff += (size_t)w;
		}
		c->last_progress_ms = now_ms();
	}
	if (!response_done(h, c))
		return false;
	return true;
}

/* Read what the socket has. Returns false if c was freed. */
static bool read_some(struct httpd *h, struct hconn *c)
{
	for (;;) {
		if (c->st == ST_DRAIN) {
			char sink[4096];
			size_t n = c->discard_left < sizeof(sink) ? (size_t)c->discard_left : sizeof(sink);
			ssize_t r = iotcp_read(h->ctx, c->sd, sink, n);
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				conn_close(h, c, false);
				return false;
			}
			if (r < 0)
				return true;
			c->discard_left -= (uint64_t)r;
			if (c->discard_left == 0)
				c->st = ST_READ;
			continue;
		}
		if (!c->b && !bufs_get(h, c)) {
			conn_close(h, c, true); /* out of memory: this connection only */
			return false;
		}
		if (c->inlen == sizeof(c->b->in))
			return true; /* parse_next answers 431 */
		ssize_t r = iotcp_read(h->ctx, c->sd, c->b->in + c->inlen, sizeof(c->b->in) - c->inlen);
		if (r == 0) {
			conn_close(h, c, false);
			return false;
		}
		if (r < 0) {
			if (errno == EAGAIN)
				return true;
			conn_close(h, c, true);
			return false;
		}
		c->inlen += (size_t)r;
		c->last_progress_ms = now_ms();
		if (c->st != ST_READ)
			return true;
		parse_next(h, c);
		if (c->st != ST_READ)
			return true;
	}
}

/* Run c as far as it goes without waiting. */
static void drive(struct httpd *h, struct hconn *c)
{
	if (c->st == ST_LINGER) {
		if (linger_read(h, c))
			conn_watch(h, c);
		return;
	}
	for (int rounds = 0; rounds < 64; rounds++) {
		enum hconn_state before = c->st;
		if (c->st == ST_READ || c->st == ST_DRAIN) {
			if (!read_some(h, c))
				return;
			if (c->st == ST_READ)
				parse_next(h, c);
		}
		if (c->st == ST_SEND) {
			if (!send_some(h, c))
				return;
			if (c->st == ST_READ && c->inlen) {
				parse_next(h, c); /* pipelined request already buffered */
				continue;
			}
		}
		if (c->st == before)
			break;
	}
	bufs_trim(h, c);
	conn_timer(h, c);
	conn_watch(h, c);
}

static void accept_all(struct httpd *h, int lsd)
{
	bool tls = lsd == h->tls_lsd;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int sd = iotcp_accept(h->ctx, lsd, (struct sockaddr *)&peer, &plen);
		if (sd < 0)
			return;
		h->st.accepted++;
		if (tls && (h->st.active >= h->cfg.max_conns || (size_t)sd >= 1u << 24)) {
			iotcp_close(h->ctx, sd); /* no plaintext 503 on the TLS port */
			h->st.rejected_503++;
			continue;
		}
		if (h->st.active >= h->cfg.max_conns || (size_t)sd >= 1u << 24) {
			static const char busy[] =
				"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
				"Content-Length: 0\r\nRetry-After: 1\r\n\r\n";
			iotcp_write(h->ctx, sd, busy, sizeof(busy) - 1);
			iotcp_close(h->ctx, sd);
			h->st.rejected_503++;
			continue;
		}
		if ((size_t)sd >= h->nconns_cap) {
			size_t cap = h->nconns_cap ? h->nconns_cap : 1024;
			while (cap <= (size_t)sd)
				cap *= 2;
			struct hconn **n = realloc(h->conns, cap * sizeof(*n));
			if (!n) {
				iotcp_close(h->ctx, sd);
				continue;
			}
			memset(n + h->nconns_cap, 0, (cap - h->nconns_cap) * sizeof(*n));
			h->conns = n;
			h->nconns_cap = cap;
		}
		struct hconn *c = calloc(1, sizeof(*c));
		if (!c) {
			iotcp_close(h->ctx, sd);
			continue;
		}
		if (tls && iotcp_tls_accept(h->ctx, sd, h->cfg.tls) < 0) {
			free(c);
			iotcp_close(h->ctx, sd);
			continue;
		}
		c->sd = sd;
		c->fid = -1;
		c->peer = peer;
		c->status_page = lsd == h->status_lsd;
		c->st = ST_READ;
		c->last_progress_ms = now_ms();
		h->conns[sd] = c;
		h->st.active++;
		int one = 1;
		iotcp_setsockopt(h->ctx, sd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = sd};
		if (iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_ADD, sd, &ev) < 0) {
			conn_close(h, c, true);
			continue;
		}
		drive(h, c);
	}
}

/* A connection's timer expired (or came back early from beyond the wheel's span). */
static void conn_timeout(struct wheel_timer *t, void *arg)
{
	struct httpd *h = arg;
	struct hconn *c = (struct hconn *)((char *)t - offsetof(struct hconn, timer));
	uint64_t now = now_ms();

	if (c->st == ST_LINGER && now >= c->deadline_ms) {
		conn_close(h, c, false); /* lingered long enough */
	} else if (c->st == ST_LINGER) {
		wheel_arm(&h->timers, &c->timer, c->deadline_ms);
	} else if (c->st == ST_READ && c->b && c->deadline_ms && now >= c->deadline_ms) {
		h->st.timeouts++;
		c->keep_alive = false;
		c->head_only = false;
		snprintf(c->b->reqline, sizeof(c->b->reqline), "-");
		h->st.requests++;
		respond_simple(h, c, 408, NULL);
		c->req_len = c->inlen;
		drive(h, c);
	} else if (c->st == ST_READ && c->inlen == 0 &&
		   now - c->last_progress_ms >= h->cfg.idle_timeout_ms) {
		h->st.timeouts++;
		conn_close(h, c, false);
	} else if (c->st != ST_READ && now - c->last_progress_ms >= h->cfg.send_timeout_ms) {
		h->st.timeouts++;
		conn_close(h, c, true);
	} else {
		wheel_arm(&h->timers, &c->timer, conn_due(h, c)); /* progress since it was armed */
	}
}

/* Request, idle and send timeouts: only the connections whose timer is due are visited
 * (a timer wheel; with 100k idle connections a walk over all of them five times a second
 * was the host's largest idle cost). */
static void sweep(struct httpd *h)
{
	uint64_t now = now_ms();
	if (now < h->next_sweep_ms)
		return;
	h->next_sweep_ms = now + SWEEP_MS;
	if (now >= h->next_tick_ms) {
		h->next_tick_ms = now + 1000;
		if (h->cfg.access_log)
			fflush(h->cfg.access_log); /* the log may be fully buffered */
		if (h->cfg.on_tick)
			h->cfg.on_tick(h, h->cfg.tick_arg);
	}
	wheel_sweep(&h->timers, now, conn_timeout, h);
}

static void close_offload_fid(void *ctx, int fid)
{
	struct httpd *h = ctx;
	iotcp_offload_close(h->ctx, fid);
}

/* A listening socket on port, watched by h->epd; -1 with errno. ip 0 with cfg.ipv6: [::], both
 * families. */
static int listen_on(struct httpd *h, uint32_t ip, uint16_t port)
{
	int one = 1, err;
	bool v6 = h->cfg.ipv6 && ip == 0;
	int sd = iotcp_socket(h->ctx, v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (sd < 0)
		return -1;
	iotcp_setsockopt(h->ctx, sd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(ip)};
	struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT};
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sd};
	if (v6) {
		int zero = 0; /* dual stack (the Linux shim's kernel may default to v6-only) */
		iotcp_setsockopt(h->ctx, sd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if ((v6 ? iotcp_bind(h->ctx, sd, (struct sockaddr *)&sa6, sizeof(sa6))
		: iotcp_bind(h->ctx, sd, (struct sockaddr *)&sa, sizeof(sa))) < 0 ||
	    iotcp_listen(h->ctx, sd, h->cfg.backlog) < 0 ||
	    iotcp_epoll_ctl(h->ctx, h->epd, EPOLL_CTL_ADD, sd, &ev) < 0) {
		err = errno;
		iotcp_close(h->ctx, sd);
		errno = err;
		return -1;
	}
	return sd;
}

struct httpd *httpd_new(struct iotcp_ctx *ctx, const struct httpd_config *cfg)
{
	struct httpd *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ctx = ctx;
	h->cfg = *cfg;
	h->lsd = h->tls_lsd = h->status_lsd = h->epd = h->docroot_fd = -1;
	fidcache_init(&h->fids, close_offload_fid, h);
	int err;
	if (wheel_init(&h->timers, WHEEL_SLOTS, SWEEP_MS / 2, now_ms()) < 0) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}

	if (cfg->mode == HTTPD_MODE_COPY) {
		h->docroot_fd = open(cfg->docroot ? cfg->docroot : ".",
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->docroot_fd < 0)
			goto fail;
	}
	if (!cfg->port && !cfg->tls) {
		errno = EINVAL;
		goto fail;
	}
	h->epd = iotcp_epoll_create(ctx);
	if (h->epd < 0)
		goto fail;
	if (cfg->port && (h->lsd = listen_on(h, 0, cfg->port)) < 0)
		goto fail;
	if (cfg->tls && (h->tls_lsd = listen_on(h, 0, cfg->tls_port)) < 0)
		goto fail;
	if (cfg->status_port &&
	    (h->status_lsd = listen_on(h, cfg->status_ip, cfg->status_port)) < 0)
		goto fail;
	return h;
fail:
	err = errno;
	httpd_free(h);
	errno = err;
	return NULL;
}

int httpd_run(struct httpd *h, volatile bool *stop)
{
	struct epoll_event evs[MAX_EVENTS];
	while (!*stop) {
		int n = iotcp_epoll_wait(h->ctx, h->epd, evs, MAX_EVENTS, 200);
		for (int i = 0; i < n; i++) {
			int sd = evs[i].data.fd;
			if (sd == h->lsd || sd == h->tls_lsd || sd == h->status_lsd) {
				accept_all(h, sd);
				continue;
			}
			if (sd < 0 || (size_t)sd >= h->nconns_cap || !h->conns[sd])
				continue;
			struct hconn *c = h->conns[sd];
			if (evs[i].events & EPOLLERR) {
				conn_close(h, c, true);
				continue;
			}
			if (c->st == ST_OPEN_WAIT && (evs[i].events & IOTCP_EPOLLOFFLOAD)) {
				struct stat st;
				if (iotcp_offload_fstat(h->ctx, c->fid, &st) < 0 && errno == EINPROGRESS)
					continue;
				respond_file(h, c);
			}
			if (c->st == ST_OPEN_WAIT) {
				if (evs[i].events & (EPOLLHUP | EPOLLRDHUP))
					conn_close(h, c, false);
				continue;
			}
			drive(h, c);
		}
		sweep(h);
	}
	return 0;
}

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nconns_cap; i++)
		if (h->conns[i])
			conn_close(h, h->conns[i], true);
	fidcache_clear(&h->fids);
	free(h->conns);
	while (h->free_bufs) {
		struct hconn_bufs *b = h->free_bufs;
		h->free_bufs = b->next_free;
		free(b);
	}
	wheel_free(&h->timers);
	if (h->epd >= 0)
		iotcp_close(h->ctx, h->epd);
	if (h->lsd >= 0)
		iotcp_close(h->ctx, h->lsd);
	if (h->tls_lsd >= 0)
		iotcp_close(h->ctx, h->tls_lsd);
	if (h->status_lsd >= 0)
		iotcp_close(h->ctx, h->status_lsd);
	if (h->docroot_fd >= 0)
		close(h->docroot_fd);
	free(h);
}
