/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 Neighbor Discovery, RFC 4861 sections 4.3, 4.4, 4.6.1 and 7.1. */
#include "wire/nd.h"

#include "wire/bytes.h"
#include "wire/checksum.h"

/* Options after the target address (section 4.6): 8-byte units, length 0 invalid. */
static int parse_options(const uint8_t *p, size_t len, uint8_t want, struct nd_msg *nd)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < 2)
			return ND_E_OPT;
		size_t olen = (size_t)p[off + 1] * 8;
		if (olen == 0 || olen > len - off)
			return ND_E_OPT;
		/* Ethernet addresses fill the first 6 bytes after type and length; a longer
		 * option (other link layers) is not ours to interpret. */
		if (p[off] == want && olen == ND_LLA_OPT_LEN && !nd->has_lla) {
			memcpy(nd->lla.b, p + off + 2, ETH_ADDR_LEN);
			nd->has_lla = true;
		}
		off += olen;
	}
	return 0;
}

int nd_decode(const struct ipv6_hdr *ip, const struct icmp6_msg *m, struct nd_msg *nd)
{
	if (m->type != ICMP6_ND_NS && m->type != ICMP6_ND_NA)
		return ND_E_TYPE;
	if (m->data_len < ND_MSG_LEN - ICMP6_HDR_LEN)
		return ND_E_TRUNC;
	if (ip->hlim != ND_HOP_LIMIT)
		return ND_E_HOPLIMIT;
	if (m->code != 0)
		return ND_E_CODE;
	nd->type = m->type;
	nd->flags = m->type == ICMP6_ND_NA
			? m->rest & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE)
			: 0;
	memcpy(nd->target.b, m->data, 16);
	nd->has_lla = false;
	if (ipv6_addr_is_multicast(&nd->target))
		return ND_E_TARGET;
	int r = parse_options(m->data + 16, m->data_len - 16,
			      m->type == ICMP6_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, nd);
	if (r < 0)
		return r;
	if (m->type == ICMP6_ND_NS && ipv6_addr_is_unspecified(&ip->src)) {
		/* Section 7.1.1: duplicate address detection. */
		struct ipv6_addr snm = ipv6_solicited_node(&nd->target);
		if (!ipv6_addr_equal(&ip->dst, &snm) || nd->has_lla)
			return ND_E_SRC;
	}
	if (m->type == ICMP6_ND_NA && ipv6_addr_is_multicast(&ip->dst) &&
	    (nd->flags & ND_NA_SOLICITED))
		return ND_E_FLAGS;
	return 0;
}

static size_t encode(uint8_t *p, size_t cap, uint8_t type, uint32_t rest,
		     const struct ipv6_addr *src, const struct ipv6_addr *dst,
		     const struct ipv6_addr *target, uint8_t opt, const struct mac_addr *lla)
{
	size_t len = ND_MSG_LEN + (lla ? ND_LLA_OPT_LEN : 0);
	if (cap < len)
		return 0;
	p[0] = type;
	p[1] = 0;
	put_be16(p + 2, 0);
	put_be32(p + 4, rest);
	memcpy(p + 8, target->b, 16);
	if (lla) {
		p[24] = opt;
		p[25] = 1;
		memcpy(p + 26, lla->b, ETH_ADDR_LEN);
	}
	put_be16(p + 2, icmp6_csum(src, dst, p, len));
	return len;
}

size_t nd_encode_ns(uint8_t *p, size_t cap, const struct ipv6_addr *src,
		    const struct ipv6_addr *dst, const struct ipv6_addr *target,
		    const struct mac_addr *sll)
{
	return encode(p, cap, ICMP6_ND_NS, 0, src, dst, target, ND_OPT_SLLA, sll);
}

size_t nd_encode_na(uint8_t *p, size_t cap, const struct ipv6_addr *src,
		    const struct ipv6_addr *dst, const struct ipv6_addr *target, uint32_t flags,
		    const struct mac_addr *tll)
{
	return encode(p, cap, ICMP6_ND_NA,
		      flags & (ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE), src, dst, target,
		      ND_OPT_TLLA, tll);
}

const char *nd_strerror(int err)
{
	switch (err) {
	case ND_E_TYPE:
		return "not a neighbor solicitation or advertisement";
	case ND_E_TRUNC:
		return "truncated ND message";
	case ND_E_HOPLIMIT:
		return "ND hop limit is not 255";
	case ND_E_CODE:
		return "ND code is not 0";
	case ND_E_TARGET:
		return "ND target is multicast";
	case ND_E_OPT:
		return "malformed ND option";
	case ND_E_SRC:
		return "ND solicitation from :: not for duplicate address detection";
	case ND_E_FLAGS:
		return "solicited ND advertisement to a multicast address";
	default:
		return err >= 0 ? "ok" : "unknown ND error";
	}
}
