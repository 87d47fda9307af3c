/* SPDX-License-Identifier: BSD-2-Clause */
/* Tuple helpers (tuple.h). */
#include "tcp/tuple.h"

#include <string.h>

static size_t put_addr(uint8_t *p, uint32_t a4, const struct ipv6_addr *a6, uint8_t family)
{
	if (family == TCP_AF_INET6) {
		memcpy(p, a6->b, 16);
		return 16;
	}
	p[0] = (uint8_t)(a4 >> 24);
	p[1] = (uint8_t)(a4 >> 16);
	p[2] = (uint8_t)(a4 >> 8);
	p[3] = (uint8_t)a4;
	return 4;
}

size_t tcp_tuple_key(const struct tcp_tuple *t, uint8_t out[TCP_TUPLE_KEY_MAX])
{
	size_t n = put_addr(out, t->laddr, &t->laddr6, t->family);
	n += put_addr(out + n, t->raddr, &t->raddr6, t->family);
	out[n++] = (uint8_t)(t->lport >> 8);
	out[n++] = (uint8_t)t->lport;
	out[n++] = (uint8_t)(t->rport >> 8);
	out[n++] = (uint8_t)t->rport;
	return n;
}

bool tcp_addr4_bad(uint32_t a)
{
	return a == 0 || a == 0xffffffffu || (a & 0xf0000000u) == 0xe0000000u;
}

bool tcp_addr6_bad(const struct ipv6_addr *a)
{
	return ipv6_addr_is_unspecified(a) || ipv6_addr_is_multicast(a) ||
	       ipv6_addr_is_v4mapped(a);
}
