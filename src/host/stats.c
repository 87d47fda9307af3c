/* SPDX-License-Identifier: BSD-2-Clause */
/* Counters: iotcp_get_stats, the "key value" stats file, lookup by name for tests. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/counters.h"
#include "host/ctx.h"
#include "host/host.h"
#include "host/link.h"
#include "host/neigh.h"
#include "host/offload_types.h"
#include "host/tls_session.h"
#include "util/atomic_file.h"

typedef void (*counter_fn)(void *arg, const char *prefix, const char *name, uint64_t v);

static void for_each_counter(struct iotcp_ctx *ctx, counter_fn fn, void *arg)
{
	const struct host_counters *c = &ctx->cnt;
	const struct tcp_stats *t = tcp_stack_stats(ctx->tcp);
	const struct host_link_stats *l = &ctx->link->stats;
	const struct neigh_stats *n = &ctx->neigh.st;
#define H(f) fn(arg, "host_", #f, c->f);
	HOST_COUNTERS(H)
#undef H
#define O(f) fn(arg, "host_offload_", #f, c->off_##f);
	HOST_OFFLOAD_COUNTERS(O)
#undef O
	for (unsigned r = 0; r < HOST_OFF_REASONS; r++) {
		char name[64];
		snprintf(name, sizeof(name), "err_%s", proto_error_reason_name((uint16_t)r));
		fn(arg, "host_offload_", name, c->off_errors[r]);
	}
	host_tls_dump_counters(ctx, fn, arg);
	fn(arg, "host_", "sockets", ctx->nsocks);
	fn(arg, "host_", "nic_up", ctx->nic.up);
	for (int e = 0; e < PKT_E_MAX; e++)
		fn(arg, "pkt_", pkt_err_name((enum pkt_err)e), ctx->pkt.err[e]);
#define T(f) fn(arg, "tcp_", #f, t->f);
	TCP_STATS(T)
#undef T
	fn(arg, "tcp_", "conns", tcp_stack_conn_count(ctx->tcp));
	fn(arg, "tcp_", "orphans", tcp_stack_orphan_count(ctx->tcp));
	fn(arg, "tcp_", "ooo_bytes", tcp_stack_ooo_bytes(ctx->tcp));
	for (int d = 0; d < TCP_DROP_MAX; d++) {
		char name[64];
		snprintf(name, sizeof(name), "drop_%s", tcp_drop_name((enum tcp_drop)d));
		fn(arg, "tcp_", name, t->drops[d]);
	}
#define A(f) fn(arg, "arp_", #f, n->f);
	NEIGH_STATS(A)
#undef A
	fn(arg, "arp_", "entries", ctx->neigh.count);
#define L(f) fn(arg, "link_", #f, l->f);
	HOST_LINK_STATS(L)
#undef L
#define Y(f) fn(arg, "host_cycles_", #f, ctx->cyc.f);
	HOST_CYCLE_STAGES(Y)
#undef Y
	fn(arg, "host_cycles_", "hz", cycles_hz(&ctx->cyc.clock));
	uint64_t arms, woken;
	bool bell = host_link_bell_stats(ctx->link, &arms, &woken);
	fn(arg, "host_", "bell", bell);
	fn(arg, "host_", "bell_arms", arms);
	fn(arg, "host_", "bell_woken", woken);
}

void iotcp_get_stats(struct iotcp_ctx *ctx, struct iotcp_stats *st)
{
	const struct tcp_stats *t;

	memset(st, 0, sizeof(*st));
	if (!ctx)
		return;
	t = tcp_stack_stats(ctx->tcp);
	st->rx_frames = ctx->cnt.rx_frames;
	st->tx_frames = ctx->cnt.tx_frames;
	st->rx_bytes = ctx->cnt.rx_bytes;
	st->tx_bytes = ctx->cnt.tx_bytes;
	st->rx_dropped = ctx->cnt.rx_dropped + ctx->link->stats.rx_bad;
	st->arp_requests = ctx->cnt.arp_requests_rx;
	st->arp_replies = ctx->cnt.arp_replies_rx;
	st->icmp_echo = ctx->cnt.icmp_echo;
	st->conns_open = tcp_stack_conn_count(ctx->tcp);
	st->conns_total = t->conns_established;
	st->tcp_retrans_segs = t->retrans_segs;
	st->tcp_rto = t->rto_timeouts;
	st->file_payload_bytes = ctx->cnt.file_payload_bytes;
	st->offload_bytes = ctx->cnt.offload_bytes;
	st->idle_sleeps = ctx->cnt.idle_sleeps;
}

static void print_counter(void *arg, const char *prefix, const char *name, uint64_t v)
{
	fprintf(arg, "%s%s %llu\n", prefix, name, (unsigned long long)v);
}

static int fill_counters(FILE *f, void *arg)
{
	for_each_counter(arg, print_counter, f);
	return 0;
}

int iotcp_dump_stats(struct iotcp_ctx *ctx, const char *path)
{
	int rc;

	if (!ctx || !path) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(path, "-") == 0) {
		for_each_counter(ctx, print_counter, stdout);
		fflush(stdout);
		return 0;
	}
	rc = atomic_file_replace(path, fill_counters, ctx);
	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}

struct counter_query {
	const char *name;
	uint64_t value;
	bool found;
};

static void match_counter(void *arg, const char *prefix, const char *name, uint64_t v)
{
	struct counter_query *q = arg;
	size_t pl = strlen(prefix);

	if (strncmp(q->name, prefix, pl) == 0 && strcmp(q->name + pl, name) == 0) {
		q->value = v;
		q->found = true;
	}
}

bool host_counter(struct iotcp_ctx *ctx, const char *name, uint64_t *value)
{
	struct counter_query q = {.name = name};

	for_each_counter(ctx, match_counter, &q);
	if (q.found && value)
		*value = q.value;
	return q.found;
}
