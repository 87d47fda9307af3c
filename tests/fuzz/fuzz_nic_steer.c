/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for host shard steering (src/nic/steer.h): any Ethernet frame from the wire.
 * Properties:
 *  - the shard is below the shard count, or NIC_STEER_ALL (only with more than one shard);
 *  - one shard: always shard 0;
 *  - the same frame always gets the same shard;
 *  - a TCP frame (IPv4 or IPv6) with its addresses and ports swapped (the other direction of
 *    the connection) gets the same shard.
 * Any violation is a __builtin_trap(). */
#include <stdint.h>
#include <string.h>

#include "nic/steer.h"
#include "wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                 \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

#define MAX_FRAME 9216

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/* The frame with source and destination address and port swapped; false if not TCP. */
static bool reversed(const uint8_t *data, size_t size, uint8_t *out)
{
	struct pkt_view v;

	if (pkt_decode_eth(data, size, &v, PKT_NO_CSUM_CHECK) != PKT_OK ||
	    (v.kind != PKT_KIND_TCP && v.kind != PKT_KIND_TCP6))
		return false;
	memcpy(out, data, size);
	size_t l3 = (size_t)(v.l3 - data), l4 = (size_t)(v.l4 - data);
	if (v.kind == PKT_KIND_TCP)
		swap_bytes(out + l3 + 12, out + l3 + 16, 4);
	else
		swap_bytes(out + l3 + 8, out + l3 + 24, 16);
	swap_bytes(out + l4, out + l4 + 2, 2);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rev[MAX_FRAME];
	struct nic_steer s = {.key = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

	if (size > MAX_FRAME)
		return 0;
	bool is_tcp = reversed(data, size, rev);
	for (unsigned n = 1; n <= NIC_STEER_MAX_SHARDS; n++) {
		s.nshards = n;
		unsigned k = nic_steer_frame(&s, data, size);
		REQUIRE(k < n || (k == NIC_STEER_ALL && n > 1));
		REQUIRE(n > 1 || k == 0);
		REQUIRE(nic_steer_frame(&s, data, size) == k);
		if (is_tcp)
			REQUIRE(nic_steer_frame(&s, rev, size) == k);
	}
	return 0;
}
