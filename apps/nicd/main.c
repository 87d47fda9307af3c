/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd: the NIC daemon. Host port = net_memif (server role), wire port = net_tap or
 * net_af_packet. Forwards every frame that is not a host<->NIC command (EtherType 0x88B5)
 * between the two ports unchanged, answers HELLO and sends a heartbeat every second on the host
 * port, and never lets a 0x88B5 frame out on the wire.
 *
 * With --docroot it runs the offload engine (src/nic/engine.h): every well-formed command frame
 * from the host goes to the control protocol (HELLO/HEARTBEAT) and then to the engine, which
 * builds TCP segments into wire-port mbufs (nicd_wire_tx.h) and answers the host. A frame the
 * control protocol finds malformed is ignored as a whole. A new host boot id resets the engine.
 * Without --docroot there is no engine and offload commands are answered ERROR(unsupported).
 * See nicd_opts.c for the command line. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "nic/ackcoal.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "nicd_ctl.h"
#include "nicd_opts.h"
#include "nicd_stats.h"
#include "nicd_tx_mode.h"
#include "nicd_wire_tx.h"
#include "port/bell.h"
#include "port/cycles.h"
#include "port/port_mbuf.h"
#include "proto/offload.h"
#include "proto/proto.h"

#define BURST	      32
#define HDR_PEEK      22   /* Ethernet header plus two VLAN tags */
#define ACK_PEEK      96   /* ... plus IPv4 and TCP headers: enough to tell a bare ACK */
#define CMD_FRAME_MAX 9216 /* largest command frame accepted from the host (jumbo) */
#define REPLY_MAX     2048 /* our answers without the engine (HELLO, ERROR) */
#define IO_DEPTH      256  /* io_uring entries */
#define ERR_REASONS   (PROTO_ERR_REASON_MAX + 1)
#define ERR_KEY_LEN   40

static volatile sig_atomic_t stop_requested;
static FILE *log_stream;

__attribute__((format(printf, 1, 2))) static void logmsg(const char *fmt, ...)
{
	FILE *f = log_stream ? log_stream : stderr;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld iotcp-nicd[%ld]: ", when, ts.tv_nsec / 1000000L, (long)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

struct fwd_counters {
	uint64_t to_wire, to_host;		   /* frames forwarded */
	uint64_t dropped_to_wire, dropped_to_host; /* tx queue refused them */
	uint64_t runts;				   /* shorter than an Ethernet header */
	uint64_t tso_to_wire, tso_bad;		   /* host TSO frames marked / malformed */
	uint64_t wire_proto_dropped;		   /* 0x88B5 frames arriving from the wire */
	uint64_t ctl_tx_dropped;		   /* our control frames the host port refused */
	uint64_t link_changes;
	uint64_t cmd_tx_dropped;		/* engine answers the host port refused */
	uint64_t engine_resets;			/* host restarts seen by the engine */
	uint64_t errors_by_reason[ERR_REASONS]; /* ERRORs sent to the host, by reason */
};

/* Where the NIC core's cycles go (stats "cycles_<name>"), each stage exclusive of the others:
 * rounds that found nothing to do count as idle_poll, back-off sleeps as idle_sleep. */
struct nicd_cycles {
	uint64_t host_rx; /* host port rx and forwarding host frames to the wire */
	uint64_t cmds;	  /* host commands (control protocol, engine command handling) */
	uint64_t wire_rx; /* wire port rx and forwarding to the host */
	uint64_t engine;  /* engine poll: file I/O reaping, segment building */
	uint64_t host_tx; /* engine answers to the host port */
	uint64_t ticks;	  /* once a second: links, heartbeat, stats */
	uint64_t idle_poll, idle_sleep;
	/* wire tx (segments to the wire port): nicd_wire_tx_counters.tx_cycles */
	struct cycles_clock clock;
};

struct nicd {
	struct nicd_opts opts;
	struct port *host;
	struct port *wire;
	struct port_bell *bell; /* wakes the host, woken by it (NULL: timed sleeps only) */
	struct nicd_ctl ctl;
	struct fwd_counters fwd;
	struct nicd_cycles cyc;
	struct nicd_cycles round;	  /* the current poll round's stages */
	struct port_backoff backoff;	  /* idle: nothing to do at all */
	struct port_backoff busy_backoff; /* reads in flight or the wire full: short naps */
	uint64_t start_s;
	bool host_link_up;
	bool wire_link_up;
	/* offload */
	int docroot_fd;
	struct nic_io *io;
	struct nic_engine *engine; /* NULL without --docroot */
	struct nic_ackc *ackc;	   /* pure ACKs of offloaded flows to the host (NULL: off) */
	struct nicd_wire_tx wtx;
	bool wtx_ready;
	uint32_t host_tso_mtu; /* > 0: host frames longer than this + 14 are TSO frames (cap TSO) */
	uint8_t cmd_src[PROTO_MAC_LEN]; /* sender of the last command frame */
	uint8_t frame_copy[CMD_FRAME_MAX];
	char err_keys[ERR_REASONS][ERR_KEY_LEN];
};

/* Send dst <- our host-port MAC, EtherType 0x88B5, payload (the command frame), padded to the
 * Ethernet minimum, on the host port; urgent: ring the host's doorbell (it may sleep). False
 * when the port or its pool refused it. */
static bool host_tx(struct nicd *d, const uint8_t *dst, const uint8_t *payload, size_t len,
		    bool urgent)
{
	size_t flen = PROTO_ETH_HLEN + len;
	size_t padded = flen < NICD_ETH_MIN_FRAME ? NICD_ETH_MIN_FRAME : flen;

	struct rte_mbuf *m = rte_pktmbuf_alloc(port_mempool(d->host));
	if (!m)
		return false;
	uint8_t *p =
	    padded <= UINT16_MAX ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)padded) : NULL;
	if (!p) {
		rte_pktmbuf_free(m);
		return false;
	}
	proto_eth_hdr_put(p, dst, d->ctl.nic_mac);
	memcpy(p + PROTO_ETH_HLEN, payload, len);
	memset(p + flen, 0, padded - flen);
	uint64_t t0 = cycles_now();
	bool ok = port_tx_burst(d->host, &m, 1) == 1;
	if (ok && urgent && d->bell)
		port_bell_ring(d->bell);
	d->round.host_tx += cycles_now() - t0;
	if (!ok)
		rte_pktmbuf_free(m);
	return ok;
}

/* Cycles already given to a stage nested in the one being timed (subtracted from it). */
static uint64_t nested_cycles(const struct nicd *d)
{
	return d->wtx.c.tx_cycles + d->round.host_tx + d->round.cmds;
}

/* Close a stage begun at *t with *nested = nested_cycles(): add its own cycles to *stage and
 * start the next one. */
static void stage_end(struct nicd *d, uint64_t *stage, uint64_t *t, uint64_t *nested)
{
	uint64_t now = cycles_now(), inner = nested_cycles(d);

	*stage += (now - *t) - (inner - *nested);
	*t = now;
	*nested = inner;
}

/* A complete control frame built by nicd_ctl (Ethernet header included). */
static void send_ctl(struct nicd *d, const uint8_t *frame, int len)
{
	if (len < (int)PROTO_ETH_HLEN)
		return;
	if (!host_tx(d, frame, frame + PROTO_ETH_HLEN, (size_t)len - PROTO_ETH_HLEN, true))
		d->fwd.ctl_tx_dropped++;
}

/* ---- offload engine output ---- */

static uint8_t *engine_wire_alloc(void *ctx, size_t cap)
{
	struct nicd *d = ctx;
	return nicd_wire_tx_alloc(&d->wtx, cap);
}

static void engine_wire_send(void *ctx, uint8_t *buf, size_t len)
{
	struct nicd *d = ctx;
	nicd_wire_tx_send(&d->wtx, buf, len);
}

/* Count the ERRORs of an outgoing command frame by reason (for the stats file). True when
 * the frame holds more than ECHOs: something the host should see at once (open results,
 * errors), where ECHOs can wait for its next timed wakeup. */
static bool count_errors(struct nicd *d, const uint8_t *payload, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_error pe;
	bool urgent = false;

	if (proto_frame_open(&it, payload, len) < 0)
		return true;
	while (proto_next(&it, &cmd) > 0) {
		if (cmd.type == PROTO_T_ERROR && proto_error_decode(&cmd, &pe) == 0)
			d->fwd.errors_by_reason[pe.reason < ERR_REASONS ? pe.reason : 0]++;
		urgent = urgent || cmd.type != PROTO_T_ECHO;
	}
	return urgent;
}

static void engine_wire_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len,
				 uint16_t mss)
{
	struct nicd *d = ctx;
	nicd_wire_tx_send_tso(&d->wtx, buf, len, hdr_len, mss);
}

static bool engine_wire_send_iov(void *ctx, const uint8_t *hdr, size_t hlen,
				 const struct iovec *iov, int niov, uint32_t plen, uint16_t mss)
{
	struct nicd *d = ctx;
	return nicd_wire_tx_send_iov(&d->wtx, hdr, hlen, iov, niov, plen, mss);
}

static void engine_host_send(void *ctx, const uint8_t *payload, size_t len)
{
	struct nicd *d = ctx;
	/* The host's MAC from its HELLO; before any HELLO, whoever sent the commands. */
	const uint8_t *dst = d->ctl.host_known ? d->ctl.host_mac : d->cmd_src;

	bool urgent = count_errors(d, payload, len);
	/* An ECHO must not overtake the segments it reports: hand them to the port first. */
	nicd_wire_tx_flush(&d->wtx);
	if (!host_tx(d, dst, payload, len, urgent))
		d->fwd.cmd_tx_dropped++;
}

/* A 0x88B5 frame from the host: the control protocol first (HELLO/HEARTBEAT; it rejects a
 * malformed frame as a whole), then the offload engine, or ERROR(unsupported) without one. */
static void host_command(struct nicd *d, struct rte_mbuf *m)
{
	uint8_t reply[REPLY_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *frame;

	if (len > CMD_FRAME_MAX) {
		d->ctl.c.malformed++;
		return;
	}
	frame = rte_pktmbuf_read(m, 0, len, d->frame_copy);
	if (!frame) {
		d->ctl.c.malformed++;
		return;
	}
	uint64_t old_boot = d->ctl.host_known ? d->ctl.host_boot_id : 0;
	int n = nicd_ctl_input(&d->ctl, frame, len, now_seconds(), reply, sizeof(reply));
	if (n < 0)
		return;
	if (n > 0) {
		send_ctl(d, reply, n);
		logmsg("HELLO from host %02x:%02x:%02x:%02x:%02x:%02x boot %016" PRIx64,
		       d->ctl.host_mac[0], d->ctl.host_mac[1], d->ctl.host_mac[2],
		       d->ctl.host_mac[3], d->ctl.host_mac[4], d->ctl.host_mac[5],
		       d->ctl.host_boot_id);
	}
	if (old_boot && d->ctl.host_boot_id != old_boot) {
		/* docs/protocol.md HELLO: a new host boot id forgets all flows and files. */
		logmsg("host restarted (boot %016" PRIx64 " -> %016" PRIx64 ")%s", old_boot,
		       d->ctl.host_boot_id, d->engine ? ": offload state reset" : "");
		if (d->engine) {
			nic_engine_reset(d->engine);
			d->fwd.engine_resets++;
		}
	}
	memcpy(d->cmd_src, frame + 6, PROTO_MAC_LEN);
	if (d->ackc)
		nic_ackc_learn(d->ackc, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN, now_ns());
	if (d->engine) {
		nic_engine_host_frame(d->engine, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN,
				      now_ns());
		return;
	}
	n = nicd_ctl_reject_offload(&d->ctl, frame, len, reply, sizeof(reply));
	if (n > 0) {
		count_errors(d, reply + PROTO_ETH_HLEN, (size_t)n - PROTO_ETH_HLEN);
		send_ctl(d, reply, n);
	}
}

struct out_list {
	struct rte_mbuf **m;
	uint16_t k;
};

static void out_push(void *arg, void *token)
{
	struct out_list *o = arg;
	o->m[o->k++] = token;
}

/* A wire frame for the host through the ACK coalescer (src/nic/ackcoal.h); a is its first
 * alen bytes. */
static void to_host_coalesced(struct nicd *d, struct rte_mbuf *m, const uint8_t *a, uint32_t alen,
			      struct out_list *o)
{
	void *before, *sup;
	enum nic_ackc_verdict v = nic_ackc_offer(d->ackc, a, a ? alen : 0, rte_pktmbuf_pkt_len(m),
						 m, now_ns(), &before, &sup);
	if (before)
		out_push(o, before);
	if (sup)
		rte_pktmbuf_free(sup);
	if (v == NIC_ACKC_FLUSH_FIRST)
		nic_ackc_flush(d->ackc, out_push, o);
	if (v != NIC_ACKC_HELD)
		out_push(o, m);
}

/* One burst from src to dst. Returns the frames received. */
static uint16_t forward(struct nicd *d, struct port *src, struct port *dst, bool from_host)
{
	struct rte_mbuf *in[BURST], *out[BURST];
	uint8_t peek[HDR_PEEK];
	uint16_t n = port_rx_burst(src, in, BURST);
	struct out_list ol = {.m = out, .k = 0};
	uint16_t k = 0;
	bool urgent = false; /* to the host: a frame that should wake it (not a bare ACK) */

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		if (len < PROTO_ETH_HLEN) {
			d->fwd.runts++;
			rte_pktmbuf_free(m);
			continue;
		}
		uint32_t plen = len < HDR_PEEK ? len : HDR_PEEK;
		const uint8_t *hdr = rte_pktmbuf_read(m, 0, plen, peek);
		bool tagged;
		if (hdr && nicd_frame_ethertype(hdr, plen, &tagged) != (int)PROTO_ETHERTYPE) {
			if (!from_host && ((!urgent && d->bell) || d->ackc)) {
				uint8_t big[ACK_PEEK];
				uint32_t alen = len < ACK_PEEK ? len : ACK_PEEK;
				const uint8_t *a = rte_pktmbuf_read(m, 0, alen, big);
				if (!urgent && d->bell)
					urgent = !a || !nicd_frame_is_pure_ack(a, alen);
				if (d->ackc) {
					ol.k = k;
					to_host_coalesced(d, m, a, alen, &ol);
					k = ol.k;
					continue;
				}
			}
			if (from_host && d->host_tso_mtu) {
				int r = nicd_wire_tx_mark_host_tso(m, d->host_tso_mtu);
				d->fwd.tso_to_wire += r > 0;
				if (r < 0) {
					d->fwd.tso_bad++;
					rte_pktmbuf_free(m);
					continue;
				}
			}
			out[k++] = m;
			continue;
		}
		/* Commands (or unreadable headers) never cross to the other side. */
		if (!from_host) {
			d->fwd.wire_proto_dropped++;
		} else if (hdr && !tagged) {
			uint64_t t = cycles_now(), nested = nested_cycles(d);
			host_command(d, m);
			stage_end(d, &d->round.cmds, &t, &nested);
		} else
			d->ctl.c.malformed++;
		rte_pktmbuf_free(m);
	}
	if (!from_host && d->ackc) {
		ol.k = k;
		nic_ackc_flush(d->ackc, out_push, &ol); /* a merge never delays an ACK */
		k = ol.k;
	}
	if (k) {
		uint16_t sent = port_tx_burst(dst, out, k);
		for (uint16_t i = sent; i < k; i++)
			rte_pktmbuf_free(out[i]);
		if (from_host) {
			d->fwd.to_wire += sent;
			d->fwd.dropped_to_wire += (uint64_t)(k - sent);
		} else {
			d->fwd.to_host += sent;
			d->fwd.dropped_to_host += (uint64_t)(k - sent);
			if (sent && urgent)
				port_bell_ring(d->bell);
		}
	}
	return n;
}

#define KV(name, val)                                                                              \
	do {                                                                                       \
		if (k < KV_MAX)                                                                    \
			kv[k++] = (struct nicd_kv){(name), (val)};                                 \
	} while (0)
#define KV_MAX 200

/* The engine's counters, prefixed nic_ (NIC_ENGINE_STATS in src/nic/engine.h). */
static size_t engine_stats_kv(struct nicd *d, struct nicd_kv *kv, size_t k)
{
	struct nic_engine_stats es;

	memset(&es, 0, sizeof(es));
	if (d->engine)
		nic_engine_get_stats(d->engine, &es);
	KV("offload_enabled", d->engine != NULL);
#define NIC_KV(f) KV("nic_" #f, es.f);
	NIC_ENGINE_STATS(NIC_KV)
#undef NIC_KV
	KV("nic_store_pinned_bytes", es.store_pinned_blocks * ((uint64_t)d->opts.block_kb << 10));
	if (d->ackc) {
		struct nic_ackc_stats ac;
		nic_ackc_get_stats(d->ackc, &ac);
		KV("nic_ackc_learnt", ac.learnt);
		KV("nic_ackc_plain", ac.plain);
		KV("nic_ackc_superseded", ac.superseded);
	}
	KV("nic_io_inflight", d->io ? nic_io_inflight(d->io) : 0);
#define TLS_KV(f) KV("nic_tls_" #f, es.tls.f);
	NIC_TLS_STATS(TLS_KV)
#undef TLS_KV
	for (unsigned r = 1; r < ERR_REASONS; r++)
		KV(d->err_keys[r], d->fwd.errors_by_reason[r]);
	KV("nic_error_other", d->fwd.errors_by_reason[0]);
	KV("engine_resets", d->fwd.engine_resets);
	KV("offload_rejected", d->ctl.c.offload_rejected);
	KV("offload_reject_overflow", d->ctl.c.reject_overflow);
	KV("cmd_tx_dropped", d->fwd.cmd_tx_dropped);
	KV("wire_seg_frames", d->wtx.c.frames);
	KV("wire_seg_bytes", d->wtx.c.bytes);
	KV("wire_seg_queued", d->wtx.n);
	KV("wire_seg_refused", d->wtx.c.refused);
	KV("wire_seg_stall_rounds", d->wtx.c.stall_rounds);
	KV("wire_seg_pool_empty", d->wtx.c.pool_empty);
	KV("wire_seg_batch_full", d->wtx.c.batch_full);
	KV("wire_seg_oversize", d->wtx.c.oversize);
	KV("wire_seg_bad_send", d->wtx.c.bad_send);
	KV("wire_seg_tso_frames", d->wtx.c.tso_frames);
	KV("wire_seg_zero_copy", d->wtx.c.zero_copy);
	KV("wire_seg_zc_deferred", d->wtx.c.zc_deferred);
	KV("cycles_host_rx", d->cyc.host_rx);
	KV("cycles_cmds", d->cyc.cmds);
	KV("cycles_wire_rx", d->cyc.wire_rx);
	KV("cycles_engine", d->cyc.engine);
	KV("cycles_wire_tx", d->wtx.c.tx_cycles);
	KV("cycles_host_tx", d->cyc.host_tx);
	KV("cycles_ticks", d->cyc.ticks);
	KV("cycles_idle_poll", d->cyc.idle_poll);
	KV("cycles_idle_sleep", d->cyc.idle_sleep);
	KV("cycles_hz", cycles_hz(&d->cyc.clock));
	return k;
}

static void write_stats(struct nicd *d)
{
	struct nicd_kv kv[KV_MAX];
	struct port_stats h, w;
	size_t k = 0;

	if (!d->opts.stats_file)
		return;
	port_stats_get(d->host, &h);
	port_stats_get(d->wire, &w);
	KV("uptime_s", now_seconds() - d->start_s);
	KV("boot_id", d->ctl.boot_id);
	KV("host_link_up", d->host_link_up);
	KV("wire_link_up", d->wire_link_up);
	KV("host_rx_frames", h.rx_frames);
	KV("host_rx_bytes", h.rx_bytes);
	KV("host_tx_frames", h.tx_frames);
	KV("host_tx_bytes", h.tx_bytes);
	KV("wire_rx_frames", w.rx_frames);
	KV("wire_rx_bytes", w.rx_bytes);
	KV("wire_tx_frames", w.tx_frames);
	KV("wire_tx_bytes", w.tx_bytes);
	KV("wire_rx_missed", w.hw_imissed);
	KV("wire_tx_gso_frames", w.tx_gso_frames);
	KV("wire_tx_errors", w.hw_oerrors);
	KV("wire_rx_nombuf", w.hw_rx_nombuf);
	KV("host_rx_nombuf", h.hw_rx_nombuf);
	KV("forwarded_to_wire", d->fwd.to_wire);
	KV("forwarded_to_host", d->fwd.to_host);
	KV("forwarded_tso_to_wire", d->fwd.tso_to_wire);
	KV("host_tso_malformed", d->fwd.tso_bad);
	KV("dropped_to_wire", d->fwd.dropped_to_wire);
	KV("dropped_to_host", d->fwd.dropped_to_host);
	KV("dropped_runt", d->fwd.runts);
	KV("dropped_wire_proto", d->fwd.wire_proto_dropped);
	KV("ctl_tx_dropped", d->fwd.ctl_tx_dropped);
	KV("hello_rx", d->ctl.c.hello_rx);
	KV("hello_tx", d->ctl.c.hello_tx);
	KV("heartbeat_rx", d->ctl.c.heartbeat_rx);
	KV("heartbeat_tx", d->ctl.c.heartbeat_tx);
	KV("malformed", d->ctl.c.malformed);
	KV("unknown_cmds", d->ctl.c.unknown_cmds);
	KV("stale_heartbeats", d->ctl.c.stale_heartbeats);
	KV("host_known", d->ctl.host_known);
	KV("host_alive", d->ctl.host_alive);
	KV("host_restarts", d->ctl.c.host_restarts);
	KV("host_timeouts", d->ctl.c.host_timeouts);
	KV("link_changes", d->fwd.link_changes);
	KV("idle_sleeps", d->backoff.sleeps);
	if (d->bell) {
		struct port_bell_stats bs;
		port_bell_stats(d->bell, &bs);
		KV("bell_arms", bs.arms);
		KV("bell_rings", bs.rings);
		KV("bell_woken", bs.woken);
	}
	KV("busy_sleeps", d->busy_backoff.sleeps);
	k = engine_stats_kv(d, kv, k);
	int rc = nicd_stats_write(d->opts.stats_file, kv, k);
	if (rc)
		logmsg("cannot write %s: %s", d->opts.stats_file, strerror(-rc));
}

/* Once a second: link changes, HELLO/heartbeat, stats. */
static void tick(struct nicd *d, uint64_t now)
{
	uint8_t frame[NICD_CTL_FRAME_MAX];
	bool host_up = port_link_up(d->host), wire_up = port_link_up(d->wire);

	if (host_up != d->host_link_up || wire_up != d->wire_link_up) {
		logmsg("links: host %s, wire %s", host_up ? "up" : "down", wire_up ? "up" : "down");
		d->fwd.link_changes++;
	}
	d->host_link_up = host_up;
	d->wire_link_up = wire_up;
	send_ctl(d, frame, nicd_ctl_tick(&d->ctl, now, frame, sizeof(frame)));
	write_stats(d);
}

/* Milliseconds until the next whole second (the tick). */
static unsigned ms_to_next_second(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return 1000u - (unsigned)(ts.tv_nsec / 1000000L);
}

static void run(struct nicd *d)
{
	struct port *ports[2] = {d->wire, d->host};
	uint64_t last_tick = 0;

	port_backoff_init(&d->backoff, 0, 0, 0);
	/* While the engine waits for file reads or a full wire: naps of at most 50 us. */
	port_backoff_init(&d->busy_backoff, 16, 10, 50);
	cycles_clock_init(&d->cyc.clock);
	while (!stop_requested) {
		struct nicd_cycles *r = &d->round;
		uint64_t wire_tx0 = d->wtx.c.tx_cycles, t0 = cycles_now(), t = t0;
		memset(r, 0, sizeof(*r));
		uint64_t nested = nested_cycles(d);
		uint16_t n = forward(d, d->host, d->wire, true);
		stage_end(d, &r->host_rx, &t, &nested);
		n += forward(d, d->wire, d->host, false);
		stage_end(d, &r->wire_rx, &t, &nested);
		bool work = d->engine && nic_engine_poll(d->engine, now_ns());
		uint16_t queued = d->wtx_ready ? nicd_wire_tx_flush(&d->wtx) : 0;
		stage_end(d, &r->engine, &t, &nested);
		uint64_t now = now_seconds();
		if (now != last_tick) {
			last_tick = now;
			tick(d, now);
			stage_end(d, &r->ticks, &t, &nested);
		}
		bool busy = n || work || queued || d->wtx.c.tx_cycles != wire_tx0;
		if (busy) {
			d->cyc.host_rx += r->host_rx;
			d->cyc.cmds += r->cmds;
			d->cyc.wire_rx += r->wire_rx;
			d->cyc.engine += r->engine;
			d->cyc.host_tx += r->host_tx;
			d->cyc.ticks += r->ticks;
		} else {
			/* nothing happened: the whole round was polling */
			d->cyc.idle_poll += t - t0;
		}
		if (n || (work && !queued)) {
			port_backoff_reset(&d->backoff);
			port_backoff_reset(&d->busy_backoff);
		} else if (queued || (d->engine && nic_engine_busy(d->engine))) {
			/* The wire refused frames or reads are in flight: give the kernel and
			 * the disk a moment, but never the 1 ms idle sleep. */
			port_backoff_reset(&d->backoff);
			port_backoff_idle_sleep(&d->busy_backoff);
		} else {
			port_backoff_reset(&d->busy_backoff);
			/* About to sleep with a host connected: arm the bell, then look at the
			 * host's ring once more (bell.h) — frames found there are this round's
			 * work and there is no sleep. */
			bool armed = d->bell && d->host_link_up &&
				     port_backoff_will_sleep(&d->backoff);
			if (armed) {
				port_bell_arm(d->bell);
				if (forward(d, d->host, d->wire, true)) {
					port_bell_disarm(d->bell);
					port_backoff_reset(&d->backoff);
					continue;
				}
			}
			/* While no host is connected (link down, checked every tick) only the
			 * wire needs watching: with tap rx interrupts that is a blocking wait. */
			port_idle_wait(ports, d->host_link_up ? 2 : 1, &d->backoff,
				       ms_to_next_second());
			if (armed)
				port_bell_disarm(d->bell);
		}
		d->cyc.idle_sleep += cycles_now() - t;
	}
}

static uint64_t new_boot_id(void)
{
	uint64_t id = 0;

	while (id == 0) {
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			id =
			    ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
		}
	}
	return id;
}

static int open_ports(struct nicd *d)
{
	char host_args[256], wire_args[128], err[256];
	struct nicd_opts *o = &d->opts;

	if (port_vdev_memif(host_args, sizeof(host_args), 0, true, o->host_socket) < 0) {
		logmsg("bad --host-socket %s", o->host_socket);
		return -1;
	}
	int rc = o->wire_kind == NICD_WIRE_AF_PACKET
		     ? port_vdev_af_packet(wire_args, sizeof(wire_args), 0, o->wire_ifname)
		     : port_vdev_tap(wire_args, sizeof(wire_args), 0, o->wire_ifname);
	if (rc < 0) {
		logmsg("bad wire interface %s", o->wire_ifname);
		return -1;
	}
	struct port_config host_cfg = {.name = "net_memif0", .devargs = host_args};
	d->host = port_open(&host_cfg, err, sizeof(err));
	if (!d->host) {
		logmsg("host port: %s", err);
		return -1;
	}
	/* The doorbell next to the memif socket: without it both sides still work, on timed
	 * sleeps (up to 1 ms of added latency after idle). */
	d->bell = port_bell_open(o->host_socket, PORT_BELL_NIC, true, err, sizeof(err));
	if (d->bell)
		port_set_bell(d->host, d->bell, false); /* nicd rings: not for bare ACKs, ECHOs */
	else
		logmsg("no host doorbell (%s): timed sleeps only", err);
	struct port_config wire_cfg = {
	    .name = o->wire_kind == NICD_WIRE_TAP    ? "net_tap0"
		    : o->wire_kind == NICD_WIRE_VTAP ? "vnet_tap0"
						     : "net_af_packet0",
	    .devargs = wire_args,
	    .rx_intr = true,
	    .promisc = true,
	    .vnet_tap = o->wire_kind == NICD_WIRE_VTAP ? o->wire_ifname : NULL,
	};
	d->wire = port_open(&wire_cfg, err, sizeof(err));
	if (!d->wire) {
		logmsg("wire port: %s", err);
		return -1;
	}
	const struct port_caps *wc = port_get_caps(d->wire);
	logmsg("host port %s (%s) socket %s; wire port %s (%s) iface %s: tx csum %s, tso %s, rx "
	       "interrupts %s",
	       port_name(d->host), port_get_caps(d->host)->driver, o->host_socket,
	       port_name(d->wire), wc->driver, o->wire_ifname,
	       wc->tx_ipv4_csum && wc->tx_tcp_csum ? "yes" : "no", wc->tso ? "yes" : "no",
	       wc->rx_intr ? "yes" : "no");
	return 0;
}

/* The offload engine on the opened docroot: io_uring file I/O (synchronous reads if io_uring is
 * unavailable), segments into wire mbufs, checksums by the wire port when it offers TCP checksum
 * offload. 0 or -1 (logged). */
static int start_engine(struct nicd *d)
{
	const struct port_caps *wc = port_get_caps(d->wire);
	const struct port_caps *hc = port_get_caps(d->host);
	struct nicd_tx_mode mode;
	char mode_line[160];

	nicd_tx_mode_choose(wc, &mode);
	nicd_tx_mode_describe(&mode, mode_line, sizeof(mode_line));
	logmsg("wire tx: %s", mode_line);
	bool csum_offload = mode.tcp_csum;

	d->io = nic_io_new(IO_DEPTH, false);
	if (!d->io) {
		logmsg("io_uring unavailable (%s): synchronous file reads", strerror(errno));
		d->io = nic_io_new(IO_DEPTH, true);
		if (!d->io) {
			logmsg("file I/O: %s", strerror(errno));
			return -1;
		}
	}
	if (nicd_wire_tx_init(&d->wtx, d->wire, &mode) != 0) {
		logmsg("wire tx: out of memory");
		return -1;
	}
	d->wtx_ready = true;
	size_t host_mtu = hc->mtu ? hc->mtu : 1500;
	if (host_mtu > RTE_MBUF_DEFAULT_DATAROOM - PROTO_ETH_HLEN)
		host_mtu = RTE_MBUF_DEFAULT_DATAROOM - PROTO_ETH_HLEN;
	struct nic_engine_config cfg = {
	    .docroot_fd = d->docroot_fd,
	    .store_bytes = (uint64_t)d->opts.store_mb << 20,
	    .block_size = d->opts.block_kb << 10,
	    .max_files = d->opts.max_files,
	    .max_jobs = d->opts.max_jobs,
	    .max_flow_jobs = d->opts.flow_jobs,
	    .max_flow_pinned = (uint64_t)d->opts.flow_pinned_kb << 10,
	    .tcp_csum_offload = csum_offload,
	    .io = d->io,
	    .host_mtu = host_mtu,
	    .wire_max_frame = RTE_MBUF_DEFAULT_DATAROOM,
	};
	struct nic_engine_out out = {
	    .ctx = d,
	    .wire_alloc = engine_wire_alloc,
	    .wire_send = engine_wire_send,
	    .host_send = engine_host_send,
	};
	d->engine = nic_engine_new(&cfg, &out);
	if (d->engine && !d->opts.no_ack_coalesce) {
		d->ackc = nic_ackc_new(4096, BURST);
		if (!d->ackc)
			logmsg("ACK coalescing off: no memory for its table");
	}
	if (!d->engine) {
		logmsg("offload engine: cannot allocate a %u MiB store of %u KiB blocks",
		       d->opts.store_mb, d->opts.block_kb);
		return -1;
	}
	bool tso = nic_engine_set_tso(d->engine, nicd_wire_tx_tso_max_payload(&d->wtx),
				 engine_wire_send_tso) &&
	      nicd_wire_tx_tso_max_payload(&d->wtx) > 0;
	/* With a synchronous wire (our tap) segments go straight from the block store. */
	bool zero_copy = wc->tx_sync && csum_offload &&
			 nicd_wire_tx_enable_zero_copy(&d->wtx) == 0 &&
			 nic_engine_set_zero_copy(d->engine, engine_wire_send_iov);
	uint64_t flow_pinned = d->opts.flow_pinned_kb
				   ? (uint64_t)d->opts.flow_pinned_kb << 10
				   : nic_engine_default_flow_pinned(cfg.store_bytes, cfg.block_size);
	unsigned flow_jobs = d->opts.flow_jobs ? d->opts.flow_jobs : NIC_DEFAULT_MAX_FLOW_JOBS;
	if (flow_jobs > d->opts.max_jobs)
		flow_jobs = d->opts.max_jobs;
	logmsg("offload engine: docroot %s, store %u MiB in %u KiB blocks, max %u files, "
	       "%u jobs (per flow %u jobs, %" PRIu64 " KiB), "
	       "%s file I/O, TCP checksums by %s, TSO %s, zero copy %s",
	       d->opts.docroot, d->opts.store_mb, d->opts.block_kb, d->opts.max_files,
	       d->opts.max_jobs, flow_jobs, flow_pinned >> 10,
	       nic_io_is_sync(d->io) ? "synchronous" : "io_uring",
	       csum_offload ? "the wire port" : "software", tso ? "on" : "off",
	       zero_copy ? "on" : "off");
	return 0;
}

/* Fork into the background; the parent exits with the child's startup verdict, read from a
 * pipe. Returns the write end for the child (or -1 on failure, in the parent's process). */
static int daemonize(void)
{
	int pfd[2];

	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char ok = 0;
		close(pfd[1]);
		ssize_t r = read(pfd[0], &ok, 1);
		_exit(r == 1 && ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(pfd[0]);
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return pfd[1];
}

static void startup_done(int ready_fd, bool ok)
{
	if (ready_fd < 0)
		return;
	char c = ok ? 1 : 0;
	if (write(ready_fd, &c, 1) != 1)
		logmsg("cannot report startup to the parent");
	close(ready_fd);
	if (ok) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
	}
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

int main(int argc, char **argv)
{
	static struct nicd d;
	char err[512];
	int ready_fd = -1, status = EXIT_FAILURE;
	bool eal_up = false;

	if (nicd_opts_parse(argc, argv, &d.opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "iotcp-nicd: %s\n%s", err, nicd_usage());
		return 2;
	}
	if (d.opts.help) {
		fputs(nicd_usage(), stdout);
		return 0;
	}
	d.docroot_fd = -1;
	for (unsigned r = 0; r < ERR_REASONS; r++)
		snprintf(d.err_keys[r], ERR_KEY_LEN, "nic_error_%s",
			 proto_error_reason_name((uint16_t)r));
	if (d.opts.log_file) {
		log_stream = fopen(d.opts.log_file, "a");
		if (!log_stream) {
			fprintf(stderr, "iotcp-nicd: %s: %s\n", d.opts.log_file, strerror(errno));
			return 1;
		}
	}
	if (!d.opts.foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			logmsg("cannot daemonize: %s", strerror(errno));
			goto out;
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (d.opts.docroot) {
		/* Files are opened beneath this directory only (openat2 RESOLVE_BENEATH). */
		d.docroot_fd = open(d.opts.docroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d.docroot_fd < 0) {
			logmsg("--docroot %s: %s", d.opts.docroot,
			       errno == ENOTDIR ? "not a directory" : strerror(errno));
			goto out;
		}
	}
	if (log_stream)
		rte_openlog_stream(log_stream);
	struct port_eal_config eal = {
	    .prog = "iotcp-nicd",
	    .lcore = d.opts.lcore,
	    .file_prefix = d.opts.file_prefix,
	    .mem_mb = d.opts.mem_mb,
	    .log_level = d.opts.log_level,
	};
	if (port_eal_init(&eal, err, sizeof(err)) != 0) {
		logmsg("%s", err);
		goto out;
	}
	eal_up = true;
	if (open_ports(&d) != 0)
		goto out;

	uint8_t mac[PORT_MAC_LEN];
	const struct port_caps *wc = port_get_caps(d.wire);
	/* TSO frames from the host go whole to our own tap (a GSO frame for the kernel). */
	if (wc->tso && d.opts.wire_kind == NICD_WIRE_VTAP)
		d.host_tso_mtu = port_get_caps(d.host)->mtu ? port_get_caps(d.host)->mtu : 1500;
	uint32_t caps = (wc->tx_ipv4_csum && wc->tx_tcp_csum ? PROTO_CAP_TX_CSUM : 0) |
			(d.host_tso_mtu ? PROTO_CAP_TSO : 0) | (d.opts.docroot ? PROTO_CAP_TLS : 0);
	port_mac(d.host, mac);
	if (d.opts.docroot && start_engine(&d) != 0)
		goto out;
	nicd_ctl_init(&d.ctl, mac, new_boot_id(), caps,
		      d.engine ? (uint64_t)d.opts.store_mb << 20 : 0);
	if (d.engine)
		d.ctl.flow_window = nic_engine_hello_flow_window(d.engine);
	d.start_s = now_seconds();
	if (d.opts.pid_file && write_pid_file(d.opts.pid_file) != 0)
		logmsg("cannot write %s: %s", d.opts.pid_file, strerror(errno));
	logmsg("running: boot id %016" PRIx64 ", host-port MAC %02x:%02x:%02x:%02x:%02x:%02x%s%s",
	       d.ctl.boot_id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
	       d.opts.docroot ? ", docroot " : "", d.opts.docroot ? d.opts.docroot : "");
	startup_done(ready_fd, true);
	ready_fd = -1;

	run(&d);
	logmsg("shutting down");
	write_stats(&d);
	status = EXIT_SUCCESS;
out:
	startup_done(ready_fd, false);
	/* Reads in flight write into the engine's block store: wait for their completions and
	 * close the ring (io_uring_queue_exit) before the store is freed. */
	if (d.engine && !nic_engine_stop_io(d.engine))
		logmsg("file reads still in flight: the block store is left allocated");
	nic_ackc_free(d.ackc);
	nic_io_free(d.io);
	nic_engine_free(d.engine);
	if (d.wtx_ready)
		nicd_wire_tx_fini(&d.wtx);
	if (d.docroot_fd >= 0)
		close(d.docroot_fd);
	port_close(d.wire);
	port_close(d.host);
	port_bell_close(d.bell);
	if (eal_up)
		port_eal_cleanup();
	if (d.opts.pid_file && status == EXIT_SUCCESS)
		unlink(d.opts.pid_file);
	if (log_stream) {
		rte_openlog_stream(NULL);
		fclose(log_stream);
	}
	return status;
}
