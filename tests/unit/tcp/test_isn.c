/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 6528 ISNs and RFC 7323 timestamp offsets. */
#include "../check.h"
#include "tcp/isn.h"

static const struct tcp_tuple base = {
    .laddr = 0xc6120001,
    .raddr = 0xc6120002,
    .lport = 80,
    .rport = 40000,
};

static struct tcp_secret secret(uint8_t seed)
{
	struct tcp_secret s;

	for (unsigned i = 0; i < sizeof(s.key); i++)
		s.key[i] = (uint8_t)(seed * 31 + i * 7);
	return s;
}

static void test_isn_clock(void)
{
	struct tcp_secret s = secret(1);
	uint32_t isn0 = tcp_isn(&s, &base, 0);

	/* Deterministic, and M advances once per 4 microseconds (RFC 6528 section 3). */
	CHECK_EQ_U64(tcp_isn(&s, &base, 0), isn0);
	CHECK_EQ_U64(tcp_isn(&s, &base, 3999), isn0);
	CHECK_EQ_U64((uint32_t)(tcp_isn(&s, &base, 4 * TCP_USEC) - isn0), 1);
	CHECK_EQ_U64((uint32_t)(tcp_isn(&s, &base, 1 * TCP_SEC) - isn0), 250000);
	/* M wraps in 4.77 hours, like the RFC 793 clock. */
	CHECK_EQ_U64(tcp_isn(&s, &base, (tcp_time_t)4 * TCP_USEC << 32), isn0);
}

static void test_isn_keyed(void)
{
	struct tcp_secret s = secret(1), s2 = secret(2);
	uint32_t isn0 = tcp_isn(&s, &base, 0);
	struct tcp_tuple t;

	/* F depends on every tuple field and on the secret. */
	t = base;
	t.laddr++;
	CHECK(tcp_isn(&s, &t, 0) != isn0);
	t = base;
	t.raddr++;
	CHECK(tcp_isn(&s, &t, 0) != isn0);
	t = base;
	t.lport++;
	CHECK(tcp_isn(&s, &t, 0) != isn0);
	t = base;
	t.rport++;
	CHECK(tcp_isn(&s, &t, 0) != isn0);
	t = base; /* swapping the ends gives another connection's ISN space */
	t.laddr = base.raddr;
	t.raddr = base.laddr;
	CHECK(tcp_isn(&s, &t, 0) != isn0);
	CHECK(tcp_isn(&s2, &base, 0) != isn0);

	/* Neighbouring ports spread over the whole space: no collisions among 4096, and the top
	 * bit is set about half the time. */
	static uint32_t seen[4096];
	unsigned top = 0, dup = 0;
	t = base;
	for (unsigned i = 0; i < 4096; i++) {
		t.rport = (uint16_t)(10000 + i);
		seen[i] = tcp_isn(&s, &t, 0);
		top += seen[i] >> 31;
		for (unsigned j = 0; j < i; j++)
			dup += seen[j] == seen[i];
	}
	CHECK_EQ_U64(dup, 0);
	CHECK(top > 1800 && top < 2300);
}

static void test_ts_offset(void)
{
	struct tcp_secret s = secret(1), s2 = secret(2);
	struct tcp_tuple t = base;
	uint32_t off = tcp_ts_offset(&s, &base);

	CHECK_EQ_U64(tcp_ts_offset(&s, &base), off);
	CHECK(tcp_ts_offset(&s2, &base) != off);
	t.rport++;
	CHECK(tcp_ts_offset(&s, &t) != off);
	/* A distinct hash from the ISN's F: knowing one reveals nothing about the other. */
	CHECK(off != tcp_isn(&s, &base, 0));
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_isn_clock);
	RUN(test_isn_keyed);
	RUN(test_ts_offset);
	RUN_DONE();
}
