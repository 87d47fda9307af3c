/* SPDX-License-Identifier: BSD-2-Clause */
/* Segment output: what to send next on a connection (RFC 9293 3.8.6 / 3.7.4 send policy,
 * RFC 6675 section 5 NextSeg, RFC 5681 windows) and the header fields of each segment. */
#include <string.h>

#include "tcp/tcb.h"

uint32_t tcp_ts_now(const struct tcp_conn *c, tcp_time_t now)
{
	return (uint32_t)(now / TCP_MSEC) + c->ts_offset; /* RFC 7323 5.4: 1 ms clock */
}

/* RFC 6675 section 4 "pipe": bytes believed in flight. Without SACK, each duplicate ACK stands
 * for one segment that left the network (RFC 5681 3.2 window inflation). */
uint32_t tcp_conn_pipe(const struct tcp_conn *c)
{
	uint32_t out = c->snd_nxt - c->snd_una;
	uint32_t gone = c->sm.sacked_bytes + c->sm.lost_bytes;
	if (!c->sack_ok && c->in_recovery)
		gone += c->dupacks * (uint32_t)c->t_maxseg;
	uint32_t pipe = out > gone ? out - gone : 0;
	return pipe + c->sm.retx_bytes;
}

/* The receive window to advertise (RFC 9293 3.8.6.2.2 receiver SWS avoidance; never shrink
 * the right edge, RFC 7323 2.4). Updates rcv_adv. Returns the raw header field. */
static uint16_t advertise_window(struct tcp_conn *c, bool syn)
{
	uint32_t win = tcp_rcvbuf_window(c->rb);
	if (syn) {
		win = win > 65535 ? 65535 : win;
		if (c->state == TCP_SYN_RECEIVED)
			c->rcv_adv = c->rcv_nxt + win;
		return (uint16_t)win;
	}
	uint32_t edge = c->rcv_nxt + win;
	uint32_t sws = c->cfg.rcvbuf / 2 < c->t_maxseg ? c->cfg.rcvbuf / 2 : c->t_maxseg;
	if (SEQ_LT(edge, c->rcv_adv) || (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv < sws &&
					 SEQ_GT(c->rcv_adv, c->rcv_nxt)))
		edge = seq_max(c->rcv_adv, c->rcv_nxt);
	uint32_t w = edge - c->rcv_nxt;
	uint32_t field = w >> c->rcv_scale;
	if (field > 65535)
		field = 65535;
	uint32_t adv = c->rcv_nxt + (field << c->rcv_scale);
	if (SEQ_GT(adv, c->rcv_adv) || SEQ_LT(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = adv;
	return (uint16_t)field;
}

static void seg_init(struct tcp_conn *c, struct tcp_seg *out, uint32_t seq, uint8_t flags,
		     tcp_time_t now)
{
	memset(out, 0, sizeof(*out));
	out->tuple = c->t;
	out->conn = c;
	out->mss = c->t_maxseg;
	struct tcp_hdr *h = &out->hdr;
	h->sport = c->t.lport;
	h->dport = c->t.rport;
	h->seq = seq;
	h->flags = flags;
	bool syn = flags & TH_SYN;
	if (flags & TH_ACK) {
		h->ack = c->rcv_nxt;
		h->wnd = advertise_window(c, syn);
		c->last_ack_sent = c->rcv_nxt;
		c->ack_now = false;
		c->unacked_segs = 0;
		c->t_delack = TCP_TIME_NEVER;
	} else if (syn) {
		h->wnd = advertise_window(c, true);
	}
	if (syn) {
		bool synack = flags & TH_ACK;
		h->opts.present |= TCP_OPT_F_MSS;
		h->opts.mss = c->cfg.mss;
		if (synack ? c->ws_ok : c->cfg.wscale) {
			h->opts.present |= TCP_OPT_F_WSCALE;
			h->opts.wscale = c->rcv_scale;
		}
		if (synack ? c->sack_ok : c->cfg.sack)
			h->opts.present |= TCP_OPT_F_SACKOK;
		if (synack ? c->ts_ok : c->cfg.timestamps) {
			h->opts.present |= TCP_OPT_F_TS;
			h->opts.ts_val = tcp_ts_now(c, now);
			h->opts.ts_ecr = synack ? c->ts_recent : 0;
		}
		return;
	}
	if (c->ts_ok) {
		h->opts.present |= TCP_OPT_F_TS;
		h->opts.ts_val = tcp_ts_now(c, now);
		h->opts.ts_ecr = c->ts_recent;
	}
	/* RFC 2018 section 4: SACK blocks in every ACK while out-of-order data is held; RFC 2883
	 * section 4: a D-SACK block first, once, after a duplicate arrived (the block holding
	 * it, if any, follows: it was the most recently changed) */
	if (c->sack_ok && (flags & TH_ACK) && (c->dsack_pending || tcp_rcvbuf_has_ooo(c->rb))) {
		int max = c->ts_ok ? 3 : 4, n = 0;
		if (c->dsack_pending) {
			h->opts.sack[n++] = c->dsack;
			c->dsack_pending = false;
			c->dsacks_sent++;
			c->stack->st.dsacks_sent++;
		}
		if (tcp_rcvbuf_has_ooo(c->rb))
			n += tcp_rcvbuf_sack_blocks(c->rb, h->opts.sack + n, max - n);
		if (n > 0) {
			h->opts.nsack = (uint8_t)n;
			h->opts.present |= TCP_OPT_F_SACK;
		}
	}
}

/* Payload bytes one packet can carry with the options this segment has. */
static uint32_t seg_payload_max(const struct tcp_conn *c, const struct tcp_seg *out)
{
	uint32_t m = c->t_maxseg;
	if (out->hdr.opts.nsack)
		m -= 2 + 8u * out->hdr.opts.nsack + 2;
	return m;
}

static void seg_payload(struct tcp_seg *out, const struct tcp_sndbuf_chunk *ch)
{
	out->len = ch->len;
	if (ch->ext) {
		out->kind = TCP_PAYLOAD_EXT;
		out->tag = ch->tag;
		out->tag_off = ch->tag_off;
	} else {
		out->kind = TCP_PAYLOAD_INLINE;
		out->p[0] = ch->p[0];
		out->p[1] = ch->p[1];
		out->plen[0] = ch->plen[0];
		out->plen[1] = ch->plen[1];
	}
}

static void count_out(struct tcp_conn *c, const struct tcp_seg *out)
{
	c->stack->st.segs_out++;
	c->stack->st.bytes_out += out->len;
	if (out->hdr.flags & TH_RST)
		c->stack->st.rsts_sent++;
}

/* Largest payload per descriptor: tso_max rounded down to whole packets. */
static uint32_t seg_len_max(const struct tcp_conn *c, uint32_t pmax)
{
	uint32_t n = c->cfg.tso_max / c->cfg.mss;
	return (n ? n : 1) * pmax;
}

/* RFC 6675 NextSeg rule (1) / RFC 6582: retransmit the first lost range. */
static bool output_retransmit(struct tcp_conn *c, struct tcp_seg *out, tcp_time_t now)
{
	int idx = tcp_sentmap_next_lost(&c->sm);
	if (idx < 0)
		return false;
	struct tcp_sent *e = tcp_sentmap_at(&c->sm, (uint32_t)idx);
	uint32_t pipe = tcp_conn_pipe(c);
	uint32_t cwnd = c->cc.cwnd;
	if (pipe > 0 && pipe + c->t_maxseg > cwnd)
		return false;
	seg_init(c, out, e->seq, TH_ACK, now);
	uint32_t pmax = seg_payload_max(c, out);
	uint32_t room = cwnd > pipe ? cwnd - pipe : c->t_maxseg;
	uint32_t maxlen = seg_len_max(c, pmax);
	if (room < maxlen) /* whole packets only: never a sliver because cwnd had one */
		maxlen = room < pmax ? pmax : room - room % pmax;
	/* coalesce the lost entries that follow (SACK holes, earlier retransmission pieces) into
	 * one retransmission, as Linux's tcp_retrans_try_collapse, up to what may be sent */
	while (tcp_sentmap_merge_lost(&c->sm, (uint32_t)idx, maxlen))
		;
	e = tcp_sentmap_at(&c->sm, (uint32_t)idx);
	uint32_t fin = (e->flags & TCP_SENT_FIN) ? 1 : 0;
	uint32_t dlen = e->end - e->seq - fin;
	if (dlen > maxlen) {
		/* send the front part: split so the entry matches what is on the wire */
		if (tcp_sentmap_split(&c->sm, (uint32_t)idx, e->seq + maxlen) < 0)
			return false;
		e = tcp_sentmap_at(&c->sm, (uint32_t)idx);
		fin = 0;
		dlen = maxlen;
	}
	if (dlen) {
		struct tcp_sndbuf_chunk ch;
		if (!tcp_sndbuf_peek(c->sb, e->seq, dlen, &ch))
			return false;
		if (ch.len < dlen) { /* a kind boundary: never mix inline and external */
			if (tcp_sentmap_split(&c->sm, (uint32_t)idx, e->seq + ch.len) < 0)
				return false;
			e = tcp_sentmap_at(&c->sm, (uint32_t)idx);
			fin = 0;
		}
		seg_payload(out, &ch);
	}
	if (fin)
		out->hdr.flags |= TH_FIN;
	out->retransmit = true;
	tcp_undo_on_retransmit(c, e->seq, e->end - e->seq, now);
	tcp_sentmap_retransmitted(&c->sm, (uint32_t)idx, now);
	if (c->cfg.ext_echo && out->kind == TCP_PAYLOAD_EXT)
		e->flags |= TCP_SENT_ECHO_WAIT;
	c->retrans_segs++;
	c->retrans_bytes += out->len;
	c->stack->st.retrans_segs++;
	c->stack->st.retrans_bytes += out->len;
	/* RFC 6298 (5.1) starts the timer if it is not running. When the retransmission repairs
	 * the first hole, restart it (as Linux does): the timer then guards this retransmission,
	 * which needs a full (queue-inflated) RTT, not the last cumulative ACK, which was sent
	 * before loss detection began; else a standing queue (RTTVAR ~ 0, RTO ~ SRTT) makes
	 * every fast recovery end in a spurious timeout. */
	if (c->t_rexmt == TCP_TIME_NEVER || idx == 0)
		tcp_timer_arm_rexmt(c, now);
	count_out(c, out);
	return true;
}

/* New data, RFC 9293 3.8.6.2.1 sender SWS avoidance and 3.7.4 Nagle. */
static bool output_new(struct tcp_conn *c, struct tcp_seg *out, tcp_time_t now)
{
	uint32_t tail = tcp_sndbuf_tail(c->sb);
	uint32_t avail = SEQ_LT(c->snd_nxt, tail) ? tail - c->snd_nxt : 0;
	bool fin_now = c->fin_queued && !c->fin_sent && c->snd_nxt == c->fin_seq;
	c->app_limited = false;
	if (!avail && !fin_now) {
		c->app_limited = true;
		return false;
	}
	uint32_t wnd_edge = c->snd_una + c->snd_wnd;
	uint32_t wnd_room = SEQ_GT(wnd_edge, c->snd_nxt) ? wnd_edge - c->snd_nxt : 0;
	uint32_t pipe = tcp_conn_pipe(c);
	uint32_t cwnd_room = c->cc.cwnd > pipe ? c->cc.cwnd - pipe : 0;
	bool idle = c->snd_nxt == c->snd_una;
	if (!avail) { /* FIN alone */
		seg_init(c, out, c->snd_nxt, TH_ACK | TH_FIN, now);
		goto emit;
	}
	uint32_t room = wnd_room < cwnd_room ? wnd_room : cwnd_room;
	if (!room) {
		if (!wnd_room && idle && c->t_persist == TCP_TIME_NEVER)
			tcp_timer_arm_persist(c, now);
		return false;
	}
	seg_init(c, out, c->snd_nxt, TH_ACK, now);
	uint32_t pmax = seg_payload_max(c, out);
	uint32_t len = avail < room ? avail : room;
	uint32_t lmax = seg_len_max(c, pmax);
	if (len > lmax)
		len = lmax;
	struct tcp_sndbuf_chunk ch;
	if (!tcp_sndbuf_peek(c->sb, c->snd_nxt, len, &ch))
		return false;
	if (ch.len < pmax) {
		bool all = c->snd_nxt + ch.len == tail;
		bool boundary = ch.len < len; /* the other kind follows */
		bool ok = (all || boundary) && (c->cfg.nodelay || idle);
		if (c->max_sndwnd && ch.len >= c->max_sndwnd / 2)
			ok = true;
		if (idle && ch.len == wnd_room)
			ok = true; /* nothing in flight and the window is the limit: send it */
		if (!ok) {
			if (!wnd_room && idle && c->t_persist == TCP_TIME_NEVER)
				tcp_timer_arm_persist(c, now);
			return false;
		}
	} else if (ch.len > pmax && ch.len % pmax && ch.len < avail) {
		ch.len -= ch.len % pmax; /* keep TSO bursts in whole packets */
		if (!ch.ext) {
			if (ch.plen[0] >= ch.len) {
				ch.plen[0] = ch.len;
				ch.plen[1] = 0;
				ch.p[1] = NULL;
			} else {
				ch.plen[1] = ch.len - ch.plen[0];
			}
		}
	}
	seg_payload(out, &ch);
	if (c->fin_queued && c->snd_nxt + ch.len == c->fin_seq)
		out->hdr.flags |= TH_FIN;
	if (c->snd_nxt + ch.len == tail)
		out->hdr.flags |= TH_PSH;
emit:;
	bool fin = out->hdr.flags & TH_FIN;
	uint8_t fl = fin ? TCP_SENT_FIN : 0;
	if (out->kind == TCP_PAYLOAD_EXT) {
		fl |= TCP_SENT_EXT;
		if (c->cfg.ext_echo)
			fl |= TCP_SENT_ECHO_WAIT;
	}
	uint32_t end = c->snd_nxt + out->len + (fin ? 1 : 0);
	if (tcp_sentmap_add(&c->sm, c->snd_nxt, end, now, fl) < 0)
		return false;
	if (c->in_recovery)
		c->prr_out += end - c->snd_nxt; /* RFC 6937: data sent during recovery */
	c->snd_nxt = end;
	if (fin)
		c->fin_sent = true;
	if (c->t_rexmt == TCP_TIME_NEVER)
		tcp_timer_arm_rexmt(c, now);
	tcp_timer_arm_tlp(c, now);
	c->t_persist = TCP_TIME_NEVER;
	c->persist_since = TCP_TIME_NEVER;
	count_out(c, out);
	return true;
}

/* RFC 8985 section 7.3: the probe timer expired. At most one probe is outstanding (condition 1,
 * TLP.end_seq). The probe is a segment of new data if the peer's window allows one, sent
 * regardless of cwnd, else a retransmission of the last segment (one segment, as Linux splits
 * the last TSO range: the probe only needs to draw an ACK). Either way the RTO timer is
 * re-armed afterwards, and the probe is remembered (section 7.4.3). */
static bool output_tlp(struct tcp_conn *c, struct tcp_seg *out, tcp_time_t now)
{
	c->tlp_pending = false;
	if (c->tlp_end_set || !c->sm.len || c->in_recovery || c->in_loss || c->sm.lost_bytes)
		return false;
	uint32_t cwnd = c->cc.cwnd, pipe = tcp_conn_pipe(c);
	bool nodelay = c->cfg.nodelay;
	/* new data: output_new limits it to the room cwnd leaves, here one segment; Nagle does
	 * not hold a probe back (Linux sends it with TCP_NAGLE_OFF) */
	c->cc.cwnd = pipe + c->t_maxseg;
	c->cfg.nodelay = true;
	bool sent = output_new(c, out, now);
	c->cfg.nodelay = nodelay;
	c->cc.cwnd = cwnd;
	if (sent) {
		tcp_tlp_sent(c, false, out->hdr.seq);
		goto probe_sent;
	}
	uint32_t i = c->sm.len - 1;
	struct tcp_sent *e = tcp_sentmap_at(&c->sm, i);
	if (e->flags & (TCP_SENT_SACKED | TCP_SENT_RETX | TCP_SENT_LOST))
		return false;
	uint32_t fin = (e->flags & TCP_SENT_FIN) ? 1 : 0, dlen = e->end - e->seq - fin;
	if (dlen > c->t_maxseg) {
		/* the last segment of a TSO range: split it off (the front keeps its flags) */
		uint32_t at = e->seq + (dlen - 1) / c->t_maxseg * c->t_maxseg;
		if (tcp_sentmap_split(&c->sm, i, at) < 0)
			return false;
		i++;
		e = tcp_sentmap_at(&c->sm, i);
	}
	tcp_sentmap_mark_lost(&c->sm, i);
	uint32_t len = e->end - e->seq;
	/* the probe is sent regardless of cwnd */
	c->cc.cwnd = pipe + (len > c->t_maxseg ? len : c->t_maxseg);
	sent = output_retransmit(c, out, now);
	c->cc.cwnd = cwnd;
	if (!sent) {
		tcp_sentmap_unmark_lost(&c->sm);
		return false;
	}
	tcp_tlp_sent(c, true, out->hdr.seq);
probe_sent:
	c->stack->st.tlp_probes++;
	tcp_timer_arm_rexmt(c, now);
	c->t_tlp = TCP_TIME_NEVER;
	return true;
}

bool tcp_conn_output(struct tcp_conn *c, struct tcp_seg *out, tcp_time_t now)
{
	if (c->rst_pending) {
		/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> */
		c->rst_pending = false;
		seg_init(c, out, c->snd_nxt, TH_RST | TH_ACK, now);
		out->conn = NULL;
		count_out(c, out);
		return true;
	}
	switch (c->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		return false;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		if (!c->syn_pending)
			goto ack;
		c->syn_pending = false;
		seg_init(c, out, c->iss,
			 c->state == TCP_SYN_SENT ? TH_SYN : (TH_SYN | TH_ACK), now);
		c->snd_nxt = c->iss + 1;
		if (c->syn_tries == 0)
			c->syn_xmit = now;
		if (c->t_rexmt == TCP_TIME_NEVER)
			tcp_timer_arm_rexmt(c, now);
		count_out(c, out);
		return true;
	case TCP_TIME_WAIT:
		goto ack;
	default:
		break;
	}
	if (output_retransmit(c, out, now))
		return true;
	if (output_new(c, out, now)) {
		c->tlp_pending = false;
		return true;
	}
	if (c->tlp_pending && output_tlp(c, out, now))
		return true;
	if (c->probe_pending || c->keep_probe) {
		/* zero-window probe (RFC 9293 3.8.6.1) / keep-alive (RFC 1122 4.2.3.6): a segment
		 * with SEQ = SND.UNA - 1 that the peer must answer with an ACK */
		c->probe_pending = c->keep_probe = false;
		seg_init(c, out, c->snd_una - 1, TH_ACK, now);
		count_out(c, out);
		return true;
	}
ack:
	if (!c->ack_now || c->state == TCP_SYN_SENT)
		return false;
	seg_init(c, out, c->snd_nxt, TH_ACK, now);
	count_out(c, out);
	return true;
}
