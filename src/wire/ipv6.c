/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 header codec, RFC 8200 sections 3 and 4. */
#include "wire/ipv6.h"

#include <arpa/inet.h>

#include "wire/bytes.h"

/* Options of a Hop-by-Hop or Destination Options header (RFC 8200 section 4.2): Pad1 and
 * PadN are skipped; any other option is one this host does not recognize, and its type's
 * two high-order bits say whether it may be skipped (00) or the packet must be discarded. */
static int walk_options(const uint8_t *p, size_t len)
{
	size_t i = 2; /* after Next Header and Hdr Ext Len */

	while (i < len) {
		uint8_t type = p[i];
		if (type == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || (size_t)p[i + 1] > len - i - 2)
			return IPV6_E_EXT; /* option runs past its header */
		if (type != 1 && (type & 0xc0) != 0)
			return IPV6_E_EXT; /* unrecognized, "discard the packet" */
		i += 2 + (size_t)p[i + 1];
	}
	return 0;
}

int ipv6_decode(const uint8_t *p, size_t len, struct ipv6_hdr *h)
{
	if (len < IPV6_HDR_LEN)
		return IPV6_E_TRUNC;
	if ((p[0] >> 4) != 6)
		return IPV6_E_VERSION;
	uint16_t plen = get_be16(p + 4);
	if ((size_t)plen > len - IPV6_HDR_LEN)
		return IPV6_E_TRUNC;
	h->tclass = (uint8_t)(get_be16(p) >> 4);
	h->flow = get_be32(p) & 0xfffff;
	h->plen = plen;
	h->nxt = p[6];
	h->hlim = p[7];
	memcpy(h->src.b, p + 8, 16);
	memcpy(h->dst.b, p + 24, 16);

	/* RFC 8200 section 4: walk the chain, every header inside the payload length. */
	const size_t end = IPV6_HDR_LEN + (size_t)plen;
	size_t off = IPV6_HDR_LEN;
	uint8_t nh = h->nxt;
	for (int n = 0;; n++) {
		size_t elen;
		if (nh != IPV6_NH_HOPOPTS && nh != IPV6_NH_DSTOPTS && nh != IPV6_NH_ROUTING &&
		    nh != IPV6_NH_FRAGMENT)
			break;
		if (n == IPV6_EXT_MAX)
			return IPV6_E_EXT;
		/* Section 4.3: Hop-by-Hop Options only immediately after the IPv6 header. */
		if (nh == IPV6_NH_HOPOPTS && n != 0)
			return IPV6_E_EXT;
		if (end - off < 8)
			return IPV6_E_TRUNC;
		const uint8_t *e = p + off;
		if (nh == IPV6_NH_FRAGMENT) {
			/* Section 4.5: 8 bytes. Offset 0 and M clear is an atomic fragment
			 * (RFC 6946): the whole packet, processed as if unfragmented. */
			if ((get_be16(e + 2) & 0xfff9) != 0)
				return IPV6_E_FRAG;
			elen = 8;
		} else {
			elen = ((size_t)e[1] + 1) * 8;
			if (elen > end - off)
				return IPV6_E_TRUNC;
			if (nh == IPV6_NH_ROUTING) {
				/* Section 4.4: Segments Left != 0 means we are not the final
				 * destination; this host forwards nothing. */
				if (e[3] != 0)
					return IPV6_E_EXT;
			} else if (walk_options(e, elen) < 0) {
				return IPV6_E_EXT;
			}
		}
		nh = e[0];
		off += elen;
	}
	h->proto = nh;
	h->hlen = (uint16_t)off;
	return (int)off;
}

size_t ipv6_encode(uint8_t *p, size_t cap, struct ipv6_hdr *h)
{
	if (cap < IPV6_HDR_LEN)
		return 0;
	put_be32(p, (uint32_t)6 << 28 | (uint32_t)h->tclass << 20 | (h->flow & 0xfffff));
	put_be16(p + 4, h->plen);
	p[6] = h->nxt;
	p[7] = h->hlim;
	memcpy(p + 8, h->src.b, 16);
	memcpy(p + 24, h->dst.b, 16);
	h->hlen = IPV6_HDR_LEN;
	h->proto = h->nxt;
	return IPV6_HDR_LEN;
}

const char *ipv6_strerror(int err)
{
	switch (err) {
	case IPV6_E_TRUNC:
		return "truncated IPv6 packet";
	case IPV6_E_VERSION:
		return "IP version is not 6";
	case IPV6_E_EXT:
		return "IPv6 extension header refused";
	case IPV6_E_FRAG:
		return "IPv6 fragment";
	default:
		return err >= 0 ? "ok" : "unknown IPv6 error";
	}
}

char *ipv6_format(const struct ipv6_addr *a, char *buf)
{
	/* glibc's inet_ntop follows RFC 5952 (longest zero run, lower case, ::ffff:a.b.c.d). */
	if (!inet_ntop(AF_INET6, a->b, buf, IPV6_STR_LEN))
		buf[0] = '\0';
	return buf;
}

int ipv6_parse(const char *s, struct ipv6_addr *a)
{
	struct ipv6_addr t;

	if (!s || inet_pton(AF_INET6, s, t.b) != 1)
		return -1;
	*a = t;
	return 0;
}

struct ipv6_addr ipv6_solicited_node(const struct ipv6_addr *a)
{
	struct ipv6_addr m = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff}};
	memcpy(m.b + 13, a->b + 13, 3);
	return m;
}

struct mac_addr ipv6_multicast_mac(const struct ipv6_addr *a)
{
	struct mac_addr m = {{0x33, 0x33, a->b[12], a->b[13], a->b[14], a->b[15]}};
	return m;
}
