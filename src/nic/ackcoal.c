/* SPDX-License-Identifier: BSD-2-Clause */
/* Coalescing of pure ACKs of offloaded flows (ackcoal.h). */
#include "nic/ackcoal.h"

#include <stdlib.h>
#include <string.h>

#include "proto/offload.h"
#include "proto/proto.h"
#include "tcp/seq.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/tcp_hdr.h"

#define ETH_HLEN      14
#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_IP6 0x86DD
#define TCPOPT_EOL    0
#define TCPOPT_NOP    1
#define TCPOPT_TS     8
#define TCPOLEN_TS    10

/* A flow as seen from the wire: the client's address and port, then the server's. Addresses
 * as 16 bytes: IPv6, or IPv4-mapped (::ffff:a.b.c.d) for IPv4. */
struct ackc_key {
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
};

/* The address at p (4 bytes when !v6, else 16) as a key address. */
static void key_addr(uint8_t out[16], const uint8_t *p, bool v6)
{
	if (v6) {
		memcpy(out, p, 16);
		return;
	}
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, p, 4);
}

/* The IP header of a TCP/IPv4 (IHL, no fragment check) or TCP/IPv6 frame (TCP right after the
 * fixed header): *l3 its length, *l4len the TCP length per the IP header, *v6. False for
 * anything else. */
static bool tcp_l3(const uint8_t *f, uint32_t hlen, uint32_t *l3, uint32_t *l4len, bool *v6)
{
	if (hlen < ETH_HLEN + 20)
		return false;
	const uint8_t *ip = f + ETH_HLEN;
	if (get_be16(f + 12) == ETHERTYPE_IP6) {
		if (hlen < ETH_HLEN + 40 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return false;
		*v6 = true;
		*l3 = 40;
		*l4len = get_be16(ip + 4);
		return true;
	}
	if (get_be16(f + 12) != ETHERTYPE_IP || ip[9] != 6)
		return false;
	*v6 = false;
	*l3 = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t tot = get_be16(ip + 2);
	*l4len = tot > *l3 ? tot - *l3 : 0;
	return true;
}

struct ackc_slot {
	struct ackc_key key;
	uint64_t learnt_at; /* 0: empty */
	uint32_t last_ack;  /* SEG.ACK of the flow's latest frame offered (when last_valid) */
	bool last_valid;
	/* the held ACK of this round */
	void *held;
	uint32_t held_seq, held_ack, held_tsval;
	bool held_ts;
};

struct nic_ackc {
	struct ackc_slot *slots;
	uint32_t mask;
	uint32_t *held; /* slot indexes with a held ACK, in holding order */
	uint32_t nheld, max_held;
	struct nic_ackc_stats st;
};

/* What a frame's headers say, when it is TCP over IPv4. */
struct ackc_seg {
	struct ackc_key key;
	uint32_t seq, ack, tsval;
	bool ts;
	bool plain; /* a pure ACK with only NOP/EOL/timestamp options */
};

struct nic_ackc *nic_ackc_new(uint32_t slots, uint32_t max_held)
{
	struct nic_ackc *c = calloc(1, sizeof(*c));
	uint32_t n = 16;

	if (!c)
		return NULL;
	while (n < slots && n < (1u << 24))
		n <<= 1;
	c->slots = calloc(n, sizeof(*c->slots));
	c->max_held = max_held ? max_held : 1;
	c->held = calloc(c->max_held, sizeof(*c->held));
	if (!c->slots || !c->held) {
		nic_ackc_free(c);
		return NULL;
	}
	c->mask = n - 1;
	return c;
}

void nic_ackc_free(struct nic_ackc *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->held);
	free(c);
}

static uint32_t key_hash(const struct ackc_key *k)
{
	uint64_t h = ((uint64_t)k->cport << 16 | k->sport) * 0xc2b2ae3d27d4eb4full;

	for (int i = 0; i < 16; i += 8) {
		h ^= get_be32(k->caddr + i) * 0x9e3779b97f4a7c15ull;
		h ^= get_be32(k->caddr + i + 4) * 0xff51afd7ed558ccdull;
		h ^= get_be32(k->saddr + i) * 0xc4ceb9fe1a85ec53ull;
		h ^= get_be32(k->saddr + i + 4) * 0x9e3779b97f4a7c15ull;
		h = (h << 17 | h >> 47) * 0x9e3779b97f4a7c15ull;
	}
	return (uint32_t)(h >> 32);
}

static bool key_eq(const struct ackc_key *a, const struct ackc_key *b)
{
	return memcmp(a->caddr, b->caddr, 16) == 0 && memcmp(a->saddr, b->saddr, 16) == 0 &&
	       a->cport == b->cport && a->sport == b->sport;
}

/* Options of a pure ACK that keep it plain: NOP, EOL and one timestamp (RFC 7323 3.2). */
static bool plain_options(const uint8_t *o, size_t len, struct ackc_seg *s)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i];
		if (kind == TCPOPT_EOL)
			return true;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (kind != TCPOPT_TS || s->ts || i + TCPOLEN_TS > len || o[i + 1] != TCPOLEN_TS)
			return false; /* SACK, anything else, or malformed */
		s->ts = true;
		s->tsval = get_be32(o + i + 2);
		i += TCPOLEN_TS;
	}
	return true;
}

enum parse_result { P_OTHER, P_ODD_TCP, P_TCP };

/* Parse an untagged Ethernet + IPv4 + TCP frame, or IPv6 with TCP right after the fixed
 * header: P_TCP and s filled; P_ODD_TCP for TCP this cannot read (fragment, bad IPv4 header
 * checksum, truncated); P_OTHER for anything else (IPv6 with extension headers too). */
static enum parse_result parse_tcp(const uint8_t *f, uint32_t hlen, uint32_t flen,
				   struct ackc_seg *s)
{
	uint32_t ihl, l4len;
	bool v6;
	if (!tcp_l3(f, hlen, &ihl, &l4len, &v6))
		return P_OTHER;
	const uint8_t *ip = f + ETH_HLEN;
	uint32_t tot = ihl + l4len;
	if (!v6 && ((ip[0] >> 4) != 4 || ihl < 20 || (get_be16(ip + 6) & 0x3fff) != 0 ||
		    get_be16(ip + 2) < ihl || inet_csum(ip, ihl) != 0))
		return P_ODD_TCP;
	if (ETH_HLEN + ihl + TCP_HDR_MIN > hlen || tot < ihl + TCP_HDR_MIN || ETH_HLEN + tot > flen)
		return P_ODD_TCP;
	const uint8_t *th = ip + ihl;
	uint32_t doff = (uint32_t)(th[12] >> 4) * 4;
	if (doff < TCP_HDR_MIN || ihl + doff > tot || ETH_HLEN + ihl + doff > hlen)
		return P_ODD_TCP;
	memset(s, 0, sizeof(*s));
	key_addr(s->key.caddr, ip + (v6 ? 8 : 12), v6);
	key_addr(s->key.saddr, ip + (v6 ? 24 : 16), v6);
	s->key.cport = get_be16(th);
	s->key.sport = get_be16(th + 2);
	s->seq = get_be32(th + 4);
	s->ack = get_be32(th + 8);
	s->plain = th[13] == TH_ACK && tot == ihl + doff &&
		   plain_options(th + TCP_HDR_MIN, doff - TCP_HDR_MIN, s);
	return P_TCP;
}

void nic_ackc_learn(struct nic_ackc *c, const uint8_t *payload, size_t len, uint64_t now_ns)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_send s;

	if (proto_frame_open(&it, payload, len) < 0)
		return;
	while (proto_next(&it, &cmd) > 0) {
		if ((cmd.type != PROTO_T_SEND && cmd.type != PROTO_T_TLS_SEND) ||
		    proto_send_decode(&cmd, &s) < 0 || s.tmpl_len < ETH_HLEN + 40)
			continue;
		const uint8_t *ip = s.tmpl + ETH_HLEN;
		uint32_t ihl, l4len;
		bool v6;
		if (!tcp_l3(s.tmpl, s.tmpl_len, &ihl, &l4len, &v6) ||
		    (!v6 && ((ip[0] >> 4) != 4 || ihl < 20)) ||
		    ETH_HLEN + ihl + TCP_HDR_MIN > s.tmpl_len)
			continue;
		/* the template is the server's segment: the client is its destination */
		struct ackc_key k = {.cport = get_be16(ip + ihl + 2), .sport = get_be16(ip + ihl)};
		key_addr(k.caddr, ip + (v6 ? 24 : 16), v6);
		key_addr(k.saddr, ip + (v6 ? 8 : 12), v6);
		struct ackc_slot *sl = &c->slots[key_hash(&k) & c->mask];
		if (!sl->learnt_at || !key_eq(&sl->key, &k)) {
			if (sl->held)
				continue; /* another flow's ACK is held this round: keep its slot */
			sl->key = k;
			sl->last_valid = false;
			c->st.learnt++;
		}
		sl->learnt_at = now_ns ? now_ns : 1;
	}
}

/* The slot of a known flow, or NULL. */
static struct ackc_slot *lookup(struct nic_ackc *c, const struct ackc_key *k, uint64_t now_ns)
{
	struct ackc_slot *sl = &c->slots[key_hash(k) & c->mask];

	if (!sl->learnt_at || !key_eq(&sl->key, k))
		return NULL;
	if (!sl->held && now_ns > sl->learnt_at + NIC_ACKC_TTL_NS) {
		sl->learnt_at = 0; /* no SEND for that long: forget it */
		return NULL;
	}
	return sl;
}

static void hold(struct nic_ackc *c, struct ackc_slot *sl, const struct ackc_seg *s, void *token)
{
	if (!sl->held)
		c->held[c->nheld++] = (uint32_t)(sl - c->slots);
	sl->held = token;
	sl->held_seq = s->seq;
	sl->held_ack = s->ack;
	sl->held_ts = s->ts;
	sl->held_tsval = s->tsval;
}

/* Does s acknowledge more than the held ACK, and nothing else differ in a way that matters? */
static bool covers_held(const struct ackc_slot *sl, const struct ackc_seg *s)
{
	if (!s->plain || s->seq != sl->held_seq || !SEQ_GT(s->ack, sl->held_ack) ||
	    s->ts != sl->held_ts)
		return false;
	return !s->ts || SEQ_GEQ(s->tsval, sl->held_tsval); /* RFC 7323 5.3: not older */
}

enum nic_ackc_verdict nic_ackc_offer(struct nic_ackc *c, const uint8_t *frame, uint32_t hlen,
				     uint32_t flen, void *token, uint64_t now_ns, void **before,
				     void **superseded)
{
	struct ackc_seg s;
	struct ackc_slot *sl;

	*before = NULL;
	*superseded = NULL;
	enum parse_result pr = parse_tcp(frame, hlen, flen, &s);
	if (pr != P_TCP || !(sl = lookup(c, &s.key, now_ns))) {
		c->st.passed++;
		return pr == P_ODD_TCP && c->nheld ? NIC_ACKC_FLUSH_FIRST : NIC_ACKC_FORWARD;
	}
	if (s.plain)
		c->st.plain++;
	/* Only an ACK that acknowledges new data may be held (and so merged): a duplicate ACK
	 * or a window update is always forwarded. */
	bool advancing = !sl->last_valid || SEQ_GT(s.ack, sl->last_ack);
	sl->last_ack = s.ack;
	sl->last_valid = true;
	if (sl->held) {
		if (covers_held(sl, &s)) {
			*superseded = sl->held;
			c->st.superseded++;
			hold(c, sl, &s, token);
			return NIC_ACKC_HELD;
		}
		/* the held ACK goes first, then this frame; the held list keeps a stale index,
		 * skipped by the flush */
		*before = sl->held;
		sl->held = NULL;
	}
	/* A plain ACK of new data is held for a newer one that may follow in this round. */
	if (s.plain && advancing && c->nheld < c->max_held) {
		hold(c, sl, &s, token);
		return NIC_ACKC_HELD;
	}
	c->st.passed++;
	return NIC_ACKC_FORWARD;
}

void nic_ackc_flush(struct nic_ackc *c, void (*emit)(void *arg, void *token), void *arg)
{
	for (uint32_t i = 0; i < c->nheld; i++) {
		struct ackc_slot *sl = &c->slots[c->held[i]];
		if (sl->held) {
			void *t = sl->held;
			sl->held = NULL;
			emit(arg, t);
		}
	}
	c->nheld = 0;
}

void nic_ackc_get_stats(const struct nic_ackc *c, struct nic_ackc_stats *st)
{
	*st = c->st;
}
