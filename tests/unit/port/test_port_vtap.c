/* SPDX-License-Identifier: BSD-2-Clause */
/* port_config.vnet_tap (src/port/vtap.h): our own kernel tap with the virtio-net header. A
 * frame the kernel sends on the tap is read by port_rx_burst; a TSO mbuf is written whole (one
 * GSO frame, counted) and the kernel sees all its payload; a frame the kernel rejects is
 * consumed and counted, never retried forever. Skips without root, /dev/net/tun or DPDK. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "../check.h"
#include "../eal_harness.h"
#include "port/port_mbuf.h"

static const uint8_t src_mac[6] = {2, 0, 0, 0, 0, 1}, dst_mac[6] = {2, 0, 0, 0, 0, 2};

/* Ethernet + IPv4 + TCP (no options) for payload plen; checksum field: pseudo-header sum. */
static size_t put_headers(uint8_t *p, uint32_t plen, uint32_t seq)
{
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	uint8_t *ip = p + 14, *tcp = ip + 20;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	uint16_t tot = (uint16_t)(40 + plen);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = 6;
	uint8_t saddr[4] = {198, 18, 7, 1}, daddr[4] = {198, 18, 7, 2};
	memcpy(ip + 12, saddr, 4);
	memcpy(ip + 16, daddr, 4);
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8);
	ip[11] = (uint8_t)~s;
	tcp[0] = 0x00, tcp[1] = 80, tcp[2] = 0x9c, tcp[3] = 0x40;
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = 0x10; /* ACK */
	tcp[14] = 0xff;
	uint32_t ps = 0x0c612 + 0x0701 + 0xc612 + 0x0702 + 6 + 20 + plen;
	while (ps >> 16)
		ps = (ps & 0xffff) + (ps >> 16);
	tcp[16] = (uint8_t)(ps >> 8);
	tcp[17] = (uint8_t)ps;
	return 54;
}

/* Headers and payload in a chain of mbufs of at most 1000 payload bytes each. */
static struct rte_mbuf *tcp_mbuf(struct rte_mempool *mp, uint32_t plen, uint16_t mss)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	if (!m)
		return NULL;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 54);
	put_headers(p, plen, 1000);
	for (uint32_t done = 0; done < plen;) {
		uint32_t k = plen - done < 1000 ? plen - done : 1000;
		struct rte_mbuf *s = rte_pktmbuf_alloc(mp);
		uint8_t *q = s ? (uint8_t *)rte_pktmbuf_append(s, (uint16_t)k) : NULL;
		if (!q || rte_pktmbuf_chain(m, s) != 0) {
			rte_pktmbuf_free(s);
			rte_pktmbuf_free(m);
			return NULL;
		}
		for (uint32_t i = 0; i < k; i++)
			q[i] = (uint8_t)(done + i);
		done += k;
	}
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	if (plen > mss) {
		m->tso_segsz = mss;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	}
	return m;
}

/* TCP payload bytes of our test flow the kernel received on the tap within ~1 s. */
static uint32_t kernel_payload(int ps, uint32_t want)
{
	static uint8_t buf[70000];
	uint32_t got = 0;

	for (int i = 0; i < 100 && got < want; i++) {
		struct pollfd pfd = {.fd = ps, .events = POLLIN};
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(ps, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (r < 54 || from.sll_pkttype == PACKET_OUTGOING || memcmp(buf + 6, src_mac, 6))
			continue;
		got += (uint32_t)(r - 54);
	}
	return got;
}

static char ifname[IFNAMSIZ];
static struct port *p; /* vnet_tap0 on ifname */
static int ps = -1;    /* an AF_PACKET socket on ifname: the kernel's side */

/* The tests share one open tap and packet socket; the first to need them opens them. */
static bool tap_open(void)
{
	char err[256];
	if (p)
		return true;
	struct port_config cfg = {.name = "vnet_tap0", .pool_size = 511, .vnet_tap = ifname};
	p = port_open(&cfg, err, sizeof(err));
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "port_open: %s\n", err);
		return false;
	}
	ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CHECK(ps >= 0);
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = (int)if_nametoindex(ifname)};
	CHECK(sll.sll_ifindex > 0 && bind(ps, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	return true;
}

static void test_bad_tap_name_refused(void)
{
	char err[256];
	struct port_config bad = {.name = "vnet_tap0", .vnet_tap = "bad/name/that/is/too/long"};
	CHECK(port_open(&bad, err, sizeof(err)) == NULL && strstr(err, "tap") != NULL);
}

static void test_caps_tso_csum_rx_intr(void)
{
	if (!tap_open())
		return;
	const struct port_caps *c = port_get_caps(p);
	CHECK(c->tso && c->tx_tcp_csum && c->rx_intr && strcmp(c->driver, "vnet_tap") == 0);
	CHECK(port_link_up(p));
}

/* A frame the kernel sends on the tap is read by port_rx_burst. */
static void test_kernel_frame_reaches_port(void)
{
	if (!tap_open())
		return;
	uint8_t frame[54 + 100];
	put_headers(frame, 100, 1);
	memcpy(frame, src_mac, 6); /* from "elsewhere" to us: any MAC reaches a tap */
	CHECK(send(ps, frame, sizeof(frame), 0) == (ssize_t)sizeof(frame));
	struct rte_mbuf *rx[4];
	uint16_t n = 0;
	struct port_backoff b;
	port_backoff_init(&b, 1, 1000, 1000);
	for (int i = 0; i < 100 && n == 0; i++) {
		n = port_rx_burst(p, rx, 4);
		if (!n)
			port_idle_wait(&p, 1, &b, 10);
	}
	CHECK(n >= 1);
	bool seen = false;
	for (uint16_t i = 0; i < n; i++) {
		seen |= rte_pktmbuf_pkt_len(rx[i]) == sizeof(frame) &&
			memcmp(rte_pktmbuf_mtod(rx[i], uint8_t *) + 14, frame + 14,
			       sizeof(frame) - 14) == 0;
		rte_pktmbuf_free(rx[i]);
	}
	CHECK(seen);
}

/* port -> kernel: one TSO frame of 3500 bytes (4 segments) written whole as one GSO frame, one
 * plain frame; the kernel sees all the payload. */
static void test_tso_frame_reaches_kernel_whole(void)
{
	if (!tap_open())
		return;
	struct rte_mbuf *tx[2] = {tcp_mbuf(port_mempool(p), 1500 + 2000, 1000),
				  tcp_mbuf(port_mempool(p), 200, 1000)};
	CHECK(tx[0] && tx[1] && tx[0]->nb_segs == 5);
	if (!tx[0] || !tx[1])
		return;
	CHECK(port_tx_burst(p, tx, 2) == 2);
	CHECK(kernel_payload(ps, 3700) == 3700);
	struct port_stats st;
	port_stats_get(p, &st);
	CHECK_EQ_U64(st.tx_gso_frames, 1);
	CHECK_EQ_U64(st.hw_oerrors, 0);
	CHECK_EQ_U64(st.tx_frames, 2);
}

/* A TSO frame the kernel must refuse (no segment size): consumed and counted, never retried. */
static void test_refused_frame_consumed_and_counted(void)
{
	if (!tap_open())
		return;
	struct port_stats st;
	port_stats_get(p, &st);
	uint64_t oerrors = st.hw_oerrors;
	struct rte_mbuf *badm = tcp_mbuf(port_mempool(p), 3000, 1000);
	CHECK(badm != NULL);
	if (!badm)
		return;
	badm->tso_segsz = 0;
	CHECK(port_tx_burst(p, &badm, 1) == 1);
	port_stats_get(p, &st);
	CHECK_EQ_U64(st.hw_oerrors, oerrors + 1);
}

int main(int argc, char **argv)
{
	if (geteuid() == 0 && access("/dev/net/tun", R_OK | W_OK) != 0)
		TEST_SKIP("no /dev/net/tun");
	snprintf(ifname, sizeof(ifname), "iotvt%ld", (long)getpid() % 100000);
	struct eal_harness eal = {.prog = "test_vtap", .lcore = 0, .need_root = true};
	int rc = eal_harness_start(&eal);
	if (rc)
		return rc;
	RUN_INIT(argc, argv);
	RUN(test_bad_tap_name_refused);
	RUN(test_caps_tso_csum_rx_intr);
	RUN(test_kernel_frame_reaches_port);
	RUN(test_tso_frame_reaches_kernel_whole);
	RUN(test_refused_frame_consumed_and_counted);
	if (ps >= 0)
		close(ps);
	port_close(p);
	eal_harness_stop();
	RUN_DONE();
}
