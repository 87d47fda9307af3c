/* SPDX-License-Identifier: BSD-2-Clause */
/* host_tcp_frame_build (src/host/tcp_frame.c), the one place the host frames a TCP segment:
 * the frame decodes with valid IPv4 and TCP checksums and carries the segment's addresses,
 * ports, header and payload; a TSO frame carries the pseudo-header sum instead of the TCP
 * checksum; a SEND template is the header alone; a buffer too small gives 0. IPv6 tuples
 * alike, over the IPv6 pseudo-header. */
#include "../check.h"

#include <string.h>

#include "host/route.h"
#include "host/tcp_frame.h"
#include "tcp/tcp.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

static const struct mac_addr SRC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct mac_addr DST = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
#define LADDR 0xc6120001u /* 198.18.0.1 */
#define RADDR 0xc6120002u /* 198.18.0.2 */

static struct tcp_seg make_seg(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	struct tcp_seg seg;

	memset(&seg, 0, sizeof(seg));
	seg.tuple = (struct tcp_tuple){.laddr = LADDR, .raddr = RADDR, .lport = 80, .rport = 40000};
	seg.hdr.sport = 80;
	seg.hdr.dport = 40000;
	seg.hdr.seq = 1000;
	seg.hdr.ack = 2000;
	seg.hdr.flags = TH_ACK | TH_PSH;
	seg.hdr.wnd = 512;
	seg.hdr.opts.present = TCP_OPT_F_TS;
	seg.hdr.opts.ts_val = 7;
	seg.hdr.opts.ts_ecr = 9;
	seg.kind = TCP_PAYLOAD_INLINE;
	seg.len = alen + blen;
	seg.p[0] = a;
	seg.plen[0] = alen;
	seg.p[1] = b;
	seg.plen[1] = blen;
	return seg;
}

static void test_inline_frame(void)
{
	const uint8_t a[] = "hello, ", b[] = "world";
	struct tcp_seg seg = make_seg(a, 7, b, 5);
	struct tcp_hdr h = seg.hdr;
	struct iovec iov[2] = {{(void *)a, 7}, {(void *)b, 5}};
	struct host_tcp_frame fr = {.src_mac = &SRC, .dst_mac = &DST, .ip_id = 77, .iov = iov,
				    .iovcnt = 2};
	uint8_t buf[256];
	struct pkt_view v;
	size_t len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr);

	CHECK(len > 0);
	CHECK(pkt_decode_eth(buf, len, &v, 0) == PKT_OK); /* both checksums verified */
	CHECK(v.kind == PKT_KIND_TCP);
	CHECK(memcmp(&v.eth.src, &SRC, sizeof(SRC)) == 0);
	CHECK(memcmp(&v.eth.dst, &DST, sizeof(DST)) == 0);
	CHECK_EQ_U64(v.ip.saddr, LADDR);
	CHECK_EQ_U64(v.ip.daddr, RADDR);
	CHECK_EQ_U64(v.ip.ttl, HOST_TTL);
	CHECK_EQ_U64(v.ip.id, 77);
	CHECK(v.ip.frag_off & IPV4_DF);
	CHECK_EQ_U64(v.tcp.sport, 80);
	CHECK_EQ_U64(v.tcp.dport, 40000);
	CHECK_EQ_U64(v.tcp.seq, 1000);
	CHECK_EQ_U64(v.tcp.ack, 2000);
	CHECK_EQ_U64(v.tcp.flags, TH_ACK | TH_PSH);
	CHECK_EQ_U64(v.tcp.wnd, 512);
	CHECK(v.tcp.opts.present & TCP_OPT_F_TS);
	CHECK_EQ_U64(v.tcp.opts.ts_val, 7);
	CHECK_EQ_U64(v.tcp.opts.ts_ecr, 9);
	CHECK_EQ_U64(v.payload_len, 12);
	CHECK(memcmp(v.payload, "hello, world", 12) == 0);
	CHECK_EQ_U64(h.hlen, v.tcp.hlen); /* stored back */
}

static void test_tso_frame(void)
{
	uint8_t data[3000];
	struct tcp_seg seg;
	struct tcp_hdr h;
	struct iovec iov = {data, sizeof(data)};
	struct host_tcp_frame fr = {.src_mac = &SRC, .dst_mac = &DST, .ip_id = 5, .tso = true,
				    .iov = &iov, .iovcnt = 1};
	uint8_t buf[4096];
	struct pkt_view v;
	size_t len;

	memset(data, 0xab, sizeof(data));
	seg = make_seg(data, sizeof(data), NULL, 0);
	h = seg.hdr;
	len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr);
	CHECK(len > sizeof(data));
	/* the TCP checksum field holds the pseudo-header sum for the NIC to finish */
	CHECK(pkt_decode_eth(buf, len, &v, 0) == PKT_E_TCP_CSUM);
	CHECK(pkt_decode_eth(buf, len, &v, PKT_NO_L4_CSUM_CHECK) == PKT_OK);
	CHECK_EQ_U64(v.payload_len, sizeof(data));

	/* payload by reference (a link with tx_by_ref): the same headers, room for them only */
	uint8_t hdrs[128];
	size_t hlen = len - sizeof(data);
	h = seg.hdr;
	fr.by_ref = true;
	CHECK_EQ_U64(host_tcp_frame_build(hdrs, hlen - 1, &seg, &h, &fr), 0);
	h = seg.hdr;
	CHECK_EQ_U64(host_tcp_frame_build(hdrs, hlen, &seg, &h, &fr), len);
	CHECK(memcmp(hdrs, buf, hlen) == 0);
}

/* A SEND's header template: the same bytes pkt_build_tcp gives for the segment's header. */
static void test_send_template(void)
{
	struct tcp_seg seg = make_seg(NULL, 0, NULL, 0);
	struct tcp_hdr h = seg.hdr, h2 = seg.hdr;
	struct host_tcp_frame fr = {.src_mac = &SRC, .dst_mac = &DST, .ip_id = 9};
	struct pkt_tcp_out o = {.src_mac = &SRC, .dst_mac = &DST, .saddr = LADDR, .daddr = RADDR,
				.ttl = HOST_TTL, .ip_id = 9, .ip_frag_off = IPV4_DF, .tcp = &h2};
	uint8_t buf[128], want[128];
	size_t len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr);
	size_t wlen = pkt_build_tcp(want, sizeof(want), &o);

	CHECK(len > 0);
	CHECK_EQ_U64(len, wlen);
	CHECK(memcmp(buf, want, len) == 0);
	CHECK_EQ_U64(len, ETH_HDR_LEN + IPV4_HDR_MIN + h.hlen);
}

static void test_too_small(void)
{
	struct tcp_seg seg = make_seg(NULL, 0, NULL, 0);
	struct tcp_hdr h = seg.hdr;
	struct host_tcp_frame fr = {.src_mac = &SRC, .dst_mac = &DST};
	uint8_t buf[40];

	CHECK_EQ_U64(host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr), 0);
}

/* IPv6 (issue 13): a segment of an IPv6 tuple becomes an IPv6 frame (addresses of the tuple,
 * hop limit HOST_TTL, a TCP checksum over the IPv6 pseudo-header); as a TSO frame the field
 * holds the IPv6 pseudo-header sum; as a SEND template the header is 40 bytes of IPv6. */
static void test_ipv6_frames(void)
{
	static const struct ipv6_addr l6 = {{0x20, 0x01, 0, 2, [15] = 1}},
				      r6 = {{0x20, 0x01, 0, 2, [15] = 2}};
	uint8_t data[3000], buf[4096];
	struct iovec iov = {data, sizeof(data)};
	struct host_tcp_frame fr = {.src_mac = &SRC, .dst_mac = &DST, .iov = &iov, .iovcnt = 1};
	struct pkt_view v;

	memset(data, 0x5c, sizeof(data));
	struct tcp_seg seg = make_seg(data, 1000, NULL, 0);
	seg.tuple = tcp_tuple6(&l6, 80, &r6, 40000);
	iov.iov_len = 1000;
	struct tcp_hdr h = seg.hdr;
	size_t len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr);
	CHECK_EQ_U64(len, ETH_HDR_LEN + IPV6_HDR_LEN + h.hlen + 1000);
	CHECK(pkt_decode_eth(buf, len, &v, 0) == PKT_OK); /* the TCP checksum verifies */
	CHECK(v.kind == PKT_KIND_TCP6 && v.ip6.hlim == HOST_TTL && v.payload_len == 1000);
	CHECK(ipv6_addr_equal(&v.ip6.src, &l6) && ipv6_addr_equal(&v.ip6.dst, &r6));
	CHECK(v.tcp.seq == 1000 && v.tcp.sport == 80 && v.tcp.dport == 40000);

	/* TSO: the pseudo-header sum over the whole TCP length in the checksum field */
	seg = make_seg(data, sizeof(data), NULL, 0);
	seg.tuple = tcp_tuple6(&l6, 80, &r6, 40000);
	iov.iov_len = sizeof(data);
	fr.tso = true;
	h = seg.hdr;
	len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &fr);
	CHECK(pkt_decode_eth(buf, len, &v, 0) == PKT_E_TCP_CSUM);
	CHECK(pkt_decode_eth(buf, len, &v, PKT_NO_L4_CSUM_CHECK) == PKT_OK);
	uint32_t ps = csum_pseudo_ipv6(l6.b, r6.b, 6, (uint32_t)(h.hlen + sizeof(data)));
	CHECK_EQ_U64(v.tcp.csum, csum_reduce(ps));

	/* a SEND template: Ethernet + IPv6 + TCP, no payload */
	seg = make_seg(NULL, 0, NULL, 0);
	seg.tuple = tcp_tuple6(&l6, 80, &r6, 40000);
	struct host_tcp_frame tf = {.src_mac = &SRC, .dst_mac = &DST};
	h = seg.hdr;
	len = host_tcp_frame_build(buf, sizeof(buf), &seg, &h, &tf);
	CHECK_EQ_U64(len, ETH_HDR_LEN + IPV6_HDR_LEN + h.hlen);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_inline_frame);
	RUN(test_tso_frame);
	RUN(test_send_template);
	RUN(test_too_small);
	RUN(test_ipv6_frames);
	RUN_DONE();
}
