/* SPDX-License-Identifier: BSD-2-Clause */
/* NIC-side ACK coalescing (src/nic/ackcoal.h), at the level of the mechanism: flows are learnt
 * from SEND templates; of plain ACKs in one round only those covered by a newer plain ACK of
 * the same flow are dropped; duplicate ACKs, window updates, SACK, ECE, FIN, data, unknown
 * flows, bad IPv4 checksums and older timestamps pass unchanged and in order, each after the
 * flow's held ACK; held ACKs come out at the end of the round. IPv6 flows alike. */
#include <string.h>

#include "../check.h"
#include "nic/ackcoal.h"
#include "proto/offload.h"
#include "proto/proto.h"
#include "wire/pkt.h"

#define SERVER 0xc6120001u
#define CLIENT 0xc6120002u

static const struct mac_addr M_NIC = {{2, 0, 0, 0, 0, 1}}, M_CLI = {{2, 0, 0, 0, 0, 2}};

/* IPv6 frames and templates (2001:2::2 client, 2001:2::1 server) instead of IPv4. */
static bool V6;
static const struct ipv6_addr CLIENT6 = {{0x20, 0x01, 0, 2, [15] = 2}},
			      SERVER6 = {{0x20, 0x01, 0, 2, [15] = 1}};

struct frame {
	uint8_t b[128];
	size_t len;
	int id;
};

/* A client segment: flags, ack, window, optional timestamp and SACK block, payload bytes. */
static struct frame seg(int id, uint16_t cport, uint32_t ack, uint8_t flags, uint16_t wnd,
			uint32_t tsval, uint32_t sack_lo, size_t payload)
{
	struct frame f = {.id = id};
	static const uint8_t data[16] = "GET / HTTP/1.1\r\n";
	struct tcp_hdr h = {
	    .sport = cport, .dport = 80, .seq = 1000, .ack = ack, .flags = flags, .wnd = wnd};
	if (tsval) {
		h.opts.present |= TCP_OPT_F_TS;
		h.opts.ts_val = tsval;
		h.opts.ts_ecr = 7;
	}
	if (sack_lo) {
		h.opts.present |= TCP_OPT_F_SACK;
		h.opts.nsack = 1;
		h.opts.sack[0] = (struct tcp_sack_block){sack_lo, sack_lo + 1448};
	}
	struct iovec iov = {.iov_base = (void *)data, .iov_len = payload};
	struct pkt_tcp_out o = {.src_mac = &M_CLI,
				.dst_mac = &M_NIC,
				.saddr = CLIENT,
				.daddr = SERVER,
				.ttl = 64,
				.ip_frag_off = IPV4_DF,
				.tcp = &h,
				.iov = &iov,
				.iovcnt = payload ? 1 : 0};
	if (V6) {
		o.src6 = &CLIENT6;
		o.dst6 = &SERVER6;
	}
	f.len = pkt_build_tcp(f.b, sizeof(f.b), &o);
	CHECK(f.len > 0);
	return f;
}

/* A host command frame payload with one SEND whose template is the server's segment to
 * the client's port cport. */
static size_t send_cmd(uint8_t *buf, size_t cap, uint16_t cport)
{
	uint8_t tmpl[128];
	struct tcp_hdr h = {
	    .sport = 80, .dport = cport, .seq = 5000, .ack = 1000, .flags = TH_ACK, .wnd = 100};
	struct pkt_tcp_out o = {.src_mac = &M_NIC,
				.dst_mac = &M_CLI,
				.saddr = SERVER,
				.daddr = CLIENT,
				.ttl = 64,
				.ip_frag_off = IPV4_DF,
				.tcp = &h};
	if (V6) {
		o.src6 = &SERVER6;
		o.dst6 = &CLIENT6;
	}
	size_t tl = pkt_build_tcp(tmpl, sizeof(tmpl), &o);
	struct proto_send s = {.flow = 1,
			       .fid = 2,
			       .file_off = 0,
			       .len = 65536,
			       .mss = 1448,
			       .tmpl_len = (uint16_t)tl,
			       .tmpl = tmpl};
	struct proto_writer w;
	CHECK(proto_writer_init(&w, buf, cap) == 0);
	CHECK(proto_put_send(&w, &s) == 0);
	int n = proto_writer_finish(&w);
	CHECK(n > 0);
	return (size_t)n;
}

struct out {
	int ids[64];
	int n;
};

static void emit(void *arg, void *token)
{
	struct out *o = arg;
	o->ids[o->n++] = ((struct frame *)token)->id;
}

/* One round through the coalescer: the ids forwarded, in order. */
static struct out round_of(struct nic_ackc *c, struct frame *f, int n, int *superseded)
{
	struct out o = {.n = 0};
	*superseded = 0;
	for (int i = 0; i < n; i++) {
		void *before, *sup;
		enum nic_ackc_verdict v = nic_ackc_offer(
		    c, f[i].b, (uint32_t)f[i].len, (uint32_t)f[i].len, &f[i], 1000, &before, &sup);
		if (before)
			emit(&o, before);
		if (sup)
			(*superseded)++;
		if (v == NIC_ACKC_FLUSH_FIRST)
			nic_ackc_flush(c, emit, &o);
		if (v != NIC_ACKC_HELD)
			emit(&o, &f[i]);
	}
	nic_ackc_flush(c, emit, &o);
	return o;
}

static bool ids_are(const struct out *o, const int *want, int n)
{
	if (o->n != n)
		return false;
	for (int i = 0; i < n; i++)
		if (o->ids[i] != want[i])
			return false;
	return true;
}

static void print_out(const char *what, const struct out *o)
{
	fprintf(stderr, "%s:", what);
	for (int i = 0; i < o->n; i++)
		fprintf(stderr, " %d", o->ids[i]);
	fprintf(stderr, "\n");
}

/* A coalescer that has learnt the flows of client ports 40000 and 40001 from SENDs. */
static struct nic_ackc *coalescer(void)
{
	struct nic_ackc *c = nic_ackc_new(64, 32);
	uint8_t cmd[512];
	CHECK(c != NULL);
	if (!c)
		return NULL;
	nic_ackc_learn(c, cmd, send_cmd(cmd, sizeof(cmd), 40000), 1000);
	nic_ackc_learn(c, cmd, send_cmd(cmd, sizeof(cmd), 40001), 1000);
	struct nic_ackc_stats st;
	nic_ackc_get_stats(c, &st);
	CHECK_EQ_U64(st.learnt, 2);
	return c;
}

/* Before any SEND names the flow, nothing is merged. */
static void test_unknown_flow_not_merged(void)
{
	struct nic_ackc *c = nic_ackc_new(64, 32);
	int sup;
	CHECK(c != NULL);
	if (!c)
		return;
	struct frame f[] = {seg(1, 40000, 2000, TH_ACK, 100, 10, 0, 0),
			    seg(2, 40000, 3000, TH_ACK, 100, 11, 0, 0)};
	struct out o = round_of(c, f, 2, &sup);
	CHECK(ids_are(&o, (int[]){1, 2}, 2) && sup == 0);
	nic_ackc_free(c);
}

/* Three advancing plain ACKs: only the newest reaches the host, at the round's end. */
static void round_advancing(struct nic_ackc *c)
{
	int sup;
	struct frame f[] = {seg(1, 40000, 2000, TH_ACK, 100, 10, 0, 0),
			    seg(2, 40000, 3000, TH_ACK, 90, 11, 0, 0),
			    seg(3, 40000, 4000, TH_ACK, 80, 12, 0, 0)};
	struct out o = round_of(c, f, 3, &sup);
	CHECK(ids_are(&o, (int[]){3}, 1) && sup == 2);
}

/* A window update (same ACK, new window) passes; so do ECE, FIN and data, each after the held
 * ACK; the held ACK of the other flow is independent. */
static void round_mixed(struct nic_ackc *c)
{
	int sup;
	struct frame f[] = {seg(1, 40000, 13000, TH_ACK, 100, 40, 0, 0),
			    seg(2, 40001, 13000, TH_ACK, 100, 40, 0, 0),
			    seg(3, 40000, 13000, TH_ACK, 200, 41, 0, 0),
			    seg(4, 40000, 14000, TH_ACK | TH_ECE, 200, 42, 0, 0),
			    seg(5, 40000, 15000, TH_ACK, 200, 43, 0, 0),
			    seg(6, 40000, 15000, TH_ACK | TH_PSH, 200, 44, 0, 16),
			    seg(7, 40001, 14000, TH_ACK, 100, 41, 0, 0),
			    seg(8, 40000, 16000, TH_ACK | TH_FIN, 200, 45, 0, 0)};
	struct out o = round_of(c, f, 8, &sup);
	print_out("mixed", &o);
	/* flow 40000: 1 then 3 (window update), 4 (ECE), 5 (held) before 6 (data), 8 (FIN);
	 * flow 40001: 2 superseded by 7, released at the end */
	CHECK(ids_are(&o, (int[]){1, 3, 4, 5, 6, 8, 7}, 7) && sup == 1);
}

static void test_advancing_acks_merged(void)
{
	struct nic_ackc *c = coalescer();
	if (c)
		round_advancing(c);
	nic_ackc_free(c);
}

/* Duplicate ACKs all pass, in order, after the held ACK they duplicate: the host counts every
 * one (RFC 5681 DupThresh). */
static void test_duplicate_acks_pass(void)
{
	struct nic_ackc *c = coalescer();
	int sup;
	if (!c)
		return;
	struct frame f[] = {
	    seg(1, 40000, 5000, TH_ACK, 100, 20, 0, 0), seg(2, 40000, 5000, TH_ACK, 100, 21, 0, 0),
	    seg(3, 40000, 5000, TH_ACK, 100, 22, 0, 0), seg(4, 40000, 5000, TH_ACK, 100, 23, 0, 0)};
	struct out o = round_of(c, f, 4, &sup);
	print_out("dups", &o);
	CHECK(ids_are(&o, (int[]){1, 2, 3, 4}, 4) && sup == 0);
	nic_ackc_free(c);
}

/* SACK-bearing ACKs are never merged, nor dropped by a later plain ACK. */
static void test_sack_acks_pass(void)
{
	struct nic_ackc *c = coalescer();
	int sup;
	if (!c)
		return;
	struct frame f[] = {seg(1, 40000, 6000, TH_ACK, 100, 30, 9000, 0),
			    seg(2, 40000, 6000, TH_ACK, 100, 31, 9000, 0),
			    seg(3, 40000, 12000, TH_ACK, 100, 32, 0, 0)};
	struct out o = round_of(c, f, 3, &sup);
	CHECK(ids_are(&o, (int[]){1, 2, 3}, 3) && sup == 0);
	nic_ackc_free(c);
}

static void test_window_ece_fin_data_pass(void)
{
	struct nic_ackc *c = coalescer();
	if (c)
		round_mixed(c);
	nic_ackc_free(c);
}

/* An older timestamp is never taken as the newer ACK. */
static void test_older_timestamp_not_merged(void)
{
	struct nic_ackc *c = coalescer();
	int sup;
	if (!c)
		return;
	struct frame f[] = {seg(1, 40000, 20000, TH_ACK, 100, 60, 0, 0),
			    seg(2, 40000, 21000, TH_ACK, 100, 59, 0, 0)};
	struct out o = round_of(c, f, 2, &sup);
	CHECK(ids_are(&o, (int[]){1, 2}, 2) && sup == 0);
	nic_ackc_free(c);
}

/* A bad IPv4 checksum is never taken as the newer ACK. */
static void test_bad_ip_checksum_not_merged(void)
{
	struct nic_ackc *c = coalescer();
	int sup;
	if (!c)
		return;
	struct frame g[] = {seg(1, 40000, 22000, TH_ACK, 100, 70, 0, 0),
			    seg(2, 40000, 23000, TH_ACK, 100, 71, 0, 0)};
	g[1].b[14 + 10] ^= 0x55; /* IPv4 header checksum */
	struct out o = round_of(c, g, 2, &sup);
	CHECK(ids_are(&o, (int[]){1, 2}, 2) && sup == 0);
	nic_ackc_free(c);
}

/* Short or odd frames pass untouched. */
static void test_short_frame_passes(void)
{
	struct nic_ackc *c = coalescer();
	int sup;
	if (!c)
		return;
	struct frame f[] = {seg(1, 40000, 30000, TH_ACK, 100, 80, 0, 0)};
	f[0].len = 30;
	struct out o = round_of(c, f, 1, &sup);
	CHECK(ids_are(&o, (int[]){1}, 1));
	nic_ackc_free(c);
}

/* A flow forgotten after the TTL with no SEND is no longer merged. */
static void test_flow_forgotten_after_ttl(void)
{
	struct nic_ackc *c = coalescer();
	if (!c)
		return;
	struct frame f[] = {seg(1, 40001, 40000, TH_ACK, 100, 90, 0, 0),
			    seg(2, 40001, 41000, TH_ACK, 100, 91, 0, 0)};
	struct out o = {.n = 0};
	for (int i = 0; i < 2; i++) {
		void *before, *s2;
		if (nic_ackc_offer(c, f[i].b, (uint32_t)f[i].len, (uint32_t)f[i].len, &f[i],
				   1000 + NIC_ACKC_TTL_NS + 1, &before, &s2) == NIC_ACKC_FORWARD)
			emit(&o, &f[i]);
	}
	nic_ackc_flush(c, emit, &o);
	CHECK(ids_are(&o, (int[]){1, 2}, 2));
	nic_ackc_free(c);
}

/* The counters: every superseded ACK of several rounds, plain ACKs seen. */
static void test_stats(void)
{
	struct nic_ackc *c = coalescer();
	if (!c)
		return;
	round_advancing(c);
	round_mixed(c);
	struct nic_ackc_stats st;
	nic_ackc_get_stats(c, &st);
	CHECK(st.superseded == 3 && st.plain > 0);
	nic_ackc_free(c);
}

/* IPv6 (issue 13): flows learnt from IPv6 templates merge their IPv6 ACKs as IPv4 ones do; an
 * IPv4 frame with the same ports is another flow (not merged). */
static void test_ipv6(void)
{
	int sup;
	V6 = true;
	struct nic_ackc *c = coalescer();
	if (c) {
		round_advancing(c);
		round_mixed(c);
		V6 = false;
		struct frame f[] = {seg(1, 40000, 20000, TH_ACK, 100, 50, 0, 0),
				    seg(2, 40000, 21000, TH_ACK, 100, 51, 0, 0)};
		struct out o = round_of(c, f, 2, &sup);
		CHECK(ids_are(&o, (int[]){1, 2}, 2) && sup == 0);
	}
	V6 = false;
	nic_ackc_free(c);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_unknown_flow_not_merged);
	RUN(test_advancing_acks_merged);
	RUN(test_duplicate_acks_pass);
	RUN(test_sack_acks_pass);
	RUN(test_window_ece_fin_data_pass);
	RUN(test_older_timestamp_not_merged);
	RUN(test_bad_ip_checksum_not_merged);
	RUN(test_short_frame_passes);
	RUN(test_flow_forgotten_after_ttl);
	RUN(test_stats);
	RUN(test_ipv6);
	RUN_DONE();
}
