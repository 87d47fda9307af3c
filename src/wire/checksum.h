/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksum (RFC 1071) with incremental update (RFC 1624).
 *
 * Byte order convention: every 16-bit value here (partial sums, checksums, old/new field
 * values) is the HOST-ORDER value of a big-endian (network order) 16-bit word. Store a result
 * with a big-endian write (e.g. p[0] = c >> 8; p[1] = c & 0xff). A "partial sum" is a 32-bit
 * accumulator whose end-around-carry fold is the one's complement sum; partial sums can be
 * added together freely with csum_add() as long as each one covers an even-offset block (see
 * csum_block_add() for blocks that start at an odd offset of the message). */
#ifndef IOTCP_WIRE_CHECKSUM_H
#define IOTCP_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's complement sum of len bytes at p (any alignment, any length; an odd final byte is
 * padded with zero, RFC 1071 section 4.1), added to sum. p[0] is taken as the high byte of
 * the first word, i.e. p must start at an even offset of the checksummed message. Returns a
 * partial sum (already folded to 16 bits). */
uint32_t csum_partial(const void *p, size_t len, uint32_t sum);

/* Copy len bytes from src to dst and return csum_partial(src, len, sum). */
uint32_t csum_partial_copy(void *dst, const void *src, size_t len, uint32_t sum);

/* Add two partial sums (end-around carry). */
static inline uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;
	return s + (s < a);
}

/* Fold a partial sum to 16 bits WITHOUT complementing it. */
static inline uint16_t csum_reduce(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Fold a partial sum to 16 bits and complement it: the value for a checksum field. */
static inline uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~csum_reduce(sum);
}

/* Add the partial sum of a block that starts at byte offset off of the message (computed
 * with csum_partial as if it started at an even offset): an odd offset swaps its bytes. */
static inline uint32_t csum_block_add(uint32_t sum, uint32_t block, size_t off)
{
	if (off & 1) {
		uint16_t b = csum_reduce(block);
		block = (uint32_t)(uint16_t)((b << 8) | (b >> 8));
	}
	return csum_add(sum, block);
}

/* Internet checksum of a whole message: the value to store (0 over a message whose checksum
 * field is correct). */
uint16_t inet_csum(const void *p, size_t len);

/* Partial sum of the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768): source, destination
 * (host order), zero + protocol, and the L4 length (header + payload). */
uint32_t csum_pseudo_ipv4(uint32_t saddr, uint32_t daddr, uint8_t proto, uint32_t l4_len);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source and destination
 * (16 network-order bytes each), the 32-bit upper-layer length, three zero bytes and the
 * Next Header value of the upper-layer protocol. */
uint32_t csum_pseudo_ipv6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
			  uint32_t l4_len);

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the new checksum after a 16-bit field changes
 * from old16 to new16. */
uint16_t csum_update16(uint16_t csum, uint16_t old16, uint16_t new16);

/* Same for a 32-bit field at an even offset (e.g. a TCP sequence number or an address). */
uint16_t csum_update32(uint16_t csum, uint32_t old32, uint32_t new32);

#endif
