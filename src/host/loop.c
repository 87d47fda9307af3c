/* SPDX-License-Identifier: BSD-2-Clause */
/* The event loop: one pass (rx, input, timers, offload, output, tx, event collection), and the
 * application's wait that runs passes until its epoll instance has events (idle backoff and
 * sleeps). */
#include <errno.h>

#include "host/ctx.h"
#include "host/desc.h"
#include "host/epoll.h"
#include "host/host.h"
#include "host/link.h"
#include "host/loop.h"
#include "host/netif.h"
#include "host/nic.h"
#include "host/offload_flow.h"
#include "host/offload_types.h"
#include "host/resolve.h"
#include "host/sock_types.h"
#include "host/tls_session.h"
#include "host/tx_batch.h"

#define HOST_RX_BURST	32
#define HOST_NEIGH_TICK (100 * TCP_MSEC)
#define HOST_STATS_TICK (1 * TCP_SEC)
#define HOST_RX_ROUNDS	4 /* bursts per pass before timers and output get their turn */

static int fail(int e)
{
	errno = e;
	return -1;
}

/* Collect TCP's event reports into the epoll ready lists. */
static void collect_tcp_events(struct iotcp_ctx *ctx)
{
	struct tcp_event ev;

	while (tcp_stack_next_event(ctx->tcp, &ev)) {
		if (!ev.user)
			continue;
		struct host_sock *s = host_sock_get(ctx, (int)((uintptr_t)ev.user - 1));
		if (!s)
			continue;
		bool new_conn = false;
		if (ev.listener && s->lsn == ev.listener) {
			new_conn = (ev.events & TCP_EV_ACCEPT) != 0;
			s->acceptable |= new_conn;
		} else if (!ev.conn || s->conn != ev.conn) {
			continue; /* stale report for a reused descriptor */
		}
		if (s->tls)
			host_tls_pump(ctx, s); /* handshake, decryption, sealed bytes */
		host_sock_notify(ctx, s, new_conn);
	}
}

bool host_poll_once(struct iotcp_ctx *ctx)
{
	struct host_frame f[HOST_RX_BURST];
	uint64_t tx_before = ctx->cnt.tx_frames;
	struct host_cycles st = {0};
	uint64_t t0 = cycles_now(), t = t0;
	bool work = false, timers = false;

	host_now(ctx);
	for (unsigned r = 0; r < HOST_RX_ROUNDS; r++) {
		unsigned n = host_link_rx_burst(ctx->link, f, HOST_RX_BURST);
		t = cycles_lap(&st.rx, t);
		for (unsigned i = 0; i < n; i++)
			host_rx_frame(ctx, f[i].data, f[i].len);
		t = cycles_lap(&st.input, t);
		if (n)
			host_link_rx_free(ctx->link, f, n);
		t = cycles_lap(&st.rx, t);
		work |= n > 0;
		if (n < HOST_RX_BURST)
			break;
	}
	if (tcp_stack_deadline(ctx->tcp) <= ctx->now) {
		tcp_stack_timers(ctx->tcp, ctx->now);
		timers = true;
	}
	if (ctx->now >= ctx->next_neigh_timer) {
		host_neigh_timers(ctx);
		ctx->next_neigh_timer = ctx->now + HOST_NEIGH_TICK;
	}
	host_nic_timers(ctx);
	host_tls_timers(ctx);
	t = cycles_lap(&st.timers, t);
	/* Offloaded flows change on input (ACKs, ECHOs, ERRORs), on TCP timers and on the
	 * application's calls, which all happen between rounds with work: an idle spinning
	 * round needs the pass only now and then (ECHO timeouts, SEND retries). */
	if (ctx->nic.enabled &&
	    (work || timers || ctx->off.dirty || ctx->now >= ctx->next_off_pass)) {
		ctx->off.dirty = false;
		host_offload_pass(ctx);
		ctx->next_off_pass = ctx->now + HOST_OFF_PASS_TICK;
	}
	t = cycles_lap(&st.offload, t);
	host_tcp_output(ctx);
	t = cycles_lap(&st.output, t);
	host_tx_flush(ctx);
	t = cycles_lap(&st.tx, t);
	collect_tcp_events(ctx);
	t = cycles_lap(&st.events, t);
	work = work || ctx->cnt.tx_frames != tx_before;
	if (work) {
		struct host_cycles *c = &ctx->cyc;
		c->rx += st.rx;
		c->input += st.input;
		c->timers += st.timers;
		c->offload += st.offload;
		c->output += st.output;
		c->tx += st.tx;
		c->events += st.events;
	} else {
		ctx->cyc.idle_poll += t - t0;
	}
	if (ctx->cfg.stats_file && ctx->now >= ctx->next_stats) {
		iotcp_dump_stats(ctx, ctx->cfg.stats_file);
		ctx->next_stats = ctx->now + HOST_STATS_TICK;
	}
	return work;
}

bool host_poll(struct iotcp_ctx *ctx)
{
	ctx->off.dirty = true; /* the caller may have changed offloaded flows */
	return host_poll_once(ctx);
}

/* Poll rounds until ep has events, the timeout passes or (timeout 0) once. */
static int wait_loop(struct iotcp_ctx *ctx, struct host_epoll *ep, struct epoll_event *events,
		     int maxevents, int timeout_ms)
{
	tcp_time_t deadline;

	deadline =
	    timeout_ms < 0 ? TCP_TIME_NEVER : host_now(ctx) + (tcp_time_t)timeout_ms * TCP_MSEC;
	for (;;) {
		bool work = host_poll_once(ctx);
		int n = host_epoll_collect(ctx, ep, events, maxevents);
		if (n > 0 || timeout_ms == 0)
			return n;
		/* The pass's clock (read at its start, a few us ago) decides whether to go on:
		 * one clock read per round while busy or spinning; a fresh one before a sleep. */
		if (ctx->now >= deadline)
			return 0;
		if (work) {
			port_backoff_reset(&ctx->backoff);
			continue;
		}
		/* Idle: spin, then sleep 50 us .. 1 ms, never past the caller's timeout or the
		 * next TCP timer. */
		uint64_t us = port_backoff_idle(&ctx->backoff);
		if (!us)
			continue;
		tcp_time_t now = host_now(ctx);
		if (now >= deadline)
			return 0;
		tcp_time_t limit = tcp_stack_deadline(ctx->tcp);
		if (deadline < limit)
			limit = deadline;
		if (limit != TCP_TIME_NEVER) {
			uint64_t left = limit > now ? (limit - now + TCP_USEC - 1) / TCP_USEC : 0;
			if (left < us)
				us = left;
		}
		if (us) {
			/* Interrupt moderation. With little offloaded data in flight the host is
			 * what a client waits for: the NIC's doorbell cuts the sleep short for what
			 * is urgent (requests, handshakes, open results; the NIC does not ring for
			 * bare ACKs and ECHOs). While the NIC is busy sending files, sleep the
			 * timer out and take a bigger batch: fewer wakeups per GB. */
			bool wakeable = !host_offload_busy(ctx);
			uint64_t t = cycles_now();
			ctx->cnt.idle_sleeps++;
			host_link_idle_wait(ctx->link, (uint32_t)us, wakeable);
			ctx->cyc.idle_sleep += cycles_now() - t;
		}
	}
}

int iotcp_epoll_wait(struct iotcp_ctx *ctx, int epd, struct epoll_event *events, int maxevents,
		     int timeout_ms)
{
	struct host_epoll *ep = host_epoll_lookup(ctx, epd);

	if (!ep)
		return -1;
	if (maxevents <= 0)
		return fail(EINVAL);
	if (!events)
		return fail(EFAULT);
	if (ctx->cyc.app_mark)
		ctx->cyc.app += cycles_now() - ctx->cyc.app_mark;
	ctx->off.dirty = true; /* the application may have changed offloaded flows */
	int n = wait_loop(ctx, ep, events, maxevents, timeout_ms);
	ctx->cyc.app_mark = cycles_now();
	return n;
}
