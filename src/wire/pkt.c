/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole-packet decode (Ethernet, IPv4, IPv6, TCP, ICMP, ICMPv6, ARP) and build. */
#include "wire/pkt.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

static const char *const pkt_err_text[PKT_E_MAX] = {
    [PKT_OK] = "ok",
    [PKT_E_ETH_TRUNC] = "truncated Ethernet header",
    [PKT_E_ETHERTYPE] = "unknown EtherType",
    [PKT_E_IPV4_TRUNC] = "truncated IPv4 packet",
    [PKT_E_IPV4_VERSION] = "IP version is not 4",
    [PKT_E_IPV4_IHL] = "IPv4 header length < 20",
    [PKT_E_IPV4_LEN] = "IPv4 total length < header length",
    [PKT_E_IPV4_CSUM] = "bad IPv4 header checksum",
    [PKT_E_IPV4_FRAG] = "IPv4 fragment",
    [PKT_E_IPV4_PROTO] = "IP protocol not TCP or ICMP",
    [PKT_E_TCP_TRUNC] = "truncated TCP header",
    [PKT_E_TCP_DOFF] = "TCP data offset < 5",
    [PKT_E_TCP_OPT] = "malformed TCP option",
    [PKT_E_TCP_CSUM] = "bad TCP checksum",
    [PKT_E_ARP_TRUNC] = "truncated ARP message",
    [PKT_E_ARP_FORMAT] = "ARP not Ethernet/IPv4",
    [PKT_E_ARP_OP] = "bad ARP operation",
    [PKT_E_ICMP_TRUNC] = "truncated ICMP message",
    [PKT_E_ICMP_CSUM] = "bad ICMP checksum",
    [PKT_E_IPV6_TRUNC] = "truncated IPv6 packet",
    [PKT_E_IPV6_VERSION] = "IP version is not 6",
    [PKT_E_IPV6_EXT] = "IPv6 extension header refused",
    [PKT_E_IPV6_FRAG] = "IPv6 fragment",
    [PKT_E_IPV6_PROTO] = "IPv6 upper layer not TCP or ICMPv6",
    [PKT_E_ICMP6_TRUNC] = "truncated ICMPv6 message",
    [PKT_E_ICMP6_CSUM] = "bad ICMPv6 checksum",
};

static const char *const pkt_err_names[PKT_E_MAX] = {
    [PKT_OK] = "ok",
    [PKT_E_ETH_TRUNC] = "eth_trunc",
    [PKT_E_ETHERTYPE] = "ethertype",
    [PKT_E_IPV4_TRUNC] = "ipv4_trunc",
    [PKT_E_IPV4_VERSION] = "ipv4_version",
    [PKT_E_IPV4_IHL] = "ipv4_ihl",
    [PKT_E_IPV4_LEN] = "ipv4_len",
    [PKT_E_IPV4_CSUM] = "ipv4_csum",
    [PKT_E_IPV4_FRAG] = "ipv4_frag",
    [PKT_E_IPV4_PROTO] = "ipv4_proto",
    [PKT_E_TCP_TRUNC] = "tcp_trunc",
    [PKT_E_TCP_DOFF] = "tcp_doff",
    [PKT_E_TCP_OPT] = "tcp_opt",
    [PKT_E_TCP_CSUM] = "tcp_csum",
    [PKT_E_ARP_TRUNC] = "arp_trunc",
    [PKT_E_ARP_FORMAT] = "arp_format",
    [PKT_E_ARP_OP] = "arp_op",
    [PKT_E_ICMP_TRUNC] = "icmp_trunc",
    [PKT_E_ICMP_CSUM] = "icmp_csum",
    [PKT_E_IPV6_TRUNC] = "ipv6_trunc",
    [PKT_E_IPV6_VERSION] = "ipv6_version",
    [PKT_E_IPV6_EXT] = "ipv6_ext",
    [PKT_E_IPV6_FRAG] = "ipv6_frag",
    [PKT_E_IPV6_PROTO] = "ipv6_proto",
    [PKT_E_ICMP6_TRUNC] = "icmp6_trunc",
    [PKT_E_ICMP6_CSUM] = "icmp6_csum",
};

const char *pkt_strerror(enum pkt_err e)
{
	if ((unsigned)e >= PKT_E_MAX || !pkt_err_text[e])
		return "unknown packet error";
	return pkt_err_text[e];
}

const char *pkt_err_name(enum pkt_err e)
{
	if ((unsigned)e >= PKT_E_MAX || !pkt_err_names[e])
		return "unknown";
	return pkt_err_names[e];
}

uint64_t pkt_counters_drops(const struct pkt_counters *c)
{
	uint64_t n = 0;
	for (unsigned i = PKT_OK + 1; i < PKT_E_MAX; i++)
		n += c->err[i];
	return n;
}

static enum pkt_err map_ipv4_err(int r)
{
	switch (r) {
	case IPV4_E_VERSION:
		return PKT_E_IPV4_VERSION;
	case IPV4_E_IHL:
		return PKT_E_IPV4_IHL;
	case IPV4_E_LEN:
		return PKT_E_IPV4_LEN;
	case IPV4_E_CSUM:
		return PKT_E_IPV4_CSUM;
	default:
		return PKT_E_IPV4_TRUNC;
	}
}

static enum pkt_err map_tcp_err(int r)
{
	switch (r) {
	case TCP_HDR_EDOFF:
		return PKT_E_TCP_DOFF;
	case TCP_HDR_EOPT:
		return PKT_E_TCP_OPT;
	default:
		return PKT_E_TCP_TRUNC;
	}
}

/* ph: the pseudo-header's partial sum (IPv4 or IPv6). */
static enum pkt_err decode_tcp(const uint8_t *l4, size_t l4_len, struct pkt_view *v, unsigned flags,
			       uint32_t ph, enum pkt_kind kind)
{
	if (l4_len < TCP_HDR_MIN)
		return PKT_E_TCP_TRUNC;
	/* Checksum first: a corrupted segment is counted as such, not as bad options. */
	if (!(flags & PKT_NO_L4_CSUM_CHECK) && csum_fold(csum_partial(l4, l4_len, ph)) != 0)
		return PKT_E_TCP_CSUM;
	int r = tcp_hdr_decode(l4, l4_len, &v->tcp);
	if (r < 0)
		return map_tcp_err(r);
	v->kind = (uint8_t)kind;
	v->payload = l4 + r;
	v->payload_len = l4_len - (size_t)r;
	return PKT_OK;
}

static enum pkt_err decode_icmp(const uint8_t *l4, size_t l4_len, struct pkt_view *v,
				unsigned flags)
{
	int r = icmp_decode(l4, l4_len, &v->icmp, !(flags & PKT_NO_L4_CSUM_CHECK));
	if (r < 0)
		return r == ICMP_E_CSUM ? PKT_E_ICMP_CSUM : PKT_E_ICMP_TRUNC;
	v->kind = PKT_KIND_ICMP;
	v->payload = v->icmp.data;
	v->payload_len = v->icmp.data_len;
	return PKT_OK;
}

static enum pkt_err decode_ipv4(const uint8_t *p, size_t len, struct pkt_view *v, unsigned flags)
{
	int r = ipv4_decode(p, len, &v->ip, !(flags & PKT_NO_IP_CSUM_CHECK));
	if (r < 0)
		return map_ipv4_err(r);
	/* From here on lengths come from the IPv4 total length: link padding is ignored. */
	v->l3 = p;
	v->l3_len = v->ip.tot_len;
	v->l4 = p + r;
	v->l4_len = (size_t)v->ip.tot_len - (size_t)r;
	if (ipv4_is_fragment(&v->ip))
		return PKT_E_IPV4_FRAG;
	switch (v->ip.proto) {
	case IPV4_PROTO_TCP:
		return decode_tcp(
		    v->l4, v->l4_len, v, flags,
		    csum_pseudo_ipv4(v->ip.saddr, v->ip.daddr, IPV4_PROTO_TCP, (uint32_t)v->l4_len),
		    PKT_KIND_TCP);
	case IPV4_PROTO_ICMP:
		return decode_icmp(v->l4, v->l4_len, v, flags);
	default:
		return PKT_E_IPV4_PROTO;
	}
}

static enum pkt_err map_ipv6_err(int r)
{
	switch (r) {
	case IPV6_E_VERSION:
		return PKT_E_IPV6_VERSION;
	case IPV6_E_EXT:
		return PKT_E_IPV6_EXT;
	case IPV6_E_FRAG:
		return PKT_E_IPV6_FRAG;
	default:
		return PKT_E_IPV6_TRUNC;
	}
}

static enum pkt_err decode_icmp6(const uint8_t *l4, size_t l4_len, struct pkt_view *v,
				 unsigned flags)
{
	int r = icmp6_decode(l4, l4_len, &v->ip6.src, &v->ip6.dst, &v->icmp6,
			     !(flags & PKT_NO_L4_CSUM_CHECK));
	if (r < 0)
		return r == ICMP6_E_CSUM ? PKT_E_ICMP6_CSUM : PKT_E_ICMP6_TRUNC;
	v->kind = PKT_KIND_ICMP6;
	v->payload = v->icmp6.data;
	v->payload_len = v->icmp6.data_len;
	return PKT_OK;
}

static enum pkt_err decode_ipv6(const uint8_t *p, size_t len, struct pkt_view *v, unsigned flags)
{
	int r = ipv6_decode(p, len, &v->ip6);
	if (r < 0)
		return map_ipv6_err(r);
	/* Lengths from the payload length: link padding is ignored. */
	v->l3 = p;
	v->l3_len = IPV6_HDR_LEN + (size_t)v->ip6.plen;
	v->l4 = p + r;
	v->l4_len = v->l3_len - (size_t)r;
	switch (v->ip6.proto) {
	case IPV6_NH_TCP:
		return decode_tcp(
		    v->l4, v->l4_len, v, flags,
		    csum_pseudo_ipv6(v->ip6.src.b, v->ip6.dst.b, IPV6_NH_TCP, (uint32_t)v->l4_len),
		    PKT_KIND_TCP6);
	case IPV6_NH_ICMPV6:
		return decode_icmp6(v->l4, v->l4_len, v, flags);
	default:
		return PKT_E_IPV6_PROTO;
	}
}

static enum pkt_err decode_arp(const uint8_t *p, size_t len, struct pkt_view *v)
{
	int r = arp_decode(p, len, &v->arp);
	switch (r) {
	case 0:
		break;
	case ARP_E_FORMAT:
		return PKT_E_ARP_FORMAT;
	case ARP_E_OP:
		return PKT_E_ARP_OP;
	default:
		return PKT_E_ARP_TRUNC;
	}
	v->kind = PKT_KIND_ARP;
	v->l3 = p;
	v->l3_len = ARP_LEN;
	v->payload = p;
	v->payload_len = ARP_LEN;
	return PKT_OK;
}

enum pkt_err pkt_decode_ipv4(const uint8_t *pkt, size_t len, struct pkt_view *v, unsigned flags)
{
	v->has_eth = 0;
	v->kind = PKT_KIND_NONE;
	return decode_ipv4(pkt, len, v, flags);
}

enum pkt_err pkt_decode_ipv6(const uint8_t *pkt, size_t len, struct pkt_view *v, unsigned flags)
{
	v->has_eth = 0;
	v->kind = PKT_KIND_NONE;
	return decode_ipv6(pkt, len, v, flags);
}

enum pkt_err pkt_decode_eth(const uint8_t *frame, size_t len, struct pkt_view *v, unsigned flags)
{
	v->has_eth = 0;
	v->kind = PKT_KIND_NONE;
	int r = eth_decode(frame, len, &v->eth);
	if (r < 0)
		return PKT_E_ETH_TRUNC;
	v->has_eth = 1;
	const uint8_t *p = frame + r;
	size_t n = len - (size_t)r;
	switch (v->eth.type) {
	case ETH_P_IPV4:
		return decode_ipv4(p, n, v, flags);
	case ETH_P_IPV6:
		return decode_ipv6(p, n, v, flags);
	case ETH_P_ARP:
		return decode_arp(p, n, v);
	case ETH_P_IOTCP:
		v->kind = PKT_KIND_IOTCP;
		v->l3 = p;
		v->l3_len = n;
		v->payload = p;
		v->payload_len = n;
		return PKT_OK;
	default:
		return PKT_E_ETHERTYPE;
	}
}

/* The IP header of a TCP segment of l4_len bytes at ip; returns the pseudo-header sum. */
static uint32_t build_tcp_ip(uint8_t *ip, const struct pkt_tcp_out *o, size_t l4_len)
{
	if (o->src6) {
		struct ipv6_hdr h = {
		    .tclass = o->tos,
		    .flow = o->flow,
		    .plen = (uint16_t)l4_len,
		    .nxt = IPV6_NH_TCP,
		    .hlim = o->ttl,
		    .src = *o->src6,
		    .dst = *o->dst6,
		};
		ipv6_encode(ip, IPV6_HDR_LEN, &h);
		return csum_pseudo_ipv6(o->src6->b, o->dst6->b, IPV6_NH_TCP, (uint32_t)l4_len);
	}
	struct ipv4_hdr ih = {
	    .tos = o->tos,
	    .tot_len = (uint16_t)(IPV4_HDR_MIN + l4_len),
	    .id = o->ip_id,
	    .frag_off = o->ip_frag_off,
	    .ttl = o->ttl,
	    .proto = IPV4_PROTO_TCP,
	    .saddr = o->saddr,
	    .daddr = o->daddr,
	};
	ipv4_encode(ip, IPV4_HDR_MIN, &ih);
	if (o->flags & PKT_TX_IP_CSUM_OFFLOAD)
		put_be16(ip + 10, 0);
	return csum_pseudo_ipv4(o->saddr, o->daddr, IPV4_PROTO_TCP, (uint32_t)l4_len);
}

size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_tcp_out *o)
{
	if ((o->src_mac == NULL) != (o->dst_mac == NULL) || o->iovcnt < 0 || !o->tcp ||
	    (o->iovcnt > 0 && !o->iov) || (o->src6 == NULL) != (o->dst6 == NULL))
		return 0;
	size_t l2 = o->src_mac ? ETH_HDR_LEN : 0;
	size_t l3 = o->src6 ? IPV6_HDR_LEN : IPV4_HDR_MIN;
	/* The most the length field allows past the IP header. */
	size_t l4_max = o->src6 ? IPV6_MAX_PLEN : IPV4_MAX_LEN - IPV4_HDR_MIN;
	size_t plen = 0;
	for (int i = 0; i < o->iovcnt; i++) {
		if (o->iov[i].iov_len > l4_max)
			return 0;
		plen += o->iov[i].iov_len;
		if (plen > l4_max)
			return 0;
	}
	size_t thlen = TCP_HDR_MIN + tcp_opts_len(&o->tcp->opts);
	size_t l4_len = thlen + plen;
	size_t tot = l3 + l4_len;
	bool by_ref = (o->flags & PKT_TX_PAYLOAD_BY_REF) != 0;
	if (by_ref && !(o->flags & PKT_TX_L4_CSUM_OFFLOAD))
		return 0; /* the payload's sum would be needed */
	if (l4_len > l4_max || cap < l2 || cap - l2 < (by_ref ? l3 + thlen : tot))
		return 0;

	if (l2)
		eth_encode_simple(buf, cap, o->dst_mac, o->src_mac,
				  o->src6 ? ETH_P_IPV6 : ETH_P_IPV4);
	uint8_t *ip = buf + l2;
	uint32_t ph = build_tcp_ip(ip, o, l4_len);

	uint8_t *th = ip + l3;
	o->tcp->csum = 0;
	if (tcp_hdr_encode(th, thlen, o->tcp) != thlen)
		return 0; /* cannot happen: tcp_opts_len() agrees with the encoder */

	/* Payload pieces: each is summed as if at an even offset, then placed (RFC 1071
	 * section 2(B): byte swapping for odd offsets). thlen is a multiple of 4, so offsets
	 * within the payload have the parity they have within the segment. With the checksum
	 * offloaded the payload is only copied: its sum would be thrown away. */
	uint8_t *pl = th + thlen;
	bool offload = (o->flags & PKT_TX_L4_CSUM_OFFLOAD) != 0;
	uint32_t psum = 0;
	size_t off = 0;
	for (int i = 0; i < o->iovcnt && !by_ref; i++) {
		size_t n = o->iov[i].iov_len;
		if (!n)
			continue;
		if (offload) {
			memcpy(pl + off, o->iov[i].iov_base, n);
		} else {
			uint32_t s = csum_partial_copy(pl + off, o->iov[i].iov_base, n, 0);
			psum = csum_block_add(psum, s, off);
		}
		off += n;
	}

	uint16_t csum;
	if (offload)
		csum = csum_reduce(ph);
	else
		csum = csum_fold(csum_partial(th, thlen, csum_add(ph, psum)));
	put_be16(th + 16, csum);
	o->tcp->csum = csum;
	return l2 + tot;
}

size_t pkt_build_arp(uint8_t *buf, size_t cap, const struct mac_addr *src_mac,
		     const struct mac_addr *dst_mac, const struct arp_pkt *a)
{
	if (cap < ETH_HDR_LEN + ARP_LEN)
		return 0;
	eth_encode_simple(buf, cap, dst_mac, src_mac, ETH_P_ARP);
	arp_encode(buf + ETH_HDR_LEN, cap - ETH_HDR_LEN, a);
	return ETH_HDR_LEN + ARP_LEN;
}

size_t pkt_build_icmp_echo_reply(uint8_t *buf, size_t cap, const struct pkt_view *req,
				 const struct mac_addr *my_mac, uint8_t ttl, uint16_t ip_id)
{
	if (req->kind != PKT_KIND_ICMP || req->icmp.type != ICMP_TYPE_ECHO_REQUEST)
		return 0;
	size_t l4_len = ICMP_HDR_LEN + req->icmp.data_len;
	size_t tot = IPV4_HDR_MIN + l4_len;
	if (tot > IPV4_MAX_LEN)
		return 0;

	size_t l2 = 0;
	if (req->has_eth && my_mac) {
		struct eth_hdr e = req->eth; /* keeps a VLAN tag */
		e.dst = req->eth.src;
		e.src = *my_mac;
		e.type = ETH_P_IPV4;
		l2 = eth_encode(buf, cap, &e);
		if (!l2)
			return 0;
	}
	if (cap - l2 < tot)
		return 0;
	struct ipv4_hdr ih = {
	    .tos = (uint8_t)(req->ip.tos & ~IPV4_ECN_MASK),
	    .tot_len = (uint16_t)tot,
	    .id = ip_id,
	    .frag_off = 0,
	    .ttl = ttl,
	    .proto = IPV4_PROTO_ICMP,
	    .saddr = req->ip.daddr,
	    .daddr = req->ip.saddr,
	};
	ipv4_encode(buf + l2, IPV4_HDR_MIN, &ih);
	if (icmp_echo_reply(buf + l2 + IPV4_HDR_MIN, l4_len, &req->icmp) != l4_len)
		return 0;
	return l2 + tot;
}

size_t pkt_build_ipv6(uint8_t *buf, size_t cap, const struct mac_addr *src_mac,
		      const struct mac_addr *dst_mac, const struct ipv6_addr *src,
		      const struct ipv6_addr *dst, uint8_t nxt, uint8_t hlim, uint8_t tclass,
		      const uint8_t *l4, size_t l4_len)
{
	if ((src_mac == NULL) != (dst_mac == NULL) || l4_len > IPV6_MAX_PLEN)
		return 0;
	size_t l2 = src_mac ? ETH_HDR_LEN : 0;
	if (cap < l2 + IPV6_HDR_LEN || cap - l2 - IPV6_HDR_LEN < l4_len)
		return 0;
	uint8_t *ip = buf + l2;
	if (l4_len)
		memmove(ip + IPV6_HDR_LEN, l4, l4_len);
	if (l2)
		eth_encode_simple(buf, cap, dst_mac, src_mac, ETH_P_IPV6);
	struct ipv6_hdr h = {
	    .tclass = tclass,
	    .plen = (uint16_t)l4_len,
	    .nxt = nxt,
	    .hlim = hlim,
	    .src = *src,
	    .dst = *dst,
	};
	ipv6_encode(ip, IPV6_HDR_LEN, &h);
	return l2 + IPV6_HDR_LEN + l4_len;
}

size_t pkt_build_icmp6_echo_reply(uint8_t *buf, size_t cap, const struct pkt_view *req,
				  const struct mac_addr *my_mac, const struct ipv6_addr *my_addr,
				  uint8_t hlim)
{
	if (req->kind != PKT_KIND_ICMP6 || req->icmp6.type != ICMP6_ECHO_REQUEST)
		return 0;
	size_t l4_len = ICMP6_HDR_LEN + req->icmp6.data_len;
	if (l4_len > IPV6_MAX_PLEN)
		return 0;
	size_t l2 = req->has_eth && my_mac ? ETH_HDR_LEN : 0;
	if (cap < l2 + IPV6_HDR_LEN || cap - l2 - IPV6_HDR_LEN < l4_len)
		return 0;
	/* RFC 4443 section 4.2: the reply's source is the request's destination, or one of our
	 * unicast addresses when the request went to a multicast group. */
	struct ipv6_addr src = req->ip6.dst, dst = req->ip6.src;
	if (ipv6_addr_is_multicast(&src)) {
		if (!my_addr)
			return 0;
		src = *my_addr;
	}
	uint8_t *msg = buf + l2 + IPV6_HDR_LEN;
	if (icmp6_encode_echo(msg, l4_len, &src, &dst, ICMP6_ECHO_REPLY, req->icmp6.id,
			      req->icmp6.seq, req->icmp6.data, req->icmp6.data_len) != l4_len)
		return 0;
	return pkt_build_ipv6(buf, cap, l2 ? my_mac : NULL, l2 ? &req->eth.src : NULL, &src, &dst,
			      IPV6_NH_ICMPV6, hlim, (uint8_t)(req->ip6.tclass & ~IPV6_ECN_MASK),
			      msg, l4_len);
}
