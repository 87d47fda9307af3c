/* SPDX-License-Identifier: BSD-2-Clause */
/* The timer wheel (src/util/wheel.h): timers fire in their slot's sweep and never early unless
 * beyond the span, re-arming from the callback lands in a later sweep, a long idle gap is
 * skipped, and a randomized run against a brute-force model: every timer fires exactly once,
 * never before its due time and at the latest one slot after it. */
#include "../check.h"
#include "util/rng.h"
#include "util/wheel.h"

#define N 2000

struct item {
	struct wheel_timer t;
	uint64_t due;
	uint64_t fired_at; /* 0: not yet */
	int fires;
};

static struct item items[N];
static uint64_t sweep_now;
static struct wheel W;

static void on_fire(struct wheel_timer *t, void *arg)
{
	struct item *it = (struct item *)t;
	(void)arg;
	if (t->due > sweep_now) { /* handed back early (beyond the span): re-arm */
		wheel_arm(&W, t, t->due);
		return;
	}
	it->fired_at = sweep_now;
	it->fires++;
}

/* Fires in its slot's sweep, a past due fires at the next sweep, beyond the span comes back
 * early, cancel disarms, an idle wheel jumps a long gap. */
static void test_fires_in_slot(void)
{
	CHECK(wheel_init(&W, 8, 10, 1000) == 0);
	CHECK_EQ_U64(W.nslots, 8);
	struct item a = {0}, b = {0}, c = {0};
	wheel_arm(&W, &a.t, 1015);
	wheel_arm(&W, &b.t, 1500); /* beyond the 80 span: comes back early */
	wheel_arm(&W, &c.t, 900);  /* in the past: the next sweep */
	CHECK(wheel_armed(&a.t) && wheel_armed(&b.t));
	sweep_now = 1005;
	CHECK_EQ_U64(wheel_sweep(&W, sweep_now, on_fire, NULL), 1); /* c */
	CHECK_EQ_U64(c.fires, 1);
	CHECK_EQ_U64(a.fires, 0);
	sweep_now = 1019;
	wheel_sweep(&W, sweep_now, on_fire, NULL);
	CHECK_EQ_U64(a.fires, 1);
	CHECK(!wheel_armed(&a.t));
	wheel_cancel(&W, &b.t);
	CHECK(!wheel_armed(&b.t));
	CHECK_EQ_U64(W.armed, 0);
	/* an idle wheel jumps over a long gap */
	sweep_now = 1000000;
	CHECK_EQ_U64(wheel_sweep(&W, sweep_now, on_fire, NULL), 0);
	CHECK_EQ_U64(W.cur, 1000000 / 10 + 1);
	wheel_free(&W);
}

static void test_model(uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	CHECK(wheel_init(&W, 64, 8, 0) == 0);
	memset(items, 0, sizeof(items));
	uint64_t now = 0;
	for (int step = 0; step < 4000; step++) {
		/* arm, re-arm or cancel a few */
		for (int k = 0; k < 3; k++) {
			struct item *it = &items[rng_u64(&r) % N];
			uint32_t op = (uint32_t)(rng_u64(&r) % 10);
			if (op < 7) {
				it->due = now + rng_u64(&r) % 1500; /* up to 3x the 512 span */
				it->fired_at = 0;
				it->fires = 0;
				wheel_arm(&W, &it->t, it->due);
			} else if (op < 8) {
				wheel_cancel(&W, &it->t);
				it->due = 0;
			}
		}
		now += rng_u64(&r) % 20;
		sweep_now = now;
		wheel_sweep(&W, now, on_fire, NULL);
		for (int i = 0; i < N; i++) {
			struct item *it = &items[i];
			if (!it->due)
				continue;
			/* fired exactly once, never before its due, and at the latest by the sweep
			 * after its slot (one tick late when it came back early within its slot) */
			bool must = it->due / 8 < now / 8, mustnt = it->due > now;
			if ((must && it->fires != 1) || (mustnt && it->fires) || it->fires > 1 ||
			    (it->fires && it->fired_at < it->due)) {
				CHECK(false);
				fprintf(stderr,
					"seed %" PRIu64 " item %d due %" PRIu64
					" fires %d at %" PRIu64 " now %" PRIu64 "\n",
					seed, i, it->due, it->fires, it->fired_at, now);
				wheel_free(&W);
				return;
			}
			if (it->fires)
				it->due = 0; /* done */
		}
	}
	wheel_free(&W);
}

/* Randomized against a brute-force model, five seeds. */
static void test_matches_model(void)
{
	for (uint64_t s = 1; s <= 5; s++)
		test_model(s);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_fires_in_slot);
	RUN(test_matches_model);
	RUN_DONE();
}
