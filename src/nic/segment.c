/* SPDX-License-Identifier: BSD-2-Clause */
/* Cutting a SEND burst into MSS segments from the host's header template (see segment.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "nic/segment.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/tcp_hdr.h"

/* An IPv6 template's addresses: unicast (not ::, not multicast) on both ends. */
static bool tmpl6_addrs_ok(const uint8_t *ip)
{
	static const uint8_t zero[16];

	for (int i = 8; i <= 24; i += 16)
		if (ip[i] == 0xff || memcmp(ip + i, zero, 16) == 0)
			return false;
	return true;
}

int nic_tmpl_init(struct nic_tmpl *t, const uint8_t *hdr, size_t hlen)
{
	if (hlen < 14 + 20 + TCP_HDR_MIN || hlen > NIC_TMPL_MAX)
		return -EINVAL;
	uint16_t type = get_be16(hdr + 12);
	const uint8_t *ip = hdr + 14;
	unsigned l3;
	if (type == 0x0800) {
		if (ip[0] != 0x45 || ip[9] != 6) /* IPv4, IHL 5; TCP */
			return -EINVAL;
		l3 = 20;
	} else if (type == 0x86DD) {
		/* IPv6 with TCP right after the fixed header (RFC 8200 section 3) */
		if (hlen < 14 + 40 + TCP_HDR_MIN || (ip[0] >> 4) != 6 || ip[6] != 6 ||
		    !tmpl6_addrs_ok(ip))
			return -EINVAL;
		l3 = 40;
	} else {
		return -EINVAL;
	}
	const uint8_t *tcp = ip + l3;
	unsigned doff = (unsigned)(tcp[12] >> 4) * 4;
	if (doff < TCP_HDR_MIN || 14 + l3 + doff != hlen)
		return -EINVAL;
	memcpy(t->hdr, hdr, hlen);
	t->hlen = (uint16_t)hlen;
	t->v6 = type == 0x86DD;
	t->l3off = 14;
	t->l4off = (uint16_t)(14 + l3);
	t->seq = get_be32(tcp + 4);
	t->ip_id = t->v6 ? 0 : get_be16(ip + 4);
	t->tcp_flags = tcp[13];
	t->pseudo = t->v6 ? csum_pseudo_ipv6(ip + 8, ip + 24, 6, 0)
			  : csum_pseudo_ipv4(get_be32(ip + 12), get_be32(ip + 16), 6, 0);
	return 0;
}

/* Headers for a segment of plen payload bytes; returns the TCP checksum accumulator (pseudo-header
 * sum with the length) and leaves the checksum field zero. */
static uint32_t put_headers(const struct nic_tmpl *t, uint32_t off, uint16_t ip_id_delta, bool last,
			    uint32_t plen, uint8_t *out)
{
	memcpy(out, t->hdr, t->hlen);
	uint8_t *ip = out + t->l3off, *tcp = out + t->l4off;
	uint16_t l4len = (uint16_t)(t->hlen - t->l4off + plen);

	if (t->v6) {
		/* IPv6: the payload length; no header checksum, no id. */
		put_be16(ip + 4, l4len);
	} else {
		/* IPv4: total length, id, header checksum. */
		put_be16(ip + 2, (uint16_t)(20 + l4len));
		put_be16(ip + 4, (uint16_t)(t->ip_id + ip_id_delta));
		put_be16(ip + 10, 0);
		put_be16(ip + 10, inet_csum(ip, 20));
	}

	/* TCP: sequence number, flags, checksum. */
	put_be32(tcp + 4, t->seq + off);
	uint8_t flags = t->tcp_flags;
	if (!last)
		flags &= (uint8_t) ~(TH_PSH | TH_FIN);
	if (off != 0)
		flags &= (uint8_t)~TH_CWR;
	tcp[13] = flags;
	put_be16(tcp + 16, 0);
	return csum_add(t->pseudo, l4len);
}

size_t nic_seg_write_hdr(const struct nic_tmpl *t, uint32_t off, uint16_t ip_id_delta, bool last,
			 uint32_t plen, uint8_t *out, size_t cap)
{
	if (cap < t->hlen)
		return 0;
	uint32_t sum = put_headers(t, off, ip_id_delta, last, plen, out);
	put_be16(out + t->l4off + 16, csum_reduce(sum));
	return t->hlen;
}

size_t nic_seg_write(const struct nic_tmpl *t, uint32_t off, uint16_t ip_id_delta, bool last,
		     const struct iovec *pl, int npl, uint32_t plen, uint8_t *out, size_t cap,
		     bool tcp_csum_offload)
{
	size_t flen = (size_t)t->hlen + plen;
	if (flen > cap)
		return 0;
	uint8_t *tcp = out + t->l4off;
	uint32_t sum = put_headers(t, off, ip_id_delta, last, plen, out);
	if (tcp_csum_offload) {
		uint8_t *dst = out + t->hlen;
		for (int i = 0; i < npl; i++) {
			memcpy(dst, pl[i].iov_base, pl[i].iov_len);
			dst += pl[i].iov_len;
		}
		put_be16(tcp + 16, csum_reduce(sum));
		return flen;
	}
	sum = csum_partial(tcp, (size_t)(t->hlen - t->l4off), sum);
	size_t pos = 0;
	uint8_t *dst = out + t->hlen;
	for (int i = 0; i < npl; i++) {
		uint32_t part = csum_partial_copy(dst + pos, pl[i].iov_base, pl[i].iov_len, 0);
		sum = csum_block_add(sum, part, pos);
		pos += pl[i].iov_len;
	}
	put_be16(tcp + 16, csum_fold(sum));
	return flen;
}
