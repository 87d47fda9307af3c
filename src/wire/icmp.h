/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP for IPv4 (RFC 792): generic header decode, echo request/reply. */
#ifndef IOTCP_WIRE_ICMP_H
#define IOTCP_WIRE_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ICMP_HDR_LEN	       8
#define ICMP_TYPE_ECHO_REPLY   0
#define ICMP_TYPE_UNREACH      3
#define ICMP_TYPE_ECHO_REQUEST 8
#define ICMP_TYPE_TIME_EXCEED  11

/* A decoded ICMP message. id and seq are meaningful for echo request/reply only (they are
 * the raw "rest of header" word otherwise: rest = id << 16 | seq). */
struct icmp_msg {
	uint8_t type, code;
	uint16_t csum;
	uint16_t id, seq;
	const uint8_t *data; /* bytes after the 8-byte header */
	size_t data_len;
};

/* Errors from icmp_decode: always negative. */
enum {
	ICMP_E_TRUNC = -1, /* fewer than 8 bytes */
	ICMP_E_CSUM = -2,  /* checksum over the whole message does not verify */
};

/* Decode the ICMP message at p; len is the whole message (IPv4 payload length). The checksum
 * covers the whole message and is verified when verify_csum. Returns 0 or ICMP_E_*. */
int icmp_decode(const uint8_t *p, size_t len, struct icmp_msg *m, bool verify_csum);

/* Build an echo message (type ICMP_TYPE_ECHO_REQUEST or _REPLY, code 0) with id, seq and
 * data_len bytes of data; computes the checksum. Returns the message length or 0 when cap is
 * too small. */
size_t icmp_encode_echo(uint8_t *p, size_t cap, uint8_t type, uint16_t id, uint16_t seq,
			const uint8_t *data, size_t data_len);

/* Build the echo reply to the decoded echo request req (same id, seq and data). Returns the
 * message length, or 0 when req is not an echo request or cap is too small. */
size_t icmp_echo_reply(uint8_t *p, size_t cap, const struct icmp_msg *req);

/* Human-readable name of an icmp_decode error. */
const char *icmp_strerror(int err);

#endif
