/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd access log: one common-log-format line per response (cfg.access_log). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <time.h>

#include "access_log.h"
#include "conn.h"

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

void access_log(struct httpd *h, struct hconn *c)
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
