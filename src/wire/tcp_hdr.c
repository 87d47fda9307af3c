/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP header and options, RFC 9293 section 3.1 / 3.2; window scale and timestamps RFC 7323;
 * SACK-permitted and SACK RFC 2018. */
#include "wire/tcp_hdr.h"

#include "wire/bytes.h"
#include "wire/checksum.h"

/* Option kinds and lengths. */
#define TCPOPT_EOL	 0
#define TCPOPT_NOP	 1
#define TCPOPT_MSS	 2
#define TCPOPT_WSCALE	 3
#define TCPOPT_SACKOK	 4
#define TCPOPT_SACK	 5
#define TCPOPT_TS	 8
#define TCPOLEN_MSS	 4
#define TCPOLEN_WSCALE	 3
#define TCPOLEN_SACKOK	 2
#define TCPOLEN_TS	 10
#define TCPOLEN_SACK_BLK 8
#define TCP_MAX_WSCALE	 14 /* RFC 7323 section 2.3 */
#define TCP_OPT_SPACE	 (TCP_HDR_MAX - TCP_HDR_MIN)

/* NOP, NOP, TS kind, TS len: the first word of the usual data-segment option block
 * (RFC 7323 appendix A). */
#define TCP_OPT_NOP_NOP_TS 0x0101080au

/* Walk the option list (RFC 9293 section 3.2). A malformed list (length < 2, or an option
 * running past the header) fails the header. A known option with an unexpected length is
 * ignored like an unknown one (as FreeBSD and Linux do): it is not the option we know. */
static int decode_opts(const uint8_t *p, unsigned n, struct tcp_opts *o)
{
	unsigned i = 0;

	while (i < n) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return TCP_HDR_EOPT;
		unsigned olen = p[i + 1];
		if (olen < 2 || olen > n - i)
			return TCP_HDR_EOPT;
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (olen == TCPOLEN_MSS) {
				o->mss = get_be16(v);
				o->present |= TCP_OPT_F_MSS;
			}
			break;
		case TCPOPT_WSCALE:
			if (olen == TCPOLEN_WSCALE) {
				o->wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
				o->present |= TCP_OPT_F_WSCALE;
			}
			break;
		case TCPOPT_SACKOK:
			if (olen == TCPOLEN_SACKOK)
				o->present |= TCP_OPT_F_SACKOK;
			break;
		case TCPOPT_TS:
			if (olen == TCPOLEN_TS) {
				o->ts_val = get_be32(v);
				o->ts_ecr = get_be32(v + 4);
				o->present |= TCP_OPT_F_TS;
			}
			break;
		case TCPOPT_SACK:
			/* 2 + 8n bytes; n <= 4 always holds in 40 option bytes. */
			if (olen >= 2 + TCPOLEN_SACK_BLK && (olen - 2) % TCPOLEN_SACK_BLK == 0) {
				unsigned nb = (olen - 2) / TCPOLEN_SACK_BLK;
				for (unsigned b = 0; b < nb; b++) {
					o->sack[b].start = get_be32(v + 8 * b);
					o->sack[b].end = get_be32(v + 8 * b + 4);
				}
				o->nsack = (uint8_t)nb;
				o->present |= TCP_OPT_F_SACK;
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

int tcp_hdr_decode(const uint8_t *p, size_t len, struct tcp_hdr *h)
{
	if (len < TCP_HDR_MIN)
		return TCP_HDR_ETRUNC;
	unsigned hlen = (unsigned)(p[12] >> 4) * 4;
	if (hlen < TCP_HDR_MIN)
		return TCP_HDR_EDOFF;
	if (hlen > len)
		return TCP_HDR_ETRUNC;

	h->sport = get_be16(p);
	h->dport = get_be16(p + 2);
	h->seq = get_be32(p + 4);
	h->ack = get_be32(p + 8);
	h->hlen = (uint8_t)hlen;
	h->flags = p[13];
	h->wnd = get_be16(p + 14);
	h->csum = get_be16(p + 16);
	h->urp = get_be16(p + 18);

	struct tcp_opts *o = &h->opts;
	o->present = 0;
	o->nsack = 0;
	o->wscale = 0;
	o->mss = 0;
	o->ts_val = 0;
	o->ts_ecr = 0;
	if (hlen == TCP_HDR_MIN)
		return (int)hlen;
	/* Fast path: exactly NOP, NOP, TS (the usual established-state header). */
	if (hlen == TCP_HDR_MIN + 12 && get_be32(p + 20) == TCP_OPT_NOP_NOP_TS) {
		o->ts_val = get_be32(p + 24);
		o->ts_ecr = get_be32(p + 28);
		o->present = TCP_OPT_F_TS;
		return (int)hlen;
	}
	int err = decode_opts(p + TCP_HDR_MIN, hlen - TCP_HDR_MIN, o);
	return err ? err : (int)hlen;
}

/* Option bytes for everything but SACK blocks, each item padded to 4. */
static unsigned opts_base_len(const struct tcp_opts *o)
{
	unsigned n = 0;
	if (o->present & TCP_OPT_F_MSS)
		n += 4;
	if (o->present & TCP_OPT_F_TS)
		n += 12; /* SACKOK,TS or NOP,NOP,TS */
	else if (o->present & TCP_OPT_F_SACKOK)
		n += 4; /* NOP,NOP,SACKOK */
	if (o->present & TCP_OPT_F_WSCALE)
		n += 4; /* NOP,WS */
	return n;
}

/* SACK blocks that will be written: as many of nsack as fit after base bytes. */
static unsigned opts_sack_fit(const struct tcp_opts *o, unsigned base)
{
	if (!(o->present & TCP_OPT_F_SACK) || o->nsack == 0)
		return 0;
	unsigned n = o->nsack > TCP_MAX_SACK ? TCP_MAX_SACK : o->nsack;
	unsigned room = TCP_OPT_SPACE - base; /* base <= 20 */
	unsigned fit = room < 4 ? 0 : (room - 4) / TCPOLEN_SACK_BLK;
	return n < fit ? n : fit;
}

size_t tcp_opts_len(const struct tcp_opts *o)
{
	unsigned base = opts_base_len(o);
	unsigned ns = opts_sack_fit(o, base);
	return base + (ns ? 4 + ns * TCPOLEN_SACK_BLK : 0);
}

size_t tcp_hdr_encode(uint8_t *p, size_t cap, struct tcp_hdr *h)
{
	struct tcp_opts *o = &h->opts;
	unsigned base = opts_base_len(o);
	unsigned ns = opts_sack_fit(o, base);
	unsigned hlen = TCP_HDR_MIN + base + (ns ? 4 + ns * TCPOLEN_SACK_BLK : 0);

	if (cap < hlen)
		return 0;
	put_be16(p, h->sport);
	put_be16(p + 2, h->dport);
	put_be32(p + 4, h->seq);
	put_be32(p + 8, h->ack);
	p[12] = (uint8_t)((hlen / 4) << 4);
	p[13] = h->flags;
	put_be16(p + 14, h->wnd);
	put_be16(p + 16, h->csum);
	put_be16(p + 18, h->urp);

	uint8_t *q = p + TCP_HDR_MIN;
	if (o->present & TCP_OPT_F_MSS) {
		q[0] = TCPOPT_MSS;
		q[1] = TCPOLEN_MSS;
		put_be16(q + 2, o->mss);
		q += 4;
	}
	if (o->present & TCP_OPT_F_TS) {
		if (o->present & TCP_OPT_F_SACKOK) {
			q[0] = TCPOPT_SACKOK;
			q[1] = TCPOLEN_SACKOK;
		} else {
			q[0] = TCPOPT_NOP;
			q[1] = TCPOPT_NOP;
		}
		q[2] = TCPOPT_TS;
		q[3] = TCPOLEN_TS;
		put_be32(q + 4, o->ts_val);
		put_be32(q + 8, o->ts_ecr);
		q += 12;
	} else if (o->present & TCP_OPT_F_SACKOK) {
		q[0] = TCPOPT_NOP;
		q[1] = TCPOPT_NOP;
		q[2] = TCPOPT_SACKOK;
		q[3] = TCPOLEN_SACKOK;
		q += 4;
	}
	if (o->present & TCP_OPT_F_WSCALE) {
		q[0] = TCPOPT_NOP;
		q[1] = TCPOPT_WSCALE;
		q[2] = TCPOLEN_WSCALE;
		q[3] = o->wscale;
		q += 4;
	}
	if (ns) {
		q[0] = TCPOPT_NOP;
		q[1] = TCPOPT_NOP;
		q[2] = TCPOPT_SACK;
		q[3] = (uint8_t)(2 + ns * TCPOLEN_SACK_BLK);
		q += 4;
		for (unsigned b = 0; b < ns; b++, q += 8) {
			put_be32(q, o->sack[b].start);
			put_be32(q + 4, o->sack[b].end);
		}
	}
	o->nsack = (uint8_t)ns;
	if (!ns)
		o->present &= (uint8_t)~TCP_OPT_F_SACK;
	h->hlen = (uint8_t)hlen;
	return hlen;
}

const char *tcp_hdr_strerror(int err)
{
	switch (err) {
	case TCP_HDR_ETRUNC:
		return "truncated TCP header";
	case TCP_HDR_EDOFF:
		return "TCP data offset < 5";
	case TCP_HDR_EOPT:
		return "malformed TCP option";
	default:
		return err >= 0 ? "ok" : "unknown TCP header error";
	}
}

uint16_t tcp_csum_ipv4(uint32_t saddr, uint32_t daddr, const uint8_t *seg, size_t len)
{
	uint32_t ph = csum_pseudo_ipv4(saddr, daddr, 6, (uint32_t)len);
	return csum_fold(csum_partial(seg, len, ph));
}

uint16_t tcp_csum_ipv6(const uint8_t src[16], const uint8_t dst[16], const uint8_t *seg, size_t len)
{
	uint32_t ph = csum_pseudo_ipv6(src, dst, 6, (uint32_t)len);
	return csum_fold(csum_partial(seg, len, ph));
}
