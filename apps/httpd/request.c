/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd request intake: read from the socket (and drop request bodies), parse a request,
 * apply the configured limits (431, 413), and start its response. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "file_response.h"
#include "http/http.h"
#include "request.h"
#include "response.h"

#define MAX_BODY_DISCARD (1u << 20) /* request bodies we read and drop; larger: 413 */

static void start_request(struct httpd *h, struct hconn *c)
{
	const struct http_request *r = &c->b->req;
	snprintf(c->b->reqline, sizeof(c->b->reqline), "%.*s %.*s HTTP/1.%d",
		 (int)r->method_str.len, r->method_str.p,
		 (int)(r->target.len > 200 ? 200 : r->target.len), r->target.p, r->version_minor);
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
void parse_next(struct httpd *h, struct hconn *c)
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

/* Read what the socket has. Returns false if c was freed. */
bool read_some(struct httpd *h, struct hconn *c)
{
	for (;;) {
		if (c->st == ST_DRAIN) {
			char sink[4096];
			size_t n =
			    c->discard_left < sizeof(sink) ? (size_t)c->discard_left : sizeof(sink);
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
		ssize_t r =
		    iotcp_read(h->ctx, c->sd, c->b->in + c->inlen, sizeof(c->b->in) - c->inlen);
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
