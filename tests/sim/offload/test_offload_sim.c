/* SPDX-License-Identifier: BSD-2-Clause */
/* IO-TCP offload end to end on the deterministic simulator: the host runtime (libiotcp on
 * virtual time) serving a file through the REAL NIC engine (test_nic.h) to a client TCP stack
 * from the core, over simulated links (host link: host <-> NIC; wire: NIC <-> client).
 *
 * Scenarios (argv[1]):
 *   clean      a 2 MiB response (inline header + offloaded body + inline trailer), byte-exact
 *   lost_cmds  specific SEND, ECHO and ACKD command frames dropped on the host link: the
 *              transfer still completes byte-exact (echo timeouts + TCP retransmission)
 *   truncate   the file is truncated mid-transfer: the NIC reports truncated, the host resets
 *              the connection; the client got a correct prefix, never wrong bytes
 *   restart    the NIC restarts mid-transfer (engine reset, HELLO with a new boot id): the
 *              connection is reset, then a new open and a new connection work
 *   store_full a NIC block store of four blocks (256 KiB, the send buffer's size): SENDs meet
 * ERROR(store_full) and are retried every millisecond until ACKDs free blocks; the transfer
 * completes byte-exact
 *   flow_limit the NIC lets one flow hold 128 KiB of its store (issue 14) and does not tell the
 *              host (no flow_window in HELLO, as an older NIC): SENDs past it meet
 *              ERROR(flow_limit), the host backs that flow off until its next ACKD; the
 *              transfer completes byte-exact, nothing aborted
 *   pause      the host stops for 4 s mid-transfer (SIGSTOP: nothing runs; the client's
 *              frames wait in its ring, the NIC's heartbeats are lost), and the client resets
 *              meanwhile. On resuming, the host takes the RST, declares the NIC link lost and
 *              closes the socket and the fid in the same round (ACKD(END) and CLOSE skipped). When the link returns with the same boot id the
 *              host resynchronises (SYNC): the NIC ends with no flow, no file and nothing
 *              pinned (issue 14 finding 7); a second connection then works
 *   ack_coalesce  the NIC forwards wire frames to the host in poll rounds (every 50 us) through
 *              its ACK coalescer (src/nic/ackcoal.h), over a 10 Gb/s wire that loses three
 *              data segments once each; the same transfer runs without coalescing: every
 *              duplicate ACK and every SACK-bearing ACK the client sent reaches the host, both
 *              runs recover the same losses the same way (fast recoveries, retransmitted
 *              segments, no RTO, no spurious retransmission), byte-exact, with fewer frames
 *              for the host.
 * Each prints its figures (virtual duration, retransmissions, command counters). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/check.h"
#include "../../unit/host/test_nic.h"
#include "host/host.h"
#include "host/link_mem.h"
#include "link.h"
#include "nic/ackcoal.h"
#include "sim.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"
#include "wire/pkt.h"

#define IP_HOST	  0xc6120001u
#define IP_CLIENT 0xc6120002u
#define PORT	  80
#define BODY_LEN  (2u * 1024u * 1024u)
#define TICK	  (200 * TCP_USEC)

static const struct mac_addr MAC_HOST = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct mac_addr MAC_NIC = {{0x02, 0, 0, 0, 0, 0x4e}};
static const struct mac_addr MAC_CLIENT = {{0x02, 0, 0, 0, 0, 0x0b}};
static const char HDR[] = "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n";
static const char TRL[] = "\r\n--end--\r\n";

enum scenario {
	SC_CLEAN,
	SC_LOST,
	SC_TRUNCATE,
	SC_RESTART,
	SC_STORE,
	SC_FLOW_LIMIT,
	SC_PAUSE,
	SC_ACKC
};

#define NIC_POLL   (50 * TCP_USEC) /* ack_coalesce: the NIC's forwarding round */
#define NIC_QUEUE  256
#define ACKC_DROPS 3

/* ack_coalesce: what the client's segments to the host were, offered and delivered. */
struct ack_tally {
	uint64_t frames, dups, sacks;
	uint32_t last_ack;
	bool have_ack;
};

struct client {
	struct tcp_stack *tcp;
	struct tcp_conn *c;
	struct sim_wakeup wake;
	uint8_t *got;
	size_t got_len, cap;
	int err;
	bool eof;
	uint16_t ip_id;
};

struct world {
	struct sim *sim;
	enum scenario sc;
	struct sim_link *h2n, *n2h, *n2c, *c2n;
	struct host_link *lh, *ln; /* host's end, the frames it sends are taken from ln */
	struct iotcp_ctx *host;
	struct test_nic *nic;
	struct client cl;
	struct sim_wakeup host_wake;
	sim_timer_t tick;
	/* server application state */
	int lsd, hs, fid, round;
	off_t off;
	int stage; /* 0 wait conn, 1 wait open, 2 header, 3 body, 4 trailer, 5 closed */
	uint8_t *body;
	/* command frame drops */
	unsigned sends_seen, echoes_seen, ackds_seen;
	unsigned send_drops, echo_drops, ackd_drops;
	bool truncated, restarted;
	tcp_time_t paused_until; /* the host does not run before (SIGSTOP) */
	uint64_t paused_drops;
	tcp_time_t t_start, t_done;
	uint8_t frame[SIM_PKT_MAX];
	/* ack_coalesce: the NIC's queue of wire frames for the host, flushed every NIC_POLL */
	bool batch;
	struct nic_ackc *ackc; /* NULL: forward every frame */
	uint8_t *q[NIC_QUEUE];
	size_t qlen[NIC_QUEUE];
	unsigned nq;
	bool flush_armed;
	struct ack_tally offered, delivered;
	uint32_t drop_at[ACKC_DROPS]; /* body offsets whose segment the wire loses once */
	bool dropped[ACKC_DROPS];
	uint32_t isn_server; /* the server's sequence number of body byte 0 (learnt) */
	bool isn_known;
};

static struct world W;

/* ---- the client: a core TCP stack on raw IPv4 ---- */

static void client_timer(struct sim *sim, void *ctx);

static void client_kick(struct world *w)
{
	struct client *cl = &w->cl;
	struct tcp_seg seg;
	uint8_t pkt[2048];

	while (tcp_stack_output(cl->tcp, &seg, sim_now(w->sim))) {
		struct iovec iov[2];
		int n = 0;
		for (int i = 0; i < 2 && seg.kind == TCP_PAYLOAD_INLINE; i++)
			if (seg.plen[i]) {
				iov[n].iov_base = (void *)seg.p[i];
				iov[n++].iov_len = seg.plen[i];
			}
		struct pkt_tcp_out o = {.saddr = seg.tuple.laddr,
					.daddr = seg.tuple.raddr,
					.ttl = 64,
					.ip_id = cl->ip_id++,
					.ip_frag_off = IPV4_DF,
					.tcp = &seg.hdr,
					.iov = iov,
					.iovcnt = n};
		size_t len = pkt_build_tcp(pkt, sizeof(pkt), &o);
		if (len)
			sim_link_send(w->c2n, pkt, len);
	}
	sim_wakeup_set(w->sim, &cl->wake, tcp_stack_deadline(cl->tcp), client_timer, w);
}

static void client_read(struct world *w)
{
	struct client *cl = &w->cl;

	if (!cl->c)
		return;
	for (;;) {
		if (cl->got_len == cl->cap) {
			cl->cap = cl->cap ? cl->cap * 2 : 1 << 20;
			cl->got = realloc(cl->got, cl->cap);
		}
		ssize_t r = tcp_recv(cl->c, cl->got + cl->got_len, cl->cap - cl->got_len);
		if (r > 0) {
			cl->got_len += (size_t)r;
			continue;
		}
		if (r == 0)
			cl->eof = true;
		else if (r != -EAGAIN)
			cl->err = (int)-r;
		break;
	}
}

static void client_timer(struct sim *sim, void *ctx)
{
	struct world *w = ctx;
	tcp_stack_timers(w->cl.tcp, sim_now(sim));
	client_read(w);
	client_kick(w);
}

static void client_rx(void *ctx, const uint8_t *pkt, size_t len)
{
	struct world *w = ctx;
	struct pkt_view v;

	if (pkt_decode_ipv4(pkt, len, &v, 0) != PKT_OK || v.kind != PKT_KIND_TCP)
		return;
	tcp_stack_input(w->cl.tcp, v.ip.saddr, v.ip.daddr, &v.tcp, v.payload,
			(uint32_t)v.payload_len, sim_now(w->sim));
	client_read(w);
	client_kick(w);
}

static void client_connect(struct world *w, uint16_t lport)
{
	struct tcp_config cfg;
	struct tcp_tuple t = {.laddr = IP_CLIENT, .lport = lport, .raddr = IP_HOST, .rport = PORT};
	int err = 0;

	tcp_config_default(&cfg);
	cfg.rcvbuf = 1u << 20;
	if (w->cl.c)
		tcp_close(w->cl.c);
	w->cl.c = tcp_connect(w->cl.tcp, &t, &cfg, sim_now(w->sim), &err);
	CHECK(w->cl.c != NULL);
	w->cl.got_len = 0;
	w->cl.err = 0;
	w->cl.eof = false;
	client_kick(w);
}

/* ---- the NIC's two sides ---- */

static void nic_to_host(void *arg, const uint8_t *f, size_t len)
{
	struct world *w = arg;
	sim_link_send(w->n2h, f, len);
}

/* ack_coalesce: the wire loses the first transmission of the segments holding body bytes
 * drop_at[] (sequence numbers from the response's first data segment: header, then body). */
static bool wire_loses(struct world *w, const struct pkt_view *v)
{
	uint32_t plen = (uint32_t)v->payload_len;

	if (!plen)
		return false;
	if (!w->isn_known) {
		w->isn_server = v->tcp.seq + (uint32_t)(sizeof(HDR) - 1);
		w->isn_known = true;
	}
	for (int i = 0; i < ACKC_DROPS; i++) {
		uint32_t at = w->isn_server + w->drop_at[i];
		if (!w->dropped[i] && SEQ_LEQ(v->tcp.seq, at) && SEQ_LT(at, v->tcp.seq + plen)) {
			w->dropped[i] = true;
			return true;
		}
	}
	return false;
}

/* Count a client frame on its way to the host: duplicate ACKs (RFC 5681: no data, the same
 * ACK number as the previous one) and ACKs with SACK blocks. */
static void tally(struct ack_tally *t, const uint8_t *f, size_t len)
{
	struct pkt_view v;

	if (pkt_decode_eth(f, len, &v, PKT_NO_CSUM_CHECK) != PKT_OK || v.kind != PKT_KIND_TCP)
		return;
	t->frames++;
	if (v.tcp.opts.present & TCP_OPT_F_SACK)
		t->sacks++;
	if (!v.payload_len && !(v.tcp.flags & (TH_SYN | TH_FIN | TH_RST)) && t->have_ack &&
	    v.tcp.ack == t->last_ack)
		t->dups++;
	t->last_ack = v.tcp.ack;
	t->have_ack = true;
}

static void to_host(void *arg, void *token)
{
	struct world *w = arg;
	unsigned i = (unsigned)(uintptr_t)token - 1; /* tokens are never NULL */
	tally(&w->delivered, w->q[i], w->qlen[i]);
	sim_link_send(w->n2h, w->q[i], w->qlen[i]);
}

/* The NIC's forwarding round: every queued wire frame, through the coalescer when it is on. */
static void nic_flush(struct sim *sim, void *ctx)
{
	struct world *w = ctx;

	w->flush_armed = false;
	for (unsigned i = 0; i < w->nq; i++) {
		void *token = (void *)(uintptr_t)(i + 1), *before, *sup;
		if (!w->ackc) {
			to_host(w, token);
			continue;
		}
		enum nic_ackc_verdict vd =
		    nic_ackc_offer(w->ackc, w->q[i], (uint32_t)w->qlen[i], (uint32_t)w->qlen[i],
				   token, sim_now(sim), &before, &sup);
		if (before)
			to_host(w, before);
		if (vd == NIC_ACKC_FLUSH_FIRST)
			nic_ackc_flush(w->ackc, to_host, w);
		if (vd != NIC_ACKC_HELD)
			to_host(w, token);
	}
	if (w->ackc)
		nic_ackc_flush(w->ackc, to_host, w);
	w->nq = 0;
}

/* Host frames that are not commands: IPv4 goes to the wire without its Ethernet header; ARP
 * requests for the client are answered here (the client has no link layer). */
static void nic_to_wire(void *arg, const uint8_t *f, size_t len)
{
	struct world *w = arg;
	struct pkt_view v;

	if (pkt_decode_eth(f, len, &v, PKT_NO_CSUM_CHECK) != PKT_OK)
		return;
	if (v.kind == PKT_KIND_ARP) {
		if (v.arp.op == ARP_OP_REQUEST && v.arp.tpa == IP_CLIENT) {
			struct arp_pkt a = {.op = ARP_OP_REPLY,
					    .sha = MAC_CLIENT,
					    .spa = IP_CLIENT,
					    .tha = v.arp.sha,
					    .tpa = v.arp.spa};
			uint8_t b[64];
			size_t n = pkt_build_arp(b, sizeof(b), &MAC_CLIENT, &v.arp.sha, &a);
			if (n)
				sim_link_send(w->n2h, b, n);
		}
		return;
	}
	if (v.kind == PKT_KIND_TCP) {
		if (w->sc == SC_ACKC && wire_loses(w, &v))
			return;
		sim_link_send(w->n2c, v.l3, v.l3_len);
	}
}

/* Client packets: wrapped in Ethernet for the host. */
static void wire_rx(void *ctx, const uint8_t *pkt, size_t len)
{
	struct world *w = ctx;
	size_t off =
	    eth_encode_simple(w->frame, sizeof(w->frame), &MAC_HOST, &MAC_CLIENT, ETH_P_IPV4);
	if (off + len > sizeof(w->frame))
		return;
	memcpy(w->frame + off, pkt, len);
	if (!w->batch) {
		sim_link_send(w->n2h, w->frame, off + len);
		return;
	}
	tally(&w->offered, w->frame, off + len);
	if (w->nq == NIC_QUEUE)
		nic_flush(w->sim, w);
	if (!w->q[w->nq])
		w->q[w->nq] = malloc(SIM_PKT_MAX + ETH_HDR_LEN);
	memcpy(w->q[w->nq], w->frame, off + len);
	w->qlen[w->nq++] = off + len;
	if (!w->flush_armed) {
		w->flush_armed = true;
		sim_schedule(w->sim, sim_now(w->sim) + NIC_POLL, nic_flush, w);
	}
}

static void nic_rx(void *ctx, const uint8_t *f, size_t len)
{
	struct world *w = ctx;
	if (w->ackc && len > PROTO_ETH_HLEN && f[12] == (PROTO_ETHERTYPE >> 8) &&
	    f[13] == (PROTO_ETHERTYPE & 0xff))
		nic_ackc_learn(w->ackc, f + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN, sim_now(w->sim));
	test_nic_from_host(w->nic, f, len, sim_now(w->sim));
}

static bool has_cmd(const uint8_t *p, size_t len, uint16_t type)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	if (proto_frame_open(&it, p, len) < 0)
		return false;
	while (proto_next(&it, &cmd) > 0)
		if (cmd.type == type)
			return true;
	return false;
}

/* lost_cmds: the 1st and 2nd frames carrying a SEND (the whole first flight: only the RTO,
 * after the echo timeout, can recover it) and the 9th (recovered by SACK), the 2nd and 6th
 * carrying an ECHO, and the first three carrying an ACKD never arrive. */
static bool drop_cmd(void *arg, uint16_t first, const uint8_t *p, size_t len, bool to_host)
{
	struct world *w = arg;
	bool drop = false;

	if (w->sc != SC_LOST)
		return false;
	if (to_host && has_cmd(p, len, PROTO_T_ECHO)) {
		w->echoes_seen++;
		if (w->echoes_seen == 2 || w->echoes_seen == 6) {
			w->echo_drops++;
			drop = true;
		}
	}
	if (!to_host && has_cmd(p, len, PROTO_T_SEND)) {
		w->sends_seen++;
		if (w->sends_seen <= 2 || w->sends_seen == 9) {
			w->send_drops++;
			drop = true;
		}
	}
	if (!to_host && has_cmd(p, len, PROTO_T_ACKD)) {
		w->ackds_seen++;
		if (w->ackds_seen <= 3) {
			w->ackd_drops++;
			drop = true;
		}
	}
	return drop;
}

/* ---- the host and its server application ---- */

static void host_pass(struct sim *sim, void *ctx);

static void host_rx(void *ctx, const uint8_t *f, size_t len)
{
	struct world *w = ctx;
	bool paused = sim_now(w->sim) < w->paused_until;
	if (paused && len > 13 && f[12] == 0x88 && f[13] == 0xB5) {
		w->paused_drops++; /* the NIC's heartbeats: lost (the ring overflowed) */
		return;
	}
	link_mem_inject(w->lh, f, len);
	if (!paused) /* a stopped host reads its ring when it resumes */
		sim_wakeup_set(w->sim, &w->host_wake, sim_now(w->sim), host_pass, w);
}

static void server_app(struct world *w)
{
	struct iotcp_ctx *h = w->host;
	struct stat st;

	if (w->stage == 0) {
		w->hs = iotcp_accept(h, w->lsd, NULL, NULL);
		if (w->hs < 0)
			return;
		w->fid = iotcp_offload_open(h, w->hs, "body.bin");
		CHECK(w->fid >= 0);
		w->stage = 1;
	}
	if (w->stage == 1) {
		if (iotcp_offload_fstat(h, w->fid, &st) < 0) {
			CHECK(errno == EINPROGRESS);
			return;
		}
		CHECK_EQ_U64((uint64_t)st.st_size, BODY_LEN);
		w->off = 0;
		w->stage = 2;
	}
	if (w->stage == 2) {
		if (iotcp_write(h, w->hs, HDR, sizeof(HDR) - 1) != (ssize_t)sizeof(HDR) - 1)
			return;
		w->stage = 3;
	}
	while (w->stage == 3) {
		ssize_t r =
		    iotcp_offload_write(h, w->hs, w->fid, &w->off, BODY_LEN - (size_t)w->off);
		if (r < 0) {
			if (errno != EAGAIN)
				w->stage = 5; /* reset under us */
			if (errno != EAGAIN && w->sc == SC_PAUSE) { /* a server closes it then */
				iotcp_offload_close(h, w->fid);
				iotcp_close(h, w->hs);
			}
			return;
		}
		if ((size_t)w->off == BODY_LEN)
			w->stage = 4;
	}
	if (w->stage == 4) {
		if (iotcp_write(h, w->hs, TRL, sizeof(TRL) - 1) != (ssize_t)sizeof(TRL) - 1)
			return;
		iotcp_offload_close(h, w->fid);
		iotcp_close(h, w->hs); /* the host finishes the transfer */
		w->stage = 5;
	}
}

static void host_pass(struct sim *sim, void *ctx)
{
	struct world *w = ctx;
	static uint8_t f[LINK_MEM_FRAME_MAX];
	long n;

	host_poll(w->host);
	server_app(w);
	host_poll(w->host);
	while ((n = link_mem_take(w->ln, f, sizeof(f))) > 0)
		sim_link_send(w->h2n, f, (size_t)n);
}

static void tick(struct sim *sim, void *ctx)
{
	struct world *w = ctx;
	if (sim_now(sim) >= w->paused_until)
		host_pass(sim, ctx);
	test_nic_poll(w->nic, sim_now(sim));
	w->tick = sim_schedule(sim, sim_now(sim) + TICK, tick, w);
}

static tcp_time_t virt_now(void *arg)
{
	return sim_now(arg);
}

static bool world_open(struct world *w, enum scenario sc, bool coalesce)
{
	struct sim_link_cfg host_cfg = {.delay = 5 * TCP_USEC, .rate_bps = 10000000000ull};
	struct sim_link_cfg wire_cfg = {.delay = 2 * TCP_MSEC, .rate_bps = 1000000000ull};
	struct iotcp_config cfg;
	struct host_options opt = {.nic = true, .seed = 7};
	struct host_link *ln;

	memset(w, 0, sizeof(*w));
	w->sc = sc;
	if (sc == SC_ACKC) {
		/* 10 Gb/s, 200 us: the client's ACKs come fast enough to meet in one round */
		wire_cfg.rate_bps = 10000000000ull;
		wire_cfg.delay = 200 * TCP_USEC;
		w->batch = true;
		w->ackc = coalesce ? nic_ackc_new(64, 64) : NULL;
		w->drop_at[0] = 300u * 1024u;
		w->drop_at[1] = 900u * 1024u;
		w->drop_at[2] = 1500u * 1024u;
	}
	w->sim = sim_new(42);
	w->h2n = sim_link_new(w->sim, &host_cfg, 1);
	w->n2h = sim_link_new(w->sim, &host_cfg, 2);
	w->n2c = sim_link_new(w->sim, &wire_cfg, 3);
	w->c2n = sim_link_new(w->sim, &wire_cfg, 4);
	if (!w->sim || !w->h2n || !w->n2h || !w->n2c || !w->c2n)
		return false;
	w->body = malloc(BODY_LEN);
	for (size_t i = 0; i < BODY_LEN; i++)
		w->body[i] = (uint8_t)((i * 2654435761u) >> 13);
	struct nic_engine_config ncfg = {.store_bytes = sc == SC_STORE ? 4u * 65536u : 1u << 20};
	if (sc == SC_FLOW_LIMIT)
		ncfg.max_flow_pinned = 2u * 65536u; /* less than the window it announces */
	if (sc == SC_STORE)
		ncfg.max_flow_pinned = 1u << 30; /* no per-flow limit: the store is the limit */
	w->nic = test_nic_new_cfg(&MAC_NIC, 0x77, &ncfg, nic_to_host, nic_to_wire, w);
	if (!w->nic || !test_nic_write_file(w->nic, "body.bin", w->body, BODY_LEN))
		return false;
	w->nic->drop = drop_cmd;
	w->nic->hide_flow_window = sc == SC_FLOW_LIMIT; /* the host's window exceeds the limit */
	sim_link_set_sink(w->h2n, nic_rx, w);
	sim_link_set_sink(w->n2h, host_rx, w);
	sim_link_set_sink(w->n2c, client_rx, w);
	sim_link_set_sink(w->c2n, wire_rx, w);
	if (link_mem_pair(&MAC_HOST, &MAC_NIC, 0, &w->lh, &ln) != 0)
		return false;
	w->ln = ln;
	iotcp_config_default(&cfg);
	cfg.ip = IP_HOST;
	opt.clock.now = virt_now;
	opt.clock.arg = w->sim;
	w->host = host_create(&cfg, w->lh, &opt);
	if (!w->host)
		return false;
	struct tcp_stack_config scfg = {.challenge_ack_limit = 1000};
	scfg.secret.key[0] = 9;
	w->cl.tcp = tcp_stack_new(&scfg);
	w->tick = sim_schedule(w->sim, 0, tick, w);
	sim_run_until(w->sim, 50 * TCP_MSEC);
	if (!host_nic_up(w->host))
		return false;
	w->lsd = iotcp_socket(w->host, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	return iotcp_bind(w->host, w->lsd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	       iotcp_listen(w->host, w->lsd, 16) == 0;
}

static void world_close(struct world *w)
{
	static const char *const names[] = {"body.bin", NULL};
	if (w->cl.c)
		tcp_abort(w->cl.c);
	tcp_stack_free(w->cl.tcp);
	iotcp_destroy(w->host);
	host_link_close(w->ln);
	sim_link_free(w->h2n);
	sim_link_free(w->n2h);
	sim_link_free(w->n2c);
	sim_link_free(w->c2n);
	test_nic_free(w->nic, names);
	sim_free(w->sim);
	free(w->cl.got);
	free(w->body);
	nic_ackc_free(w->ackc);
	for (unsigned i = 0; i < NIC_QUEUE; i++)
		free(w->q[i]);
}

/* Run until the client saw EOF or an error (or limit, or stop_at bytes when not 0). */
static void run_transfer(struct world *w, tcp_time_t limit, size_t truncate_at, bool restart_at,
			 size_t stop_at)
{
	tcp_time_t end = sim_now(w->sim) + limit;
	while (sim_now(w->sim) < end && !w->cl.eof && !w->cl.err &&
	       (!stop_at || w->cl.got_len < stop_at)) {
		sim_run_until(w->sim, sim_now(w->sim) + TCP_MSEC);
		if (truncate_at && !w->truncated && w->cl.got_len >= truncate_at) {
			CHECK(test_nic_truncate(w->nic, "body.bin", BODY_LEN / 2));
			w->truncated = true;
		}
		if (restart_at && !w->restarted && w->cl.got_len >= 512 * 1024) {
			test_nic_restart(w->nic);
			w->restarted = true;
		}
	}
	w->t_done = sim_now(w->sim);
}

static uint64_t hc(struct world *w, const char *name)
{
	uint64_t v = 0;
	if (!host_counter(w->host, name, &v))
		fprintf(stderr, "no counter %s\n", name);
	return v;
}

static void figures(struct world *w, const char *what)
{
	printf("%s: %.1f ms virtual, client got %zu bytes, err %d, eof %d\n", what,
	       (double)(w->t_done - w->t_start) / 1e6, w->cl.got_len, w->cl.err, w->cl.eof);
	printf("  host: tcp retrans %llu, rto %llu; offload sends %llu (retransmit %llu), echoes "
	       "%llu, echo timeouts %llu, ackds %llu, store_full retries %llu, aborted %llu\n",
	       (unsigned long long)hc(w, "tcp_retrans_segs"),
	       (unsigned long long)hc(w, "tcp_rto_timeouts"),
	       (unsigned long long)hc(w, "host_offload_sends"),
	       (unsigned long long)hc(w, "host_offload_retransmit_sends"),
	       (unsigned long long)hc(w, "host_offload_echoes"),
	       (unsigned long long)hc(w, "host_offload_echo_timeouts"),
	       (unsigned long long)hc(w, "host_offload_ackds"),
	       (unsigned long long)hc(w, "host_offload_store_full_retries"),
	       (unsigned long long)hc(w, "host_offload_flows_aborted"));
	printf("  command frames dropped %llu; NIC errors:",
	       (unsigned long long)w->nic->cmd_frames_dropped);
	for (uint16_t r = 1; r <= PROTO_ERR_REASON_MAX; r++) {
		char key[64];
		snprintf(key, sizeof(key), "host_offload_err_%s", proto_error_reason_name(r));
		uint64_t v = hc(w, key);
		if (v)
			printf(" %s %llu", proto_error_reason_name(r), (unsigned long long)v);
	}
	printf("\n");
}

/* The client's bytes are the response, or a prefix of it. */
static bool response_ok(struct world *w, bool complete)
{
	size_t hl = sizeof(HDR) - 1, tl = sizeof(TRL) - 1, total = hl + BODY_LEN + tl;
	const uint8_t *g = w->cl.got;
	size_t n = w->cl.got_len;

	if (n > total || (complete && n != total))
		return false;
	if (memcmp(g, HDR, n < hl ? n : hl) != 0)
		return false;
	if (n > hl && memcmp(g + hl, w->body, (n - hl < BODY_LEN ? n - hl : BODY_LEN)) != 0)
		return false;
	if (n > hl + BODY_LEN && memcmp(g + hl + BODY_LEN, TRL, n - hl - BODY_LEN) != 0)
		return false;
	return true;
}

static void nic_figures(struct world *w, const char *when, struct nic_engine_stats *st)
{
	nic_engine_get_stats(w->nic->eng, st);
	printf("  NIC %s: flows %llu, files open %llu, jobs %llu, store blocks pinned %llu\n", when,
	       (unsigned long long)st->flows, (unsigned long long)st->files_open,
	       (unsigned long long)(st->jobs_pending + st->jobs_pinned),
	       (unsigned long long)st->store_pinned_blocks);
}

static void start_round(struct world *w, uint16_t lport);

/* SC_PAUSE after the first transfer was started: see the scenario list. */
static void pause_scenario(struct world *w)
{
	struct nic_engine_stats st;
	tcp_time_t resume = sim_now(w->sim) + 4 * TCP_SEC;

	CHECK(w->cl.got_len >= 512 * 1024 && !w->cl.eof);
	w->paused_until = resume;
	/* the client gives up while the server is stopped */
	sim_run_until(w->sim, resume - 100 * TCP_MSEC);
	tcp_abort(w->cl.c);
	client_kick(w); /* the RST */
	w->cl.c = NULL;
	sim_run_until(w->sim, resume + 20 * TCP_MSEC);
	CHECK(w->stage == 5);
	CHECK_EQ_U64(hc(w, "host_nic_link_lost"), 1);
	nic_figures(w, "after the host resumed", &st);
	/* the link returns (next NIC heartbeat), the host resynchronises */
	sim_run_until(w->sim, resume + 2 * TCP_SEC);
	CHECK(host_nic_up(w->host));
	nic_figures(w, "after the link returned", &st);
	printf("  host: link lost %llu, syncs %llu, flows released %llu, files released %llu, "
	       "frames lost while stopped %llu\n",
	       (unsigned long long)hc(w, "host_nic_link_lost"),
	       (unsigned long long)hc(w, "host_offload_syncs"),
	       (unsigned long long)hc(w, "host_offload_sync_flows_released"),
	       (unsigned long long)hc(w, "host_offload_sync_files_released"),
	       (unsigned long long)w->paused_drops);
	CHECK_EQ_U64(hc(w, "host_nic_link_lost"), 1);
	CHECK_EQ_U64(hc(w, "host_nic_restarts"), 0);
	CHECK(hc(w, "host_offload_syncs") >= 1);
	CHECK_EQ_U64(hc(w, "host_offload_sync_flows_released"), 1);
	CHECK_EQ_U64(hc(w, "host_offload_sync_files_released"), 1);
	CHECK_EQ_U64(st.flows, 0);
	CHECK_EQ_U64(st.files_open, 0);
	CHECK_EQ_U64(st.jobs_pending + st.jobs_pinned, 0);
	CHECK_EQ_U64(st.store_pinned_blocks, 0);
	/* and the offload works as before */
	start_round(w, 40001);
	run_transfer(w, 30 * TCP_SEC, 0, false, 0);
	figures(w, "pause: second connection");
	CHECK(w->cl.eof && !w->cl.err);
	CHECK(response_ok(w, true));
}

static void start_round(struct world *w, uint16_t lport)
{
	w->stage = 0;
	w->t_start = sim_now(w->sim);
	client_connect(w, lport);
}

struct ackc_run {
	uint64_t fast_recoveries, retrans, rto, dsacks, host_rx;
	struct ack_tally offered, delivered;
	tcp_time_t took;
	bool ok;
};

static struct ackc_run ackc_run(bool coalesce)
{
	struct world *w = &W;
	struct ackc_run r = {0};

	CHECK(world_open(w, SC_ACKC, coalesce));
	start_round(w, 40000);
	run_transfer(w, 30 * TCP_SEC, 0, false, 0);
	figures(w, coalesce ? "ack_coalesce: coalescing" : "ack_coalesce: every ACK");
	r.ok = w->cl.eof && !w->cl.err && response_ok(w, true);
	r.fast_recoveries = hc(w, "tcp_fast_recoveries");
	r.retrans = hc(w, "tcp_retrans_segs");
	r.rto = hc(w, "tcp_rto_timeouts");
	r.dsacks = hc(w, "tcp_dsacks_rcvd");
	r.host_rx = hc(w, "host_rx_frames");
	r.offered = w->offered;
	r.delivered = w->delivered;
	r.took = w->t_done - w->t_start;
	if (w->ackc) {
		struct nic_ackc_stats st;
		nic_ackc_get_stats(w->ackc, &st);
		printf("  coalescer: flows learnt %llu, plain ACKs %llu, superseded %llu\n",
		       (unsigned long long)st.learnt, (unsigned long long)st.plain,
		       (unsigned long long)st.superseded);
	}
	printf("  client frames to the host: offered %llu (dup ACKs %llu, with SACK %llu), "
	       "delivered %llu (dup ACKs %llu, with SACK %llu); fast recoveries %llu, "
	       "D-SACKs %llu; losses %d/%d\n",
	       (unsigned long long)r.offered.frames, (unsigned long long)r.offered.dups,
	       (unsigned long long)r.offered.sacks, (unsigned long long)r.delivered.frames,
	       (unsigned long long)r.delivered.dups, (unsigned long long)r.delivered.sacks,
	       (unsigned long long)r.fast_recoveries, (unsigned long long)r.dsacks,
	       w->dropped[0] + w->dropped[1] + w->dropped[2], ACKC_DROPS);
	CHECK(w->dropped[0] && w->dropped[1] && w->dropped[2]);
	world_close(w);
	return r;
}

/* Loss detection with the NIC's ACK coalescing is the one with every ACK. */
static void test_ack_coalesce(void)
{
	struct ackc_run all = ackc_run(false), co = ackc_run(true);

	CHECK(all.ok && co.ok);
	/* without coalescing every frame goes through */
	CHECK_EQ_U64(all.delivered.frames, all.offered.frames);
	/* with it, fewer frames, but every duplicate ACK and every SACK-bearing ACK */
	CHECK(co.delivered.frames < co.offered.frames);
	CHECK_EQ_U64(co.delivered.dups, co.offered.dups);
	CHECK_EQ_U64(co.delivered.sacks, co.offered.sacks);
	CHECK(co.offered.dups >= 3 * ACKC_DROPS);
	/* the same recovery: one fast recovery and one retransmission per loss, no RTO, no
	 * spurious retransmission (no D-SACK) */
	CHECK_EQ_U64(co.fast_recoveries, all.fast_recoveries);
	CHECK_EQ_U64(co.fast_recoveries, ACKC_DROPS);
	CHECK_EQ_U64(co.retrans, all.retrans);
	CHECK_EQ_U64(co.retrans, ACKC_DROPS);
	CHECK_EQ_U64(co.rto + all.rto, 0);
	CHECK_EQ_U64(co.dsacks + all.dsacks, 0);
	printf("ack_coalesce: host frames %llu -> %llu (%.0f%%), transfer %.2f -> %.2f ms\n",
	       (unsigned long long)all.host_rx, (unsigned long long)co.host_rx,
	       100.0 * (double)co.host_rx / (double)(all.host_rx ? all.host_rx : 1),
	       (double)all.took / 1e6, (double)co.took / 1e6);
}

/* One offload scenario: a response of BODY_LEN bytes over the world sc sets up, and what that
 * scenario must show. */
static void run_scenario(const char *name, enum scenario sc)
{
	struct world *w = &W;
	bool opened = world_open(w, sc, false);
	CHECK(opened);
	if (!opened)
		return;

	start_round(w, 40000);
	if (sc == SC_PAUSE) /* until half a MiB arrived */
		run_transfer(w, 30 * TCP_SEC, 0, false, 512 * 1024);
	else
		run_transfer(w, 30 * TCP_SEC, sc == SC_TRUNCATE ? 256 * 1024 : 0, sc == SC_RESTART, 0);
	figures(w, name);
	switch (sc) {
	case SC_CLEAN:
	case SC_LOST:
	case SC_STORE:
	case SC_FLOW_LIMIT:
		CHECK(w->cl.eof && !w->cl.err);
		CHECK(response_ok(w, true));
		CHECK_EQ_U64(hc(w, "host_file_payload_bytes"), 0);
		if (sc == SC_FLOW_LIMIT) {
			CHECK(hc(w, "host_offload_err_flow_limit") >= 1);
			CHECK_EQ_U64(hc(w, "host_offload_err_busy"), 0);
			CHECK_EQ_U64(hc(w, "host_offload_flows_aborted"), 0);
		} else if (sc == SC_STORE) {
			CHECK(hc(w, "host_offload_store_full_retries") >= 1);
			CHECK_EQ_U64(hc(w, "host_offload_flows_aborted"), 0);
			CHECK(hc(w, "tcp_rto_timeouts") <= 1);
		} else if (sc == SC_LOST) {
			printf("  dropped frames with SEND %u, ECHO %u, ACKD %u\n", w->send_drops,
			       w->echo_drops, w->ackd_drops);
			CHECK(w->send_drops == 3 && w->echo_drops == 2 && w->ackd_drops == 3);
			CHECK(hc(w, "host_offload_echo_timeouts") >= 1);
			CHECK(hc(w, "host_offload_retransmit_sends") >= 3);

		} else {
			CHECK_EQ_U64(hc(w, "host_offload_bytes"), BODY_LEN);
		}
		break;
	case SC_TRUNCATE:
		CHECK(w->truncated);
		CHECK(w->cl.err == ECONNRESET);
		CHECK(response_ok(w, false)); /* a correct prefix, never wrong bytes */
		CHECK(w->cl.got_len < sizeof(HDR) - 1 + BODY_LEN);
		CHECK(hc(w, "host_offload_err_truncated") + hc(w, "host_offload_err_range") >= 1);
		CHECK(hc(w, "host_offload_flows_aborted") >= 1);
		break;
	case SC_PAUSE:
		pause_scenario(w);
		break;
	case SC_ACKC: /* test_ack_coalesce() */
		break;
	case SC_RESTART:
		CHECK(w->restarted);
		CHECK(w->cl.err == ECONNRESET);
		CHECK(response_ok(w, false));
		CHECK_EQ_U64(hc(w, "host_nic_restarts"), 1);
		CHECK(hc(w, "host_offload_flows_aborted") >= 1);
		/* the old fid is invalid; a new open on a new connection works */
		struct stat st;
		CHECK(iotcp_offload_fstat(w->host, w->fid, &st) == -1 && errno == EBADF);
		iotcp_offload_close(w->host, w->fid);
		iotcp_close(w->host, w->hs);
		start_round(w, 40001);
		run_transfer(w, 30 * TCP_SEC, 0, false, 0);
		figures(w, "restart: second connection");
		CHECK(w->cl.eof && !w->cl.err);
		CHECK(response_ok(w, true));
		break;
	}
	world_close(w);
}

static void test_clean(void)
{
	run_scenario("clean", SC_CLEAN);
}

static void test_lost_cmds(void)
{
	run_scenario("lost_cmds", SC_LOST);
}

static void test_truncate(void)
{
	run_scenario("truncate", SC_TRUNCATE);
}

static void test_restart(void)
{
	run_scenario("restart", SC_RESTART);
}

static void test_store_full(void)
{
	run_scenario("store_full", SC_STORE);
}

static void test_flow_limit(void)
{
	run_scenario("flow_limit", SC_FLOW_LIMIT);
}

static void test_pause(void)
{
	run_scenario("pause", SC_PAUSE);
}

/* One scenario a meson test (meson.build: test_offload_sim test_NAME); no argument runs them
 * all. */
int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_clean);
	RUN(test_lost_cmds);
	RUN(test_truncate);
	RUN(test_restart);
	RUN(test_store_full);
	RUN(test_flow_limit);
	RUN(test_pause);
	RUN(test_ack_coalesce);
	RUN_DONE();
}
