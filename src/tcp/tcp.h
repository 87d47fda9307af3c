/* SPDX-License-Identifier: BSD-2-Clause */
/* The sans-I/O TCP core: the only header (with tcp/types.h) a runtime includes.
 *
 * The core never reads a clock, touches a socket or keeps globals. The caller
 *   - feeds it decoded segments with the current time (tcp_stack_input),
 *   - pulls segments to transmit and encodes them itself (tcp_stack_output),
 *   - calls tcp_stack_timers() when tcp_stack_deadline() has passed,
 *   - polls application events (tcp_stack_next_event, tcp_conn_events),
 *   - and makes the application calls (tcp_connect, tcp_listen, tcp_send, tcp_recv, ...).
 *
 * Output payload comes in one of two kinds, never mixed in one segment:
 *   TCP_PAYLOAD_INLINE: up to two pieces pointing into the send ring, valid until the next call
 *     into the stack;
 *   TCP_PAYLOAD_EXT: a range of an external reservation (tcp_send_ext): sequence range plus the
 *     reservation's tag and the offset inside it. The core never holds those bytes (IO-TCP
 *     offload: the NIC reads them). First transmissions and retransmissions alike.
 * A data segment may be longer than the MSS, up to tso_max: the caller (or NIC) cuts it into
 * segments of seg.mss bytes; congestion control counts it as ceil(len/mss) packets.
 */
#ifndef IOTCP_TCP_TCP_H
#define IOTCP_TCP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tcp/types.h"
#include "wire/tcp_hdr.h"

struct tcp_stack;
struct tcp_conn;
struct tcp_listener;

/* RFC 9293 section 3.3.2 states. */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

const char *tcp_state_name(enum tcp_state s);

/* Per-connection configuration (socket options). tcp_config_default() fills sane values. */
struct tcp_config {
	uint16_t mss;              /* MSS we advertise and the most we send (TCP_MAXSEG) */
	uint32_t sndbuf, rcvbuf;   /* SO_SNDBUF / SO_RCVBUF in bytes (initial sizes when auto) */
	bool sndbuf_auto;          /* grow sndbuf to about 2 x cwnd, up to sndbuf_max (Linux-style
				    * auto-tuning; clear it when the application sets SO_SNDBUF) */
	bool rcvbuf_auto;          /* grow rcvbuf with delivered bytes per RTT (RFC 7323 2.2 style),
				    * up to rcvbuf_max; clear it when the application sets SO_RCVBUF */
	uint32_t sndbuf_max, rcvbuf_max; /* auto-tuning limits */
	uint32_t max_ext;          /* external reservations outstanding at once */
	uint32_t tso_max;          /* largest segment handed out (>= mss; the NIC cuts it) */
	bool nodelay;              /* TCP_NODELAY: Nagle (RFC 9293 3.7.4) off */
	bool sack;                 /* RFC 2018 */
	bool timestamps;           /* RFC 7323 timestamps and PAWS */
	bool wscale;               /* RFC 7323 window scaling */
	bool rack;                 /* RFC 8985 RACK-TLP loss detection */
	bool ext_echo;             /* external data: RTO/RTT timing starts at tcp_ext_sent() */
	bool keepalive;            /* SO_KEEPALIVE */
	char cc[16];               /* TCP_CONGESTION: "cubic" (default), "newreno" */
	tcp_time_t rto_initial, rto_min, rto_max;
	tcp_time_t delack;         /* delayed ACK timeout (RFC 9293 3.8.6.3: < 0.5 s) */
	tcp_time_t time_wait;      /* 2*MSL */
	tcp_time_t keep_idle, keep_intvl;
	uint32_t keep_cnt;
	uint32_t syn_retries;      /* SYN / SYN-ACK retransmissions before ETIMEDOUT */
	uint32_t data_retries;     /* consecutive RTOs before ETIMEDOUT (R2, RFC 9293 3.8.3) */
	/* Limits against hostile peers (docs/limits.md) */
	tcp_time_t fin_timeout;    /* an orphan's FIN-WAIT-2 lifetime (Linux tcp_fin_timeout) */
	uint32_t orphan_retries;   /* RTOs or window probes an orphan gets (Linux
				    * tcp_orphan_retries) */
	tcp_time_t persist_max;    /* a window kept closed this long ends the connection
				    * (ETIMEDOUT; RFC 6429 lets the sender abort a persist
				    * condition) */
	uint32_t ooo_max;          /* out-of-order bytes held (memory, in pages); 0: as much as
				    * the receive buffer (the stack's ooo_mem_max bounds the sum) */
	uint32_t sentmap_max;      /* sent-map entries (SACK scoreboard); 0: one per segment of
				    * the largest send buffer, + 64 */
};

void tcp_config_default(struct tcp_config *c);

/* Stack-wide settings. tcp_stack_config_default() fills safe limits; 0 means unlimited. */
struct tcp_stack_config {
	struct tcp_secret secret;      /* ISNs, SYN cookies, timestamp offsets */
	uint32_t challenge_ack_limit;  /* RFC 5961 section 7: challenge ACKs per second, all
					* connections (randomised in [limit/2, limit*3/2)); each
					* connection also sends at most one per 500 ms */
	uint32_t max_conns;            /* connections in every state (embryonic, orphans,
					* TIME-WAIT); 0 = unlimited */
	uint32_t max_orphans;          /* connections the application closed that are still
					* closing; beyond, a closed connection is reset */
	uint64_t ooo_mem_max;          /* out-of-order bytes held by all connections */
};

/* The secret is left zero: fill it from a CSPRNG. */
void tcp_stack_config_default(struct tcp_stack_config *c);

/* Why a segment was dropped (counters in tcp_stats.drops). */
enum tcp_drop {
	TCP_DROP_MALFORMED,     /* header did not decode */
	TCP_DROP_BAD_ADDR,      /* port 0, broadcast/multicast (IPv6: also ::, IPv4-mapped) */
	TCP_DROP_NO_CONN,       /* no connection or listener (answered with RST if allowed) */
	TCP_DROP_BAD_FLAGS,     /* flag combination never valid (e.g. SYN+RST) */
	TCP_DROP_PAWS,          /* RFC 7323 5.3 old timestamp */
	TCP_DROP_OUT_OF_WINDOW, /* RFC 9293 3.10.7.4 unacceptable segment */
	TCP_DROP_BAD_ACK,       /* ACK outside the acceptable range (RFC 5961 5.2) */
	TCP_DROP_BAD_RST,       /* RST not exactly at rcv_nxt (RFC 5961 3.2) */
	TCP_DROP_BAD_SYN,       /* SYN on a synchronized connection (RFC 5961 4.2) */
	TCP_DROP_LISTEN_OVERFLOW, /* accept queue full */
	TCP_DROP_BAD_COOKIE,    /* ACK to a listener with an invalid SYN cookie */
	TCP_DROP_NO_MEM,        /* allocation failed or max_conns reached */
	TCP_DROP_STATE,         /* segment not meaningful in the current state */
	TCP_DROP_CTL_QUEUE,     /* stateless reply queue full */
	TCP_DROP_ORPHAN_DATA,   /* data for a connection the application closed (RST sent) */
	TCP_DROP_OOO_LIMIT,     /* out-of-order data beyond the connection's or the stack's limit */
	TCP_DROP_MAX
};

const char *tcp_drop_name(enum tcp_drop d);

/* The stack's counters, each named once: TCP_STATS(X) generates the fields of struct tcp_stats
 * and the host's "tcp_<name>" stats lines (src/host/stats.c), in this order. */
/* clang-format off */
#define TCP_STATS(X)                                                                               \
	X(segs_in) X(segs_out) X(bytes_out)                                                        \
	X(retrans_segs) X(retrans_bytes)                                                           \
	X(rto_timeouts) X(fast_recoveries) X(tlp_probes)                                           \
	X(tlp_recoveries)     /* losses a loss probe repaired (RFC 8985 7.4) */                    \
	X(ss_exits_hystart)   /* conns whose initial slow start HyStart++ ended (RFC 9406 4.3) */  \
	X(ss_exits_loss)      /* ... ended by a loss (fast recovery, loss probe or RTO) */         \
	X(ss_exit_cwnd_bytes) /* sum of cwnd at those exits (/ exits: the mean exit window) */     \
	X(hystart_css)        /* HyStart++ Conservative Slow Start entries (RFC 9406 4.2) */       \
	X(dsacks_rcvd) X(dsacks_sent) /* RFC 2883 D-SACK blocks received / reported */             \
	X(undos)              /* spurious recoveries / RTOs undone (RFC 3708, 3522) */             \
	X(rsts_sent) X(challenge_acks)                                                             \
	X(disordered_acks)    /* older-timestamp duplicate ACKs PAWS let pass */                   \
	X(acks_rate_limited)  /* challenge / out-of-window ACKs not sent (RFC 5961 7) */           \
	X(orphan_resets)      /* closed beyond max_orphans: reset */                               \
	X(orphan_timeouts)    /* orphans ended by fin_timeout / orphan_retries */                  \
	X(persist_timeouts)   /* connections ended by persist_max */                               \
	X(time_wait_recycled) /* TIME-WAIT ended early for a new connection */                     \
	X(sack_reneged)       /* RTOs that found SACKed data at snd_una */                         \
	X(cookies_sent) X(cookies_ok)                                                              \
	X(active_opens) X(passive_opens) X(conns_established) X(conns_freed)                       \
	X(pmtu_lowered)       /* ICMP too-big errors that lowered a connection's MSS */            \
	X(pmtu_ignored)       /* ... ignored: no connection, quoted seq not in flight, no decrease */
/* clang-format on */
#define TCP_STATS_FIELD_(name) uint64_t name;

struct tcp_stats {
	TCP_STATS(TCP_STATS_FIELD_)
	uint64_t drops[TCP_DROP_MAX]; /* by reason: "tcp_drop_<tcp_drop_name>" */
};

/* Per-connection information (like Linux TCP_INFO). */
struct tcp_conn_info {
	enum tcp_state state;
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, mss;
	uint32_t in_flight;
	tcp_time_t srtt, rttvar, rto, min_rtt;
	uint64_t retrans_segs, retrans_bytes, rto_timeouts, fast_recoveries;
	uint64_t bytes_acked, bytes_received;
	uint64_t dsacks_rcvd, dsacks_sent, undos;
	uint32_t sndbuf, rcvbuf;    /* current capacities (auto-tuning grows them) */
	uint32_t reo_wnd_mult;      /* RFC 8985 RACK.reo_wnd_mult */
	bool reordering_seen;       /* RFC 8985 RACK.reordering_seen */
	uint32_t reordering;        /* reordering degree seen, in segments (Linux tcpi_reordering) */
	tcp_time_t reo_wnd;         /* RACK's reordering window now (RFC 8985 6.2 step 4) */
	bool sack_ok, ts_ok;
	bool orphan;                /* the application closed it */
	uint32_t sentmap_entries;   /* sent-map entries (scoreboard size) */
	uint32_t ooo_bytes;         /* out-of-order memory held */
	uint8_t snd_wscale, rcv_wscale;
	const char *cc;
};

/* Event flags (tcp_conn_events, tcp_event.events). */
#define TCP_EV_READABLE  0x01 /* data to read, or EOF, or error */
#define TCP_EV_WRITABLE  0x02 /* send buffer has room */
#define TCP_EV_CONNECTED 0x04 /* handshake completed */
#define TCP_EV_HUP       0x08 /* peer sent FIN and all data was read */
#define TCP_EV_CLOSED    0x10 /* connection reached CLOSED (or TIME_WAIT after our close) */
#define TCP_EV_ERROR     0x20 /* tcp_conn_error() is non-zero */
#define TCP_EV_ACCEPT    0x40 /* listener: tcp_accept() has a connection */

struct tcp_event {
	struct tcp_conn *conn;         /* one of conn / listener is set */
	struct tcp_listener *listener;
	void *user;
	uint32_t events;
};

enum tcp_payload_kind { TCP_PAYLOAD_NONE, TCP_PAYLOAD_INLINE, TCP_PAYLOAD_EXT };

/* A segment to transmit: the caller builds the IP packet of tuple.family (src = tuple.laddr
 * or tuple.laddr6). */
struct tcp_seg {
	struct tcp_tuple tuple;
	struct tcp_hdr hdr;         /* seq, ack, flags, raw window, options; hlen/csum unset */
	enum tcp_payload_kind kind;
	uint32_t len;               /* payload bytes (FIN not counted) */
	uint16_t mss;               /* cut longer segments into pieces of this size */
	const uint8_t *p[2];        /* INLINE */
	uint32_t plen[2];
	uint64_t tag, tag_off;      /* EXT: tcp_send_ext tag and offset of hdr.seq inside it */
	bool retransmit;
	struct tcp_conn *conn;      /* NULL for stateless replies (RST, cookie SYN-ACK) */
};

/* Stack lifecycle. NULL on ENOMEM. */
struct tcp_stack *tcp_stack_new(const struct tcp_stack_config *cfg);
void tcp_stack_free(struct tcp_stack *s);

/* A decoded segment arrived (addresses host order, checksum already verified). Returns 0 when
 * accepted, or -(1 + enum tcp_drop) when dropped (also counted). */
int tcp_stack_input(struct tcp_stack *s, uint32_t saddr, uint32_t daddr, const struct tcp_hdr *h,
		    const uint8_t *data, uint32_t len, tcp_time_t now);
/* The same for a segment that arrived over IPv6 (addresses network order). */
int tcp_stack_input6(struct tcp_stack *s, const struct ipv6_addr *saddr,
		     const struct ipv6_addr *daddr, const struct tcp_hdr *h, const uint8_t *data,
		     uint32_t len, tcp_time_t now);
/* Same as tcp_stack_input, from the raw TCP header + payload bytes (tcp_hdr_decode). */
int tcp_stack_input_raw(struct tcp_stack *s, uint32_t saddr, uint32_t daddr, const uint8_t *tcp,
			size_t len, tcp_time_t now);
/* Path MTU discovery (RFC 1191, RFC 8201; checks of RFC 5927 5.1): an ICMP "fragmentation
 * needed" or ICMPv6 Packet Too Big quoted a segment this stack sent on tuple t (local = our
 * address, the quoted packet's source) with sequence number seq; mtu is the reported next-hop
 * MTU. Lowers the connection's MSS (never below the IPv6 minimum MTU, or 552 bytes for IPv4)
 * and resends what is outstanding in the new size. Returns 1 if the MSS went down, 0 when the
 * error was ignored (no such connection, seq not in flight, no decrease). */
int tcp_stack_pmtu(struct tcp_stack *s, const struct tcp_tuple *t, uint32_t seq, uint32_t mtu,
		   tcp_time_t now);
/* Next segment to send; false when there is none right now. */
bool tcp_stack_output(struct tcp_stack *s, struct tcp_seg *out, tcp_time_t now);
/* Earliest time tcp_stack_timers must run (TCP_TIME_NEVER when none). */
tcp_time_t tcp_stack_deadline(const struct tcp_stack *s);
/* Run every timer due at now. */
void tcp_stack_timers(struct tcp_stack *s, tcp_time_t now);
/* Next connection or listener whose events may have changed; false when none. */
bool tcp_stack_next_event(struct tcp_stack *s, struct tcp_event *ev);
const struct tcp_stats *tcp_stack_stats(const struct tcp_stack *s);
/* Count a drop the caller detected (e.g. bad checksum as TCP_DROP_MALFORMED). */
void tcp_stack_count_drop(struct tcp_stack *s, enum tcp_drop why);
/* Connections in the flow table (all states). */
size_t tcp_stack_conn_count(const struct tcp_stack *s);
/* Orphans: connections the application closed that are not yet CLOSED or in TIME-WAIT. */
size_t tcp_stack_orphan_count(const struct tcp_stack *s);
/* Out-of-order bytes held by all connections (memory). */
uint64_t tcp_stack_ooo_bytes(const struct tcp_stack *s);
/* Consistency of every connection and of the stack's counts (the invariant checks the stack
 * runs itself in sanitizer and fuzz builds): NULL, or the condition that does not hold. */
const char *tcp_stack_check(const struct tcp_stack *s);

/* Passive open: listen on IPv4 addr:port; addr 0 = any address of either family (dual stack:
 * IPv4 and IPv6 connections alike). backlog bounds embryonic + unaccepted connections; past
 * it, SYN cookies answer (RFC 4987). NULL with *err (EADDRINUSE, ENOMEM).
 * cfg->mss is the MSS of an IPv4 connection (MTU - 40); an IPv6 connection uses 20 bytes less
 * (MTU - 60, RFC 8200) and assumes 1220 for a peer that sends no MSS option (RFC 9293 3.7.1). */
struct tcp_listener *tcp_listen(struct tcp_stack *s, uint32_t addr, uint16_t port,
				uint32_t backlog, const struct tcp_config *cfg, int *err);
/* The same on one IPv6 address (IPv6 connections only); [::] is tcp_listen(s, 0, ...).
 * EINVAL for a multicast or IPv4-mapped address. */
struct tcp_listener *tcp_listen6(struct tcp_stack *s, const struct ipv6_addr *addr, uint16_t port,
				 uint32_t backlog, const struct tcp_config *cfg, int *err);
/* Next established connection, or NULL (EAGAIN). */
struct tcp_conn *tcp_accept(struct tcp_listener *l);
/* Stop listening: pending connections are reset. */
void tcp_listener_close(struct tcp_listener *l);
void tcp_listener_set_user(struct tcp_listener *l, void *user);

/* Active open (sends SYN) on t (IPv4, or IPv6 with tcp_tuple6()). NULL with *err (EADDRINUSE,
 * ENOMEM, EINVAL). */
struct tcp_conn *tcp_connect(struct tcp_stack *s, const struct tcp_tuple *t,
			     const struct tcp_config *cfg, tcp_time_t now, int *err);

/* Queue inline bytes. Returns bytes taken, or -EAGAIN (full), -EPIPE (shut down / closed),
 * -ENOTCONN (handshake not done), or the pending error (-ECONNRESET, ...). */
ssize_t tcp_send(struct tcp_conn *c, const void *buf, size_t len);
/* tcp_send with the bytes written in place: room for up to len of them in the send buffer, as
 * up to two pieces p[i]/plen[i] (unused: NULL/0). Returns their total or a negative errno as
 * tcp_send; tcp_send_commit(c, n) then queues the first n bytes written there (0: none).
 * Nothing else may be called on the stack in between. */
ssize_t tcp_send_space(struct tcp_conn *c, size_t len, uint8_t *p[2], uint32_t plen[2]);
void tcp_send_commit(struct tcp_conn *c, uint32_t n);
/* Reserve len external bytes tagged tag at tag_off (see TCP_PAYLOAD_EXT). Returns bytes
 * reserved or a negative errno as tcp_send. */
ssize_t tcp_send_ext(struct tcp_conn *c, uint32_t len, uint64_t tag, uint64_t tag_off);
/* Read in-order bytes. Returns bytes, 0 at EOF, -EAGAIN, or the pending error. */
ssize_t tcp_recv(struct tcp_conn *c, void *buf, size_t len);
/* Half close (SHUT_WR): FIN after the queued data. */
int tcp_shutdown(struct tcp_conn *c);
/* Graceful close; the application's handle is released (the core finishes the close). The
 * connection is an orphan until it ends: the orphan limits apply (max_orphans, fin_timeout,
 * orphan_retries) and new data from the peer is answered with RST (RFC 1122 4.2.2.13). */
void tcp_close(struct tcp_conn *c);
/* The same close for a caller that must keep its handle until it calls tcp_close() or
 * tcp_abort() (IO-TCP: external data the NIC is still sending). */
void tcp_close_keep(struct tcp_conn *c);
/* Abortive close: RST now (when synchronized); the handle is released. */
void tcp_abort(struct tcp_conn *c);

/* The NIC transmitted [seq, end) at now after nic_queue_delay of queueing (ext_echo mode):
 * RTT timing for that range starts now - nic_queue_delay is excluded. */
void tcp_ext_sent(struct tcp_conn *c, uint32_t seq, uint32_t end, tcp_time_t now,
		  tcp_time_t nic_queue_delay);

uint32_t tcp_conn_events(const struct tcp_conn *c);
int tcp_conn_error(const struct tcp_conn *c); /* positive errno, 0 if none */
enum tcp_state tcp_conn_state(const struct tcp_conn *c);
const struct tcp_tuple *tcp_conn_tuple(const struct tcp_conn *c);
void tcp_conn_info(const struct tcp_conn *c, struct tcp_conn_info *info);
/* snd_una and snd_nxt alone (tcp_conn_info's are the same): for per-pass polling. */
void tcp_conn_snd_seqs(const struct tcp_conn *c, uint32_t *snd_una, uint32_t *snd_nxt);
/* External data up to seq `end` left later than the TCP core emitted it (the NIC's store was
 * full and the SEND is retried): its timestamp no longer tells when it was sent, so Eifel
 * detection (RFC 3522) is off until that data is acknowledged. */
void tcp_conn_ext_deferred(struct tcp_conn *c, uint32_t end);
void tcp_conn_set_user(struct tcp_conn *c, void *user);
void *tcp_conn_user(const struct tcp_conn *c);
/* Bytes of send-buffer space free / bytes readable. */
uint32_t tcp_conn_send_space(const struct tcp_conn *c);
uint32_t tcp_conn_readable(const struct tcp_conn *c);
/* Sequence number the next byte written (tcp_send / tcp_send_ext) will get. */
uint32_t tcp_conn_snd_tail(const struct tcp_conn *c);
/* Runtime option changes (setsockopt). Return 0 or -EINVAL/-ENOMEM. */
int tcp_conn_set_nodelay(struct tcp_conn *c, bool on);
int tcp_conn_set_cc(struct tcp_conn *c, const char *name, tcp_time_t now);

#endif
