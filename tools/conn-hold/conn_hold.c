/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-conn-hold: open many idle keep-alive HTTP connections and hold them (issue 13 item 3).
 *
 *   iotcp-conn-hold --server IP [--port P] --conns N [--src IP,IP,...] [--inflight K]
 *                   [--connect-timeout MS] [--request PATH] [--extra N]
 *
 * Opens N connections (non-blocking connect, at most K in progress at once, source addresses
 * used in turn when --src is given: one address has about 64k ports), sends one keep-alive
 * request on each (when --request is given) and reads its whole response, so every connection
 * held has done real work, then holds them idle. Then --extra more connections are attempted
 * and each one's fate is counted: refused (RST: ECONNREFUSED/ECONNRESET, or closed by the
 * server: a 503 counts as busy, anything else as bad), timed out (no SYN-ACK) or accepted.
 *
 * Commands on stdin, one per line, each answered with one "key=value ..." line on stdout:
 *   status            counters now (held connections still open, closed by the peer)
 *   check K           one request on K held connections spread over all of them: ok / failed
 *   quit              close everything and exit
 * The first line printed, when every connection is up (or failed), is the "held" line.
 * Each connection is a descriptor: one process holds at most RLIMIT_NOFILE's hard limit.
 *
 * Only addresses the caller gives are used (the testbed's 198.18.0.0/15). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SRC 64

enum cstate { C_CONNECTING, C_REQUEST, C_IDLE, C_DEAD };

struct conn {
	int fd;
	uint8_t st;
	uint32_t got; /* response bytes so far (status line + head + body) */
	uint64_t started_ms;
};

struct opts {
	struct in_addr server;
	uint16_t port;
	uint32_t conns, extra, inflight, connect_timeout_ms;
	const char *request;
	struct in_addr src[MAX_SRC];
	unsigned nsrc;
};

struct counts {
	uint64_t held, refused, reset, timeout, closed_by_peer, busy, bad_response, other_err;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int start_connect(const struct opts *o, unsigned src_i, int *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->nsrc) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = o->src[src_i % o->nsrc]};
		/* the port is picked at connect time, per 4-tuple */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			*err = errno;
			close(fd);
			return -1;
		}
	}
	struct sockaddr_in da = {.sin_family = AF_INET, .sin_port = htons(o->port),
				 .sin_addr = o->server};
	if (connect(fd, (struct sockaddr *)&da, sizeof(da)) < 0 && errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static char req_buf[512];
static size_t req_len;

static bool send_request(struct conn *c)
{
	return send(c->fd, req_buf, req_len, MSG_NOSIGNAL) == (ssize_t)req_len;
}

/* Reads what is there; true when a whole response ("HTTP/1.1 200" head + Content-Length body)
 * arrived. *bad: not a 200 or the peer closed. */
static bool read_response(struct conn *c, bool *bad, bool *closed, bool *busy)
{
	static char buf[65536];
	static char head[8192];
	/* one response at a time per connection, handled to completion before the next read of
	 * another connection: the head is parsed from the first read (small responses) */
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
	*bad = false;
	*closed = false;
	*busy = false;
	if (n == 0) {
		*closed = true;
		return false;
	}
	if (n < 0)
		return false;
	if (c->got == 0) {
		size_t k = (size_t)n < sizeof(head) - 1 ? (size_t)n : sizeof(head) - 1;
		memcpy(head, buf, k);
		head[k] = 0;
		if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
			*busy = strncmp(head, "HTTP/1.1 503", 12) == 0;
			*bad = !*busy;
			return false;
		}
		char *end = strstr(head, "\r\n\r\n");
		char *cl = strcasestr(head, "\r\nContent-Length:");
		if (!end || !cl) {
			*bad = true;
			return false;
		}
		unsigned long len = strtoul(cl + 17, NULL, 10);
		uint32_t need = (uint32_t)(end + 4 - head) + (uint32_t)len;
		c->got = need; /* remember what is owed; count down */
	}
	c->got = (uint32_t)n >= c->got ? 0 : c->got - (uint32_t)n;
	return c->got == 0;
}

/* Drives connections [first, first + n) from connect through one request to idle. */
static void open_batch(const struct opts *o, struct conn *cs, uint32_t n, struct counts *ct,
		       unsigned *src_rr)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint32_t next = 0, pending = 0;
	struct epoll_event evs[256];

	while (next < n || pending) {
		while (next < n && pending < o->inflight) {
			struct conn *c = &cs[next];
			int err = 0;
			c->fd = start_connect(o, (*src_rr)++, &err);
			c->got = 0;
			c->started_ms = now_ms();
			if (c->fd < 0) {
				c->st = C_DEAD;
				if (err == EADDRNOTAVAIL)
					fprintf(stderr, "conn-hold: out of source ports\n");
				ct->other_err++;
				next++;
				continue;
			}
			c->st = C_CONNECTING;
			struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = next};
			epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
			next++;
			pending++;
		}
		int k = epoll_wait(ep, evs, 256, 50);
		for (int i = 0; i < k; i++) {
			struct conn *c = &cs[evs[i].data.u32];
			bool done = false, fail = false;
			if (c->st == C_CONNECTING) {
				int e = 0;
				socklen_t el = sizeof(e);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
				if (e) {
					if (e == ECONNREFUSED)
						ct->refused++;
					else if (e == ECONNRESET)
						ct->reset++;
					else if (e == ETIMEDOUT)
						ct->timeout++;
					else
						ct->other_err++;
					fail = true;
				} else if (!(evs[i].events & EPOLLOUT)) {
					continue;
				} else if (!o->request) {
					done = true;
				} else if (!send_request(c)) {
					ct->other_err++;
					fail = true;
				} else {
					c->st = C_REQUEST;
					struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[i].data.u32};
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				}
			} else if (c->st == C_REQUEST) {
				bool bad, closed, busy;
				if (read_response(c, &bad, &closed, &busy))
					done = true;
				else if (bad || closed || busy) {
					if (closed)
						ct->closed_by_peer++;
					else if (busy)
						ct->busy++;
					else
						ct->bad_response++;
					fail = true;
				}
			}
			if (done || fail) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				pending--;
				if (done) {
					c->st = C_IDLE;
					ct->held++;
				} else {
					close(c->fd);
					c->fd = -1;
					c->st = C_DEAD;
				}
			}
		}
		/* connections that got no answer in time: no SYN-ACK (or no response) */
		uint64_t now = now_ms();
		static uint64_t last_scan;
		if (now - last_scan >= 200) {
			last_scan = now;
			for (uint32_t j = 0; j < next; j++) {
				struct conn *c = &cs[j];
				if ((c->st != C_CONNECTING && c->st != C_REQUEST) ||
				    now - c->started_ms < o->connect_timeout_ms)
					continue;
				if (c->st == C_CONNECTING)
					ct->timeout++;
				else
					ct->bad_response++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				c->st = C_DEAD;
				pending--;
			}
		}
	}
	close(ep);
}

/* Held connections the peer closed (readable with EOF or an error) since they went idle. */
static uint64_t count_closed(struct conn *cs, uint32_t n)
{
	uint64_t closed = 0;
	struct pollfd pf;
	char b[1];

	for (uint32_t i = 0; i < n; i++) {
		if (cs[i].st != C_IDLE)
			continue;
		pf.fd = cs[i].fd;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    recv(cs[i].fd, b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
			closed++;
			cs[i].st = C_DEAD;
			close(cs[i].fd);
			cs[i].fd = -1;
		}
	}
	return closed;
}

/* One request on k idle connections spread over the table; each must get a whole 200. */
static void check(const struct opts *o, struct conn *cs, uint32_t n, uint32_t k, uint64_t *ok,
		  uint64_t *failed)
{
	uint32_t step = k ? (n / k ? n / k : 1) : 1;

	*ok = *failed = 0;
	for (uint32_t i = 0, done = 0; i < n && done < k; i += step) {
		struct conn *c = &cs[i];
		if (c->st != C_IDLE)
			continue;
		done++;
		c->got = 0;
		bool good = false;
		if (o->request && send_request(c)) {
			uint64_t until = now_ms() + o->connect_timeout_ms;
			while (now_ms() < until) {
				struct pollfd pf = {.fd = c->fd, .events = POLLIN};
				if (poll(&pf, 1, 100) <= 0)
					continue;
				bool bad, closed, busy;
				if (read_response(c, &bad, &closed, &busy)) {
					good = true;
					break;
				}
				if (bad || closed || busy)
					break;
			}
		}
		if (good)
			(*ok)++;
		else
			(*failed)++;
	}
}

static int parse_src(struct opts *o, const char *list)
{
	char *dup = strdup(list), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (o->nsrc == MAX_SRC || inet_pton(AF_INET, t, &o->src[o->nsrc]) != 1) {
			free(dup);
			return -1;
		}
		o->nsrc++;
	}
	free(dup);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: iotcp-conn-hold --server IP [--port P] --conns N [--src IP,IP,...]\n"
			"         [--inflight K] [--connect-timeout MS] [--request PATH] [--extra N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.port = 80, .inflight = 256, .connect_timeout_ms = 5000};
	static const struct option lo[] = {
		{"server", required_argument, NULL, 's'}, {"port", required_argument, NULL, 'p'},
		{"conns", required_argument, NULL, 'n'},  {"src", required_argument, NULL, 'S'},
		{"inflight", required_argument, NULL, 'k'},
		{"connect-timeout", required_argument, NULL, 't'},
		{"request", required_argument, NULL, 'r'}, {"extra", required_argument, NULL, 'x'},
		{NULL, 0, NULL, 0}};
	bool have_server = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 's': have_server = inet_pton(AF_INET, optarg, &o.server) == 1; break;
		case 'p': o.port = (uint16_t)atoi(optarg); break;
		case 'n': o.conns = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'S': if (parse_src(&o, optarg) < 0) usage(); break;
		case 'k': o.inflight = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': o.connect_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': o.request = optarg; break;
		case 'x': o.extra = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!have_server || (!o.conns && !o.extra) || !o.inflight)
		usage();
	if (o.request) {
		char host[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &o.server, host, sizeof(host));
		req_len = (size_t)snprintf(req_buf, sizeof(req_buf),
					   "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n",
					   o.request, host);
	}
	/* every connection is a descriptor: raise the soft limit up to the hard one (an
	 * unprivileged hard limit, 20000 here, means several processes for 100k: the caller's) */
	struct rlimit rl;
	rlim_t want = (rlim_t)o.conns + o.extra + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want) {
		fprintf(stderr, "conn-hold: %u connections need %llu descriptors, the limit is %llu\n",
			o.conns + o.extra, (unsigned long long)want, (unsigned long long)rl.rlim_cur);
		return 1;
	}
	uint32_t total = o.conns + o.extra;
	struct conn *cs = calloc(total, sizeof(*cs));
	if (!cs)
		return 1;
	struct counts held = {0}, extra = {0};
	unsigned src_rr = 0;
	uint64_t t0 = now_ms();
	open_batch(&o, cs, o.conns, &held, &src_rr);
	printf("held=%" PRIu64 " refused=%" PRIu64 " reset=%" PRIu64 " timeout=%" PRIu64
	       " closed=%" PRIu64 " busy=%" PRIu64 " bad=%" PRIu64 " err=%" PRIu64
	       " ms=%" PRIu64 "\n",
	       held.held, held.refused, held.reset, held.timeout, held.closed_by_peer, held.busy,
	       held.bad_response, held.other_err, now_ms() - t0);
	fflush(stdout);
	if (o.extra) {
		open_batch(&o, cs + o.conns, o.extra, &extra, &src_rr);
		/* extra connections that were accepted count as held too: close them again so
		 * the held set stays what the caller asked for */
		for (uint32_t i = o.conns; i < total; i++)
			if (cs[i].st == C_IDLE) {
				close(cs[i].fd);
				cs[i].st = C_DEAD;
			}
		printf("extra_accepted=%" PRIu64 " extra_refused=%" PRIu64 " extra_reset=%" PRIu64
		       " extra_timeout=%" PRIu64 " extra_closed=%" PRIu64 " extra_busy=%" PRIu64
		       " extra_bad=%" PRIu64 " extra_err=%" PRIu64 "\n",
		       extra.held, extra.refused, extra.reset, extra.timeout, extra.closed_by_peer,
		       extra.busy, extra.bad_response, extra.other_err);
		fflush(stdout);
	}
	uint64_t closed_total = 0;
	char line[128];
	while (fgets(line, sizeof(line), stdin)) {
		unsigned k;
		if (strncmp(line, "status", 6) == 0) {
			closed_total += count_closed(cs, o.conns);
			printf("open=%" PRIu64 " closed_by_peer=%" PRIu64 "\n", held.held - closed_total,
			       closed_total);
		} else if (sscanf(line, "check %u", &k) == 1) {
			uint64_t ok, failed;
			check(&o, cs, o.conns, k, &ok, &failed);
			printf("check_ok=%" PRIu64 " check_failed=%" PRIu64 "\n", ok, failed);
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			printf("error=unknown-command\n");
		}
		fflush(stdout);
	}
	for (uint32_t i = 0; i < total; i++)
		if (cs[i].fd > 0 && cs[i].st != C_DEAD)
			close(cs[i].fd);
	free(cs);
	return 0;
}
