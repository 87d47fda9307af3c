/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal: the transmission control block (struct tcp_conn), the stack and the functions the
 * core's modules share. Not for users of the core (they include tcp/tcp.h). */
#ifndef IOTCP_TCP_TCB_H
#define IOTCP_TCP_TCB_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/cc/cc.h"
#include "tcp/rcvbuf.h"
#include "tcp/rtt.h"
#include "tcp/sentmap.h"
#include "tcp/seq.h"
#include "tcp/sndbuf.h"
#include "tcp/tcp.h"

/* Intrusive doubly linked list node (output and event queues). */
struct tcp_link {
	struct tcp_link *prev, *next;
};

struct tcp_conn {
	struct tcp_stack *stack;
	struct tcp_listener *listener; /* until accepted */
	struct tcp_conn *hnext;        /* flow-table chain */
	struct tcp_conn *aq_next;      /* listener accept queue */
	struct tcp_link out_link, ev_link;
	int heap_idx;                  /* timer heap position, -1 if not in it */
	bool in_table, in_accept_q;
	bool embryonic;                /* counted in its listener's SYN queue */
	bool app_ref;                  /* application holds a handle */
	bool orphan;                   /* the application closed it (tcp_close, tcp_close_keep) */
	bool orphan_counted;           /* ... and it counts in stack->norphans (not yet CLOSED or
					* TIME-WAIT) */
	struct tcp_link tw_link;       /* stack->twq while in TIME-WAIT */
	void *user;

	struct tcp_tuple t;
	struct tcp_config cfg;
	const struct tcp_cc_ops *cc_ops;
	enum tcp_state state;
	int error;                     /* positive errno */

	/* send sequence space, RFC 9293 3.3.1. Retransmissions come from the sent map, so
	 * snd_nxt never moves back: it is also the highest sequence sent (FreeBSD snd_max). */
	uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, max_sndwnd;
	uint16_t t_maxseg;             /* payload bytes per packet, options accounted */
	uint16_t peer_mss;
	uint16_t pmtu_mss;             /* MSS the path allows (ICMP too big, pmtu.c); 0: cfg.mss */
	uint8_t snd_scale, rcv_scale;
	bool sack_ok, ts_ok, ws_ok;
	bool fin_queued, fin_sent;     /* application shut down; FIN at sndbuf tail */
	uint32_t fin_seq;

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent;
	bool fin_rcvd;                 /* FIN processed (rcv_nxt counts it) */
	bool ooo_fin;                  /* FIN seen beyond a hole */
	uint32_t ooo_fin_seq;
	uint32_t ts_recent, ts_offset;
	tcp_time_t ts_recent_age;

	struct tcp_sndbuf *sb;
	struct tcp_rcvbuf *rb;
	struct tcp_sentmap sm;

	/* loss recovery, RFC 6675 / RFC 6582 */
	bool in_recovery;
	uint32_t recover;              /* RecoveryPoint */
	uint32_t dupacks;
	struct tcp_cc cc;
	struct tcp_rtt rtt;
	bool app_limited;

	bool in_loss;                  /* RTO recovery: until snd_una reaches recover */

	/* PRR, RFC 6937 section 3 */
	uint32_t prr_delivered, prr_out, recover_fs;

	/* undo of a spurious recovery or RTO (RFC 3708 D-SACK detection, RFC 3522 Eifel
	 * detection, RFC 4015 style response): the episode retransmitted undo_retrans bytes of
	 * [undo_marker, undo_end) that no D-SACK has reported yet */
	bool undo_armed, undo_eifel, undo_ts_set;
	uint32_t undo_marker, undo_end, undo_retrans, undo_tsval;
	uint32_t undo_retx_seq; /* start of the episode's first retransmission */
	bool deferred_set;	/* tcp_conn_ext_deferred: data up to deferred_end left late */
	uint32_t deferred_end;
	uint32_t prior_cwnd, prior_ssthresh;
	bool ss_exit_counted; /* ss_exits_*: the initial slow start's end counted (an undo
			       * that resumes slow start does not count it again) */

	/* RACK, RFC 8985 section 6 */
	tcp_time_t rack_xmit;          /* RACK.xmit_ts */
	uint32_t rack_end;             /* RACK.end_seq */
	tcp_time_t rack_rtt;           /* RACK.rtt */
	uint32_t rack_fack;            /* RACK.fack: highest sequence delivered (acked or SACKed) */
	bool rack_reordering_seen;     /* RACK.reordering_seen */
	bool rack_dsack_round_set;
	uint32_t rack_dsack_round;     /* RACK.dsack_round */
	uint32_t rack_reo_wnd_mult;    /* RACK.reo_wnd_mult */
	uint32_t rack_reo_wnd_persist; /* RACK.reo_wnd_persist */
	tcp_time_t rack_reo_extent;    /* how late reordered segments came, at most (time) */
	uint32_t rack_reo_extent_persist; /* recoveries it still lasts */
	uint32_t reordering;           /* reordering degree in segments (Linux tp->reordering) */

	/* TLP, RFC 8985 section 7.4: the loss probe still outstanding, if any */
	bool tlp_end_set;              /* TLP.end_seq is not None */
	bool tlp_is_retrans;           /* TLP.is_retrans */
	uint32_t tlp_end;              /* TLP.end_seq: SND.NXT just after the probe was sent */
	uint32_t tlp_seq;              /* start of a retransmitted probe (for its D-SACK) */

	/* receiver: a D-SACK block to report in the next ACK (RFC 2883 section 4) */
	bool dsack_pending;
	struct tcp_sack_block dsack;

	/* receive buffer auto-tuning: bytes delivered in order per receiver RTT */
	uint32_t rcv_space_seq;
	tcp_time_t rcv_space_time, rcv_rtt;

	/* timers: absolute deadlines, TCP_TIME_NEVER when off */
	tcp_time_t t_rexmt, t_persist, t_delack, t_keep, t_2msl, t_tlp, t_rack;
	unsigned rexmt_shift, persist_shift, keep_probes, syn_tries;
	tcp_time_t last_rcv, deadline, syn_xmit;
	tcp_time_t persist_since;      /* the window closed (persist_max), or NEVER */
	tcp_time_t last_oow_ack;       /* last challenge / out-of-window ACK (500 ms rate limit) */

	/* pending output */
	bool syn_pending, rst_pending, ack_now, probe_pending, keep_probe, tlp_pending;
	uint32_t unacked_segs;         /* full segments received since our last ACK */

	/* statistics */
	uint64_t retrans_segs, retrans_bytes, rto_timeouts, fast_recoveries;
	uint64_t bytes_acked, bytes_received;
	uint64_t dsacks_rcvd, dsacks_sent, undos;
};

struct tcp_listener {
	struct tcp_stack *stack;
	struct tcp_listener *next;
	struct tcp_link ev_link;
	uint32_t addr;                  /* IPv4 (family TCP_AF_INET); 0 with family TCP_AF_INET:
					 * any address of either family (dual stack) */
	struct ipv6_addr addr6;         /* family TCP_AF_INET6: this IPv6 address only */
	uint8_t family;
	uint16_t port;
	uint32_t backlog, embryonic, queued;
	bool overflowed;                /* SYN queue overflow seen (cookies sent) ... */
	tcp_time_t last_overflow;       /* ... last at this time */
	struct tcp_conn *aq_head, *aq_tail;
	struct tcp_config cfg;
	void *user;
};

struct tcp_ctl {                      /* a queued stateless reply */
	struct tcp_tuple t;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t mss;                      /* SYN-ACK cookie: MSS option */
	uint16_t wnd;
};

#define TCP_CTLQ 64

struct tcp_stack {
	struct tcp_stack_config cfg;
	uint64_t hash_key;
	struct tcp_conn **buckets;
	size_t nbuckets, nconns;
	struct tcp_listener *listeners;
	struct tcp_conn **heap;
	size_t heap_len, heap_cap;
	struct tcp_link outq, evq, levq;
	struct tcp_ctl ctl[TCP_CTLQ];
	unsigned ctl_head, ctl_len;
	uint64_t chal_second;             /* RFC 5961 7: the current second ... */
	uint32_t chal_left;               /* ... and its challenge ACKs left */
	size_t norphans;
	struct tcp_link twq;              /* TIME-WAIT connections, oldest first */
	struct tcp_rcvbuf_pool ooo_pool;  /* out-of-order memory of every connection */
	tcp_time_t now;                   /* the latest time the caller passed in */
	struct tcp_stats st;
};

/* Linux sysctl_tcp_invalid_ratelimit: one challenge or out-of-window ACK per connection per
 * interval. */
#define TCP_OOW_INTERVAL (500 * TCP_MSEC)

/* list.c-like helpers (stack.c) */
void tcp_list_init(struct tcp_link *l);
void tcp_list_remove(struct tcp_link *n);
void tcp_list_push(struct tcp_link *head, struct tcp_link *n);
bool tcp_list_linked(const struct tcp_link *n);

/* stack.c */
void tcp_stack_drop(struct tcp_stack *s, enum tcp_drop why);
int tcp_stack_insert(struct tcp_stack *s, struct tcp_conn *c);
void tcp_stack_unlink(struct tcp_stack *s, struct tcp_conn *c);
struct tcp_conn *tcp_stack_lookup(const struct tcp_stack *s, const struct tcp_tuple *t);
bool tcp_stack_queue_ctl(struct tcp_stack *s, const struct tcp_tuple *t, uint32_t seq,
			 uint32_t ack, uint8_t flags, uint16_t mss, uint16_t wnd);
/* RST in reply to segment h that arrived on tuple t (RFC 9293 3.10.7.1). */
void tcp_stack_reply_rst(struct tcp_stack *s, const struct tcp_tuple *t, const struct tcp_hdr *h,
			 uint32_t len);
bool tcp_stack_challenge_allowed(struct tcp_stack *s, tcp_time_t now);
/* Room for one more connection under max_conns, ending the oldest TIME-WAIT connection the
 * application no longer holds if that makes room. */
bool tcp_stack_conn_room(struct tcp_stack *s);
void tcp_heap_update(struct tcp_stack *s, struct tcp_conn *c);

/* conn.c */
struct tcp_conn *tcp_conn_new(struct tcp_stack *s, const struct tcp_tuple *t,
			      const struct tcp_config *cfg, tcp_time_t now);
void tcp_conn_destroy(struct tcp_conn *c);
/* Move to CLOSED with error err (0 for an orderly end). The stack frees it later (reap). */
void tcp_conn_closed(struct tcp_conn *c, int err);
/* Free c if it is CLOSED, unreferenced and has nothing left to send. True if freed. */
bool tcp_conn_reap(struct tcp_conn *c);
void tcp_conn_set_state(struct tcp_conn *c, enum tcp_state st);
/* Something changed: requeue for output/events and refresh the timer heap. */
void tcp_conn_touch(struct tcp_conn *c);
void tcp_conn_established(struct tcp_conn *c, tcp_time_t now);
/* Apply the options of a SYN / SYN-ACK (RFC 7323, RFC 2018, MSS). */
void tcp_conn_syn_options(struct tcp_conn *c, const struct tcp_hdr *h, bool syn_ack);
void tcp_conn_update_maxseg(struct tcp_conn *c);
/* The connection left the orphan count (CLOSED, TIME-WAIT, freed). */
void tcp_conn_orphan_end(struct tcp_conn *c);
/* New data arrived for an orphan: RST, CLOSED (RFC 1122 4.2.2.13, Linux tcp_rcv_state_process). */
void tcp_conn_orphan_data(struct tcp_conn *c);
/* Free the buffers' memory where nothing is held (a closing connection keeps only its TCB). */
void tcp_conn_shrink(struct tcp_conn *c);
/* Consistency of one connection (check.c): NULL, or the condition that does not hold.
 * quiet: nothing more to send now (timers must then be armed for what is outstanding). */
const char *tcp_conn_check(const struct tcp_conn *c, bool quiet);

/* input.c */
void tcp_conn_input(struct tcp_conn *c, const struct tcp_hdr *h, const uint8_t *data,
		    uint32_t len, tcp_time_t now);

/* recovery.c: loss recovery episodes, PRR (RFC 6937), D-SACK (RFC 2883) and undo of spurious
 * recoveries (RFC 3708, RFC 3522 / RFC 4015) */
/* Enter fast recovery (RFC 6675 section 5 step 4); delivered: bytes the triggering ACK
 * delivered (0 from a timer). */
/* Counts the end of the initial slow start by a loss (ss_exits_loss, ss_exit_cwnd_bytes); called
 * before the cc's reduction. */
void tcp_note_loss_in_slow_start(struct tcp_conn *c);
void tcp_enter_recovery(struct tcp_conn *c, uint32_t delivered, tcp_time_t now);
/* PRR, RFC 6937 section 3: on an ACK in recovery, set cwnd = pipe + sndcnt. */
void tcp_prr_on_ack(struct tcp_conn *c, uint32_t delivered);
/* Recovery reached its recovery point (full ACK). */
void tcp_exit_recovery(struct tcp_conn *c, tcp_time_t now);
/* RTO recovery reached its recovery point. */
void tcp_exit_loss(struct tcp_conn *c);
/* An RTO starts a loss episode: save what undo needs before the cc reduces cwnd. */
void tcp_undo_on_rto(struct tcp_conn *c, tcp_time_t now);
/* A data retransmission of len sequence bytes left (any kind: fast, RACK, TLP, RTO). */
void tcp_undo_on_retransmit(struct tcp_conn *c, uint32_t seq, uint32_t len, tcp_time_t now);
/* True when blocks[0] of an ACK for ack is a D-SACK (RFC 2883 section 4). */
bool tcp_sack_is_dsack(const struct tcp_sack_block *b, uint32_t n, uint32_t ack);
/* A D-SACK block arrived (RFC 3708 detection, RFC 8985 6.2.4 reordering window). */
void tcp_dsack_received(struct tcp_conn *c, const struct tcp_sack_block *b);
/* After an ACK is processed: undo the episode if D-SACKs or timestamps proved it spurious. */
void tcp_undo_check(struct tcp_conn *c, const struct tcp_hdr *h, bool new_ack, tcp_time_t now);
/* Receiver: remember [start, end) as a duplicate to report in the next ACK. */
void tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end);
/* autotune.c: buffer auto-tuning */
/* Grow the send buffer with cwnd (sndbuf_auto). */
void tcp_sndbuf_autotune(struct tcp_conn *c);
/* Grow the receive buffer with the bytes delivered per RTT (rcvbuf_auto). */
void tcp_rcvbuf_autotune(struct tcp_conn *c, const struct tcp_hdr *h, tcp_time_t now);
/* Size the receive buffer's out-of-order range limit to its capacity (about one range per two
 * full segments), after it was created or resized. */
void tcp_rcvbuf_fit_ooo(struct tcp_conn *c);

/* output.c */
bool tcp_conn_output(struct tcp_conn *c, struct tcp_seg *out, tcp_time_t now);
uint32_t tcp_conn_pipe(const struct tcp_conn *c);
uint32_t tcp_ts_now(const struct tcp_conn *c, tcp_time_t now);

/* timer.c */
void tcp_conn_timers(struct tcp_conn *c, tcp_time_t now);
void tcp_conn_compute_deadline(struct tcp_conn *c);
void tcp_timer_arm_rexmt(struct tcp_conn *c, tcp_time_t now);
void tcp_timer_arm_tlp(struct tcp_conn *c, tcp_time_t now);
void tcp_timer_arm_persist(struct tcp_conn *c, tcp_time_t now);
void tcp_timer_keep_reset(struct tcp_conn *c, tcp_time_t now);
void tcp_enter_time_wait(struct tcp_conn *c, tcp_time_t now);
/* FIN-WAIT-2 of an orphan lasts fin_timeout (Linux tcp_fin_timeout): arm it. */
void tcp_timer_fin_wait_2(struct tcp_conn *c, tcp_time_t now);

/* listen.c */
void tcp_listen_input(struct tcp_listener *l, const struct tcp_tuple *t, const struct tcp_hdr *h,
		      const uint8_t *data, uint32_t len, tcp_time_t now);
/* The listener for a segment on tuple t: bound to its local address, else a wildcard. */
struct tcp_listener *tcp_listener_find(const struct tcp_stack *s, const struct tcp_tuple *t);
void tcp_listener_conn_ready(struct tcp_conn *c);
void tcp_listener_conn_gone(struct tcp_conn *c);

/* rack.c (RFC 8985) */
void tcp_rack_update(struct tcp_conn *c, const struct tcp_sent *e, tcp_time_t now);
void tcp_rack_detect(struct tcp_conn *c, tcp_time_t now);
/* Section 6.2 step 4: the reordering window now. */
tcp_time_t tcp_rack_reo_wnd(const struct tcp_conn *c);
/* Section 6.2 step 4: a D-SACK arrived / a recovery episode ended. */
void tcp_rack_on_dsack(struct tcp_conn *c);
/* Section 6.2 step 3: a never-retransmitted segment sent at xmit was delivered now, dist
 * sequence bytes below RACK.fack: reordering, of that degree. */
void tcp_rack_reordered(struct tcp_conn *c, uint32_t dist, tcp_time_t xmit, tcp_time_t now);
void tcp_rack_on_recovery_exit(struct tcp_conn *c);
/* Section 7.4.3: a loss probe left; is_retrans: it retransmitted [seq, SND.NXT). */
void tcp_tlp_sent(struct tcp_conn *c, bool is_retrans, uint32_t seq);
/* Section 7.4.2: forget the outstanding probe (fast recovery or an RTO began). */
void tcp_tlp_reset(struct tcp_conn *c);
/* Section 7.4.4: an ACK for ack arrived (dsack: its D-SACK block or NULL; pure_dup: a duplicate
 * ACK without any SACK block). Reduces cwnd when it shows that the probe repaired a loss. */
void tcp_tlp_on_ack(struct tcp_conn *c, uint32_t ack, const struct tcp_sack_block *dsack,
		    bool pure_dup, tcp_time_t now);

#endif
