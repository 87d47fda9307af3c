/* SPDX-License-Identifier: BSD-2-Clause */
/* Links: serialisation and delay timing, loss rate, Gilbert-Elliott bursts, reordering,
 * duplication, corruption, mtu, drop-tail queue, determinism per seed, stream independence,
 * reconfiguration, paths, and refused input. */
#include "link.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/check.h"

/* Test packets: a 4-byte big-endian sequence number, then a pattern derived from it. */
static void make_pkt(uint8_t *buf, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i);
	if (len >= 4) {
		buf[0] = (uint8_t)(seq >> 24);
		buf[1] = (uint8_t)(seq >> 16);
		buf[2] = (uint8_t)(seq >> 8);
		buf[3] = (uint8_t)seq;
	}
}

static uint32_t pkt_seq(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct arrival {
	tcp_time_t at;
	uint32_t seq;
	uint32_t len;
	uint64_t hash;
	uint8_t head[64]; /* first bytes, for the corruption test */
};

struct collector {
	struct sim *sim;
	struct arrival *a;
	size_t n, cap;
};

static uint64_t fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void collect(void *ctx, const uint8_t *pkt, size_t len)
{
	struct collector *c = ctx;
	struct arrival *a;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		struct arrival *na = realloc(c->a, ncap * sizeof(*na));

		if (!na)
			abort();
		c->a = na;
		c->cap = ncap;
	}
	a = &c->a[c->n++];
	a->at = sim_now(c->sim);
	a->seq = len >= 4 ? pkt_seq(pkt) : UINT32_MAX;
	a->len = (uint32_t)len;
	a->hash = fnv1a(pkt, len);
	memset(a->head, 0, sizeof(a->head));
	memcpy(a->head, pkt, len < sizeof(a->head) ? len : sizeof(a->head));
}

static void collector_free(struct collector *c)
{
	free(c->a);
	memset(c, 0, sizeof(*c));
}

/* Send n packets of len bytes, one every `gap` ns starting now, then run until all arrived. */
static void send_train(struct sim *sim, struct sim_link *link, uint32_t n, size_t len,
		       tcp_time_t gap)
{
	uint8_t buf[SIM_PKT_MAX];

	for (uint32_t i = 0; i < n; i++) {
		if (gap && i > 0)
			sim_run_until(sim, sim_now(sim) + gap);
		make_pkt(buf, len, i);
		CHECK(sim_link_send(link, buf, len) == 0);
	}
	sim_run_until(sim, TCP_TIME_NEVER);
}

static void test_serialisation(void)
{
	struct sim *sim = sim_new(1);
	struct sim_link_cfg cfg = {.rate_bps = 100000000, .delay = 10 * TCP_MSEC};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	const tcp_time_t pkt_time = 120 * TCP_USEC; /* 1500 B at 100 Mb/s */
	struct sim_link_stats s;

	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, 1000, 1500, 0); /* all at t = 0 */
	CHECK_EQ_U64(c.n, 1000);
	CHECK_EQ_U64(c.a[0].at, cfg.delay + pkt_time);
	/* The last one arrives 120 ms (+- one packet time) after the first bit left, plus delay. */
	CHECK(c.a[999].at >= cfg.delay + 120 * TCP_MSEC - pkt_time);
	CHECK(c.a[999].at <= cfg.delay + 120 * TCP_MSEC + pkt_time);
	for (size_t i = 1; i < c.n; i++) {
		CHECK_EQ_U64(c.a[i].at - c.a[i - 1].at, pkt_time);
		CHECK_EQ_U64(c.a[i].seq, i);
	}
	sim_link_stats(link, &s);
	CHECK_EQ_U64(s.sent, 1000);
	CHECK_EQ_U64(s.delivered, 1000);
	CHECK_EQ_U64(s.bytes_delivered, 1500000);
	CHECK_EQ_U64(s.in_flight, 0);
	sim_link_free(link);
	collector_free(&c);

	/* A rate that does not divide evenly: the fractions carry, so 1000 packets of 1500 B at
	 * 7 Mb/s take 12e9/7e6 s = 1714285714.28 ns, to the nanosecond. */
	cfg = (struct sim_link_cfg){.rate_bps = 7000000};
	link = sim_link_new(sim, &cfg, 1);
	c = (struct collector){.sim = sim};
	sim_link_set_sink(link, collect, &c);
	tcp_time_t start = sim_now(sim);

	send_train(sim, link, 1000, 1500, 0);
	CHECK_EQ_U64(c.n, 1000);
	CHECK_EQ_U64(c.a[999].at - start, 1714285714);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_delay_only(void)
{
	struct sim *sim = sim_new(2);
	struct sim_link_cfg cfg = {.delay = 25 * TCP_MSEC};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	uint8_t buf[100];

	sim_link_set_sink(link, collect, &c);
	for (uint32_t i = 0; i < 10; i++) {
		sim_run_until(sim, i * 3 * TCP_MSEC);
		make_pkt(buf, sizeof(buf), i);
		sim_link_send(link, buf, sizeof(buf));
		sim_link_send(link, buf, sizeof(buf)); /* infinite rate: same arrival time */
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	CHECK_EQ_U64(c.n, 20);
	for (size_t i = 0; i < c.n; i++) {
		CHECK_EQ_U64(c.a[i].seq, i / 2);
		CHECK_EQ_U64(c.a[i].at, (i / 2) * 3 * TCP_MSEC + 25 * TCP_MSEC);
	}
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_loss_rate(void)
{
	enum { N = 100000 };
	struct sim *sim = sim_new(3);
	struct sim_link_cfg cfg = {.loss = 0.05, .delay = TCP_MSEC};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;
	double rate;

	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, 40, TCP_USEC);
	sim_link_stats(link, &s);
	rate = (double)s.dropped_loss / N;
	CHECK(fabs(rate - 0.05) < 0.05 * 0.05); /* within 5% of p (~3.6 sigma) */
	CHECK_EQ_U64(s.delivered + s.dropped_loss, N);
	CHECK_EQ_U64(c.n, s.delivered);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

/* Mean length of runs of consecutive missing sequence numbers, and the loss fraction. */
static double mean_loss_run(const struct collector *c, uint32_t n, double *loss_frac)
{
	uint8_t *got = calloc(n, 1);
	uint64_t runs = 0, lost = 0;

	if (!got)
		abort();
	for (size_t i = 0; i < c->n; i++)
		if (c->a[i].seq < n)
			got[c->a[i].seq] = 1;
	for (uint32_t i = 0; i < n; i++) {
		if (got[i])
			continue;
		lost++;
		if (i == 0 || got[i - 1])
			runs++;
	}
	free(got);
	*loss_frac = (double)lost / n;
	return runs ? (double)lost / runs : 0;
}

static void test_gilbert_elliott(void)
{
	enum { N = 200000 };
	struct sim *sim = sim_new(4);
	struct sim_link_cfg cfg = {.p_gb = 0.01, .p_bg = 0.25, .loss_bad = 1.0};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	double frac, run;

	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, 40, TCP_USEC);
	run = mean_loss_run(&c, N, &frac);
	/* Bad-state sojourns last 1/p_bg = 4 packets on average; the stationary loss is
	 * p_gb / (p_gb + p_bg) = 3.85%. */
	CHECK(fabs(run - 4.0) < 0.4);
	CHECK(fabs(frac - 0.01 / 0.26) < 0.004);
	sim_link_free(link);
	collector_free(&c);

	/* Independent loss at the same rate has runs of ~1/(1-p): clearly shorter. */
	cfg = (struct sim_link_cfg){.loss = 0.01 / 0.26};
	link = sim_link_new(sim, &cfg, 1);
	c = (struct collector){.sim = sim};
	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, 40, TCP_USEC);
	run = mean_loss_run(&c, N, &frac);
	CHECK(run < 1.1);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

/* Arrivals whose sequence number is below one already seen: packets that were overtaken. */
static uint64_t count_late(const struct collector *c)
{
	uint64_t late = 0;
	uint32_t max = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (i > 0 && c->a[i].seq < max)
			late++;
		if (c->a[i].seq > max)
			max = c->a[i].seq;
	}
	return late;
}

static void test_reorder(void)
{
	enum { N = 20000 };
	struct sim *sim = sim_new(5);
	struct sim_link_cfg cfg = {
	    .delay = 5 * TCP_MSEC, .reorder = 0.1, .reorder_delay = TCP_MSEC};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;
	uint64_t late;

	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, 100, 100 * TCP_USEC);
	sim_link_stats(link, &s);
	late = count_late(&c);
	CHECK_EQ_U64(c.n, N);
	CHECK(fabs((double)s.reordered / N - 0.1) < 0.01);
	/* Each held-back packet is overtaken by the ~10 sent during its extra 1 ms (except
	 * perhaps the last few of the train, which nothing follows). */
	CHECK(late <= s.reordered && late + 10 >= s.reordered);
	sim_link_free(link);
	collector_free(&c);

	/* Jitter alone keeps FIFO ... */
	cfg = (struct sim_link_cfg){.delay = 5 * TCP_MSEC, .jitter = 2 * TCP_MSEC};
	link = sim_link_new(sim, &cfg, 1);
	c = (struct collector){.sim = sim};
	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, 2000, 100, 100 * TCP_USEC);
	CHECK_EQ_U64(count_late(&c), 0);
	sim_link_free(link);
	collector_free(&c);

	/* ... unless jitter may reorder; delays then span [delay - jitter, delay + jitter]. */
	cfg.jitter_reorders = true;
	link = sim_link_new(sim, &cfg, 1);
	c = (struct collector){.sim = sim};
	sim_link_set_sink(link, collect, &c);
	tcp_time_t start = sim_now(sim), lo = TCP_TIME_NEVER, hi = 0;

	send_train(sim, link, 2000, 100, 100 * TCP_USEC);
	CHECK(count_late(&c) > 100);
	for (size_t i = 0; i < c.n; i++) {
		tcp_time_t d = c.a[i].at - (start + c.a[i].seq * 100 * TCP_USEC);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	CHECK(lo >= 3 * TCP_MSEC && lo < 3 * TCP_MSEC + 50 * TCP_USEC);
	CHECK(hi <= 7 * TCP_MSEC && hi > 7 * TCP_MSEC - 50 * TCP_USEC);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_duplicate(void)
{
	enum { N = 20000 };
	struct sim *sim = sim_new(6);
	struct sim_link_cfg cfg = {.delay = TCP_MSEC, .duplicate = 0.2};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;
	uint8_t *count = calloc(N, 1);
	uint64_t twice = 0, bad = 0;

	if (!count)
		abort();
	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, 200, 50 * TCP_USEC);
	sim_link_stats(link, &s);
	for (size_t i = 0; i < c.n; i++) {
		if (c.a[i].seq >= N) {
			bad++;
			continue;
		}
		if (++count[c.a[i].seq] == 2) {
			twice++;
			/* The copy comes right after the original, identical. */
			if (i == 0 || c.a[i - 1].seq != c.a[i].seq ||
			    c.a[i - 1].hash != c.a[i].hash)
				bad++;
		}
	}
	for (uint32_t i = 0; i < N; i++)
		bad += count[i] < 1 || count[i] > 2;
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(twice, s.duplicated);
	CHECK_EQ_U64(s.delivered, N + s.duplicated);
	CHECK(fabs((double)s.duplicated / N - 0.2) < 0.02);
	free(count);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_corrupt(void)
{
	enum { N = 20000, LEN = 64 };
	struct sim *sim = sim_new(7);
	struct sim_link_cfg cfg = {.delay = TCP_MSEC, .corrupt = 0.1};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;
	uint64_t changed = 0, bad = 0, first_byte_hits = 0;
	uint8_t want[LEN];

	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, N, LEN, 10 * TCP_USEC);
	sim_link_stats(link, &s);
	CHECK_EQ_U64(c.n, N);
	/* FIFO, no loss: arrival i is packet i, whatever its (maybe corrupted) bytes say. */
	for (size_t i = 0; i < c.n; i++) {
		int flipped = 0;

		make_pkt(want, LEN, (uint32_t)i);
		bad += c.a[i].len != LEN;
		for (int b = 0; b < LEN; b++)
			flipped += __builtin_popcount(want[b] ^ c.a[i].head[b]);
		if (flipped) {
			changed++;
			bad += flipped > 3;
			first_byte_hits += want[0] != c.a[i].head[0];
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(changed, s.corrupted);
	CHECK(fabs((double)changed / N - 0.1) < 0.01);
	/* Bits are flipped anywhere: byte 0 of 64 gets roughly 1/64 * 2 flips per packet. */
	CHECK(first_byte_hits > 0 && first_byte_hits < changed / 10);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_mtu_and_invalid(void)
{
	struct sim *sim = sim_new(8);
	struct sim_link_cfg cfg = {.mtu = 1500};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;
	static uint8_t buf[SIM_PKT_MAX + 1];

	sim_link_set_sink(link, collect, &c);
	CHECK(sim_link_send(link, buf, 1500) == 0);
	CHECK(sim_link_send(link, buf, 1501) == 0); /* taken, and dropped like a real link */
	CHECK(sim_link_send(link, buf, 9000) == 0);
	CHECK(sim_link_send(link, buf, 0) == -EINVAL);
	CHECK(sim_link_send(link, NULL, 20) == -EINVAL);
	CHECK(sim_link_send(link, buf, SIM_PKT_MAX + 1) == -EINVAL);
	CHECK(sim_link_send(NULL, buf, 20) == -EINVAL);
	sim_run_until(sim, TCP_TIME_NEVER);
	sim_link_stats(link, &s);
	CHECK_EQ_U64(s.sent, 6);
	CHECK_EQ_U64(s.delivered, 1);
	CHECK_EQ_U64(c.n, 1);
	CHECK_EQ_U64(s.dropped_mtu, 2);
	CHECK_EQ_U64(s.dropped_invalid, 3);

	/* No mtu: the largest IPv4 packet passes. */
	cfg.mtu = 0;
	CHECK(sim_link_set_cfg(link, &cfg) == 0);
	CHECK(sim_link_send(link, buf, SIM_PKT_MAX) == 0);
	sim_run_until(sim, TCP_TIME_NEVER);
	CHECK_EQ_U64(c.n, 2);
	CHECK_EQ_U64(c.a[1].len, SIM_PKT_MAX);

	/* No sink: counted, not crashed. */
	sim_link_set_sink(link, NULL, NULL);
	sim_link_send(link, buf, 100);
	sim_run_until(sim, TCP_TIME_NEVER);
	sim_link_stats(link, &s);
	CHECK_EQ_U64(s.dropped_nosink, 1);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

static void test_queue(void)
{
	struct sim *sim = sim_new(9);
	struct sim_link_cfg cfg = {
	    .rate_bps = 100000000, .delay = TCP_MSEC, .queue_bytes = 10 * 1500};
	struct sim_link *link = sim_link_new(sim, &cfg, 1);
	struct collector c = {.sim = sim};
	struct sim_link_stats s;

	sim_link_set_sink(link, collect, &c);
	/* A burst of 50 at once: the buffer holds 10 packets (the one on the wire included). */
	send_train(sim, link, 50, 1500, 0);
	sim_link_stats(link, &s);
	CHECK_EQ_U64(s.delivered, 10);
	CHECK_EQ_U64(s.dropped_queue, 40);
	for (size_t i = 0; i < c.n; i++)
		CHECK_EQ_U64(c.a[i].seq, i); /* drop-tail: the first ten survive */
	sim_link_free(link);
	collector_free(&c);

	/* Paced at exactly the link rate, nothing is dropped; at twice the rate about half is. */
	link = sim_link_new(sim, &cfg, 2);
	c = (struct collector){.sim = sim};
	sim_link_set_sink(link, collect, &c);
	send_train(sim, link, 1000, 1500, 120 * TCP_USEC);
	sim_link_stats(link, &s);
	CHECK_EQ_U64(s.dropped_queue, 0);
	send_train(sim, link, 1000, 1500, 60 * TCP_USEC);
	sim_link_stats(link, &s);
	CHECK(s.dropped_queue > 450 && s.dropped_queue < 520);
	sim_link_free(link);
	collector_free(&c);
	sim_free(sim);
}

/* Every impairment at once, for the determinism tests. */
static const struct sim_link_cfg messy = {
    .rate_bps = 50000000,
    .delay = 3 * TCP_MSEC,
    .jitter = TCP_MSEC,
    .loss = 0.02,
    .p_gb = 0.005,
    .p_bg = 0.3,
    .loss_bad = 0.8,
    .reorder = 0.05,
    .duplicate = 0.03,
    .corrupt = 0.03,
    .mtu = 1400,
    .queue_bytes = 30000,
};

/* Delivery trace hash of n packets (sizes varying, some over the mtu) on link seed lseed,
 * optionally with a busy second link on the same simulator. */
static uint64_t messy_trace(uint64_t sim_seed, uint64_t lseed, bool other_traffic)
{
	struct sim *sim = sim_new(sim_seed);
	struct sim_link *link = sim_link_new(sim, &messy, lseed);
	struct sim_link *other = sim_link_new(sim, &messy, lseed + 1);
	struct collector c = {.sim = sim}, oc = {.sim = sim};
	uint8_t buf[1500];
	uint64_t h = 0xcbf29ce484222325ULL;

	sim_link_set_sink(link, collect, &c);
	sim_link_set_sink(other, collect, &oc);
	for (uint32_t i = 0; i < 5000; i++) {
		size_t len = 40 + (i * 7919) % 1460;

		sim_run_until(sim, sim_now(sim) + 150 * TCP_USEC);
		make_pkt(buf, len, i);
		sim_link_send(link, buf, len);
		if (other_traffic)
			for (int k = 0; k < 3; k++)
				sim_link_send(other, buf, len);
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	for (size_t i = 0; i < c.n; i++) {
		uint64_t rec[3] = {c.a[i].at, c.a[i].len, c.a[i].hash};

		h = (h ^ fnv1a((const uint8_t *)rec, sizeof(rec))) * 0x100000001b3ULL;
	}
	sim_link_free(link);
	sim_link_free(other);
	collector_free(&c);
	collector_free(&oc);
	sim_free(sim);
	return h;
}

static void test_determinism(void)
{
	uint64_t a = messy_trace(100, 1, false);

	CHECK_EQ_U64(messy_trace(100, 1, false), a);
	CHECK(messy_trace(101, 1, false) != a); /* another run seed */
	CHECK(messy_trace(100, 2, false) != a); /* another link seed */
	/* Traffic on another link does not change this one's randomness. */
	CHECK_EQ_U64(messy_trace(100, 1, true), a);
}

/* Turning other impairments on does not change which packets the loss stream drops. */
static void test_stream_separation(void)
{
	enum { N = 5000 };
	struct sim *sim = sim_new(11);
	struct sim_link_cfg cfg = {.loss = 0.1};
	struct sim_link *l1 = sim_link_new(sim, &cfg, 5);
	struct sim_link *l2;
	struct collector c1 = {.sim = sim}, c2 = {.sim = sim};
	uint8_t *got1 = calloc(N, 1), *got2 = calloc(N, 1);
	uint64_t diff = 0, lost = 0;

	if (!got1 || !got2)
		abort();
	cfg.duplicate = 0.3;
	cfg.reorder = 0.2;
	cfg.jitter = 10 * TCP_USEC;
	cfg.rate_bps = 10000000;
	l2 = sim_link_new(sim, &cfg, 5);
	sim_link_set_sink(l1, collect, &c1);
	sim_link_set_sink(l2, collect, &c2);
	send_train(sim, l1, N, 60, 100 * TCP_USEC);
	send_train(sim, l2, N, 60, 100 * TCP_USEC);
	for (size_t i = 0; i < c1.n; i++)
		got1[c1.a[i].seq] = 1;
	for (size_t i = 0; i < c2.n; i++)
		got2[c2.a[i].seq] = 1;
	for (uint32_t i = 0; i < N; i++) {
		diff += got1[i] != got2[i];
		lost += !got1[i];
	}
	CHECK_EQ_U64(diff, 0);
	CHECK(lost > N / 20 && lost < N * 3 / 20);
	CHECK(c2.n > c1.n); /* duplicates did happen */
	free(got1);
	free(got2);
	sim_link_free(l1);
	sim_link_free(l2);
	collector_free(&c1);
	collector_free(&c2);
	sim_free(sim);
}

static void test_cfg_and_path(void)
{
	struct sim *sim = sim_new(12);
	struct sim_link_cfg bad = {.loss = 1.5}, ok = {.delay = TCP_MSEC};
	const char *why = NULL;
	struct sim_link *link;
	struct sim_path *path;
	struct collector ca = {.sim = sim}, cb = {.sim = sim};
	uint8_t buf[100];

	CHECK(sim_link_cfg_check(&bad, &why) == -EINVAL);
	CHECK(why && strstr(why, "loss"));
	bad = (struct sim_link_cfg){.corrupt = NAN};
	CHECK(sim_link_cfg_check(&bad, &why) == -EINVAL);
	bad = (struct sim_link_cfg){.delay = SIM_LINK_TIME_MAX + 1};
	CHECK(sim_link_cfg_check(&bad, NULL) == -EINVAL);
	bad = (struct sim_link_cfg){.mtu = SIM_PKT_MAX + 1};
	CHECK(sim_link_cfg_check(&bad, NULL) == -EINVAL);
	CHECK(sim_link_cfg_check(NULL, &why) == -EINVAL);
	CHECK(sim_link_cfg_check(&ok, &why) == 0 && why == NULL);
	errno = 0;
	CHECK(sim_link_new(sim, &bad, 1) == NULL && errno == EINVAL);

	/* Reconfigure mid-run: packets in flight keep their delay, new ones get the new one. */
	link = sim_link_new(sim, &ok, 1);
	sim_link_set_sink(link, collect, &ca);
	make_pkt(buf, sizeof(buf), 1);
	sim_link_send(link, buf, sizeof(buf));
	CHECK(sim_link_set_cfg(link, &bad) == -EINVAL);
	CHECK_EQ_U64(sim_link_cfg(link)->delay, TCP_MSEC);
	ok.delay = 5 * TCP_MSEC;
	CHECK(sim_link_set_cfg(link, &ok) == 0);
	make_pkt(buf, sizeof(buf), 2);
	sim_link_send(link, buf, sizeof(buf));
	sim_run_until(sim, TCP_TIME_NEVER);
	CHECK_EQ_U64(ca.n, 2);
	CHECK_EQ_U64(ca.a[0].at, TCP_MSEC);
	CHECK_EQ_U64(ca.a[1].at, 5 * TCP_MSEC);
	/* Freed with packets in flight: their events go too. */
	sim_link_send(link, buf, sizeof(buf));
	CHECK_EQ_U64(sim_pending(sim), 1);
	sim_link_free(link);
	CHECK_EQ_U64(sim_pending(sim), 0);
	collector_free(&ca);

	/* A path: two directions with their own configuration and random streams. */
	struct sim_link_cfg lossy = {.loss = 0.5, .delay = 2 * TCP_MSEC};

	path = sim_path_new(sim, &lossy, NULL, 77);
	CHECK(path != NULL);
	if (!path)
		goto out;
	ca = (struct collector){.sim = sim};
	sim_link_set_sink(path->a_to_b, collect, &ca);
	sim_link_set_sink(path->b_to_a, collect, &cb);
	CHECK_EQ_U64(sim_link_cfg(path->b_to_a)->delay, 2 * TCP_MSEC);
	for (uint32_t i = 0; i < 200; i++) {
		make_pkt(buf, sizeof(buf), i);
		sim_link_send(path->a_to_b, buf, sizeof(buf));
		sim_link_send(path->b_to_a, buf, sizeof(buf));
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	CHECK(ca.n > 60 && cb.n > 60);
	bool same = ca.n == cb.n;

	for (size_t i = 0; same && i < ca.n; i++)
		same = ca.a[i].seq == cb.a[i].seq;
	CHECK(!same);
	sim_path_free(path);
	sim_path_free(NULL);
out:
	collector_free(&ca);
	collector_free(&cb);
	sim_free(sim);
}

/* A sink that replies on the reverse link and frees its own link on the last packet. */
struct echo {
	struct sim_link *in, *out;
	uint32_t got;
};

static void echo_sink(void *ctx, const uint8_t *pkt, size_t len)
{
	struct echo *e = ctx;

	e->got++;
	sim_link_send(e->out, pkt, len);
	if (pkt_seq(pkt) == 9) {
		sim_link_free(e->in);
		e->in = NULL;
	}
}

static void test_sink_reentry(void)
{
	struct sim *sim = sim_new(13);
	struct sim_link_cfg cfg = {.delay = TCP_MSEC};
	struct echo e;
	struct collector back = {.sim = sim};
	uint8_t buf[40];

	e.in = sim_link_new(sim, &cfg, 1);
	e.out = sim_link_new(sim, &cfg, 2);
	e.got = 0;
	sim_link_set_sink(e.in, echo_sink, &e);
	sim_link_set_sink(e.out, collect, &back);
	for (uint32_t i = 0; i < 10; i++) {
		make_pkt(buf, sizeof(buf), i);
		sim_link_send(e.in, buf, sizeof(buf));
	}
	sim_run_until(sim, TCP_TIME_NEVER);
	CHECK_EQ_U64(e.got, 10);
	CHECK(e.in == NULL);
	CHECK_EQ_U64(back.n, 10);
	CHECK_EQ_U64(back.a[9].at, 2 * TCP_MSEC);
	sim_link_free(e.out);
	collector_free(&back);
	sim_free(sim);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_serialisation);
	RUN(test_delay_only);
	RUN(test_loss_rate);
	RUN(test_gilbert_elliott);
	RUN(test_reorder);
	RUN(test_duplicate);
	RUN(test_corrupt);
	RUN(test_mtu_and_invalid);
	RUN(test_queue);
	RUN(test_determinism);
	RUN(test_stream_separation);
	RUN(test_cfg_and_path);
	RUN(test_sink_reentry);
	RUN_DONE();
}
