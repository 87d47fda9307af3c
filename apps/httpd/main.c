/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd: static HTTP/1.1 server on the IO-TCP host stack.
 *   iotcp-httpd --nic-socket PATH [--mode offload|copy] [--docroot DIR] [--ip A.B.C.D/N]
 *               [--ip6 ADDR/N|none]
 *               [--port 80] [--lcore N] [--file-prefix P] [--stats-file F] [--access-log F]
 *               [--log-file F] [--max-conns N] [--hello-timeout MS]
 *               [--request-timeout MS] [--idle-timeout MS] [--idle-sleep MIN_US,MAX_US]
 *               [--tcp-max-conns N] [--tcp-max-orphans N] [--tcp-fin-timeout MS]
 *               [--tcp-ooo-mem-kb N] [--tcp-sack-entries N]
 *               [--tls-port 443 --cert PEM --key PEM] [--key-update-records N]
 *               [--tls-handshake-timeout MS] [--status ADDR:PORT] [--workers N]
 * --cert/--key add HTTPS (TLS 1.3/1.2, AES-GCM; file records sealed on the NIC in offload mode)
 * on --tls-port beside HTTP on --port; --port 0 serves HTTPS only. --status serves a plain-text
 * status page (status.h; nginx stub_status' lines) on ADDR:PORT only; off by default.
 * --workers N runs N host contexts in N processes on the host shards of iotcp-nicd --shards N
 * (workers.h).
 * Built against the Linux shim (iotcp-httpd-linux) the same server runs on kernel sockets:
 * the baseline for benchmarks. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "iotcp/iotcp.h"
#include "server.h"
#include "workers.h"

static volatile bool stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = true;
}

struct tick_ctx {
	struct iotcp_ctx *ctx;
	const char *stats_file;
};

/* Counters: the stack's, then the server's, written to a temporary file renamed into place. */
static void write_stats(struct httpd *h, void *arg)
{
	struct tick_ctx *t = arg;
	char tmp[4096];
	if (!t->stats_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->stats_file);
	if (iotcp_dump_stats(t->ctx, tmp) < 0)
		return;
	FILE *f = fopen(tmp, "a");
	if (!f)
		return;
	struct httpd_stats st;
	httpd_get_stats(h, &st);
	fprintf(f,
		"httpd_accepted %llu\nhttpd_requests %llu\nhttpd_active %llu\nhttpd_503 %llu\n"
		"httpd_2xx %llu\nhttpd_3xx %llu\nhttpd_4xx %llu\nhttpd_5xx %llu\n"
		"httpd_body_bytes %llu\nhttpd_timeouts %llu\n",
		(unsigned long long)st.accepted, (unsigned long long)st.requests,
		(unsigned long long)st.active, (unsigned long long)st.rejected_503,
		(unsigned long long)st.status_2xx, (unsigned long long)st.status_3xx,
		(unsigned long long)st.status_4xx, (unsigned long long)st.status_5xx,
		(unsigned long long)st.body_bytes, (unsigned long long)st.timeouts);
	fclose(f);
	rename(tmp, t->stats_file);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iotcp-httpd --nic-socket PATH [--mode offload|copy] [--docroot DIR]\n"
		"         [--ip A.B.C.D/N] [--ip6 ADDR/N|none] [--port N] [--lcore N]\n"
		"         [--file-prefix P]\n"
		"         [--stats-file F] [--access-log F] [--log-file F] [--max-conns N]\n"
		"         [--hello-timeout MS] [--request-timeout MS] [--idle-timeout MS]\n"
		"         [--idle-sleep MIN_US,MAX_US] [--max-header-bytes N]\n"
		"         [--tls-port N --cert PEM --key PEM] [--key-update-records N]\n"
		"         [--tls-handshake-timeout MS] [--status ADDR:PORT] [--workers N]\n"
		"  --workers N           N worker processes (1..%u, default 1), one per host shard\n"
		"                        of iotcp-nicd --shards N: worker i uses the NIC socket\n"
		"                        PATH (i = 0) or PATH.i, its own EAL (file prefix P-wI)\n"
		"                        on the i-th allowed CPU from --lcore, and the stats, log\n"
		"                        and access log files suffixed .i (i > 0); each listens on\n"
		"                        the same ports (the NIC steers connections); a worker\n"
		"                        that dies is logged, not restarted\n"
		"  --ip6 ADDR/N          our IPv6 address and on-link prefix (default 2001:2::1/64);\n"
		"                        the HTTP and HTTPS ports listen on [::], both families;\n"
		"                        none: IPv4 only\n"
		"  --status ADDR:PORT    serve a plain-text status page (nginx stub_status' lines,\n"
		"                        then file bytes offloaded vs host-touched) on that address\n"
		"                        and port only (0.0.0.0: every address); off by default\n"
		"  --max-conns N         live HTTP connections; beyond: 503 and close (default 4096)\n"
		"  --max-header-bytes N  request line and header fields, bytes; beyond: 431\n"
		"                        (1024..%u, default %u)\n"
		"  --request-timeout MS  a started request must be complete by then: 408 (10000)\n"
		"  --idle-timeout MS     keep-alive connection with nothing to do: closed (30000)\n"
		"TCP limits (docs/limits.md; 0 = the default):\n"
		"  --tcp-max-conns N     connections in every state, incl. embryonic, orphans and\n"
		"                        TIME-WAIT (65536)\n"
		"  --tcp-max-orphans N   closed connections still closing; beyond, reset (16384)\n"
		"  --tcp-fin-timeout MS  a closed connection's FIN-WAIT-2 (60000)\n"
		"  --tcp-ooo-mem-kb N    out-of-order data held, all connections (65536)\n"
		"  --tcp-sack-entries N  SACK scoreboard entries per connection (send buffer\n"
		"                        segments + 64)\n"
		"  --port 0              no plain HTTP (with --cert/--key: HTTPS only)\n",
		HTTPD_MAX_WORKERS, HTTP_MAX_HEADER_BYTES, HTTP_MAX_HEADER_BYTES);
}

static int parse_cidr(const char *s, uint32_t *ip, uint8_t *prefix)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	long p = 24;
	if (slash) {
		*slash = '\0';
		char *end;
		p = strtol(slash + 1, &end, 10);
		if (*end || p < 1 || p > 32)
			return -1;
	}
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	*prefix = (uint8_t)p;
	return 0;
}

/* ADDR/N (IPv6, prefix 1..128, default 64), or "none" (all zero: no IPv6). */
static int parse_cidr6(const char *s, uint8_t ip6[16], uint8_t *prefix)
{
	char buf[64];
	if (strcmp(s, "none") == 0) {
		memset(ip6, 0, 16);
		*prefix = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	long p = 64;
	if (slash) {
		*slash = '\0';
		char *end;
		p = strtol(slash + 1, &end, 10);
		if (*end || p < 1 || p > 128)
			return -1;
	}
	struct in6_addr a;
	if (inet_pton(AF_INET6, buf, &a) != 1 || IN6_IS_ADDR_UNSPECIFIED(&a))
		return -1;
	memcpy(ip6, &a, 16);
	*prefix = (uint8_t)p;
	return 0;
}

/* ADDR:PORT, e.g. 198.18.0.1:8080; port 1..65535. */
static int parse_addr_port(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%s", s);
	char *colon = strrchr(buf, ':'), *end;
	if (!colon)
		return -1;
	*colon = '\0';
	long p = strtol(colon + 1, &end, 10);
	struct in_addr a;
	if (!colon[1] || *end || p < 1 || p > 65535 || inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	*port = (uint16_t)p;
	return 0;
}

int main(int argc, char **argv)
{
	struct iotcp_config icfg;
	struct httpd_config hcfg;
	struct iotcp_tls_config tcfg;
	const char *access_log = NULL;
	unsigned workers = 1;
	int rc = 1;

	iotcp_config_default(&icfg);
	httpd_config_default(&hcfg);
	iotcp_tls_config_default(&tcfg);
	static const struct option opts[] = {
		{"nic-socket", required_argument, NULL, 's'},
		{"mode", required_argument, NULL, 'm'},
		{"docroot", required_argument, NULL, 'd'},
		{"ip", required_argument, NULL, 'i'},
		{"ip6", required_argument, NULL, 7},
		{"port", required_argument, NULL, 'p'},
		{"lcore", required_argument, NULL, 'l'},
		{"file-prefix", required_argument, NULL, 'f'},
		{"stats-file", required_argument, NULL, 'S'},
		{"access-log", required_argument, NULL, 'a'},
		{"log-file", required_argument, NULL, 'L'},
		{"max-conns", required_argument, NULL, 'c'},
		{"hello-timeout", required_argument, NULL, 'H'},
		{"request-timeout", required_argument, NULL, 'R'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"idle-sleep", required_argument, NULL, 'W'},
		{"max-header-bytes", required_argument, NULL, 'X'},
		{"tcp-max-conns", required_argument, NULL, 1},
		{"tcp-max-orphans", required_argument, NULL, 2},
		{"tcp-fin-timeout", required_argument, NULL, 3},
		{"tcp-ooo-mem-kb", required_argument, NULL, 4},
		{"tcp-sack-entries", required_argument, NULL, 5},
		{"tls-port", required_argument, NULL, 'T'},
		{"cert", required_argument, NULL, 'C'},
		{"key", required_argument, NULL, 'K'},
		{"key-update-records", required_argument, NULL, 'U'},
		{"tls-handshake-timeout", required_argument, NULL, 'Y'},
		{"status", required_argument, NULL, 6},
		{"workers", required_argument, NULL, 8},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int o, oi = 0;
	while ((o = getopt_long(argc, argv, "h", opts, &oi)) != -1) {
		char *end = NULL;
		long v;
		switch (o) {
		case 's': icfg.nic_socket = optarg; break;
		case 'm':
			if (strcmp(optarg, "offload") == 0)
				hcfg.mode = HTTPD_MODE_OFFLOAD;
			else if (strcmp(optarg, "copy") == 0)
				hcfg.mode = HTTPD_MODE_COPY;
			else {
				fprintf(stderr, "iotcp-httpd: --mode must be offload or copy\n");
				return 2;
			}
			break;
		case 'd': hcfg.docroot = optarg; break;
		case 'i':
			if (parse_cidr(optarg, &icfg.ip, &icfg.prefix_len) < 0) {
				fprintf(stderr, "iotcp-httpd: bad --ip %s (want A.B.C.D/N)\n", optarg);
				return 2;
			}
			break;
		case 7:
			if (parse_cidr6(optarg, icfg.ip6, &icfg.prefix6_len) < 0) {
				fprintf(stderr, "iotcp-httpd: bad --ip6 %s (want ADDR/N or none)\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 65535) {
				fprintf(stderr, "iotcp-httpd: bad --port %s\n", optarg);
				return 2;
			}
			hcfg.port = (uint16_t)v;
			break;
		case 'T':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 65535) {
				fprintf(stderr, "iotcp-httpd: bad --tls-port %s\n", optarg);
				return 2;
			}
			hcfg.tls_port = (uint16_t)v;
			break;
		case 6:
			if (parse_addr_port(optarg, &hcfg.status_ip, &hcfg.status_port) < 0) {
				fprintf(stderr, "iotcp-httpd: bad --status %s (want ADDR:PORT)\n",
					optarg);
				return 2;
			}
			break;
		case 8:
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > HTTPD_MAX_WORKERS) {
				fprintf(stderr, "iotcp-httpd: bad --workers %s (1..%u)\n", optarg,
					HTTPD_MAX_WORKERS);
				return 2;
			}
			workers = (unsigned)v;
			break;
		case 'C': tcfg.cert_file = optarg; break;
		case 'K': tcfg.key_file = optarg; break;
		case 'U':
			tcfg.key_update_records = strtoull(optarg, &end, 10);
			if (*end || !tcfg.key_update_records) {
				fprintf(stderr, "iotcp-httpd: bad --key-update-records %s\n", optarg);
				return 2;
			}
			break;
		case 'Y':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 3600000) {
				fprintf(stderr, "iotcp-httpd: bad --tls-handshake-timeout %s\n", optarg);
				return 2;
			}
			tcfg.handshake_timeout_ms = (unsigned)v;
			break;
		case 'l': icfg.lcore = atoi(optarg); break;
		case 'f': icfg.file_prefix = optarg; break;
		case 'S': icfg.stats_file = optarg; break;
		case 'a': access_log = optarg; break;
		case 'L': icfg.log_file = optarg; break;
		case 'c':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1) {
				fprintf(stderr, "iotcp-httpd: bad --max-conns %s\n", optarg);
				return 2;
			}
			hcfg.max_conns = (unsigned)v;
			break;
		case 'H': icfg.hello_timeout_ms = (unsigned)atoi(optarg); break;
		case 'R': hcfg.request_timeout_ms = (unsigned)atoi(optarg); break;
		case 'I': hcfg.idle_timeout_ms = (unsigned)atoi(optarg); break;
		case 'W': {
			unsigned lo, hi;
			char extra;
			if (sscanf(optarg, "%u,%u%c", &lo, &hi, &extra) != 2 || !lo || hi < lo ||
			    hi > 1000000) {
				fprintf(stderr, "iotcp-httpd: bad --idle-sleep %s (want MIN_US,MAX_US)\n",
					optarg);
				return 2;
			}
			icfg.idle_min_us = lo;
			icfg.idle_max_us = hi;
			break;
		}
		case 'X':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1024 || v > HTTP_MAX_HEADER_BYTES) {
				fprintf(stderr, "iotcp-httpd: bad --max-header-bytes %s (1024..%u)\n",
					optarg, HTTP_MAX_HEADER_BYTES);
				return 2;
			}
			hcfg.max_header_bytes = (unsigned)v;
			break;
		case 1: case 2: case 3: case 4: case 5: {
			unsigned *limit[] = {&icfg.tcp_max_conns, &icfg.tcp_max_orphans,
					     &icfg.tcp_fin_timeout_ms, &icfg.tcp_ooo_mem_kb,
					     &icfg.tcp_sack_entries};
			unsigned long lv = strtoul(optarg, &end, 10);
			if (*end || !*optarg || lv > UINT32_MAX / 2) {
				fprintf(stderr, "iotcp-httpd: bad --%s %s\n", opts[oi].name, optarg);
				return 2;
			}
			*limit[o - 1] = (unsigned)lv;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!tcfg.cert_file != !tcfg.key_file) {
		fprintf(stderr, "iotcp-httpd: HTTPS needs both --cert and --key\n");
		return 2;
	}
	if (!hcfg.port && !tcfg.cert_file) {
		fprintf(stderr, "iotcp-httpd: --port 0 needs --cert and --key (HTTPS only)\n");
		return 2;
	}
	if (hcfg.mode == HTTPD_MODE_COPY && !hcfg.docroot) {
		fprintf(stderr, "iotcp-httpd: --mode copy needs --docroot\n");
		return 2;
	}
	if (workers > 1) {
		struct httpd_worker_cfg wc = {
		    .nic_socket = &icfg.nic_socket,
		    .file_prefix = &icfg.file_prefix,
		    .lcore = &icfg.lcore,
		    .stats_file = &icfg.stats_file,
		    .log_file = &icfg.log_file,
		    .access_log = &access_log,
		};
		int st;
		if (httpd_workers_run(workers, &wc, &st) < 0)
			return st; /* the parent, every worker gone */
		hcfg.reuse_port = true;
	}
	/* Send rings are freed by the ACK that empties them and allocated again by the next
	 * write (src/tcp/sndbuf.c: idle connections hold none): keep freed memory in the heap
	 * instead of giving it back to the kernel and faulting it in (zeroed) again per response.
	 * Fixed thresholds: glibc's dynamic ones trimmed the heap's top whenever a few rings
	 * were freed together (copy mode, 1 MiB x 16: brk/munmap + page faults ~15% of the host). */
	mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	if (access_log) {
		hcfg.access_log = fopen(access_log, "a");
		if (!hcfg.access_log) {
			fprintf(stderr, "iotcp-httpd: %s: %s\n", access_log, strerror(errno));
			return 1;
		}
		/* Fully buffered, flushed once a second (the tick) and at exit, like nginx's
		 * access_log buffer=: no write(2) per request. */
		setvbuf(hcfg.access_log, NULL, _IOFBF, 64 * 1024);
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct iotcp_ctx *ctx = iotcp_create(&icfg);
	if (!ctx) {
		fprintf(stderr, "iotcp-httpd: cannot start the host stack: %s\n", strerror(errno));
		goto out;
	}
	if (tcfg.cert_file) {
		hcfg.tls = iotcp_tls_ctx_new(ctx, &tcfg);
		if (!hcfg.tls) {
			fprintf(stderr, "iotcp-httpd: cannot set up TLS with %s and %s: %s (see the log)\n",
				tcfg.cert_file, tcfg.key_file, strerror(errno));
			iotcp_destroy(ctx);
			goto out;
		}
	}
	static const uint8_t no_ip6[16];
	hcfg.ipv6 = memcmp(icfg.ip6, no_ip6, 16) != 0;
	struct tick_ctx tick = {.ctx = ctx, .stats_file = icfg.stats_file};
	hcfg.on_tick = write_stats;
	hcfg.tick_arg = &tick;
	struct httpd *h = httpd_new(ctx, &hcfg);
	if (!h) {
		fprintf(stderr, "iotcp-httpd: cannot listen on port %u%s: %s\n", hcfg.port,
			hcfg.tls ? " or the TLS port" : "", strerror(errno));
		iotcp_tls_ctx_free(hcfg.tls);
		iotcp_destroy(ctx);
		goto out;
	}
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = {.s_addr = htonl(icfg.ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (hcfg.port)
		fprintf(stderr, "iotcp-httpd: serving http://%s:%u/ (%s mode)\n", ip, hcfg.port,
			hcfg.mode == HTTPD_MODE_OFFLOAD ? "offload" : "copy");
	if (hcfg.tls)
		fprintf(stderr, "iotcp-httpd: serving https://%s:%u/ (%s mode)\n", ip,
			hcfg.tls_port, hcfg.mode == HTTPD_MODE_OFFLOAD ? "offload" : "copy");
	if (hcfg.ipv6) {
		char ip6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, icfg.ip6, ip6, sizeof(ip6));
		if (hcfg.port)
			fprintf(stderr, "iotcp-httpd: serving http://[%s]:%u/\n", ip6, hcfg.port);
		if (hcfg.tls)
			fprintf(stderr, "iotcp-httpd: serving https://[%s]:%u/\n", ip6,
				hcfg.tls_port);
	}
	httpd_run(h, &stop);
	write_stats(h, &tick);
	httpd_free(h);
	iotcp_tls_ctx_free(hcfg.tls);
	iotcp_destroy(ctx);
	rc = 0;
out:
	if (hcfg.access_log)
		fclose(hcfg.access_log);
	return rc;
}
