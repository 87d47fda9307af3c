/* SPDX-License-Identifier: BSD-2-Clause */
/* Loss recovery refinements of the TCP core: D-SACK generation (RFC 2883 section 4), undo of a
 * spurious fast recovery proven by D-SACK (RFC 3708) and of a spurious RTO proven by timestamps
 * (Eifel, RFC 3522; after fast retransmits too), PRR spreading recovery transmissions over the ACKs (RFC 6937), and send
 * buffer auto-tuning. Segments from A are held back by the filter and delivered by hand, so
 * reordering and delay are exact. */
#include <string.h>

#include "../check.h"
#include "pair.h"

#define HOLD_MAX 2048

struct held {
	struct tcp_hdr h;
	uint32_t len;
	uint8_t data[1500];
};

static struct held hold[HOLD_MAX];
static unsigned nhold;
static bool holding;
static unsigned a_data_sent;

/* Hold A's data segments (not delivered) while holding is set. */
static bool filt(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *d, uint32_t *len)
{
	(void)p;
	if (!from_a || !*len)
		return true;
	a_data_sent++;
	if (!holding)
		return true;
	if (nhold < HOLD_MAX && *len <= sizeof(hold[0].data)) {
		hold[nhold].h = *h;
		hold[nhold].len = *len;
		memcpy(hold[nhold].data, d, *len);
		nhold++;
	}
	return false;
}

static void deliver(struct pair *p, unsigned i)
{
	pair_inject(p, true, &hold[i].h, hold[i].data, hold[i].len);
	pair_pump(p);
}

static struct tcp_config cfg_base(void)
{
	struct tcp_config c;
	tcp_config_default(&c);
	c.nodelay = true;
	return c;
}

static void drain(struct tcp_conn *sv)
{
	static uint8_t rd[1 << 16];
	while (tcp_recv(sv, rd, sizeof(rd)) > 0)
		;
}

static const struct pair_logged *last_from_b(const struct pair *p)
{
	for (unsigned k = 0; k < PAIR_LOG && k < p->nlog; k++) {
		const struct pair_logged *l = pair_last(p, k);
		if (!l->from_a)
			return l;
	}
	return NULL;
}

static void setup(struct pair *p, const struct tcp_config *c, struct tcp_conn **cl,
		  struct tcp_conn **sv)
{
	pair_init(p, 5);
	nhold = 0;
	holding = false;
	a_data_sent = 0;
	CHECK(pair_connect(p, c, c, cl, sv));
	p->filter = filt;
}

#define SEND_HELD_MAX 60

/* Send a congestion window's worth of full segments (at most max) that the filter holds back;
 * returns how many. */
static uint32_t send_held(struct pair *p, struct tcp_conn *cl, const struct tcp_conn_info *info,
			  uint32_t max)
{
	static uint8_t buf[SEND_HELD_MAX * 1460];
	uint32_t nseg = info->cwnd / info->mss;

	if (max > SEND_HELD_MAX)
		max = SEND_HELD_MAX;
	if (nseg > max)
		nseg = max;
	holding = true;
	nhold = 0;
	a_data_sent = 0;
	CHECK(nseg * info->mss <= sizeof(buf));
	CHECK_EQ_U64(tcp_send(cl, buf, (size_t)nseg * info->mss), (size_t)nseg * info->mss);
	pair_pump(p);
	CHECK_EQ_U64(nhold, nseg);
	return nseg;
}

/* RFC 2883 section 4: duplicates below RCV.NXT and inside held out-of-order data. */
static void test_dsack_generate(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	setup(&p, &c, &cl, &sv);
	static uint8_t buf[3 * 1448];
	memset(buf, 7, sizeof(buf));
	holding = true;
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(&p);
	CHECK_EQ_U64(nhold, 3);
	deliver(&p, 0);
	deliver(&p, 0); /* an old duplicate */
	const struct pair_logged *l = last_from_b(&p);
	CHECK(l && (l->h.opts.present & TCP_OPT_F_SACK) && l->h.opts.nsack == 1);
	if (l) {
		CHECK_EQ_U64(l->h.opts.sack[0].start, hold[0].h.seq);
		CHECK_EQ_U64(l->h.opts.sack[0].end, hold[0].h.seq + hold[0].len);
		CHECK_EQ_U64(l->h.ack, hold[0].h.seq + hold[0].len);
	}
	deliver(&p, 2); /* out of order */
	deliver(&p, 2); /* duplicate of held out-of-order data */
	l = last_from_b(&p);
	CHECK(l && l->h.opts.nsack == 2);
	if (l) {
		/* D-SACK first, then the block that holds it */
		CHECK_EQ_U64(l->h.opts.sack[0].start, hold[2].h.seq);
		CHECK_EQ_U64(l->h.opts.sack[0].end, hold[2].h.seq + hold[2].len);
		CHECK_EQ_U64(l->h.opts.sack[1].start, hold[2].h.seq);
	}
	deliver(&p, 1);
	l = last_from_b(&p);
	CHECK(l && !(l->h.opts.present & TCP_OPT_F_SACK)); /* reported once only */
	struct tcp_conn_info ci, si;
	tcp_conn_info(sv, &si);
	tcp_conn_info(cl, &ci);
	CHECK_EQ_U64(si.dsacks_sent, 2);
	CHECK_EQ_U64(ci.dsacks_rcvd, 2);
	CHECK_EQ_U64(ci.undos, 0); /* nothing was retransmitted */
	CHECK_EQ_U64(si.bytes_received, sizeof(buf));
	pair_free(&p);
}

/* Grow cwnd beyond the initial window with a clean transfer in round trips: everything A
 * sends is held, then delivered at once (a zero-delay exchange would never fill cwnd). */
static void warm_up(struct pair *p, struct tcp_conn *cl, struct tcp_conn *sv, size_t bytes)
{
	static uint8_t buf[1 << 18];
	holding = true;
	for (int round = 0; round < 1000 && (bytes || nhold); round++) {
		size_t n = bytes < sizeof(buf) ? bytes : sizeof(buf);
		ssize_t r = n ? tcp_send(cl, buf, n) : 0;
		if (r > 0)
			bytes -= (size_t)r;
		pair_run(p, TCP_MSEC);
		unsigned k = nhold;
		static struct held batch[HOLD_MAX];
		memcpy(batch, hold, k * sizeof(hold[0]));
		nhold = 0;
		for (unsigned i = 0; i < k; i++) {
			pair_inject(p, true, &batch[i].h, batch[i].data, batch[i].len);
			pair_pump(p);
		}
		drain(sv);
		if (!k && !bytes)
			break;
	}
	holding = false;
	nhold = 0;
	pair_run(p, 100 * TCP_MSEC);
	drain(sv);
}

/* A segment delayed past three later ones looks lost: fast recovery retransmits it. When the
 * original then arrives and the retransmission is reported by a D-SACK, the recovery was
 * spurious and cwnd / ssthresh come back (RFC 3708, RFC 4015). PRR (RFC 6937) meanwhile sends
 * in proportion to the data delivered, from the first ACKs on. */
static void test_spurious_recovery_undo(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	c.timestamps = false; /* D-SACK detection alone */
	setup(&p, &c, &cl, &sv);
	warm_up(&p, cl, sv, 200000);
	struct tcp_conn_info before;
	tcp_conn_info(cl, &before);
	CHECK(before.cwnd >= 20u * before.mss);
	uint32_t nseg = send_held(&p, cl, &before, 60);
	tcp_conn_info(cl, &before);
	unsigned sent0 = a_data_sent, quarter = 0;
	/* everything but the first segment arrives */
	for (unsigned i = 1; i < nseg; i++) {
		deliver(&p, i);
		if (i == nseg / 4)
			quarter = a_data_sent - sent0;
	}
	struct tcp_conn_info mid;
	tcp_conn_info(cl, &mid);
	CHECK_EQ_U64(mid.fast_recoveries, 1);
	CHECK(mid.retrans_segs >= 1);
	CHECK(mid.ssthresh < before.cwnd);
	/* PRR: new segments already go out in the first quarter of the ACKs (the old rule,
	 * cwnd = ssthresh at once, sent only the retransmission until pipe fell below ssthresh),
	 * and overall about ssthresh/RecoverFS of what was delivered */
	unsigned total = a_data_sent - sent0;
	printf("prr: %u segs in flight, sent %u after a quarter of the ACKs, %u in all, "
	       "ssthresh %u segs\n",
	       nseg, quarter, total, mid.ssthresh / mid.mss);
	uint32_t ss = mid.ssthresh / mid.mss;
	CHECK(quarter + 2 >= nseg / 4 * ss / nseg);
	CHECK(quarter >= 3);
	CHECK(total + 3 >= (nseg - 1) * ss / nseg && total <= nseg);
	/* the delayed original arrives, then the retransmission: D-SACK */
	deliver(&p, 0);
	unsigned first_retx = nseg; /* the first held retransmission of segment 0 */
	for (unsigned i = nseg; i < nhold; i++)
		if (hold[i].h.seq == hold[0].h.seq) {
			first_retx = i;
			break;
		}
	CHECK(first_retx < nhold);
	if (first_retx < nhold)
		deliver(&p, first_retx);
	/* let the rest through so the episode's data is all acknowledged */
	for (unsigned i = nseg; i < nhold; i++)
		if (i != first_retx)
			deliver(&p, i);
	holding = false;
	pair_run(&p, 50 * TCP_MSEC);
	drain(sv);
	struct tcp_conn_info after;
	tcp_conn_info(cl, &after);
	printf("undo: cwnd %u -> %u (ssthresh %u) -> %u, ssthresh %u, dsacks %llu, undos %llu\n",
	       before.cwnd, mid.cwnd, mid.ssthresh, after.cwnd, after.ssthresh,
	       (unsigned long long)after.dsacks_rcvd, (unsigned long long)after.undos);
	CHECK(after.dsacks_rcvd >= 1);
	CHECK_EQ_U64(after.undos, 1);
	CHECK(after.cwnd >= before.cwnd);
	CHECK_EQ_U64(after.ssthresh, before.ssthresh);
	CHECK(after.reordering_seen);
	CHECK(after.reo_wnd_mult >= 2);
	pair_free(&p);
}

/* Eifel (RFC 3522): after an RTO the first ACK echoes the original's timestamp, older than the
 * retransmission's: the timeout was spurious and the loss window is undone. */
static void test_spurious_rto_eifel(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	setup(&p, &c, &cl, &sv);
	struct tcp_conn_info before;
	tcp_conn_info(cl, &before);
	static uint8_t buf[1000];
	holding = true;
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(&p);
	CHECK_EQ_U64(nhold, 1);
	pair_run(&p, 2 * TCP_SEC); /* the RTO fires; the retransmission is held too */
	struct tcp_conn_info mid;
	tcp_conn_info(cl, &mid);
	CHECK(mid.rto_timeouts >= 1);
	CHECK(mid.cwnd < before.cwnd);
	CHECK(nhold >= 2);
	deliver(&p, 0);		      /* the original, delayed */
	pair_run(&p, 100 * TCP_MSEC); /* its (delayed) ACK */
	struct tcp_conn_info after;
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.snd_una, after.snd_nxt);
	CHECK_EQ_U64(after.undos, 1);
	CHECK_EQ_U64(after.cwnd, before.cwnd);
	CHECK_EQ_U64(after.ssthresh, before.ssthresh);
	/* Karn's rule has no sample for it; the echoed timestamp has one (RFC 7323 RTTM) */
	CHECK(after.srtt > before.srtt && after.rto > 2 * TCP_SEC);
	/* a real loss is not undone: the retransmission's timestamp is echoed. (The ACK above
	 * timed the 2 s the original was held, by its echoed timestamp (RFC 7323 RTTM): the RTO
	 * is now about 3 s.) */
	nhold = 0;
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_pump(&p);
	pair_run(&p, 5 * TCP_SEC);
	CHECK(nhold >= 2);
	if (nhold >= 2)
		deliver(&p, nhold - 1); /* only the retransmission arrives */
	pair_run(&p, 100 * TCP_MSEC);
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.snd_una, after.snd_nxt);
	CHECK_EQ_U64(after.undos, 1);
	CHECK(after.cwnd < before.cwnd);
	pair_free(&p);
}

/* Eifel for a fast retransmit (RFC 3522 section 3): on a reordering path the delayed original
 * fills the hole; its ACK echoes the original's timestamp, older than the retransmission's, and
 * the recovery is undone at once, before any D-SACK. Not when the data's transmission was
 * deferred by the NIC (tcp_conn_ext_deferred): its timestamp then dates nothing. */
static void eifel_fast_recovery(bool deferred)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	setup(&p, &c, &cl, &sv);
	warm_up(&p, cl, sv, 200000);
	struct tcp_conn_info before;
	tcp_conn_info(cl, &before);
	uint32_t nseg = send_held(&p, cl, &before, 20);
	if (deferred)
		tcp_conn_ext_deferred(cl, before.snd_nxt + nseg * before.mss);
	pair_run(&p, 5 * TCP_MSEC); /* the retransmission's timestamp is a later one */
	for (unsigned i = 1; i < nseg; i++)
		deliver(&p, i);
	struct tcp_conn_info mid;
	tcp_conn_info(cl, &mid);
	CHECK_EQ_U64(mid.fast_recoveries, 1);
	CHECK(mid.retrans_segs >= 1);
	CHECK(mid.cwnd < before.cwnd);
	deliver(&p, 0); /* the delayed original; the retransmission stays held */
	struct tcp_conn_info after;
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.snd_una, before.snd_nxt + nseg * before.mss);
	printf("eifel fast recovery%s: cwnd %u -> %u -> %u, undos %llu\n",
	       deferred ? " (deferred data)" : "", before.cwnd, mid.cwnd, after.cwnd,
	       (unsigned long long)after.undos);
	if (deferred) {
		CHECK_EQ_U64(after.undos, 0);
		CHECK(after.cwnd < before.cwnd);
	} else {
		CHECK_EQ_U64(after.undos, 1);
		CHECK(after.cwnd >= before.cwnd);
		CHECK_EQ_U64(after.ssthresh, before.ssthresh);
	}
	holding = false;
	pair_free(&p);
}

/* Send-buffer auto-tuning follows cwnd unless SO_SNDBUF was set. */
static void test_sndbuf_autotune(void)
{
	for (int autotune = 1; autotune >= 0; autotune--) {
		struct pair p;
		struct tcp_conn *cl, *sv;
		struct tcp_config c = cfg_base();
		c.sndbuf_auto = autotune;
		setup(&p, &c, &cl, &sv);
		struct tcp_conn_info i0, i1;
		tcp_conn_info(cl, &i0);
		CHECK_EQ_U64(i0.sndbuf, 256 * 1024);
		warm_up(&p, cl, sv, 2u << 20);
		tcp_conn_info(cl, &i1);
		printf("sndbuf auto=%d: %u -> %u (cwnd %u)\n", autotune, i0.sndbuf, i1.sndbuf,
		       i1.cwnd);
		if (autotune) {
			CHECK(i1.sndbuf > 256 * 1024);
			CHECK(i1.sndbuf <= c.sndbuf_max);
			CHECK(tcp_conn_send_space(cl) > 256 * 1024);
		} else {
			CHECK_EQ_U64(i1.sndbuf, 256 * 1024);
		}
		pair_free(&p);
	}
}

/* RFC 8985 7.3 / 7.4: the last of ten segments is lost (held). The probe timer sends one loss
 * probe, a retransmission of that last segment alone, re-arms the RTO and sends no second
 * probe while the first is outstanding. Then either the probe alone repairs the loss (the
 * original never arrives): its ACK reaches TLP.end_seq, and the next ACK beyond it, with no
 * D-SACK, shows the loss, so cwnd is reduced once (tlp_recoveries); or the late original
 * arrives first and the probe draws a D-SACK: no reduction. */
static void tlp_tail_loss(bool original_arrives)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	c.rto_min = TCP_SEC; /* the PTO (2 SRTT + 200 ms for one segment out) comes first */
	setup(&p, &c, &cl, &sv);
	warm_up(&p, cl, sv, 200000);
	struct tcp_conn_info before, mid, after;
	tcp_conn_info(cl, &before);
	uint32_t nseg = send_held(&p, cl, &before, 10);
	CHECK_EQ_U64(nseg, 10);
	for (unsigned i = 0; i + 1 < nseg; i++)
		deliver(&p, i);
	drain(sv);
	uint64_t probes0 = tcp_stack_stats(p.a)->tlp_probes;
	pair_run(&p, 250 * TCP_MSEC);
	CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_probes, probes0 + 1);
	CHECK_EQ_U64(nhold, nseg + 1);
	CHECK_EQ_U64(hold[nseg].h.seq, hold[nseg - 1].h.seq); /* the last segment, alone */
	CHECK_EQ_U64(hold[nseg].len, hold[nseg - 1].len);
	pair_run(&p, 300 * TCP_MSEC); /* no second probe while the first is outstanding */
	CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_probes, probes0 + 1);
	CHECK_EQ_U64(nhold, nseg + 1);
	tcp_conn_info(cl, &mid);
	CHECK_EQ_U64(mid.rto_timeouts, before.rto_timeouts);
	if (original_arrives)
		deliver(&p, nseg - 1);
	deliver(&p, nseg); /* the probe */
	pair_run(&p, 50 * TCP_MSEC); /* the receiver's delayed ACK */
	drain(sv);
	tcp_conn_info(cl, &mid);
	CHECK_EQ_U64(mid.snd_una, mid.snd_nxt);
	CHECK_EQ_U64(mid.dsacks_rcvd, before.dsacks_rcvd + (original_arrives ? 1 : 0));
	CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_recoveries, 0);
	/* new data: its ACK goes beyond TLP.end_seq */
	holding = false;
	static uint8_t buf[1000];
	CHECK_EQ_U64(tcp_send(cl, buf, sizeof(buf)), sizeof(buf));
	pair_run(&p, 50 * TCP_MSEC);
	drain(sv);
	tcp_conn_info(cl, &after);
	CHECK_EQ_U64(after.snd_una, after.snd_nxt);
	printf("tlp %s: cwnd %u -> %u, ssthresh %u -> %u, tlp_recoveries %llu\n",
	       original_arrives ? "redundant" : "repaired", mid.cwnd, after.cwnd, mid.ssthresh,
	       after.ssthresh, (unsigned long long)tcp_stack_stats(p.a)->tlp_recoveries);
	CHECK_EQ_U64(after.fast_recoveries, before.fast_recoveries);
	CHECK_EQ_U64(after.rto_timeouts, before.rto_timeouts);
	if (original_arrives) {
		CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_recoveries, 0);
		CHECK(after.cwnd >= mid.cwnd);
	} else {
		CHECK_EQ_U64(tcp_stack_stats(p.a)->tlp_recoveries, 1);
		CHECK(after.ssthresh < mid.cwnd);
		CHECK_EQ_U64(after.cwnd, after.ssthresh);
	}
	pair_free(&p);
}

static void test_tlp_repairs_tail_loss(void)
{
	tlp_tail_loss(false);
}

static void test_tlp_redundant_probe(void)
{
	tlp_tail_loss(true);
}

static void test_eifel_fast_recovery_immediate(void)
{
	eifel_fast_recovery(false);
}

static void test_eifel_fast_recovery_deferred(void)
{
	eifel_fast_recovery(true);
}

/* The stack counts how the initial slow start ended: a fast recovery while ssthresh is still
 * at its initial value (RFC 5681 section 3.1) is an exit by loss, with cwnd at that moment;
 * later recoveries are congestion avoidance and do not count. */
static void test_slow_start_exit_by_loss(void)
{
	struct pair p;
	struct tcp_conn *cl, *sv;
	struct tcp_config c = cfg_base();
	setup(&p, &c, &cl, &sv);
	warm_up(&p, cl, sv, 200000);
	const struct tcp_stats *st = tcp_stack_stats(p.a);
	struct tcp_conn_info before;
	tcp_conn_info(cl, &before);
	CHECK_EQ_U64(before.ssthresh, UINT32_MAX); /* still in the initial slow start */
	CHECK_EQ_U64(st->ss_exits_loss + st->ss_exits_hystart, 0);
	for (int episode = 0; episode < 2; episode++) {
		uint32_t nseg = send_held(&p, cl, &before, 60);
		/* everything but the first segment arrives: fast recovery */
		for (unsigned i = 1; i < nseg; i++)
			deliver(&p, i);
		struct tcp_conn_info mid;
		tcp_conn_info(cl, &mid);
		CHECK_EQ_U64(mid.fast_recoveries, (uint64_t)episode + 1);
		CHECK_EQ_U64(st->ss_exits_loss, 1);
		CHECK_EQ_U64(st->ss_exits_hystart, 0);
		if (episode == 0)
			CHECK_EQ_U64(st->ss_exit_cwnd_bytes, before.cwnd);
		/* the retransmissions arrive (the original never does: no undo) */
		holding = false;
		for (unsigned i = nseg; i < nhold; i++)
			deliver(&p, i);
		pair_run(&p, 300 * TCP_MSEC);
		drain(sv);
		tcp_conn_info(cl, &before);
		CHECK(before.ssthresh != UINT32_MAX);
		CHECK_EQ_U64(before.undos, 0);
	}
	CHECK_EQ_U64(st->ss_exits_loss, 1);
	pair_free(&p);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_dsack_generate);
	RUN(test_spurious_recovery_undo);
	RUN(test_spurious_rto_eifel);
	RUN(test_eifel_fast_recovery_immediate);
	RUN(test_eifel_fast_recovery_deferred);
	RUN(test_sndbuf_autotune);
	RUN(test_tlp_repairs_tail_loss);
	RUN(test_tlp_redundant_probe);
	RUN(test_slow_start_exit_by_loss);
	RUN_DONE();
}
