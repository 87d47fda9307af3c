/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd: the server's public API (server.h): configuration defaults, the listeners,
 * accepting connections (503 beyond max_conns, TLS on the HTTPS port), the epoll loop that
 * dispatches events to connections (conn.c), statistics and teardown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fidcache.h"
#include "file_response.h"
#include "util/wheel.h"
#include "conn.h"
#include "server.h"

#define MAX_EVENTS   256
#define WHEEL_SLOTS  1024 /* of SWEEP_MS / 2: a 102 s span (longer timeouts come back early) */

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
	if (h->cfg.reuse_port)
		iotcp_setsockopt(h->ctx, sd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
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
