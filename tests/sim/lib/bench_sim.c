/* SPDX-License-Identifier: BSD-2-Clause */
/* Scheduler and link throughput (not a test): prints events/s and packets/s in wall time. */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t fired;

static void on_event(struct sim *sim, void *ctx)
{
	fired++;
}

/* A timer that re-arms itself, like an endpoint's retransmission timer on every ACK. */
struct rearm {
	struct sim_wakeup w;
	uint64_t left;
};

static void on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
	fired++;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	struct sim *sim = sim_new(1);
	struct rng r;
	double t0, t1;

	if (!sim)
		return 1;
	rng_seed(&r, 1);

	/* 1: n events at random times, all pending at once, then run. */
	t0 = wall();
	for (uint64_t i = 0; i < n; i++)
		sim_schedule(sim, rng_below(&r, 10 * TCP_SEC), on_event, NULL);
	sim_run_until(sim, TCP_TIME_NEVER);
	t1 = wall();
	printf("schedule+run %10llu events, %llu pending peak: %6.1f M events/s\n",
	       (unsigned long long)fired, (unsigned long long)n, fired / (t1 - t0) / 1e6);

	/* 2: cancel-and-reschedule churn with ~10k pending timers. */
	struct sim_wakeup *w = calloc(10000, sizeof(*w));

	if (!w)
		return 1;
	t0 = wall();
	for (uint64_t i = 0; i < n; i++) {
		struct sim_wakeup *x = &w[rng_below(&r, 10000)];

		sim_wakeup_set(sim, x, sim_now(sim) + 200 * TCP_MSEC + rng_below(&r, TCP_MSEC),
			       on_event, NULL);
		if (i % 100 == 0)
			sim_run_until(sim, sim_now(sim) + TCP_MSEC);
	}
	t1 = wall();
	printf("re-arm       %10llu times, %llu pending:       %6.1f M re-arms/s\n",
	       (unsigned long long)n, (unsigned long long)sim_pending(sim), n / (t1 - t0) / 1e6);
	for (int i = 0; i < 10000; i++)
		sim_wakeup_cancel(sim, &w[i]);
	free(w);

	/* 3: n packets of 1500 B through a 10 Gb/s link with 1 ms delay and light impairments. */
	struct sim_link_cfg cfg = {.rate_bps = 10000000000ULL,
				   .delay = TCP_MSEC,
				   .jitter = 10 * TCP_USEC,
				   .loss = 0.001,
				   .duplicate = 0.001};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	static uint8_t pkt[1500];

	if (!link)
		return 1;
	sim_link_set_sink(link, on_packet, NULL);
	fired = 0;
	t0 = wall();
	for (uint64_t i = 0; i < n; i++) {
		sim_link_send(link, pkt, sizeof(pkt));
		sim_run_until(sim, sim_now(sim) + 1200); /* line rate */
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	t1 = wall();
	printf("link         %10llu packets delivered:          %6.1f M packets/s\n",
	       (unsigned long long)fired, fired / (t1 - t0) / 1e6);
	sim_link_free(link);
	sim_free(sim);
	return 0;
}
