/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP over the simulator: bulk transfers checked byte for byte under loss, reordering,
 * duplication and corruption; SACK vs. no SACK on several losses in one window; CUBIC
 * filling a 100 Mb/s x 50 ms path; window scaling on a 1 Gb/s x 100 ms path; IPv6 versions of
 * the clean, lossy, reordering, SACK, tail-loss and long-RTT cases run next to IPv4 with the
 * same seed (test_*6).
 * Usage: test_tcp_sim SCENARIO. Set IOTCP_SIM_PCAP=dir to write dir/SCENARIO.pcap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/check.h"
#include "pcap.h"
#include "sim_host.h"

#define ADDR_A 0xc6120001u /* 198.18.0.1, sender */
#define ADDR_B 0xc6120002u /* 198.18.0.2, receiver */
#define MIB    (1024ull * 1024)
/* 2001:2::1 and 2001:2::2 (RFC 5180 benchmarking range), for scenarios with v6 set */
static const struct ipv6_addr addr6_a = {{0x20, 0x01, 0x00, 0x02, [15] = 1}};
static const struct ipv6_addr addr6_b = {{0x20, 0x01, 0x00, 0x02, [15] = 2}};

struct bulk {
	struct sim_host *a, *b;
	struct tcp_conn *snd, *rcv;
	struct tcp_listener *l;
	uint64_t total, written, readn, bad;
	bool ext_mix, done;
	tcp_time_t t_done, t_mark;
	uint64_t read_at_mark;
	/* chunked sending: chunk bytes at each multiple of gap (0: everything at once), and when
	 * the receiver had each chunk in full */
	uint64_t chunk;
	tcp_time_t gap;
	tcp_time_t chunk_done[64];
	uint8_t buf[65536];
};

static void sender_app(struct sim_host *h, void *ctx)
{
	struct bulk *bk = ctx;
	if (!bk->snd || !(tcp_conn_events(bk->snd) & TCP_EV_CONNECTED))
		return;
	static tcp_time_t next_trace;
	if (getenv("SIM_TRACE") && sim_now(h->sim) >= next_trace) {
		struct tcp_conn_info ci;
		tcp_conn_info(bk->snd, &ci);
		fprintf(stderr,
			"t=%.3f una=%u nxt=%u cwnd=%u ssth=%u flight=%u wnd=%u srtt=%.1f rto=%.0f "
			"retr=%llu rtos=%llu rec=%llu\n",
			(double)sim_now(h->sim) / 1e9, ci.snd_una, ci.snd_nxt, ci.cwnd, ci.ssthresh,
			ci.in_flight, ci.snd_wnd, (double)ci.srtt / 1e6, (double)ci.rto / 1e6,
			(unsigned long long)ci.retrans_segs, (unsigned long long)ci.rto_timeouts,
			(unsigned long long)ci.fast_recoveries);
		next_trace =
		    sim_now(h->sim) +
		    (getenv("SIM_TRACE_MS") ? atoi(getenv("SIM_TRACE_MS")) : 100) * TCP_MSEC;
	}
	uint64_t allowed = bk->total;
	if (bk->chunk) {
		uint64_t k = sim_now(h->sim) / bk->gap + 1;
		if (k * bk->chunk < allowed)
			allowed = k * bk->chunk;
	}
	while (bk->written < allowed) {
		uint64_t n = allowed - bk->written;
		if (n > sizeof(bk->buf))
			n = sizeof(bk->buf);
		ssize_t r;
		/* alternate inline and external ranges every 100000 bytes */
		if (bk->ext_mix && (bk->written / 100000) % 2) {
			uint64_t to_edge = 100000 - bk->written % 100000;
			r = tcp_send_ext(bk->snd, (uint32_t)(n < to_edge ? n : to_edge), 1,
					 bk->written);
		} else {
			if (bk->ext_mix && n > 100000 - bk->written % 100000)
				n = 100000 - bk->written % 100000;
			for (uint64_t i = 0; i < n; i++)
				bk->buf[i] = sim_pattern(bk->written + i);
			r = tcp_send(bk->snd, bk->buf, n);
		}
		if (r <= 0)
			break;
		bk->written += (uint64_t)r;
	}
	if (bk->written == bk->total && tcp_conn_state(bk->snd) == TCP_ESTABLISHED)
		tcp_shutdown(bk->snd);
}

static void receiver_app(struct sim_host *h, void *ctx)
{
	struct bulk *bk = ctx;
	if (!bk->rcv) {
		bk->rcv = tcp_accept(bk->l);
		if (!bk->rcv)
			return;
	}
	for (;;) {
		ssize_t r = tcp_recv(bk->rcv, bk->buf, sizeof(bk->buf));
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (bk->buf[i] != sim_pattern(bk->readn + (uint64_t)i))
				bk->bad++;
		bk->readn += (uint64_t)r;
	}
	tcp_time_t now = sim_now(h->sim);
	for (uint64_t k = 0; bk->chunk && k < 64 && k * bk->chunk < bk->readn; k++)
		if (!bk->chunk_done[k] && bk->readn >= (k + 1) * bk->chunk)
			bk->chunk_done[k] = now;
	if (bk->t_mark && !bk->read_at_mark && now >= bk->t_mark)
		bk->read_at_mark = bk->readn ? bk->readn : 1;
	if (bk->readn >= bk->total && !bk->done) {
		bk->done = true;
		bk->t_done = now;
		sim_stop(h->sim);
	}
}

struct scenario {
	const char *name;
	struct sim_link_cfg fwd, rev;
	uint64_t bytes;
	struct tcp_config cfg;
	tcp_time_t limit; /* virtual time limit */
	tcp_time_t mark;  /* steady-state goodput measured from here */
	bool ext_mix;
	sim_host_tx_filter_fn filter;
	uint64_t chunk; /* chunked sending (struct bulk) */
	tcp_time_t gap;
	bool v6; /* the connection over IPv6 (2001:2::1 -> 2001:2::2) */
};

struct result {
	bool done;
	uint64_t bad, bytes;
	tcp_time_t duration, steady_from;
	double goodput, steady_goodput, util;
	uint64_t retrans, rtos, recoveries, tlps, corrupt_caught, fcs_caught;
	uint64_t dsacks_rcvd, undos, dup_rcvd, paws_drops, paws_drops_rcv;
	uint32_t sndbuf, rcvbuf, reo_wnd_mult;
	uint64_t tlp_recoveries;
	tcp_time_t chunk_max, chunk_sum; /* chunked: latest and total chunk completion delay */
	struct sim_link_stats fwd;
	uint32_t mss;	  /* the sender's segment size at the end (t_maxseg: options deducted) */
	uint64_t tx_pkts; /* packets the sender put on the link */
	uint64_t rx_bad;  /* packets the hosts' decoders refused */
	/* how the initial slow start ended (tcp_stats ss_exits_*), and the mean window then */
	uint64_t ss_exits_hystart, ss_exits_loss, ss_exit_cwnd;
};

/* Test-controlled losses: first transmissions of these packets (index from stream start, in
 * MSS units) are dropped. */
static uint32_t drop_base;
static bool drop_seen_syn;
static const uint32_t drop_idx[] = {200, 203, 206, 209, 212, 215};
static uint8_t drop_done[sizeof(drop_idx) / sizeof(drop_idx[0])];
/* tail_losses (test_tlp_tail): the tails already hit; run() clears it, as drop_done */
static uint32_t tail_done[16][2];

static bool window_losses(struct sim_host *h, const struct tcp_hdr *th, uint32_t len, void *ctx)
{
	if (th->flags & TH_SYN) {
		drop_base = th->seq + 1;
		drop_seen_syn = true;
		return true;
	}
	if (!len || !drop_seen_syn)
		return true;
	uint32_t off = th->seq - drop_base;
	for (size_t i = 0; i < sizeof(drop_idx) / sizeof(drop_idx[0]); i++) {
		if (!drop_done[i] && off == drop_idx[i] * len) {
			drop_done[i] = 1;
			return false;
		}
	}
	return true;
}

/* Chunked sending: wake the sender at each multiple of the gap. */
static void chunk_tick(struct sim *sim, void *ctx)
{
	struct bulk *bk = ctx;
	sender_app(bk->a, bk);
	sim_host_kick(bk->a);
	if (bk->written < bk->total)
		sim_schedule(sim, (sim_now(sim) / bk->gap + 1) * bk->gap, chunk_tick, bk);
}

static void run(const struct scenario *sc, uint64_t seed, struct result *res)
{
	memset(res, 0, sizeof(*res));
	memset(drop_done, 0, sizeof(drop_done));
	memset(tail_done, 0, sizeof(tail_done));
	drop_seen_syn = false;
	struct sim *sim = sim_new(seed);
	struct sim_path *path = sim_path_new(sim, &sc->fwd, &sc->rev, seed);
	struct sim_host *a = sim_host_new(sim, ADDR_A, seed * 2 + 1, path->a_to_b, path->b_to_a);
	struct sim_host *b = sim_host_new(sim, ADDR_B, seed * 2 + 2, path->b_to_a, path->a_to_b);
	struct sim_pcap *pcap = NULL;
	const char *dir = getenv("IOTCP_SIM_PCAP");
	if (dir && *dir) {
		char path_buf[512];
		snprintf(path_buf, sizeof(path_buf), "%s/%s.pcap", dir, sc->name);
		pcap = sim_pcap_open(path_buf);
		if (pcap) {
			sim_link_set_pcap(path->a_to_b, pcap, true);
			sim_link_set_pcap(path->b_to_a, pcap, true);
		}
	}
	static struct bulk bk;
	memset(&bk, 0, sizeof(bk));
	bk.a = a;
	bk.b = b;
	bk.total = sc->bytes;
	bk.ext_mix = sc->ext_mix;
	bk.t_mark = sc->mark;
	bk.chunk = sc->chunk;
	bk.gap = sc->gap;
	a->app = sender_app;
	a->app_ctx = &bk;
	a->tx_filter = sc->filter;
	b->app = receiver_app;
	b->app_ctx = &bk;
	int err;
	struct tcp_tuple t = {.laddr = ADDR_A, .raddr = ADDR_B, .lport = 40000, .rport = 80};
	if (sc->v6) {
		sim_host_set_addr6(a, &addr6_a);
		sim_host_set_addr6(b, &addr6_b);
		bk.l = tcp_listen6(b->stack, &addr6_b, 80, 64, &sc->cfg, &err);
		t = tcp_tuple6(&addr6_a, 40000, &addr6_b, 80);
	} else {
		bk.l = tcp_listen(b->stack, ADDR_B, 80, 64, &sc->cfg, &err);
	}
	CHECK(bk.l != NULL);
	bk.snd = tcp_connect(a->stack, &t, &sc->cfg, sim_now(sim), &err);
	CHECK(bk.snd != NULL);
	sim_host_kick(a);
	if (bk.chunk)
		sim_schedule(sim, bk.gap, chunk_tick, &bk);
	sim_run_until(sim, sc->limit);

	struct tcp_conn_info ci;
	tcp_conn_info(bk.snd, &ci);
	res->done = bk.done;
	res->bad = bk.bad;
	res->bytes = bk.readn;
	res->duration = bk.done ? bk.t_done : sim_now(sim);
	res->goodput = (double)bk.readn * 8 / ((double)res->duration / 1e9);
	if (bk.read_at_mark && res->duration > sc->mark) {
		res->steady_from = sc->mark;
		res->steady_goodput = (double)(bk.readn - bk.read_at_mark) * 8 /
				      ((double)(res->duration - sc->mark) / 1e9);
	}
	if (sc->fwd.rate_bps)
		res->util = (res->steady_goodput ? res->steady_goodput : res->goodput) /
			    (double)sc->fwd.rate_bps;
	res->retrans = ci.retrans_segs;
	res->rtos = ci.rto_timeouts;
	res->recoveries = ci.fast_recoveries;
	res->tlps = tcp_stack_stats(a->stack)->tlp_probes;
	res->tlp_recoveries = tcp_stack_stats(a->stack)->tlp_recoveries;
	for (uint64_t k = 0; bk.chunk && k < 64 && k * bk.chunk < sc->bytes; k++) {
		tcp_time_t d = bk.chunk_done[k] ? bk.chunk_done[k] - k * bk.gap : TCP_TIME_NEVER;
		if (d > res->chunk_max)
			res->chunk_max = d;
		res->chunk_sum += d;
	}
	res->dsacks_rcvd = ci.dsacks_rcvd;
	res->undos = ci.undos;
	res->sndbuf = ci.sndbuf;
	res->reo_wnd_mult = ci.reo_wnd_mult;
	if (bk.rcv) {
		struct tcp_conn_info ri;
		tcp_conn_info(bk.rcv, &ri);
		res->rcvbuf = ri.rcvbuf;
		res->dup_rcvd = ri.dsacks_sent; /* duplicates the receiver reported: spurious */
	}
	res->paws_drops = tcp_stack_stats(a->stack)->drops[TCP_DROP_PAWS];
	res->paws_drops_rcv = tcp_stack_stats(b->stack)->drops[TCP_DROP_PAWS];
	res->corrupt_caught = tcp_stack_stats(a->stack)->drops[TCP_DROP_MALFORMED] +
			      tcp_stack_stats(b->stack)->drops[TCP_DROP_MALFORMED];
	res->fcs_caught = a->fcs_bad + b->fcs_bad;
	sim_link_stats(path->a_to_b, &res->fwd);
	res->mss = ci.mss;
	res->tx_pkts = a->tx_pkts;
	res->rx_bad = pkt_counters_drops(&a->rx) + pkt_counters_drops(&b->rx);
	printf("%-14s %s bytes=%llu time=%.3fs goodput=%.2fMb/s steady=%.2fMb/s util=%.1f%% "
	       "retrans=%llu rto=%llu recoveries=%llu tlp=%llu lost=%llu csum_caught=%llu "
	       "fcs_caught=%llu bad_bytes=%llu cwnd=%u srtt=%.1fms tlp_recoveries=%llu\n",
	       sc->name, res->done ? "DONE" : "INCOMPLETE", (unsigned long long)res->bytes,
	       (double)res->duration / 1e9, res->goodput / 1e6, res->steady_goodput / 1e6,
	       res->util * 100, (unsigned long long)res->retrans, (unsigned long long)res->rtos,
	       (unsigned long long)res->recoveries, (unsigned long long)res->tlps,
	       (unsigned long long)(res->fwd.dropped_loss + res->fwd.dropped_queue),
	       (unsigned long long)res->corrupt_caught, (unsigned long long)res->fcs_caught,
	       (unsigned long long)res->bad, ci.cwnd, (double)ci.srtt / 1e6,
	       (unsigned long long)res->tlp_recoveries);
	const struct tcp_stats *ast = tcp_stack_stats(a->stack);
	res->ss_exits_hystart = ast->ss_exits_hystart;
	/* one connection: its initial slow start ends once, an undo that resumes it or not */
	CHECK(ast->ss_exits_hystart + ast->ss_exits_loss <= 1);
	res->ss_exits_loss = ast->ss_exits_loss;
	res->ss_exit_cwnd =
	    ast->ss_exits_hystart + ast->ss_exits_loss
		? ast->ss_exit_cwnd_bytes / (ast->ss_exits_hystart + ast->ss_exits_loss)
		: 0;
	printf("%-14s ss_exit: hystart=%llu loss=%llu css=%llu cwnd=%llu B\n", sc->name,
	       (unsigned long long)ast->ss_exits_hystart, (unsigned long long)ast->ss_exits_loss,
	       (unsigned long long)ast->hystart_css, (unsigned long long)res->ss_exit_cwnd);
	printf("%-14s dsacks=%llu undos=%llu spurious=%llu paws_drops=%llu/%llu reo_wnd_mult=%u "
	       "reordering_seen=%d sndbuf=%u rcvbuf=%u\n",
	       sc->name, (unsigned long long)res->dsacks_rcvd, (unsigned long long)res->undos,
	       (unsigned long long)res->dup_rcvd, (unsigned long long)res->paws_drops,
	       (unsigned long long)res->paws_drops_rcv, res->reo_wnd_mult, ci.reordering_seen,
	       res->sndbuf, res->rcvbuf);
	fflush(stdout);
	sim_host_free(a);
	sim_host_free(b);
	sim_path_free(path);
	if (pcap)
		sim_pcap_close(pcap);
	sim_free(sim);
}

static struct tcp_config base_cfg(uint32_t buf)
{
	struct tcp_config c;
	tcp_config_default(&c);
	c.sndbuf = buf;
	c.rcvbuf = buf;
	return c;
}

static struct sim_link_cfg link(uint64_t rate, tcp_time_t delay, double loss, uint64_t queue)
{
	struct sim_link_cfg l = {0};
	l.rate_bps = rate;
	l.delay = delay;
	l.loss = loss;
	l.queue_bytes = queue;
	return l;
}

/* The scenarios an IPv4 case and its IPv6 twin share (test_X and test_X6): one place for the
 * path and the configuration, so the two families always run the same one. */

/* 64 MiB over 100 Mb/s x 20 ms with loss on both directions. */
static struct scenario scenario_bulk(const char *name, double loss)
{
	struct scenario sc = {.name = name, .bytes = 64 * MIB, .limit = 3600 * TCP_SEC};
	sc.fwd = link(100000000, 10 * TCP_MSEC, loss, 0);
	sc.rev = link(100000000, 10 * TCP_MSEC, loss, 0);
	sc.cfg = base_cfg(4 * 1024 * 1024);
	return sc;
}

/* 4 MiB over 50 Mb/s x 50 ms, six packets of one window lost (window_losses). */
static struct scenario scenario_sack(const char *name)
{
	struct scenario sc = {.name = name, .bytes = 4 * MIB, .limit = 600 * TCP_SEC};
	sc.fwd = link(50000000, 25 * TCP_MSEC, 0, 0);
	sc.rev = link(50000000, 25 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(4 * 1024 * 1024);
	sc.filter = window_losses;
	return sc;
}

/* 25% of the data packets held back by 10 ms on 100 Mb/s x 20 ms, no loss. */
static struct scenario scenario_reorder(const char *name)
{
	struct scenario sc = {
	    .name = name, .bytes = 64 * MIB, .limit = 600 * TCP_SEC, .mark = 2 * TCP_SEC};
	sc.fwd = link(100000000, 10 * TCP_MSEC, 0, 250000);
	sc.fwd.reorder = 0.25;
	sc.fwd.reorder_delay = 10 * TCP_MSEC;
	sc.rev = link(100000000, 10 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(4 * 1024 * 1024);
	return sc;
}

/* netem's 'delay 10ms reorder 25%' on both directions at 1 Gb/s (see test_reorder_netem). */
static struct scenario scenario_reorder_netem(const char *name)
{
	struct scenario sc = {
	    .name = name, .bytes = 64 * MIB, .limit = 600 * TCP_SEC, .mark = 2 * TCP_SEC};
	sc.fwd = link(1000000000, 10 * TCP_MSEC, 0, 5000000);
	sc.fwd.reorder = 0.25;
	sc.fwd.reorder_skips_delay = true;
	sc.rev = sc.fwd;
	sc.rev.queue_bytes = 0;
	tcp_config_default(&sc.cfg);
	sc.cfg.tso_max = 64 * 1024;
	return sc;
}

/* 384 MiB over 1 Gb/s x 40 ms with the default configuration. */
static struct scenario scenario_longrtt(const char *name)
{
	struct scenario sc = {
	    .name = name, .bytes = 384 * MIB, .limit = 600 * TCP_SEC, .mark = 2 * TCP_SEC};
	sc.fwd = link(1000000000, 20 * TCP_MSEC, 0, 5000000);
	sc.rev = link(1000000000, 20 * TCP_MSEC, 0, 0);
	tcp_config_default(&sc.cfg);
	return sc;
}

static void bulk_exact(const char *name, double loss, bool impair, bool ext)
{
	struct scenario sc = scenario_bulk(name, loss);
	if (impair) {
		sc.fwd.reorder = 0.02;
		sc.fwd.duplicate = 0.01;
		sc.fwd.corrupt = 0.01;
		sc.rev.reorder = 0.02;
		sc.rev.duplicate = 0.01;
		sc.rev.corrupt = 0.01;
	}
	sc.ext_mix = ext;
	struct result r;
	run(&sc, 7, &r);
	CHECK(r.done);
	CHECK_EQ_U64(r.bytes, sc.bytes);
	CHECK_EQ_U64(r.bad, 0);
	if (loss > 0)
		CHECK(r.retrans > 0);
	if (impair)
		CHECK(r.corrupt_caught > 0);
}

/* The lab's 10/0.1/0/unlimited point of bench/paths (issue 11): 32 MiB over 10 ms RTT with 0.1%
 * random loss each way, on a fast link (1 Gb/s, a deep queue: the lab's relay). */
static struct scenario scenario_loss01(const char *name)
{
	struct scenario sc = {.name = name, .bytes = 32 * MIB, .limit = 600 * TCP_SEC};
	sc.fwd = link(1000000000, 5 * TCP_MSEC, 0.001, 4 * MIB);
	sc.rev = link(1000000000, 5 * TCP_MSEC, 0.001, 4 * MIB);
	sc.cfg = base_cfg(16 * 1024 * 1024);
	return sc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 0.1% loss at 10 ms (issue 11's unexplained point). Ten seeds: the time is set by where the
 * first loss ends slow start (a late one leaves a large window that decays by beta_cubic per
 * loss event; an early one leaves the Reno-friendly equilibrium, RFC 9438 section 4.3, ~45 Mb/s
 * at this RTT), so the seeds spread 52-77 Mb/s (median 65). Every seed: byte-exact, slow start
 * ended by a loss (no HyStart++ exit without a queue), at most one window reduction per lost
 * packet (one per loss event, RFC 6675 / RFC 9438 section 4.6), no timeout. Then the same path
 * without loss behind a 100 Mb/s bottleneck with a deep queue: the queue delay ends slow start
 * through HyStart++ (RFC 9406 section 4.3), counted as such. */
static void test_loss01(void)
{
	struct scenario sc = scenario_loss01("loss01");
	enum { SEEDS = 10 };
	double mbps[SEEDS];
	for (int seed = 1; seed <= SEEDS; seed++) {
		struct result r;
		run(&sc, (uint64_t)seed, &r);
		CHECK(r.done);
		CHECK_EQ_U64(r.bytes, sc.bytes);
		CHECK_EQ_U64(r.bad, 0);
		CHECK_EQ_U64(r.rtos, 0);
		CHECK_EQ_U64(r.ss_exits_loss, 1);
		CHECK_EQ_U64(r.ss_exits_hystart, 0);
		CHECK(r.recoveries + r.tlp_recoveries <= r.fwd.dropped_loss);
		mbps[seed - 1] = r.goodput / 1e6;
	}
	qsort(mbps, SEEDS, sizeof(mbps[0]), cmp_double);
	double median = (mbps[SEEDS / 2 - 1] + mbps[SEEDS / 2]) / 2;
	printf("loss01: %d seeds, goodput median %.1f Mb/s (%.1f-%.1f)\n", SEEDS, median, mbps[0],
	       mbps[SEEDS - 1]);
	CHECK(mbps[0] >= 45.0); /* no seed below the Reno-friendly rate */
	CHECK(median >= 55.0);

	sc.name = "hystart_exit";
	sc.fwd = link(100000000, 5 * TCP_MSEC, 0, 4 * MIB);
	sc.rev = link(100000000, 5 * TCP_MSEC, 0, 4 * MIB);
	struct result r;
	run(&sc, 1, &r);
	CHECK(r.done);
	CHECK_EQ_U64(r.bad, 0);
	CHECK_EQ_U64(r.ss_exits_hystart, 1);
	CHECK_EQ_U64(r.ss_exits_loss, 0);
}

/* The lab's 10/0/0/100mbit point of bench/paths (issue 11): 32 MiB over 10 ms RTT behind a
 * 100 Mb/s bottleneck with tbf's queue (~1.25 MB, one BDP is 125 kB), no random loss. HyStart++
 * (RFC 9406) enters CSS at ~480 kB; its 5 rounds at 1.25x per round (section 4.3) reach ~1.45 MB
 * and overflow the queue: 88 segments (127 kB) retransmitted in 2.883 s (Linux in the lab: ~75
 * kB). The per-ACK cap L = 8 in CSS (section 4.3, cc.c) does not bite here: the simulated receiver
 * ACKs every one or two segments; in the lab (stretch ACKs) it cuts them from ~410 to ~93 kB. 1-3 CSS
 * rounds or a CSS divisor of 8 would end them here too (0 retransmissions, 2.843 s), but fail
 * test_reorder (utilisation 68-76% < 80%: reordering raises the round's minimum RTT and CSS is
 * what undoes such a spurious exit) and slow wscale (4.543 -> 4.646 s), so the RFC's values
 * stay; this checks that the overshoot does not grow. */
static void test_tbf100(void)
{
	struct scenario sc = {.name = "tbf100", .bytes = 32 * MIB, .limit = 600 * TCP_SEC};
	sc.fwd = link(100000000, 5 * TCP_MSEC, 0, 1250000);
	sc.rev = link(100000000, 5 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(16 * 1024 * 1024);
	struct result r;
	run(&sc, 1, &r);
	printf("tbf100: time %.3f s, retrans %llu segments (%llu B), queue drops %llu, ss exit "
	       "cwnd %llu B\n",
	       (double)r.duration / 1e9, (unsigned long long)r.retrans,
	       (unsigned long long)r.retrans * r.mss, (unsigned long long)r.fwd.dropped_queue,
	       (unsigned long long)r.ss_exit_cwnd);
	CHECK(r.done);
	CHECK_EQ_U64(r.bytes, sc.bytes);
	CHECK_EQ_U64(r.bad, 0);
	CHECK_EQ_U64(r.rtos, 0);
	CHECK_EQ_U64(r.ss_exits_hystart, 1);
	CHECK(r.retrans <= 100);
	CHECK(r.duration <= 2950 * TCP_MSEC);
}

static void test_sack(void)
{
	struct scenario sc = scenario_sack("sack");
	struct result with, without;
	run(&sc, 11, &with);
	sc.name = "nosack";
	sc.cfg.sack = false;
	run(&sc, 11, &without);
	CHECK(with.done && without.done);
	CHECK_EQ_U64(with.bad + without.bad, 0);
	printf("sack: retrans %llu vs %llu, time %.3f s vs %.3f s\n",
	       (unsigned long long)with.retrans, (unsigned long long)without.retrans,
	       (double)with.duration / 1e9, (double)without.duration / 1e9);
	CHECK(with.retrans < without.retrans);
	CHECK(with.duration < without.duration);
	CHECK_EQ_U64(with.retrans, sizeof(drop_idx) / sizeof(drop_idx[0]));
}

static void test_cubic_fill(void)
{
	/* 100 Mb/s bottleneck, 50 ms RTT, one BDP of buffer */
	struct scenario sc = {
	    .name = "cubic_fill", .bytes = 128 * MIB, .limit = 600 * TCP_SEC, .mark = 2 * TCP_SEC};
	sc.fwd = link(100000000, 25 * TCP_MSEC, 0, 625000);
	sc.rev = link(100000000, 25 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(8 * 1024 * 1024);
	struct result r;
	run(&sc, 13, &r);
	CHECK(r.done);
	CHECK_EQ_U64(r.bad, 0);
	CHECK(r.util >= 0.90);
}

static void test_wscale(void)
{
	/* 1 Gb/s x 100 ms: BDP 12.5 MB, needs window scaling */
	/* steady state is measured after the slow-start overshoot and its recovery (done by
	 * ~2.5 s); the transfer must outlast the mark, or util falls back to the whole-transfer
	 * goodput, slow start included (400 MiB at line rate ends before 5 s) */
	struct scenario sc = {
	    .name = "wscale_on", .bytes = 400 * MIB, .limit = 600 * TCP_SEC, .mark = 3 * TCP_SEC};
	sc.fwd = link(1000000000, 50 * TCP_MSEC, 0, 12500000);
	sc.rev = link(1000000000, 50 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(32 * 1024 * 1024);
	sc.cfg.tso_max = 64 * 1024;
	struct result on, off;
	run(&sc, 17, &on);
	sc.name = "wscale_off";
	sc.bytes = 8 * MIB;
	sc.mark = TCP_SEC;
	sc.cfg.wscale = false;
	run(&sc, 17, &off);
	CHECK(on.done && off.done);
	CHECK_EQ_U64(on.bad + off.bad, 0);
	CHECK(on.util >= 0.80);
	CHECK(off.util <= 0.10);
}

/* Heavy reordering, no loss: 25% of data packets held back by half an RTT. Spurious fast
 * retransmits must be detected (DSACK, RFC 2883/3708) and undone, RACK's reordering window must
 * adapt (RFC 8985 6.2.4), and goodput must stay a large fraction of the link. */
static void test_reorder(void)
{
	struct scenario sc = scenario_reorder("reorder");
	struct result r;
	run(&sc, 19, &r);
	CHECK(r.done);
	CHECK_EQ_U64(r.bad, 0);
	CHECK(r.fwd.reordered > 1000);
	CHECK_EQ_U64(r.fwd.dropped_loss + r.fwd.dropped_queue, 0);
	CHECK(r.util >= 0.80);
	/* the spurious retransmissions were reported by D-SACKs and their recoveries undone */
	CHECK(r.dsacks_rcvd > 0);
	CHECK(r.undos > 0);
	CHECK(r.reo_wnd_mult > 1);
}

/* netem's reordering on both directions, as `tools/iotcp-lab netem 'delay 10ms reorder 25%'`:
 * every packet waits 10 ms except a quarter, which go at once and overtake up to 10 ms of
 * traffic; ACKs are reordered as much as data. Older timestamps on overtaken pure ACKs must not
 * cost their SACK information (Linux tcp_disordered_ack), RACK's window must cover the
 * reordering measured (RFC 8985 6.2) and the spurious recoveries must be undone (RFC 3708,
 * RFC 3522). Two seeds: the path has two regimes (with or without a standing queue, which
 * decides whether SRTT, RACK's bound, covers the 20 ms of reordering); before this work both
 * gave under 6 Mb/s with a spurious retransmission for every 9 segments. */
static void test_reorder_netem(void)
{
	static const uint64_t seeds[] = {29, 3};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct scenario sc = scenario_reorder_netem("reorder_netem");
		struct result r;
		run(&sc, seeds[i], &r);
		CHECK(r.done);
		CHECK_EQ_U64(r.bad, 0);
		CHECK(r.fwd.reordered > 1000);
		CHECK_EQ_U64(r.fwd.dropped_loss + r.fwd.dropped_queue, 0);
		CHECK(r.goodput >= 50e6);
		/* duplicates the receiver saw: at most 4% of the 46341 data segments */
		CHECK(r.dup_rcvd <= 46341 / 25);
		CHECK(r.recoveries == 0 || r.undos * 10 >= r.recoveries * 8);
	}
}

/* Tail losses, RFC 8985 section 7: 16 responses of 128 KiB, one every 500 ms (each ends
 * application-limited: nothing follows it for a while). The last packet of responses 2, 5 and 8
 * is lost (its first transmission), and the last two packets of responses 11 and 14. With
 * RACK-TLP every tail is repaired without a timeout: a single lost packet by the loss probe,
 * sent at the RTO's time (one segment out: PTO = 2 SRTT + 200 ms is beyond the RTO, 7.2), whose
 * repair the next response's ACKs reveal (7.4: the cwnd reduction, tlp_recoveries); two lost
 * packets by a probe after 2 SRTT whose SACK lets RACK start fast recovery for the other.
 * Without RACK-TLP each costs an RTO. */
static const uint32_t tail_chunks[] = {2, 5, 8, 11, 14};

static bool tail_losses(struct sim_host *h, const struct tcp_hdr *th, uint32_t len, void *ctx)
{
	(void)h;
	(void)ctx;
	if (th->flags & TH_SYN) {
		drop_base = th->seq + 1;
		drop_seen_syn = true;
		return true;
	}
	if (!len || !drop_seen_syn)
		return true;
	uint32_t end = th->seq + len - drop_base;
	for (size_t i = 0; i < sizeof(tail_chunks) / sizeof(tail_chunks[0]); i++) {
		uint32_t k = tail_chunks[i], chunk_end = (k + 1) * 128 * 1024;
		unsigned n = k >= 11 ? 2 : 1; /* packets lost at this tail */
		/* j = 0: the packet that ends the response; j = 1: the one before it (the last
		 * packet is at most one MSS, 1448 bytes with timestamps) */
		for (unsigned j = 0; j < n; j++) {
			bool match =
			    j ? end < chunk_end && end + 1448 >= chunk_end : end == chunk_end;
			if (match && !tail_done[k][j]) {
				tail_done[k][j] = 1;
				return false;
			}
		}
	}
	return true;
}

/* 16 responses of 128 KiB every 500 ms over 100 Mb/s x 50 ms, tail losses (tail_losses). */
static struct scenario scenario_tlp_tail(const char *name)
{
	struct scenario sc = {.name = name,
			      .bytes = 16 * 128 * 1024,
			      .limit = 60 * TCP_SEC,
			      .chunk = 128 * 1024,
			      .gap = 500 * TCP_MSEC};
	sc.fwd = link(100000000, 25 * TCP_MSEC, 0, 0);
	sc.rev = link(100000000, 25 * TCP_MSEC, 0, 0);
	sc.cfg = base_cfg(1024 * 1024);
	sc.cfg.nodelay = true; /* a response's last packet leaves at once, as from nginx */
	sc.filter = tail_losses;
	return sc;
}

static void test_tlp_tail(void)
{
	struct scenario sc = scenario_tlp_tail("tlp_tail");
	struct result r, off;
	run(&sc, 31, &r);
	sc.name = "tlp_tail_norack";
	sc.cfg.rack = false;
	run(&sc, 31, &off);
	printf("tlp_tail: chunk delay max %.1f ms vs %.1f ms without RACK-TLP, sum %.1f ms vs %.1f "
	       "ms; rto %llu vs %llu\n",
	       (double)r.chunk_max / 1e6, (double)off.chunk_max / 1e6, (double)r.chunk_sum / 1e6,
	       (double)off.chunk_sum / 1e6, (unsigned long long)r.rtos,
	       (unsigned long long)off.rtos);
	CHECK(r.done && off.done);
	CHECK_EQ_U64(r.bad + off.bad, 0);
	CHECK_EQ_U64(r.fwd.dropped_loss + r.fwd.dropped_queue, 0);
	/* RACK-TLP: no timeout; one probe per tail; the probe alone repaired the three single
	 * losses and the next response showed it (section 7.4); the double losses went through
	 * fast recovery; seven retransmissions, none spurious */
	CHECK_EQ_U64(r.rtos, 0);
	CHECK_EQ_U64(r.tlps, 5);
	CHECK_EQ_U64(r.tlp_recoveries, 3);
	CHECK_EQ_U64(r.recoveries, 2);
	CHECK_EQ_U64(r.retrans, 7);
	CHECK_EQ_U64(r.dup_rcvd, 0);
	/* without: a timeout per tail, and the tails take longer */
	CHECK(off.rtos >= 5);
	CHECK(r.chunk_max < off.chunk_max);
	CHECK(r.chunk_sum < off.chunk_sum);
}

/* A long fat path with the default configuration: 1 Gb/s x 40 ms RTT needs about 5 MB in
 * flight, far beyond the 256 KiB default buffers: send and receive buffers must auto-tune. */
static void test_longrtt(void)
{
	struct scenario sc = scenario_longrtt("longrtt");
	struct result r;
	run(&sc, 23, &r);
	CHECK(r.done);
	CHECK_EQ_U64(r.bad, 0);
	CHECK(r.util >= 0.80);
	CHECK(r.sndbuf > 256 * 1024 && r.sndbuf <= 4 * 1024 * 1024);
	CHECK(r.rcvbuf > 256 * 1024 && r.rcvbuf <= 6 * 1024 * 1024);
}

/* IPv6 (issue 13 item 2): a scenario run over IPv4 and then over IPv6 with the same seed and
 * the same links, the figures printed side by side. Both packets are 1500 bytes on the link:
 * IPv6's header is 20 bytes longer, so its MSS is 20 bytes smaller (1440, 1428 with
 * timestamps, against 1460 / 1448) and a transfer takes about 1.4% more packets and time on a
 * path that runs at link rate. Where loss draws decide the time, the two runs draw at other
 * packets, so the bound there is looser. Returns whether both runs delivered every byte. */
static bool run_both(struct scenario sc, uint64_t seed, struct result *r4, struct result *r6)
{
	char n4[64], n6[64];
	const char *name = sc.name;
	snprintf(n4, sizeof(n4), "%s-ip4", name);
	snprintf(n6, sizeof(n6), "%s-ip6", name);
	sc.name = n4;
	sc.v6 = false;
	run(&sc, seed, r4);
	sc.name = n6;
	sc.v6 = true;
	run(&sc, seed, r6);
	double t4 = (double)r4->duration / 1e9, t6 = (double)r6->duration / 1e9;
	printf("%s seed %llu, IPv4 vs IPv6: mss %u vs %u, time %.3f s vs %.3f s (%+.2f%%), "
	       "goodput %.2f vs %.2f Mb/s, steady %.2f vs %.2f Mb/s, packets %llu vs %llu, "
	       "retrans %llu vs %llu, rto %llu vs %llu, recoveries %llu vs %llu, undos %llu vs "
	       "%llu, spurious %llu vs %llu, lost %llu vs %llu\n",
	       name, (unsigned long long)seed, r4->mss, r6->mss, t4, t6, (t6 / t4 - 1) * 100,
	       r4->goodput / 1e6, r6->goodput / 1e6, r4->steady_goodput / 1e6,
	       r6->steady_goodput / 1e6, (unsigned long long)r4->tx_pkts,
	       (unsigned long long)r6->tx_pkts, (unsigned long long)r4->retrans,
	       (unsigned long long)r6->retrans, (unsigned long long)r4->rtos,
	       (unsigned long long)r6->rtos, (unsigned long long)r4->recoveries,
	       (unsigned long long)r6->recoveries, (unsigned long long)r4->undos,
	       (unsigned long long)r6->undos, (unsigned long long)r4->dup_rcvd,
	       (unsigned long long)r6->dup_rcvd,
	       (unsigned long long)(r4->fwd.dropped_loss + r4->fwd.dropped_queue),
	       (unsigned long long)(r6->fwd.dropped_loss + r6->fwd.dropped_queue));
	fflush(stdout);
	/* the IPv6 connection really is one: 20 bytes less per segment, every packet decoded */
	CHECK_EQ_U64(r6->mss + 20, r4->mss);
	CHECK_EQ_U64(r4->rx_bad + r6->rx_bad, 0);
	bool ok = r4->done && r6->done && r4->bytes == sc.bytes && r6->bytes == sc.bytes &&
		  r4->bad == 0 && r6->bad == 0;
	CHECK(ok);
	return ok;
}

/* IPv6 time over IPv4 time of the same scenario lies within [lo, hi]. */
static void check_time_ratio(const struct result *r4, const struct result *r6, double lo, double hi)
{
	double q = (double)r6->duration / (double)r4->duration;
	CHECK(q >= lo);
	CHECK(q <= hi);
}

/* As test_clean, over IPv6: 64 MiB over 100 Mb/s x 20 ms, byte-exact, no retransmission and
 * no timeout; 1.4% more packets, and the time within 5% of IPv4's. */
static void test_clean6(void)
{
	struct scenario sc = scenario_bulk("clean6", 0);
	struct result r4, r6;
	if (!run_both(sc, 7, &r4, &r6))
		return;
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		CHECK_EQ_U64(r->retrans, 0);
		CHECK_EQ_U64(r->rtos, 0);
		CHECK_EQ_U64(r->recoveries, 0);
	}
	CHECK(r6.tx_pkts > r4.tx_pkts);
	CHECK(r6.tx_pkts * 100 <= r4.tx_pkts * 103);
	check_time_ratio(&r4, &r6, 1.0, 1.05);
}

/* As test_loss1, over IPv6: 1% loss both ways. Every packet lost on the forward link is
 * retransmitted, and few besides (spurious ones at most 5% of the losses, + 5); no timeout
 * needed beyond a handful. The loss draws fall on other packets than over IPv4, so the time
 * is only bounded loosely (within 25%). */
static void test_loss1_6(void)
{
	struct scenario sc = scenario_bulk("loss1_6", 0.01);
	struct result r4, r6;
	if (!run_both(sc, 7, &r4, &r6))
		return;
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		uint64_t lost = r->fwd.dropped_loss + r->fwd.dropped_queue;
		CHECK(lost > 0);
		CHECK(r->retrans >= lost);
		CHECK(r->retrans <= lost + lost / 20 + 5);
		CHECK(r->rtos <= 5);
	}
	check_time_ratio(&r4, &r6, 0.75, 1.25);
}

/* As test_reorder, over IPv6: 25% of the data packets held back by 10 ms on 100 Mb/s x 20 ms,
 * no loss. Byte-exact, D-SACKs reported the spurious retransmissions and their recoveries were
 * undone, RACK's window grew, goodput >= 80% of the link, no timeout; the time within 10% of
 * IPv4's (seeds 1, 2, 4, 19: +0.9..1.3%; seed 3: -12%, a different loss-recovery history). */
static void test_reorder6(void)
{
	struct scenario sc = scenario_reorder("reorder6");
	struct result r4, r6;
	if (!run_both(sc, 19, &r4, &r6))
		return;
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		CHECK(r->fwd.reordered > 1000);
		CHECK_EQ_U64(r->fwd.dropped_loss + r->fwd.dropped_queue, 0);
		CHECK(r->util >= 0.80);
		CHECK(r->dsacks_rcvd > 0);
		CHECK(r->undos > 0);
		CHECK(r->reo_wnd_mult > 1);
		CHECK_EQ_U64(r->rtos, 0);
	}
	check_time_ratio(&r4, &r6, 0.90, 1.10);
}

/* As test_reorder_netem, over IPv6 (netem's 'delay 10ms reorder 25%' both ways, 1 Gb/s, the
 * same two seeds): byte-exact, no loss, goodput >= 50 Mb/s, duplicates at the receiver at most
 * 4% of the data segments, spurious recoveries undone. The path has two regimes (see
 * test_reorder_netem) and which one a run falls into is chaotic: over seeds 1-8 both families
 * were slow (6-10 s, some timeouts) on the same four seeds and fast (0.65-0.70 s) on the other
 * four, but inside the slow regime the times scatter (IPv6/IPv4 from 0.79 to 1.63; IPv4 with
 * IPv6's segment size, mss 1440, lands on seed 3 at 8.6 s against IPv6's 9.6 s and IPv4's
 * 5.9 s). So the time is compared on seed 29 (fast) only; seed 3 (slow) is printed. */
static void test_reorder_netem6(void)
{
	static const uint64_t seeds[] = {29, 3};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct scenario sc = scenario_reorder_netem("reorder_netem6");
		struct result r4, r6;
		if (!run_both(sc, seeds[i], &r4, &r6))
			continue;
		for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
			CHECK(r->fwd.reordered > 1000);
			CHECK_EQ_U64(r->fwd.dropped_loss + r->fwd.dropped_queue, 0);
			CHECK(r->goodput >= 50e6);
			uint64_t segs = (sc.bytes + r->mss - 1) / r->mss;
			CHECK(r->dup_rcvd <= segs / 25);
			CHECK(r->recoveries == 0 || r->undos * 10 >= r->recoveries * 8);
		}
		if (seeds[i] == 29)
			check_time_ratio(&r4, &r6, 0.95, 1.10);
	}
}

/* As test_sack, over IPv6: six packets lost in one window (the first transmissions of
 * segments 200, 203, ..., 215), 50 Mb/s x 50 ms. With SACK exactly those six are
 * retransmitted, without a timeout, over either family; without SACK (IPv6) more
 * retransmissions and a longer transfer. */
static void test_sack6(void)
{
	struct scenario sc = scenario_sack("sack6");
	struct result r4, r6, without;
	if (!run_both(sc, 11, &r4, &r6))
		return;
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		CHECK_EQ_U64(r->retrans, sizeof(drop_idx) / sizeof(drop_idx[0]));
		CHECK_EQ_U64(r->rtos, 0);
		CHECK_EQ_U64(r->dup_rcvd, 0);
	}
	sc.name = "sack6-nosack-ip6";
	sc.cfg.sack = false;
	sc.v6 = true;
	run(&sc, 11, &without);
	printf("sack6: IPv6 retrans %llu vs %llu without SACK, time %.3f s vs %.3f s\n",
	       (unsigned long long)r6.retrans, (unsigned long long)without.retrans,
	       (double)r6.duration / 1e9, (double)without.duration / 1e9);
	CHECK(without.done);
	CHECK_EQ_U64(without.bad, 0);
	CHECK(r6.retrans < without.retrans);
	CHECK(r6.duration < without.duration);
	check_time_ratio(&r4, &r6, 0.95, 1.10);
}

/* As test_tlp_tail, over IPv6 (RFC 8985 section 7): 16 responses of 128 KiB every 500 ms, the
 * last packet of responses 2, 5, 8 lost and the last two of responses 11 and 14. Over either
 * family: no timeout, one loss probe per tail, three losses repaired by the probe alone (7.4),
 * two fast recoveries, seven retransmissions, none spurious; the same chunk delays within 10%. */
static void test_tlp_tail6(void)
{
	struct scenario sc = scenario_tlp_tail("tlp_tail6");
	struct result r4, r6;
	if (!run_both(sc, 31, &r4, &r6))
		return;
	printf("tlp_tail6: chunk delay max %.1f ms vs %.1f ms, sum %.1f ms vs %.1f ms (IPv4 vs "
	       "IPv6)\n",
	       (double)r4.chunk_max / 1e6, (double)r6.chunk_max / 1e6, (double)r4.chunk_sum / 1e6,
	       (double)r6.chunk_sum / 1e6);
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		CHECK_EQ_U64(r->fwd.dropped_loss + r->fwd.dropped_queue, 0);
		CHECK_EQ_U64(r->rtos, 0);
		CHECK_EQ_U64(r->tlps, 5);
		CHECK_EQ_U64(r->tlp_recoveries, 3);
		CHECK_EQ_U64(r->recoveries, 2);
		CHECK_EQ_U64(r->retrans, 7);
		CHECK_EQ_U64(r->dup_rcvd, 0);
	}
	CHECK(r6.chunk_sum * 10 <= r4.chunk_sum * 11);
	CHECK(r6.chunk_sum * 10 >= r4.chunk_sum * 9);
}

/* As test_longrtt, over IPv6: 1 Gb/s x 40 ms with the default configuration; the buffers
 * auto-tune, steady goodput >= 80% of the link, no timeout; time within 5% of IPv4's. */
static void test_longrtt6(void)
{
	struct scenario sc = scenario_longrtt("longrtt6");
	struct result r4, r6;
	if (!run_both(sc, 23, &r4, &r6))
		return;
	for (const struct result *r = &r4; r; r = r == &r4 ? &r6 : NULL) {
		CHECK(r->util >= 0.80);
		CHECK_EQ_U64(r->rtos, 0);
		CHECK(r->sndbuf > 256 * 1024 && r->sndbuf <= 4 * 1024 * 1024);
		CHECK(r->rcvbuf > 256 * 1024 && r->rcvbuf <= 6 * 1024 * 1024);
	}
	check_time_ratio(&r4, &r6, 0.97, 1.05);
}

/* 64 MiB over 100 Mb/s x 20 ms, delivered byte-exact: without loss, with 1, 5 and 10% loss, with
 * reordering, duplication and corruption added, and with inline and external (tcp_send_ext)
 * ranges alternating every 100000 bytes. */
static void test_clean(void)
{
	bulk_exact("clean", 0, false, false);
}

static void test_loss1(void)
{
	bulk_exact("loss1", 0.01, false, false);
}

static void test_loss5(void)
{
	bulk_exact("loss5", 0.05, false, false);
}

static void test_loss10(void)
{
	bulk_exact("loss10", 0.10, false, false);
}

static void test_impair(void)
{
	bulk_exact("impair", 0.01, true, false);
}

static void test_ext_mix(void)
{
	bulk_exact("ext_mix", 0.02, true, true);
}

/* One scenario a meson test (tests/sim/tcp/meson.build: test_tcp_sim test_NAME); no argument
 * runs them all (the heavy ones too: minutes). */
int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_clean);
	RUN(test_loss1);
	RUN(test_loss5);
	RUN(test_loss10);
	RUN(test_impair);
	RUN(test_ext_mix);
	RUN(test_sack);
	RUN(test_loss01);
	RUN(test_tbf100);
	RUN(test_cubic_fill);
	RUN(test_wscale);
	RUN(test_reorder);
	RUN(test_reorder_netem);
	RUN(test_tlp_tail);
	RUN(test_longrtt);
	RUN(test_clean6);
	RUN(test_loss1_6);
	RUN(test_reorder6);
	RUN(test_reorder_netem6);
	RUN(test_sack6);
	RUN(test_tlp_tail6);
	RUN(test_longrtt6);
	RUN_DONE();
}
