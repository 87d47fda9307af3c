/* SPDX-License-Identifier: BSD-2-Clause */
/* The stage counter (port/cycles.h) on this architecture: it never goes backwards, it advances
 * across a sleep, cycles_lap() adds exactly the difference, and cycles_hz() gives a plausible
 * rate (1 MHz .. 100 GHz: a TSC, an arm64 generic timer or nanoseconds) once 1 ms has passed. */
#include <time.h>

#include "../check.h"
#include "port/cycles.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
	nanosleep(&ts, NULL);
}

static struct cycles_clock clk;

static void test_never_goes_backwards(void)
{
	uint64_t prev = cycles_now();
	for (int i = 0; i < 100000; i++) {
		uint64_t now = cycles_now();
		CHECK(now >= prev);
		prev = now;
	}
}

static void test_lap_adds_the_difference(void)
{
	uint64_t stage = 5, start = cycles_now();
	sleep_ms(20);
	uint64_t end = cycles_lap(&stage, start);
	CHECK(end > start);
	CHECK_EQ_U64(stage, 5 + (end - start));
}

static void test_rate_is_plausible(void)
{
	sleep_ms(2); /* cycles_hz needs 1 ms since cycles_clock_init, also when run alone */
	uint64_t hz = cycles_hz(&clk);
	printf("counter rate %llu Hz\n", (unsigned long long)hz);
	CHECK(hz >= 1000000u && hz <= 100000000000ull);
}

int main(int argc, char **argv)
{
	cycles_clock_init(&clk);
	RUN_INIT(argc, argv);
	RUN(test_never_goes_backwards);
	RUN(test_lap_adds_the_difference);
	RUN(test_rate_is_plausible);
	RUN_DONE();
}
