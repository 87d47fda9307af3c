/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP for IPv4, RFC 792: generic header, echo and echo reply. */
#include "wire/icmp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

int icmp_decode(const uint8_t *p, size_t len, struct icmp_msg *m, bool verify_csum)
{
	if (len < ICMP_HDR_LEN)
		return ICMP_E_TRUNC;
	/* RFC 792: the checksum is over the whole ICMP message, type onwards. */
	if (verify_csum && inet_csum(p, len) != 0)
		return ICMP_E_CSUM;
	m->type = p[0];
	m->code = p[1];
	m->csum = get_be16(p + 2);
	m->id = get_be16(p + 4);
	m->seq = get_be16(p + 6);
	m->data = p + ICMP_HDR_LEN;
	m->data_len = len - ICMP_HDR_LEN;
	return 0;
}

size_t icmp_encode_echo(uint8_t *p, size_t cap, uint8_t type, uint16_t id, uint16_t seq,
			const uint8_t *data, size_t data_len)
{
	if (cap < ICMP_HDR_LEN || data_len > cap - ICMP_HDR_LEN)
		return 0;
	p[0] = type;
	p[1] = 0;
	p[2] = 0;
	p[3] = 0;
	put_be16(p + 4, id);
	put_be16(p + 6, seq);
	if (data_len)
		memmove(p + ICMP_HDR_LEN, data, data_len); /* data may live in p (in-place reply) */
	put_be16(p + 2, inet_csum(p, ICMP_HDR_LEN + data_len));
	return ICMP_HDR_LEN + data_len;
}

size_t icmp_echo_reply(uint8_t *p, size_t cap, const struct icmp_msg *req)
{
	if (req->type != ICMP_TYPE_ECHO_REQUEST)
		return 0;
	return icmp_encode_echo(p, cap, ICMP_TYPE_ECHO_REPLY, req->id, req->seq, req->data,
				req->data_len);
}

const char *icmp_strerror(int err)
{
	switch (err) {
	case ICMP_E_TRUNC:
		return "truncated ICMP message";
	case ICMP_E_CSUM:
		return "bad ICMP checksum";
	default:
		return err >= 0 ? "ok" : "unknown ICMP error";
	}
}
