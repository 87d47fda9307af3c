/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd responses: the response head (status line, common headers, bounded by HEAD_CAP),
 * short text and error responses, the status page, and queueing a response's head and body on
 * the socket (send_some; offload: iotcp_offload_write, copy: iotcp_write_from_file, or on TLS
 * pread + iotcp_write_file). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "http/http.h"
#include "response.h"
#include "status.h"

#define COPY_CHUNK (64 * 1024)

static const char *http_date_now(struct httpd *h)
{
	time_t t = time(NULL);
	if (t != h->date_t) {
		h->date_t = t;
		http_format_date(t, h->date);
	}
	return h->date;
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
__attribute__((format(printf, 3, 4))) int head_add(struct hconn *c, int n, const char *fmt, ...)
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

/* head_add without a format: a string, or a number in decimal (the per-request head of a
 * file response is built from these; vsnprintf was 5% of the host's time at 4 KiB). */
int head_str(struct hconn *c, int n, const char *str)
{
	if (n < 0 || n >= HEAD_CAP)
		return -1;
	size_t len = strlen(str);
	if (len >= (size_t)(HEAD_CAP - n)) /* and its NUL, as vsnprintf */
		return -1;
	memcpy(c->b->head + n, str, len + 1);
	return n + (int)len;
}

int head_u64(struct hconn *c, int n, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return head_str(c, n, p);
}

/* Start a response: status line and the headers every response carries. */
int head_begin(struct httpd *h, struct hconn *c, int status)
{
	c->b->status = status;
	count_status(h, status);
	/* HTTP/1.0 clients keep a connection only when told so (RFC 9112 section 9.3). */
	const char *conn = !c->keep_alive		  ? "Connection: close\r\n"
			   : c->b->req.version_minor == 0 ? "Connection: keep-alive\r\n"
							  : "";
	int n = head_str(c, 0, "HTTP/1.1 ");
	n = head_u64(c, n, (uint64_t)(status < 0 ? 0 : status));
	n = head_str(c, n, " ");
	n = head_str(c, n, http_reason(status));
	n = head_str(c, n, "\r\nServer: ");
	n = head_str(c, n, h->cfg.server_name);
	n = head_str(c, n, "\r\nDate: ");
	n = head_str(c, n, http_date_now(h));
	n = head_str(c, n, "\r\n");
	return head_str(c, n, conn);
}

/* End the head. False when it did not fit: a bare 500 that closes the connection was put in
 * its place (the caller sends no body). */
bool head_finish(struct httpd *h, struct hconn *c, int n)
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
void respond_simple(struct httpd *h, struct hconn *c, int status, const char *extra)
{
	char body[128];
	bool has_body = status != 304 && status >= 200;
	int blen =
	    has_body ? snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status)) : 0;
	respond_text(h, c, status, extra, has_body ? body : NULL, blen);
}

/* The status page (status.h): the server's counters, its connections by state, the file
 * bytes the NIC sent (the stack's count) and those the server read itself (copy mode). */
void respond_status(struct httpd *h, struct hconn *c)
{
	struct httpd_status s = {.active = h->st.active,
				 .accepts = h->st.accepted,
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

/* Queue as much of the response as the socket takes. Returns false if c was freed. */
bool send_some(struct httpd *h, struct hconn *c)
{
	while (c->b->headoff < c->b->headlen) {
		ssize_t w = iotcp_write(h->ctx, c->sd, c->b->head + c->b->headoff,
					c->b->headlen - c->b->headoff);
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
		} else if (!c->copy_via_buf && c->copyoff == c->copylen) {
			ssize_t r =
			    iotcp_write_from_file(h->ctx, c->sd, c->fid, (off_t)c->b->body_off,
						  want > SIZE_MAX ? SIZE_MAX : (size_t)want);
			if (r < 0 && errno == EOPNOTSUPP) {
				c->copy_via_buf = true;
				continue;
			}
			if (r < 0 && errno == EAGAIN)
				return true;
			if (r <= 0) {
				/* file shrank or I/O error: the length is promised, abort */
				conn_close(h, c, true);
				return false;
			}
			h->st.file_bytes_read += (uint64_t)r;
			c->b->body_off += (uint64_t)r;
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
