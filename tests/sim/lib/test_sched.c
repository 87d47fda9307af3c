/* SPDX-License-Identifier: BSD-2-Clause */
/* Scheduler: (time, insertion) ordering, cancel (also from callbacks and with stale ids), clock
 * semantics of sim_step/sim_run_until/sim_stop, past times, wakeups, and a randomised stress run
 * checked against the ordering rule. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "../../unit/check.h"

enum { LOG_MAX = 64 };
static int log_buf[LOG_MAX];
static tcp_time_t log_time[LOG_MAX];
static int log_len;

static void record(struct sim *sim, void *ctx)
{
	if (log_len < LOG_MAX) {
		log_time[log_len] = sim_now(sim);
		log_buf[log_len++] = (int)(intptr_t)ctx;
	}
}

static void test_ordering(void)
{
	struct sim *sim = sim_new(1);
	static const tcp_time_t at[] = {50, 10, 30, 10, 50, 0, 30, 10};
	static const int want[] = {5, 1, 3, 7, 2, 6, 0, 4};

	log_len = 0;
	CHECK_EQ_U64(sim_now(sim), 0);
	CHECK_EQ_U64(sim_next_time(sim), TCP_TIME_NEVER);
	CHECK(!sim_step(sim));
	for (int i = 0; i < 8; i++)
		CHECK(sim_schedule(sim, at[i], record, (void *)(intptr_t)i) != SIM_TIMER_NONE);
	CHECK_EQ_U64(sim_pending(sim), 8);
	CHECK_EQ_U64(sim_next_time(sim), 0);
	CHECK_EQ_U64(sim_run_until(sim, 30), 6);
	CHECK_EQ_U64(sim_now(sim), 30);
	CHECK_EQ_U64(sim_next_time(sim), 50);
	CHECK(sim_step(sim));
	CHECK_EQ_U64(sim_now(sim), 50);
	CHECK_EQ_U64(sim_run_until(sim, TCP_TIME_NEVER), 1);
	CHECK_EQ_U64(sim_now(sim), 50); /* NEVER leaves the clock at the last event */
	CHECK_EQ_U64(log_len, 8);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ_U64(log_buf[i], want[i]);
		CHECK_EQ_U64(log_time[i], at[want[i]]);
	}
	CHECK_EQ_U64(sim_events_run(sim), 8);
	CHECK_EQ_U64(sim_pending(sim), 0);
	/* The clock moves to t even with nothing to run, and never backwards. */
	CHECK_EQ_U64(sim_run_until(sim, 1000), 0);
	CHECK_EQ_U64(sim_now(sim), 1000);
	CHECK_EQ_U64(sim_run_until(sim, 10), 0);
	CHECK_EQ_U64(sim_now(sim), 1000);
	sim_free(sim);
}

struct canceller {
	struct sim *sim;
	sim_timer_t victim;
	bool result;
};

static void cancel_other(struct sim *sim, void *ctx)
{
	struct canceller *c = ctx;

	c->result = sim_cancel(sim, c->victim);
	record(sim, (void *)(intptr_t)100);
}

static void test_cancel(void)
{
	struct sim *sim = sim_new(2);
	sim_timer_t a, b, c;
	struct canceller k = {.sim = sim};

	log_len = 0;
	a = sim_schedule(sim, 10, record, (void *)1);
	b = sim_schedule(sim, 20, record, (void *)2);
	c = sim_schedule(sim, 30, record, (void *)3);
	CHECK(a != b && b != c && a != SIM_TIMER_NONE);
	CHECK(sim_timer_pending(sim, b));
	CHECK(sim_cancel(sim, b));
	CHECK(!sim_timer_pending(sim, b));
	CHECK(!sim_cancel(sim, b)); /* twice */
	CHECK(!sim_cancel(sim, SIM_TIMER_NONE));
	CHECK(!sim_cancel(sim, 0xdeadbeef00000999ULL)); /* never issued */
	CHECK(!sim_cancel(sim, a + (1ULL << 32)));	/* wrong generation */
	CHECK_EQ_U64(sim_pending(sim), 2);

	/* A freed slot is reused with a new generation: the stale id must not hit the new event. */
	sim_timer_t d = sim_schedule(sim, 40, record, (void *)4);

	CHECK(d != b);
	CHECK(!sim_cancel(sim, b));
	CHECK(sim_timer_pending(sim, d));

	/* Cancel from inside a callback, of an event due at the same time. */
	k.victim = sim_schedule(sim, 30, record, (void *)5);
	sim_schedule(sim, 25, cancel_other, &k);
	sim_run_until(sim, 100);
	CHECK(k.result);
	CHECK_EQ_U64(log_len, 4);
	CHECK_EQ_U64(log_buf[0], 1);
	CHECK_EQ_U64(log_buf[1], 100);
	CHECK_EQ_U64(log_buf[2], 3);
	CHECK_EQ_U64(log_buf[3], 4);
	/* Ids of events that ran are stale. */
	CHECK(!sim_cancel(sim, a));
	CHECK(!sim_timer_pending(sim, c));
	sim_free(sim);
}

static void schedule_now(struct sim *sim, void *ctx)
{
	record(sim, ctx);
	/* Due "now": runs after what was already due at this time. */
	sim_schedule(sim, sim_now(sim), record, (void *)(intptr_t)((intptr_t)ctx + 10));
	/* In the past: clamped to now, after the one above. */
	sim_schedule(sim, 0, record, (void *)(intptr_t)((intptr_t)ctx + 20));
}

static void stopper(struct sim *sim, void *ctx)
{
	record(sim, ctx);
	sim_stop(sim);
}

static void test_now_past_stop_and_bad_input(void)
{
	struct sim *sim = sim_new(3);

	log_len = 0;
	sim_schedule(sim, 100, schedule_now, (void *)1);
	sim_schedule(sim, 100, record, (void *)2);
	sim_schedule(sim, 200, record, (void *)3);
	sim_run_until(sim, 150);
	CHECK_EQ_U64(log_len, 4);
	CHECK_EQ_U64(log_buf[0], 1);
	CHECK_EQ_U64(log_buf[1], 2);
	CHECK_EQ_U64(log_buf[2], 11);
	CHECK_EQ_U64(log_buf[3], 21);
	CHECK_EQ_U64(log_time[3], 100);

	/* sim_stop: returns after the stopping event, clock at that event. */
	sim_schedule(sim, 180, stopper, (void *)4);
	CHECK_EQ_U64(sim_run_until(sim, 1000), 1);
	CHECK_EQ_U64(sim_now(sim), 180);
	CHECK_EQ_U64(sim_run_until(sim, 1000), 1); /* the stop does not stick */
	CHECK_EQ_U64(sim_now(sim), 1000);
	CHECK_EQ_U64(log_buf[log_len - 1], 3);

	/* Refused: no callback, or never. */
	CHECK_EQ_U64(sim_schedule(sim, 5, NULL, NULL), SIM_TIMER_NONE);
	CHECK_EQ_U64(sim_schedule(sim, TCP_TIME_NEVER, record, NULL), SIM_TIMER_NONE);
	CHECK_EQ_U64(sim_pending(sim), 0);
	sim_free(sim);
	sim_free(NULL);
}

static int wake_count;

static void on_wake(struct sim *sim, void *ctx)
{
	wake_count++;
}

static void test_wakeup(void)
{
	struct sim *sim = sim_new(4);
	struct sim_wakeup w = SIM_WAKEUP_INIT;
	sim_timer_t first;

	CHECK(sim_wakeup_set(sim, &w, 100, on_wake, NULL));
	first = w.id;
	CHECK(sim_wakeup_set(sim, &w, 100, on_wake, NULL)); /* same deadline: no churn */
	CHECK_EQ_U64(w.id, first);
	CHECK(sim_wakeup_set(sim, &w, 50, on_wake, NULL)); /* moved earlier */
	CHECK(w.id != first);
	CHECK_EQ_U64(sim_pending(sim), 1);
	CHECK_EQ_U64(sim_next_time(sim), 50);
	sim_run_until(sim, 60);
	CHECK_EQ_U64(wake_count, 1);
	/* Fired: setting the same time again re-arms it. */
	CHECK(sim_wakeup_set(sim, &w, 50, on_wake, NULL));
	CHECK_EQ_U64(sim_pending(sim), 1);
	sim_run_until(sim, 60);
	CHECK_EQ_U64(wake_count, 2);
	CHECK(sim_wakeup_set(sim, &w, 300, on_wake, NULL));
	CHECK(sim_wakeup_set(sim, &w, TCP_TIME_NEVER, on_wake, NULL));
	CHECK_EQ_U64(sim_pending(sim), 0);
	CHECK(sim_wakeup_set(sim, &w, 400, on_wake, NULL));
	sim_wakeup_cancel(sim, &w);
	sim_wakeup_cancel(sim, &w);
	CHECK_EQ_U64(sim_pending(sim), 0);
	sim_run_until(sim, 1000);
	CHECK_EQ_U64(wake_count, 2);
	sim_free(sim);
}

/* Stress: many random schedules and cancels (some from callbacks); every event that runs must
 * come in (time, scheduling order) order, and exactly the uncancelled ones run. */
enum { STRESS_N = 200000 };
struct stress {
	struct sim *sim;
	struct rng rng;
	sim_timer_t id[STRESS_N];
	tcp_time_t at[STRESS_N];
	bool cancelled[STRESS_N], ran[STRESS_N];
	uint32_t n;
	tcp_time_t last_at;
	uint32_t last_idx;
	uint64_t order_errors, ran_count;
};
static struct stress st;

static void stress_add(tcp_time_t at);

static void stress_event(struct sim *sim, void *ctx)
{
	uint32_t i = (uint32_t)(uintptr_t)ctx;

	if (st.ran[i] || st.cancelled[i] || sim_now(sim) != st.at[i])
		st.order_errors++;
	if (st.ran_count && (st.at[i] < st.last_at || (st.at[i] == st.last_at && i < st.last_idx)))
		st.order_errors++;
	st.ran[i] = true;
	st.ran_count++;
	st.last_at = st.at[i];
	st.last_idx = i;
	/* Some events schedule more, at now or later, and cancel a random pending one. */
	if (st.n < STRESS_N && rng_chance(&st.rng, 0.5))
		stress_add(sim_now(sim) + rng_below(&st.rng, 3) * 1000);
	if (st.n > 0 && rng_chance(&st.rng, 0.1)) {
		uint32_t v = (uint32_t)rng_below(&st.rng, st.n);
		bool was = !st.ran[v] && !st.cancelled[v];

		if (sim_cancel(sim, st.id[v]) != was)
			st.order_errors++;
		if (was)
			st.cancelled[v] = true;
	}
}

static void stress_add(tcp_time_t at)
{
	uint32_t i = st.n++;

	st.at[i] = at < sim_now(st.sim) ? sim_now(st.sim) : at;
	st.id[i] = sim_schedule(st.sim, at, stress_event, (void *)(uintptr_t)i);
	if (st.id[i] == SIM_TIMER_NONE)
		st.order_errors++;
}

static void test_stress(void)
{
	uint64_t expect = 0;

	memset(&st, 0, sizeof(st));
	st.sim = sim_new(5);
	rng_seed(&st.rng, 5);
	for (int i = 0; i < STRESS_N / 2; i++)
		stress_add(rng_below(&st.rng, 1000) * 1000); /* many equal times */
	sim_run_until(st.sim, TCP_TIME_NEVER);
	for (uint32_t i = 0; i < st.n; i++) {
		expect += !st.cancelled[i];
		if (st.ran[i] == st.cancelled[i])
			st.order_errors++;
	}
	CHECK_EQ_U64(st.order_errors, 0);
	CHECK_EQ_U64(st.ran_count, expect);
	CHECK_EQ_U64(sim_events_run(st.sim), expect);
	CHECK(st.n > STRESS_N * 3 / 4);
	sim_free(st.sim);
}

static void test_rng_per_seed(void)
{
	struct sim *a = sim_new(9), *b = sim_new(9), *c = sim_new(10);

	CHECK_EQ_U64(sim_seed(a), 9);
	CHECK_EQ_U64(rng_u64(sim_rng(a)), rng_u64(sim_rng(b)));
	CHECK(rng_u64(sim_rng(a)) != rng_u64(sim_rng(c)));
	sim_free(a);
	sim_free(b);
	sim_free(c);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_ordering);
	RUN(test_cancel);
	RUN(test_now_past_stop_and_bad_input);
	RUN(test_wakeup);
	RUN(test_stress);
	RUN(test_rng_per_seed);
	RUN_DONE();
}
