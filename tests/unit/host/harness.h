/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared helpers for the host runtime tests: contexts on in-memory links, a fake clock,
 * frame builders for a test-controlled peer. */
#ifndef IOTCP_TESTS_HOST_HARNESS_H
#define IOTCP_TESTS_HOST_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "host/link_mem.h"
#include "iotcp/iotcp.h"
#include "wire/pkt.h"

#define IP_A 0xc6120001u /* 198.18.0.1 */
#define IP_B 0xc6120002u /* 198.18.0.2 */

static const struct mac_addr MAC_A = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct mac_addr MAC_B = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};

/* A fake clock the test advances by hand. */
struct fake_clock {
	tcp_time_t t;
};

static inline tcp_time_t fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->t;
}

static inline struct iotcp_ctx *ctx_on_link(uint32_t ip, struct host_link *l, struct fake_clock *fc,
					    bool nic, uint64_t seed)
{
	struct iotcp_config cfg;
	struct host_options opt = {.nic = nic, .seed = seed};

	iotcp_config_default(&cfg);
	cfg.ip = ip;
	cfg.ip6[15] = (uint8_t)ip; /* 198.18.0.N: 2001:2::N */
	if (fc) {
		opt.clock.now = fake_now;
		opt.clock.arg = fc;
	}
	return host_create(&cfg, l, &opt);
}

/* 2001:2::n (RFC 5180), the IPv6 address ctx_on_link gives 198.18.0.n. */
static inline struct ipv6_addr ip6_of(uint8_t n)
{
	struct ipv6_addr a = {{0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, n}};
	return a;
}

static inline struct sockaddr_in6 sin6_of(const struct ipv6_addr *a, uint16_t port)
{
	struct sockaddr_in6 s;
	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	memcpy(&s.sin6_addr, a->b, 16);
	s.sin6_port = htons(port);
	return s;
}

static inline void sleep_us(unsigned us)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};
	nanosleep(&ts, NULL);
}

static inline struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(ip);
	s.sin_port = htons(port);
	return s;
}

static inline uint64_t counter(struct iotcp_ctx *ctx, const char *name)
{
	uint64_t v = 0;
	if (!host_counter(ctx, name, &v)) {
		fprintf(stderr, "no counter %s\n", name);
		return UINT64_MAX;
	}
	return v;
}

/* Build an IPv4 packet with the given protocol and L4 bytes behind an Ethernet header. */
static inline size_t build_ip_frame(uint8_t *buf, size_t cap, const struct mac_addr *dst,
				    const struct mac_addr *src, uint32_t saddr, uint32_t daddr,
				    uint8_t proto, const uint8_t *l4, size_t l4len)
{
	struct ipv4_hdr ip = {0};
	size_t off = eth_encode_simple(buf, cap, dst, src, ETH_P_IPV4);

	ip.tot_len = (uint16_t)(IPV4_HDR_MIN + l4len);
	ip.ttl = 64;
	ip.proto = proto;
	ip.saddr = saddr;
	ip.daddr = daddr;
	ip.frag_off = IPV4_DF;
	off += ipv4_encode(buf + off, cap - off, &ip);
	memcpy(buf + off, l4, l4len);
	return off + l4len;
}

static inline size_t build_echo_request(uint8_t *buf, size_t cap, const struct mac_addr *dst,
					const struct mac_addr *src, uint32_t saddr, uint32_t daddr,
					uint16_t id, uint16_t seq, const char *data)
{
	uint8_t icmp[256];
	size_t n = icmp_encode_echo(icmp, sizeof(icmp), ICMP_TYPE_ECHO_REQUEST, id, seq,
				    (const uint8_t *)data, strlen(data));
	return build_ip_frame(buf, cap, dst, src, saddr, daddr, IPV4_PROTO_ICMP, icmp, n);
}

static inline size_t build_arp(uint8_t *buf, size_t cap, uint16_t op, const struct mac_addr *src,
			       const struct mac_addr *dst, uint32_t spa, uint32_t tpa,
			       const struct mac_addr *tha)
{
	struct arp_pkt a = {0};
	a.op = op;
	a.sha = *src;
	a.spa = spa;
	a.tpa = tpa;
	if (tha)
		a.tha = *tha;
	return pkt_build_arp(buf, cap, src, dst, &a);
}

#endif
