/* SPDX-License-Identifier: BSD-2-Clause */
/* Poll back-off: spins first, then 50 us doubling to 1 ms, reset on work. */
#include "../check.h"
#include "port/backoff.h"

static void test_backoff_schedule(void)
{
	struct port_backoff b;

	port_backoff_init(&b, 0, 0, 0);
	CHECK_EQ_U64(b.spin_limit, PORT_BACKOFF_SPINS);
	for (unsigned i = 0; i < PORT_BACKOFF_SPINS; i++)
		CHECK_EQ_U64(port_backoff_idle(&b), 0);
	static const uint32_t expect[] = {50, 100, 200, 400, 800, 1000, 1000, 1000};
	for (unsigned i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		CHECK_EQ_U64(port_backoff_idle(&b), expect[i]);
	CHECK_EQ_U64(b.sleeps, 8);

	/* Work resets to spinning, then the first sleep again. */
	port_backoff_reset(&b);
	for (unsigned i = 0; i < PORT_BACKOFF_SPINS; i++)
		CHECK_EQ_U64(port_backoff_idle(&b), 0);
	CHECK_EQ_U64(port_backoff_idle(&b), 50);
	CHECK_EQ_U64(b.sleeps, 9);

	/* Custom limits; a max below min is raised to min; a non-power-of-two max is hit exactly.
	 */
	port_backoff_init(&b, 1, 30, 10);
	CHECK_EQ_U64(port_backoff_idle(&b), 0);
	CHECK_EQ_U64(port_backoff_idle(&b), 30);
	CHECK_EQ_U64(port_backoff_idle(&b), 30);
	port_backoff_init(&b, 1, 40, 300);
	port_backoff_idle(&b);
	CHECK_EQ_U64(port_backoff_idle(&b), 40);
	CHECK_EQ_U64(port_backoff_idle(&b), 80);
	CHECK_EQ_U64(port_backoff_idle(&b), 160);
	CHECK_EQ_U64(port_backoff_idle(&b), 300);
	CHECK_EQ_U64(port_backoff_idle(&b), 300);
	/* Huge limits do not overflow. */
	port_backoff_init(&b, 1, 0x80000000u, 0xffffffffu);
	port_backoff_idle(&b);
	CHECK_EQ_U64(port_backoff_idle(&b), 0x80000000u);
	CHECK_EQ_U64(port_backoff_idle(&b), 0xffffffffu);

	/* The sleeping variant really sleeps only after spinning. */
	port_backoff_init(&b, 2, 10, 20);
	CHECK_EQ_U64(port_backoff_idle_sleep(&b), 0);
	CHECK_EQ_U64(port_backoff_idle_sleep(&b), 0);
	CHECK_EQ_U64(port_backoff_idle_sleep(&b), 10);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_backoff_schedule);
	RUN_DONE();
}
