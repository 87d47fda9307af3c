/* SPDX-License-Identifier: BSD-2-Clause */
/* Host runtime, network layer: ARP (answers, resolution with retries and queueing, expiry,
 * gratuitous ARP), ICMP echo, bad frames dropped and counted, the NIC HELLO / heartbeat
 * channel, create errors. The test plays the peer on the other end of an in-memory link. */
#include "../check.h"
#include "harness.h"

#include <stdlib.h>

#include "host/neigh.h"
#include "proto/proto.h"
#include "util/rng.h"
#include "wire/nd.h"

static const struct mac_addr MAC_T = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x77}};
static const struct mac_addr MAC_N = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};

/* Next frame A sent (decoded into v, bytes in buf), false if none. */
static bool take(struct host_link *peer, uint8_t *buf, size_t cap, size_t *len, struct pkt_view *v)
{
	long n = link_mem_take(peer, buf, cap);
	if (n <= 0)
		return false;
	*len = (size_t)n;
	return pkt_decode_eth(buf, *len, v, 0) == PKT_OK;
}

static void drain(struct host_link *peer)
{
	uint8_t buf[2048];
	while (link_mem_take(peer, buf, sizeof(buf)) != 0)
		;
}

static void test_arp_and_ping(void)
{
	struct fake_clock fc = {.t = 1000 * TCP_SEC};
	struct host_link *la, *lt;
	uint8_t buf[2048];
	size_t len;
	struct pkt_view v;

	CHECK(link_mem_pair(&MAC_A, &MAC_T, 0, &la, &lt) == 0);
	struct iotcp_ctx *a = ctx_on_link(IP_A, la, &fc, false, 1);
	CHECK(a != NULL);
	if (!a)
		return;

	/* Gratuitous ARP at start: a broadcast request for our own address. */
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ARP && v.arp.op == ARP_OP_REQUEST);
	CHECK(v.arp.spa == IP_A && v.arp.tpa == IP_A && mac_equal(&v.arp.sha, &MAC_A));
	CHECK(mac_is_broadcast(&v.eth.dst) && mac_equal(&v.eth.src, &MAC_A));

	/* A request for our address is answered to the asker. */
	len = build_arp(buf, sizeof(buf), ARP_OP_REQUEST, &MAC_T,
			&(struct mac_addr){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, IP_B, IP_A, NULL);
	CHECK(link_mem_inject(la, buf, len) == 0);
	host_poll(a);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ARP && v.arp.op == ARP_OP_REPLY);
	CHECK(mac_equal(&v.arp.sha, &MAC_A) && v.arp.spa == IP_A && v.arp.tpa == IP_B);
	CHECK(mac_equal(&v.arp.tha, &MAC_T) && mac_equal(&v.eth.dst, &MAC_T));
	CHECK(len >= ETH_MIN_FRAME);
	CHECK_EQ_U64(counter(a, "host_arp_requests_rx"), 1);
	CHECK_EQ_U64(counter(a, "host_arp_replies_tx"), 1);

	/* A request for another address is not answered. */
	len = build_arp(buf, sizeof(buf), ARP_OP_REQUEST, &MAC_T, &MAC_A, IP_B, 0xc6120033u, NULL);
	link_mem_inject(la, buf, len);
	host_poll(a);
	CHECK(link_mem_pending(lt) == 0);

	/* Ping. */
	len = build_echo_request(buf, sizeof(buf), &MAC_A, &MAC_T, IP_B, IP_A, 0x1234, 7,
				 "ping payload");
	link_mem_inject(la, buf, len);
	host_poll(a);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP && v.icmp.type == ICMP_TYPE_ECHO_REPLY);
	CHECK(v.icmp.id == 0x1234 && v.icmp.seq == 7);
	CHECK(v.icmp.data_len == 12 && memcmp(v.icmp.data, "ping payload", 12) == 0);
	CHECK(v.ip.saddr == IP_A && v.ip.daddr == IP_B);
	CHECK(mac_equal(&v.eth.dst, &MAC_T) && mac_equal(&v.eth.src, &MAC_A));
	struct iotcp_stats st;
	iotcp_get_stats(a, &st);
	CHECK_EQ_U64(st.icmp_echo, 1);

	/* Resolution: a SYN to an unknown neighbour waits for the ARP reply. */
	const uint32_t ip_c = 0xc6120009u;
	const struct mac_addr mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
	int sd = iotcp_socket(a, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(ip_c, 8080);
	CHECK(iotcp_connect(a, sd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EINPROGRESS);
	host_poll(a);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ARP && v.arp.op == ARP_OP_REQUEST && v.arp.tpa == ip_c);
	CHECK(mac_is_broadcast(&v.eth.dst));
	CHECK(link_mem_pending(lt) == 0);
	len = build_arp(buf, sizeof(buf), ARP_OP_REPLY, &mac_c, &MAC_A, ip_c, IP_A, &MAC_A);
	link_mem_inject(la, buf, len);
	host_poll(a);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_TCP && (v.tcp.flags & TH_SYN) && v.tcp.dport == 8080);
	CHECK(mac_equal(&v.eth.dst, &mac_c) && v.ip.daddr == ip_c);
	CHECK_EQ_U64(counter(a, "arp_resolved"), 1);
	drain(lt);

	/* Expiry: after the TTL the entry goes stale and a refresh request goes out. */
	fc.t += 61 * TCP_SEC;
	host_poll(a);
	bool refreshed = false;
	while (take(lt, buf, sizeof(buf), &len, &v))
		if (v.kind == PKT_KIND_ARP && v.arp.op == ARP_OP_REQUEST && v.arp.tpa == ip_c)
			refreshed = true;
	CHECK(refreshed);
	CHECK_EQ_U64(counter(a, "arp_expired"), 2); /* .2 (learned from its request) and .9 */
	iotcp_close(a, sd);

	/* Unanswered resolution: 3 requests a second apart, then the queued frame is dropped. */
	const uint32_t ip_d = 0xc6120010u;
	drain(lt);
	sd = iotcp_socket(a, AF_INET, SOCK_STREAM, 0);
	to = sin_of(ip_d, 80);
	CHECK(iotcp_connect(a, sd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EINPROGRESS);
	int requests = 0;
	for (int i = 0; i < 8 && counter(a, "arp_failed") == 0; i++) {
		host_poll(a);
		bool failed_now = counter(a, "arp_failed") != 0; /* a retransmitted SYN may
								  * start a new round */
		while (take(lt, buf, sizeof(buf), &len, &v)) {
			if (v.kind == PKT_KIND_ARP && v.arp.tpa == ip_d && !failed_now)
				requests++;
			CHECK(v.kind != PKT_KIND_TCP); /* nothing leaves unresolved */
		}
		fc.t += 600 * TCP_MSEC;
	}
	CHECK_EQ_U64(requests, 3);
	CHECK(counter(a, "arp_failed") == 1);
	CHECK(counter(a, "arp_queue_drops") >= 1);
	iotcp_close(a, sd);

	/* Off-subnet without a gateway: no route, nothing sent. */
	sd = iotcp_socket(a, AF_INET, SOCK_STREAM, 0);
	to = sin_of(0x0a000001u, 80);
	CHECK(iotcp_connect(a, sd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == ENETUNREACH);
	iotcp_close(a, sd);

	iotcp_destroy(a);
	host_link_close(lt);
}

static void inject_and_poll(struct iotcp_ctx *a, struct host_link *la, const uint8_t *f, size_t len)
{
	link_mem_inject(la, f, len);
	host_poll(a);
}

static void test_bad_frames(void)
{
	struct fake_clock fc = {.t = 5 * TCP_SEC};
	struct host_link *la, *lt;
	uint8_t buf[2048], good[2048];
	size_t len, glen;
	struct pkt_view v;
	struct rng r;

	CHECK(link_mem_pair(&MAC_A, &MAC_T, 0, &la, &lt) == 0);
	struct iotcp_ctx *a = ctx_on_link(IP_A, la, &fc, false, 2);
	CHECK(a != NULL);
	if (!a)
		return;
	drain(lt);
	glen = build_echo_request(good, sizeof(good), &MAC_A, &MAC_T, IP_B, IP_A, 1, 1, "abcdefgh");
	uint64_t dropped0 = counter(a, "host_rx_dropped");

	/* Truncated Ethernet header. */
	inject_and_poll(a, la, good, 10);
	CHECK_EQ_U64(counter(a, "pkt_eth_trunc"), 1);
	/* Truncated IPv4 packet. */
	inject_and_poll(a, la, good, ETH_HDR_LEN + 12);
	CHECK_EQ_U64(counter(a, "pkt_ipv4_trunc"), 1);
	/* Bad IPv4 header checksum. */
	memcpy(buf, good, glen);
	buf[ETH_HDR_LEN + 10] ^= 0x55;
	inject_and_poll(a, la, buf, glen);
	CHECK_EQ_U64(counter(a, "pkt_ipv4_csum"), 1);
	/* Bad ICMP checksum. */
	memcpy(buf, good, glen);
	buf[glen - 1] ^= 0x01;
	inject_and_poll(a, la, buf, glen);
	CHECK_EQ_U64(counter(a, "pkt_icmp_csum"), 1);
	/* A fragment (MF set, checksum recomputed). */
	{
		uint8_t icmp[64];
		size_t n = icmp_encode_echo(icmp, sizeof(icmp), ICMP_TYPE_ECHO_REQUEST, 1, 2,
					    (const uint8_t *)"x", 1);
		struct ipv4_hdr ip = {.tot_len = (uint16_t)(20 + n),
				      .ttl = 64,
				      .proto = IPV4_PROTO_ICMP,
				      .saddr = IP_B,
				      .daddr = IP_A,
				      .frag_off = IPV4_MF};
		size_t off = eth_encode_simple(buf, sizeof(buf), &MAC_A, &MAC_T, ETH_P_IPV4);
		off += ipv4_encode(buf + off, sizeof(buf) - off, &ip);
		memcpy(buf + off, icmp, n);
		inject_and_poll(a, la, buf, off + n);
		CHECK_EQ_U64(counter(a, "pkt_ipv4_frag"), 1);
	}
	/* A bad TCP checksum. */
	{
		uint8_t tcp[20] = {0};
		tcp[0] = 0x30;
		tcp[1] = 0x39; /* sport 12345 */
		tcp[3] = 80;
		tcp[12] = 5 << 4;
		tcp[13] = TH_SYN;
		tcp[16] = 0xde; /* wrong checksum */
		len = build_ip_frame(buf, sizeof(buf), &MAC_A, &MAC_T, IP_B, IP_A, IPV4_PROTO_TCP,
				     tcp, 20);
		inject_and_poll(a, la, buf, len);
		CHECK_EQ_U64(counter(a, "pkt_tcp_csum"), 1);
		CHECK_EQ_U64(counter(a, "tcp_drop_malformed"), 1);
	}
	/* Not our IP, not our MAC, a broadcast IP packet, a bad source, TTL 0. */
	len = build_echo_request(buf, sizeof(buf), &MAC_A, &MAC_T, IP_B, 0xc6120063u, 1, 1, "x");
	inject_and_poll(a, la, buf, len);
	CHECK_EQ_U64(counter(a, "host_drop_not_our_ip"), 1);
	len = build_echo_request(buf, sizeof(buf), &MAC_N, &MAC_T, IP_B, IP_A, 1, 1, "x");
	inject_and_poll(a, la, buf, len);
	len = build_echo_request(buf, sizeof(buf),
				 &(struct mac_addr){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, &MAC_T,
				 IP_B, IP_A, 1, 1, "x");
	inject_and_poll(a, la, buf, len);
	CHECK_EQ_U64(counter(a, "host_drop_not_our_mac"), 2);
	len = build_echo_request(buf, sizeof(buf), &MAC_A, &MAC_T, 0x7f000001u, IP_A, 1, 1, "x");
	inject_and_poll(a, la, buf, len);
	len = build_echo_request(buf, sizeof(buf), &MAC_A, &MAC_T, 0xc61200ffu, IP_A, 1, 1, "x");
	inject_and_poll(a, la, buf, len);
	CHECK_EQ_U64(counter(a, "host_drop_bad_src"), 2);
	/* Unknown EtherType, truncated ARP. */
	memcpy(buf, good, glen);
	buf[12] = 0x88; /* LLDP */
	buf[13] = 0xcc;
	inject_and_poll(a, la, buf, glen);
	CHECK_EQ_U64(counter(a, "pkt_ethertype"), 1);
	len = build_arp(buf, sizeof(buf), ARP_OP_REQUEST, &MAC_T, &MAC_A, IP_B, IP_A, NULL);
	inject_and_poll(a, la, buf, ETH_HDR_LEN + 10);
	CHECK_EQ_U64(counter(a, "pkt_arp_trunc"), 1);
	/* A malformed NIC command frame. */
	len = eth_encode_simple(buf, sizeof(buf), &MAC_A, &MAC_N, ETH_P_IOTCP);
	memset(buf + len, 0xab, 20);
	inject_and_poll(a, la, buf, len + 20);
	CHECK_EQ_U64(counter(a, "host_drop_proto"), 1);

	CHECK_EQ_U64(link_mem_pending(lt), 0); /* nothing answered any of these */
	CHECK_EQ_U64(counter(a, "host_rx_dropped") - dropped0, 14);

	/* Random garbage and random corruptions of good frames never crash. */
	rng_seed(&r, 42);
	for (int i = 0; i < 3000; i++) {
		size_t n;
		if (i & 1) {
			n = (size_t)rng_below(&r, 200);
			rng_fill(&r, buf, n);
			if (rng_chance(&r, 0.5))
				memcpy(buf, &MAC_A, 6);
			if (rng_chance(&r, 0.5)) {
				buf[12] = 0x08;
				buf[13] = rng_chance(&r, 0.5) ? 0x00 : 0x06;
			}
		} else {
			n = glen;
			memcpy(buf, good, glen);
			buf[rng_below(&r, glen)] ^= (uint8_t)(1u + rng_below(&r, 255));
			n -= (size_t)rng_below(&r, 4);
		}
		inject_and_poll(a, la, buf, n);
		drain(lt);
	}

	/* Still alive: the good echo request is answered. */
	inject_and_poll(a, la, good, glen);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP && v.icmp.type == ICMP_TYPE_ECHO_REPLY);
	iotcp_destroy(a);
	host_link_close(lt);
}

static size_t nic_hello_frame(uint8_t *buf, size_t cap, uint64_t boot, uint8_t flags)
{
	struct proto_writer w;
	struct proto_hello h = {.version = PROTO_VERSION,
				.role = PROTO_ROLE_NIC,
				.flags = flags,
				.caps = PROTO_CAP_TX_CSUM,
				.store_size = 1 << 20,
				.boot_id = boot};

	memcpy(h.mac, MAC_N.b, 6);
	proto_eth_hdr_put(buf, MAC_A.b, MAC_N.b);
	proto_writer_init(&w, buf + PROTO_ETH_HLEN, cap - PROTO_ETH_HLEN);
	proto_put_hello(&w, &h);
	return PROTO_ETH_HLEN + (size_t)proto_writer_finish(&w);
}

/* Count the HELLOs (and their flags) and heartbeats A sent. */
static void nic_frames(struct host_link *lt, int *hellos, int *replies, int *heartbeats)
{
	uint8_t buf[2048];
	long n;

	*hellos = *replies = *heartbeats = 0;
	while ((n = link_mem_take(lt, buf, sizeof(buf))) > 0) {
		struct proto_iter it;
		struct proto_cmd cmd;
		struct proto_hello h;
		if (!proto_is_proto_frame(buf, (size_t)n))
			continue;
		if (proto_frame_open(&it, buf + PROTO_ETH_HLEN, (size_t)n - PROTO_ETH_HLEN) < 0)
			continue;
		while (proto_next(&it, &cmd) > 0) {
			if (cmd.type == PROTO_T_HELLO && proto_hello_decode(&cmd, &h) == 0) {
				CHECK(h.role == PROTO_ROLE_HOST && h.boot_id != 0);
				CHECK(memcmp(h.mac, MAC_A.b, 6) == 0);
				(*hellos)++;
				*replies += (h.flags & PROTO_HELLO_F_REPLY) != 0;
			} else if (cmd.type == PROTO_T_HEARTBEAT) {
				(*heartbeats)++;
			}
		}
	}
}

static void test_nic_channel(void)
{
	struct fake_clock fc = {.t = 77 * TCP_SEC};
	struct host_link *la, *lt;
	uint8_t buf[256];
	size_t len;
	int hellos, replies, hbs;

	CHECK(link_mem_pair(&MAC_A, &MAC_N, 0, &la, &lt) == 0);
	struct iotcp_ctx *a = ctx_on_link(IP_A, la, &fc, true, 3);
	CHECK(a != NULL);
	if (!a)
		return;
	host_poll(a);
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hellos == 1 && replies == 0);
	CHECK(!host_nic_up(a));
	/* Retried every second until answered. */
	fc.t += 1100 * TCP_MSEC;
	host_poll(a);
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hellos == 1);

	len = nic_hello_frame(buf, sizeof(buf), 0x1111, PROTO_HELLO_F_REPLY);
	link_mem_inject(la, buf, len);
	host_poll(a);
	CHECK(host_nic_up(a));
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hellos == 0); /* a reply is not answered */
	CHECK(hbs == 1);    /* heartbeats start */
	fc.t += 1100 * TCP_MSEC;
	host_poll(a);
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hbs == 1);

	/* Silence for > 3 s: link lost, HELLO again. */
	for (int i = 0; i < 4; i++) {
		fc.t += 1000 * TCP_MSEC;
		host_poll(a);
	}
	CHECK(!host_nic_up(a));
	CHECK_EQ_U64(counter(a, "host_nic_link_lost"), 1);
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hellos >= 1);

	/* The NIC comes back with a new boot id and introduces itself: restart noticed,
	 * answered with a HELLO reply. */
	len = nic_hello_frame(buf, sizeof(buf), 0x2222, 0);
	link_mem_inject(la, buf, len);
	host_poll(a);
	CHECK(host_nic_up(a));
	CHECK_EQ_U64(counter(a, "host_nic_restarts"), 1);
	nic_frames(lt, &hellos, &replies, &hbs);
	CHECK(hellos == 1 && replies == 1);
	iotcp_destroy(a);
	host_link_close(lt);

	/* wait_hello with nobody answering: ECONNREFUSED after the timeout, no crash. */
	struct iotcp_config cfg;
	struct host_options opt = {.nic = true, .wait_hello = true, .seed = 4};
	iotcp_config_default(&cfg);
	cfg.hello_timeout_ms = 150;
	cfg.log_file = "/dev/null";
	CHECK(link_mem_pair(&MAC_A, &MAC_N, 0, &la, &lt) == 0);
	errno = 0;
	CHECK(host_create(&cfg, la, &opt) == NULL);
	CHECK(errno == ECONNREFUSED);
	host_link_close(lt);

	/* Bad configurations. */
	CHECK(link_mem_pair(&MAC_A, &MAC_N, 0, &la, &lt) == 0);
	iotcp_config_default(&cfg);
	cfg.ip = 0;
	errno = 0;
	CHECK(iotcp_create_with_link(&cfg, la) == NULL && errno == EINVAL);
	host_link_close(lt);
	CHECK(link_mem_pair(&MAC_A, &MAC_N, 0, &la, &lt) == 0);
	iotcp_config_default(&cfg);
	cfg.mtu = 100;
	CHECK(iotcp_create_with_link(&cfg, la) == NULL && errno == EINVAL);
	host_link_close(lt);
}

static void test_neigh_table(void)
{
	struct neigh_table *t = calloc(1, sizeof(*t));
	struct mac_addr m = {{2, 0, 0, 0, 0, 1}};
	uint8_t frame[64] = {0};

	neigh_init(t, 10 * TCP_SEC);
	/* Fill beyond capacity: idle entries are evicted, queued ones are kept. */
	struct neigh_entry *e0 = neigh_create(t, 1, 0);
	CHECK(neigh_enqueue(t, e0, frame, sizeof(frame)) == 0);
	for (uint32_t ip = 2; ip < 2 + 2 * NEIGH_MAX; ip++)
		CHECK(neigh_learn(t, ip, &m, ip, true) != NULL);
	CHECK(neigh_find(t, 1) == e0 && e0->qlen == 1);
	CHECK(t->count == NEIGH_MAX);
	CHECK(t->st.evicted >= NEIGH_MAX);
	/* Bounded per-entry queue. */
	for (int i = 0; i < NEIGH_QUEUE_ENTRY + 5; i++)
		neigh_enqueue(t, e0, frame, sizeof(frame));
	CHECK_EQ_U64(e0->qlen, NEIGH_QUEUE_ENTRY);
	CHECK_EQ_U64(t->st.queue_drops, 6); /* 1 + 15 taken, 6 refused */
	/* Unsolicited replies do not create entries. */
	CHECK(neigh_learn(t, 0xdead, &m, 0, false) == NULL);
	neigh_clear(t);
	CHECK(t->count == 0 && t->qtotal == 0);
	free(t);
}

/* An ND message (NS, or NA with flags) from src to dst, with the link-layer address option
 * lla, as an Ethernet frame from MAC_T to dmac. */
static size_t build_nd(uint8_t *buf, size_t cap, bool advert, const struct mac_addr *dmac,
		       const struct ipv6_addr *src, const struct ipv6_addr *dst,
		       const struct ipv6_addr *target, uint32_t flags, const struct mac_addr *lla)
{
	uint8_t m[64];
	size_t n = advert ? nd_encode_na(m, sizeof(m), src, dst, target, flags, lla)
			  : nd_encode_ns(m, sizeof(m), src, dst, target, lla);
	return pkt_build_ipv6(buf, cap, &MAC_T, dmac, src, dst, IPV6_NH_ICMPV6, ND_HOP_LIMIT, 0, m,
			      n);
}

/* IPv6 (issue 13): Neighbor Discovery answers (solicited to the asker, to all nodes for an
 * address being verified; none for another target, none to a hop limit below 255), learning
 * from solicitations, ICMPv6 echo, resolution of a next hop (a SYN waits for the
 * advertisement) with 3 solicitations a second apart when none comes, and frames for other
 * IPv6 addresses or groups dropped and counted. */
static void test_nd_and_ping6(void)
{
	struct fake_clock fc = {.t = 1000 * TCP_SEC};
	struct host_link *la, *lt;
	uint8_t buf[2048];
	size_t len;
	struct pkt_view v;
	struct ipv6_addr a6 = ip6_of(1), t6 = ip6_of(2), snm = ipv6_solicited_node(&a6);
	struct mac_addr snm_mac = ipv6_multicast_mac(&snm);

	CHECK(link_mem_pair(&MAC_A, &MAC_T, 0, &la, &lt) == 0);
	struct iotcp_ctx *a = ctx_on_link(IP_A, la, &fc, false, 3);
	CHECK(a != NULL);
	if (!a)
		return;
	drain(lt);

	/* A solicitation for our address to our solicited-node group: a solicited, override
	 * advertisement to the asker's link-layer address, with ours. */
	len = build_nd(buf, sizeof(buf), false, &snm_mac, &t6, &snm, &a6, 0, &MAC_T);
	inject_and_poll(a, la, buf, len);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ND_NA);
	struct nd_msg nd;
	CHECK(nd_decode(&v.ip6, &v.icmp6, &nd) == 0);
	CHECK(ipv6_addr_equal(&nd.target, &a6) && nd.has_lla && mac_equal(&nd.lla, &MAC_A));
	CHECK(nd.flags == (ND_NA_SOLICITED | ND_NA_OVERRIDE));
	CHECK(ipv6_addr_equal(&v.ip6.src, &a6) && ipv6_addr_equal(&v.ip6.dst, &t6));
	CHECK(v.ip6.hlim == 255 && mac_equal(&v.eth.dst, &MAC_T) && mac_equal(&v.eth.src, &MAC_A));
	CHECK_EQ_U64(counter(a, "host_nd_solicits_rx"), 1);
	CHECK_EQ_U64(counter(a, "host_nd_adverts_tx"), 1);
	CHECK(link_mem_pending(lt) == 0);

	/* Another target, or a hop limit that is not 255: no answer, counted. */
	struct ipv6_addr other = ip6_of(0x33);
	struct ipv6_addr other_snm = ipv6_solicited_node(&other);
	struct mac_addr other_mac = ipv6_multicast_mac(&other_snm);
	uint64_t dropped = counter(a, "host_rx_dropped");
	len = build_nd(buf, sizeof(buf), false, &MAC_A, &t6, &a6, &other, 0, &MAC_T);
	inject_and_poll(a, la, buf, len);
	len = build_nd(buf, sizeof(buf), false, &snm_mac, &t6, &snm, &a6, 0, &MAC_T);
	buf[ETH_HDR_LEN + 7] = 64; /* hop limit */
	inject_and_poll(a, la, buf, len);
	/* A group we are not in: not even our MAC. */
	len = build_nd(buf, sizeof(buf), false, &other_mac, &t6, &other_snm, &other, 0, &MAC_T);
	inject_and_poll(a, la, buf, len);
	CHECK(link_mem_pending(lt) == 0);
	CHECK_EQ_U64(counter(a, "host_rx_dropped"), dropped + 3);
	CHECK_EQ_U64(counter(a, "host_drop_nd_other"), 2);
	CHECK_EQ_U64(counter(a, "host_drop_not_our_mac"), 1);

	/* Duplicate Address Detection by another node (from ::): the answer goes to all nodes,
	 * not solicited. */
	static const struct ipv6_addr unspec, all_nodes = {{0xff, 2, [15] = 1}};
	len = build_nd(buf, sizeof(buf), false, &snm_mac, &unspec, &snm, &a6, 0, NULL);
	inject_and_poll(a, la, buf, len);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ND_NA);
	CHECK(nd_decode(&v.ip6, &v.icmp6, &nd) == 0 && nd.flags == ND_NA_OVERRIDE);
	CHECK(ipv6_addr_equal(&v.ip6.dst, &all_nodes));
	struct mac_addr all_mac = ipv6_multicast_mac(&all_nodes);
	CHECK(mac_equal(&v.eth.dst, &all_mac));

	/* Echo: same identifier, sequence and data, back to the sender. */
	{
		uint8_t m[64];
		size_t n = icmp6_encode_echo(m, sizeof(m), &t6, &a6, ICMP6_ECHO_REQUEST, 0x4321, 9,
					     (const uint8_t *)"ping6", 5);
		len = pkt_build_ipv6(buf, sizeof(buf), &MAC_T, &MAC_A, &t6, &a6, IPV6_NH_ICMPV6, 64,
				     0, m, n);
	}
	inject_and_poll(a, la, buf, len);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ECHO_REPLY);
	CHECK(v.icmp6.id == 0x4321 && v.icmp6.seq == 9);
	CHECK(v.icmp6.data_len == 5 && memcmp(v.icmp6.data, "ping6", 5) == 0);
	CHECK(ipv6_addr_equal(&v.ip6.src, &a6) && ipv6_addr_equal(&v.ip6.dst, &t6));
	CHECK(mac_equal(&v.eth.dst, &MAC_T));
	CHECK_EQ_U64(counter(a, "host_icmp6_echo"), 1);

	/* Resolution: a SYN to an unknown neighbour waits for its advertisement. */
	const struct ipv6_addr c6 = ip6_of(9);
	const struct mac_addr mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
	struct ipv6_addr c_snm = ipv6_solicited_node(&c6);
	struct mac_addr c_snm_mac = ipv6_multicast_mac(&c_snm);
	int sd = iotcp_socket(a, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 to = sin6_of(&c6, 8080);
	CHECK(iotcp_connect(a, sd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EINPROGRESS);
	host_poll(a);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ND_NS);
	CHECK(nd_decode(&v.ip6, &v.icmp6, &nd) == 0 && ipv6_addr_equal(&nd.target, &c6));
	CHECK(nd.has_lla && mac_equal(&nd.lla, &MAC_A));
	CHECK(ipv6_addr_equal(&v.ip6.dst, &c_snm) && mac_equal(&v.eth.dst, &c_snm_mac));
	CHECK(link_mem_pending(lt) == 0);
	len = build_nd(buf, sizeof(buf), true, &MAC_A, &c6, &a6, &c6,
		       ND_NA_SOLICITED | ND_NA_OVERRIDE, &mac_c);
	inject_and_poll(a, la, buf, len);
	CHECK(take(lt, buf, sizeof(buf), &len, &v));
	CHECK(v.kind == PKT_KIND_TCP6 && (v.tcp.flags & TH_SYN) && v.tcp.dport == 8080);
	CHECK(mac_equal(&v.eth.dst, &mac_c) && ipv6_addr_equal(&v.ip6.dst, &c6));
	CHECK(ipv6_addr_equal(&v.ip6.src, &a6) && v.ip6.hlim == 64);
	CHECK((v.tcp.opts.present & TCP_OPT_F_MSS) && v.tcp.opts.mss == 1500 - 60);
	CHECK_EQ_U64(counter(a, "arp_resolved"), 1);
	CHECK_EQ_U64(counter(a, "host_nd_adverts_rx"), 1);
	iotcp_close(a, sd);
	drain(lt);

	/* Unanswered: 3 solicitations a second apart, then the queued SYN is dropped. */
	const struct ipv6_addr d6 = ip6_of(0x10);
	sd = iotcp_socket(a, AF_INET6, SOCK_STREAM, 0);
	to = sin6_of(&d6, 80);
	CHECK(iotcp_connect(a, sd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	      errno == EINPROGRESS);
	int solicits = 0;
	for (int i = 0; i < 8 && counter(a, "host_nd_failed") == 0; i++) {
		host_poll(a);
		bool failed_now = counter(a, "host_nd_failed") != 0;
		while (take(lt, buf, sizeof(buf), &len, &v)) {
			if (v.kind == PKT_KIND_ICMP6 && v.icmp6.type == ICMP6_ND_NS && !failed_now)
				solicits++;
			CHECK(v.kind != PKT_KIND_TCP6); /* nothing leaves unresolved */
		}
		fc.t += 600 * TCP_MSEC;
	}
	CHECK_EQ_U64(solicits, 3);
	CHECK_EQ_U64(counter(a, "host_nd_failed"), 1);
	iotcp_close(a, sd);

	/* TCP to another IPv6 address, or to a group: dropped. */
	dropped = counter(a, "host_drop_not_our_ip");
	{
		struct tcp_hdr h = {
		    .sport = 1234, .dport = 80, .seq = 1, .flags = TH_SYN, .wnd = 1000};
		struct pkt_tcp_out o = {.src_mac = &MAC_T,
					.dst_mac = &MAC_A,
					.src6 = &t6,
					.dst6 = &other,
					.ttl = 64,
					.tcp = &h};
		len = pkt_build_tcp(buf, sizeof(buf), &o);
		inject_and_poll(a, la, buf, len);
		o.dst6 = &snm;
		o.dst_mac = &snm_mac;
		len = pkt_build_tcp(buf, sizeof(buf), &o);
		inject_and_poll(a, la, buf, len);
	}
	CHECK_EQ_U64(counter(a, "host_drop_not_our_ip"), dropped + 2);
	CHECK(link_mem_pending(lt) == 0);

	iotcp_destroy(a);
	host_link_close(lt);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_neigh_table);
	RUN(test_arp_and_ping);
	RUN(test_bad_frames);
	RUN(test_nd_and_ping6);
	RUN(test_nic_channel);
	RUN_DONE();
}
