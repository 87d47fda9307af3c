/* SPDX-License-Identifier: BSD-2-Clause */
/* RFC 4987 section 3.6 SYN cookies: round trip, tampering, time slots, MSS table, forgery. */
#include "../check.h"
#include "tcp/syncookie.h"

#define SLOT (64 * TCP_SEC)

static const struct tcp_tuple base = {
    .laddr = 0xc6120001,
    .raddr = 0xc6120002,
    .lport = 80,
    .rport = 40000,
};
static const uint16_t table[8] = {536, 1220, 1360, 1400, 1440, 1460, 4312, 8960};

static struct tcp_secret secret(uint8_t seed)
{
	struct tcp_secret s;

	for (unsigned i = 0; i < sizeof(s.key); i++)
		s.key[i] = (uint8_t)(seed * 13 + i);
	return s;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_round_trip_and_tampering(void)
{
	struct tcp_secret s = secret(1), s2 = secret(2);
	const uint32_t isn = 0x12345678;
	const tcp_time_t now = 1000 * TCP_SEC;
	uint16_t mss = 0, got = 0;
	uint32_t c = tcp_syncookie_make(&s, &base, isn, 1460, now, &mss);
	struct tcp_tuple t;

	CHECK_EQ_U64(mss, 1460);
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, now, &got));
	CHECK_EQ_U64(got, 1460);
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, now, NULL));

	/* Wrong tuple, ports, sequence or acknowledgment numbers, or secret. */
	t = base;
	t.laddr ^= 1;
	CHECK(!tcp_syncookie_check(&s, &t, isn + 1, c + 1, now, &got));
	t = base;
	t.raddr ^= 0x100;
	CHECK(!tcp_syncookie_check(&s, &t, isn + 1, c + 1, now, &got));
	t = base;
	t.lport++;
	CHECK(!tcp_syncookie_check(&s, &t, isn + 1, c + 1, now, &got));
	t = base;
	t.rport--;
	CHECK(!tcp_syncookie_check(&s, &t, isn + 1, c + 1, now, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn, c + 1, now, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 2, c + 1, now, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c, now, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 2, now, &got));
	CHECK(!tcp_syncookie_check(&s2, &base, isn + 1, c + 1, now, &got));
	/* Any single flipped bit (hash, time counter or MSS index) is detected. */
	for (int bit = 0; bit < 32; bit++)
		CHECK(!tcp_syncookie_check(&s, &base, isn + 1, (c ^ (1u << bit)) + 1, now, &got));
	/* Sequence wrap-around: client ISN 0xffffffff, ACK seq 0. */
	c = tcp_syncookie_make(&s, &base, 0xffffffff, 1460, now, NULL);
	CHECK(tcp_syncookie_check(&s, &base, 0, c + 1, now, &got));
}

static void test_time_slots(void)
{
	struct tcp_secret s = secret(3);
	const uint32_t isn = 777;
	const tcp_time_t start = 100 * SLOT; /* the beginning of slot 100 */
	uint16_t got;
	uint32_t c = tcp_syncookie_make(&s, &base, isn, 1400, start + SLOT - 1, NULL);

	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + SLOT - 1, &got));
	/* Accepted throughout the next slot ... */
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + SLOT, &got));
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + 2 * SLOT - 1, &got));
	CHECK_EQ_U64(got, 1400);
	/* ... rejected two slots later, and when the 5-bit counter comes round again. */
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + 2 * SLOT, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + 32 * SLOT, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 1, start + 33 * SLOT, &got));
	/* Not valid before it was made (a clock stepping back a slot is the caller's problem). */
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 1, start - 1, &got));

	/* At time 0 there is no previous slot; nothing underflows. */
	c = tcp_syncookie_make(&s, &base, isn, 1460, 0, NULL);
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, 0, &got));
	CHECK(tcp_syncookie_check(&s, &base, isn + 1, c + 1, SLOT + 5, &got));
	CHECK(!tcp_syncookie_check(&s, &base, isn + 1, c + 1, 2 * SLOT, &got));
}

static void check_mss(const struct tcp_secret *s, uint16_t mss, uint16_t want)
{
	uint16_t enc = 0, dec = 0;
	uint32_t c = tcp_syncookie_make(s, &base, 42, mss, 5 * TCP_SEC, &enc);

	CHECK_EQ_U64(enc, want);
	CHECK(tcp_syncookie_check(s, &base, 43, c + 1, 6 * TCP_SEC, &dec));
	CHECK_EQ_U64(dec, want);
}

static void test_mss_table(void)
{
	struct tcp_secret s = secret(4);

	for (int i = 0; i < 8; i++) {
		check_mss(&s, table[i], table[i]);
		check_mss(&s, (uint16_t)(table[i] + 1), table[i]);
		if (i > 0)
			check_mss(&s, (uint16_t)(table[i] - 1), table[i - 1]);
	}
	check_mss(&s, 65535, 8960);
	check_mss(&s, 9000, 8960);
	/* Below the IPv4 default: the smallest entry. */
	check_mss(&s, 535, 536);
	check_mss(&s, 0, 536);
}

static void test_forgery(void)
{
	struct tcp_secret s = secret(5);
	uint64_t x = 0x9e3779b97f4a7c15;
	const uint32_t seq = 1001;
	const tcp_time_t now = 77 * SLOT + 3;
	unsigned valid = 0;

	/* 100000 random ACK numbers for a fixed tuple and seq: expected 2/32 * 2^-24 * 1e5. */
	for (int i = 0; i < 100000; i++)
		valid += tcp_syncookie_check(&s, &base, seq, (uint32_t)xorshift(&x), now, NULL);
	CHECK(valid <= 2);
	/* Random seq and ack together. */
	valid = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t r = xorshift(&x);
		uint32_t seq_r = (uint32_t)r, ack_r = (uint32_t)(r >> 32);

		valid += tcp_syncookie_check(&s, &base, seq_r, ack_r, now, NULL);
	}
	CHECK(valid <= 2);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_round_trip_and_tampering);
	RUN(test_time_slots);
	RUN(test_mss_table);
	RUN(test_forgery);
	RUN_DONE();
}
