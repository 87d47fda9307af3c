/* SPDX-License-Identifier: BSD-2-Clause */
/* SYN cookies, RFC 4987 section 3.6. Cookie (32 bits):
 *   bits 31..8  keyed hash of (tuple, client ISN, time slot, MSS index), top 24 bits
 *   bits  7..3  time slot mod 32 (64 s slots)
 *   bits  2..0  MSS table index
 * The hash covers the slot number and MSS index, so neither can be altered; a cookie is valid in
 * the slot it was made in and the next one (64..128 s). */
#include "tcp/syncookie.h"

#include "tcp/tuple.h"
#include "util/siphash.h"

#define COOKIE_SLOT_LEN   (64 * TCP_SEC)
#define COOKIE_SLOT_BITS  5
#define COOKIE_MSS_BITS   3
#define COOKIE_LOW_BITS   (COOKIE_SLOT_BITS + COOKIE_MSS_BITS)
#define COOKIE_DOMAIN     0x43

/* Common MSS values: IPv4 minimum, IPv6 minimum (1280 - 60), tunnels, Ethernet over IPv6
 * (1440) and IPv4 (1460), jumbo frames. */
static const uint16_t cookie_mss_table[1u << COOKIE_MSS_BITS] = {
	536, 1220, 1360, 1400, 1440, 1460, 4312, 8960,
};

/* The largest table entry <= mss; an MSS below 536 (the IPv4 default every host accepts,
 * RFC 9293 section 3.7.1) still maps to entry 0. */
static unsigned mss_index(uint16_t mss)
{
	unsigned idx = 0;

	for (unsigned i = 1; i < (1u << COOKIE_MSS_BITS); i++)
		if (cookie_mss_table[i] <= mss)
			idx = i;
	return idx;
}

static uint32_t cookie_hash(const struct tcp_secret *s, const struct tcp_tuple *t,
			    uint32_t client_isn, uint64_t slot, unsigned idx)
{
	uint8_t buf[1 + TCP_TUPLE_KEY_MAX + 4 + 8 + 1];
	size_t n = 0;

	buf[n++] = COOKIE_DOMAIN;
	n += tcp_tuple_key(t, buf + n); /* both addresses whole, IPv6 included */
	for (int i = 24; i >= 0; i -= 8)
		buf[n++] = (uint8_t)(client_isn >> i);
	for (int i = 56; i >= 0; i -= 8)
		buf[n++] = (uint8_t)(slot >> i);
	buf[n++] = (uint8_t)idx;
	return (uint32_t)siphash24(s->key, buf, n);
}

static uint32_t cookie_for_slot(const struct tcp_secret *s, const struct tcp_tuple *t,
				uint32_t client_isn, uint64_t slot, unsigned idx)
{
	uint32_t low = (uint32_t)((slot & ((1u << COOKIE_SLOT_BITS) - 1)) << COOKIE_MSS_BITS) | idx;

	return (cookie_hash(s, t, client_isn, slot, idx) & ~((1u << COOKIE_LOW_BITS) - 1)) | low;
}

uint32_t tcp_syncookie_make(const struct tcp_secret *s, const struct tcp_tuple *t,
			    uint32_t client_isn, uint16_t mss, tcp_time_t now, uint16_t *mss_out)
{
	unsigned idx = mss_index(mss);

	if (mss_out)
		*mss_out = cookie_mss_table[idx];
	return cookie_for_slot(s, t, client_isn, now / COOKIE_SLOT_LEN, idx);
}

bool tcp_syncookie_check(const struct tcp_secret *s, const struct tcp_tuple *t, uint32_t seq,
			 uint32_t ack, tcp_time_t now, uint16_t *mss_out)
{
	uint32_t cookie = ack - 1, client_isn = seq - 1;
	unsigned idx = cookie & ((1u << COOKIE_MSS_BITS) - 1);
	uint32_t count = (cookie >> COOKIE_MSS_BITS) & ((1u << COOKIE_SLOT_BITS) - 1);
	uint64_t cur = now / COOKIE_SLOT_LEN;

	/* Accept the current slot and the previous one only. */
	for (uint64_t age = 0; age <= 1 && age <= cur; age++) {
		uint64_t slot = cur - age;

		if ((slot & ((1u << COOKIE_SLOT_BITS) - 1)) != count)
			continue;
		if (cookie_for_slot(s, t, client_isn, slot, idx) != cookie)
			continue;
		if (mss_out)
			*mss_out = cookie_mss_table[idx];
		return true;
	}
	return false;
}
