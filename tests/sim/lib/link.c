/* SPDX-License-Identifier: BSD-2-Clause */
/* Unidirectional simulated link: validation, mtu, loss, drop-tail queue + serialisation,
 * delay/jitter, reordering, duplication, corruption (see link.h for the exact model). Every
 * copy in flight is a heap-allocated buffer with one scheduled arrival event, on a per-link
 * list so the link can discard them when freed. */
#include "link.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One random stream per impairment: enabling one never shifts another's draws. */
enum link_stream {
	STREAM_LOSS,
	STREAM_GE,
	STREAM_JITTER,
	STREAM_REORDER,
	STREAM_DUP,
	STREAM_CORRUPT,
	STREAM_COUNT,
};

struct flight {
	struct flight *prev, *next;
	struct sim_link *link;
	sim_timer_t timer;
	uint32_t len;
	uint8_t data[];
};

struct sim_link {
	struct sim *sim;
	struct sim_link_cfg cfg;
	struct rng rng[STREAM_COUNT];
	struct sim_link_stats stats;

	sim_link_sink_fn sink;
	void *sink_ctx;
	struct sim_pcap *pcap;
	bool pcap_drops;

	bool ge_bad;		/* Gilbert-Elliott state */
	tcp_time_t busy_until;	/* transmitter busy until (ns, rounded down) ... */
	uint64_t busy_frac;	/* ... plus busy_frac / rate_bps ns */
	tcp_time_t fifo_floor;	/* latest arrival given to an in-order packet */
	struct flight *flights; /* copies in flight, newest first */
};

#define LINK_SEED_SALT 0x4c494e4b53494dULL /* "LINKSIM" */

static tcp_time_t time_add(tcp_time_t a, tcp_time_t b)
{
	return a > TCP_TIME_NEVER - 1 - b ? TCP_TIME_NEVER - 1 : a + b;
}

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0; /* false for NaN */
}

int sim_link_cfg_check(const struct sim_link_cfg *cfg, const char **why)
{
	const char *bad = NULL;

	if (!cfg)
		bad = "cfg is NULL";
	else if (!prob_ok(cfg->loss))
		bad = "loss not in [0, 1]";
	else if (!prob_ok(cfg->p_gb))
		bad = "p_gb not in [0, 1]";
	else if (!prob_ok(cfg->p_bg))
		bad = "p_bg not in [0, 1]";
	else if (!prob_ok(cfg->loss_bad))
		bad = "loss_bad not in [0, 1]";
	else if (!prob_ok(cfg->reorder))
		bad = "reorder not in [0, 1]";
	else if (!prob_ok(cfg->duplicate))
		bad = "duplicate not in [0, 1]";
	else if (!prob_ok(cfg->corrupt))
		bad = "corrupt not in [0, 1]";
	else if (cfg->delay > SIM_LINK_TIME_MAX)
		bad = "delay too large";
	else if (cfg->jitter > SIM_LINK_TIME_MAX)
		bad = "jitter too large";
	else if (cfg->reorder_delay > SIM_LINK_TIME_MAX)
		bad = "reorder_delay too large";
	else if (cfg->mtu > SIM_PKT_MAX)
		bad = "mtu larger than SIM_PKT_MAX";
	if (why)
		*why = bad;
	return bad ? -EINVAL : 0;
}

struct sim_link *sim_link_new(struct sim *sim, const struct sim_link_cfg *cfg, uint64_t seed)
{
	static const struct sim_link_cfg perfect;
	struct sim_link *link;
	uint64_t base;

	if (!cfg)
		cfg = &perfect;
	if (!sim || sim_link_cfg_check(cfg, NULL) != 0) {
		errno = EINVAL;
		return NULL;
	}
	link = calloc(1, sizeof(*link));
	if (!link)
		return NULL;
	link->sim = sim;
	link->cfg = *cfg;
	base = rng_derive(sim_seed(sim) ^ LINK_SEED_SALT, seed);
	for (int i = 0; i < STREAM_COUNT; i++)
		rng_seed(&link->rng[i], rng_derive(base, (uint64_t)i));
	return link;
}

void sim_link_free(struct sim_link *link)
{
	struct flight *f, *next;

	if (!link)
		return;
	for (f = link->flights; f; f = next) {
		next = f->next;
		sim_cancel(link->sim, f->timer);
		free(f);
	}
	free(link);
}

void sim_link_set_sink(struct sim_link *link, sim_link_sink_fn sink, void *ctx)
{
	link->sink = sink;
	link->sink_ctx = ctx;
}

int sim_link_set_cfg(struct sim_link *link, const struct sim_link_cfg *cfg)
{
	if (sim_link_cfg_check(cfg, NULL) != 0)
		return -EINVAL;
	link->cfg = *cfg;
	if (cfg->p_gb <= 0.0)
		link->ge_bad = false;
	return 0;
}

const struct sim_link_cfg *sim_link_cfg(const struct sim_link *link)
{
	return &link->cfg;
}

void sim_link_stats(const struct sim_link *link, struct sim_link_stats *out)
{
	*out = link->stats;
}

void sim_link_set_pcap(struct sim_link *link, struct sim_pcap *p, bool log_drops)
{
	link->pcap = p;
	link->pcap_drops = p && log_drops;
}

static void count_drop(struct sim_link *link, uint64_t *counter, const void *pkt, size_t len)
{
	(*counter)++;
	if (link->pcap_drops)
		sim_pcap_write(link->pcap, sim_now(link->sim), pkt, len);
}

static void flight_unlink(struct sim_link *link, struct flight *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		link->flights = f->next;
	if (f->next)
		f->next->prev = f->prev;
	link->stats.in_flight--;
}

static void deliver(struct sim *sim, void *ctx)
{
	struct flight *f = ctx;
	struct sim_link *link = f->link;

	flight_unlink(link, f);
	if (!link->sink) {
		count_drop(link, &link->stats.dropped_nosink, f->data, f->len);
		goto out;
	}
	link->stats.delivered++;
	link->stats.bytes_delivered += f->len;
	if (link->pcap)
		sim_pcap_write(link->pcap, sim_now(sim), f->data, f->len);
	/* The sink may free the link: nothing below touches it. */
	link->sink(link->sink_ctx, f->data, f->len);
out:
	free(f);
}

/* Steps 3: independent loss, then the Gilbert-Elliott chain (one transition per packet). */
static bool lose_packet(struct sim_link *link)
{
	const struct sim_link_cfg *c = &link->cfg;
	struct rng *ge = &link->rng[STREAM_GE];
	bool lost = rng_chance(&link->rng[STREAM_LOSS], c->loss);

	if (c->p_gb > 0.0) {
		if (link->ge_bad)
			link->ge_bad = !rng_chance(ge, c->p_bg);
		else
			link->ge_bad = rng_chance(ge, c->p_gb);
		if (link->ge_bad && rng_chance(ge, c->loss_bad))
			lost = true;
	}
	return lost;
}

/* Bytes not yet serialised at time now (fluid view of the transmitter's backlog). */
static uint64_t queued_bytes(const struct sim_link *link, tcp_time_t now)
{
	unsigned __int128 bits;

	if (link->busy_until <= now)
		return 0;
	bits = (unsigned __int128)(link->busy_until - now) * link->cfg.rate_bps;
	return (uint64_t)((bits + 8 * TCP_SEC - 1) / (8 * TCP_SEC));
}

/* Step 4: queue the packet behind the transmitter; returns when its last bit leaves, or
 * TCP_TIME_NEVER when the drop-tail buffer overflows. Exact: the fractional nanoseconds of
 * each packet's serialisation time carry over to the next. */
static tcp_time_t serialise(struct sim_link *link, size_t len, tcp_time_t now)
{
	const struct sim_link_cfg *c = &link->cfg;
	unsigned __int128 num;

	if (c->rate_bps == 0)
		return now;
	if (c->queue_bytes && queued_bytes(link, now) + len > c->queue_bytes)
		return TCP_TIME_NEVER;
	if (link->busy_until < now) {
		link->busy_until = now;
		link->busy_frac = 0;
	}
	num = (unsigned __int128)len * 8 * TCP_SEC + link->busy_frac;
	link->busy_until = time_add(link->busy_until, (tcp_time_t)(num / c->rate_bps));
	link->busy_frac = (uint64_t)(num % c->rate_bps);
	return link->busy_until;
}

/* Step 5: propagation delay and jitter, FIFO unless jitter may reorder. */
static tcp_time_t arrival_time(struct sim_link *link, tcp_time_t tx_done)
{
	const struct sim_link_cfg *c = &link->cfg;
	tcp_time_t at = time_add(tx_done, c->delay);

	if (c->jitter) {
		at = time_add(at, rng_below(&link->rng[STREAM_JITTER], 2 * c->jitter + 1));
		at = at - tx_done >= c->jitter ? at - c->jitter : tx_done;
	}
	if (!c->jitter_reorders && at < link->fifo_floor)
		at = link->fifo_floor;
	return at;
}

/* Step 8: flip 1..3 distinct random bits. */
static void corrupt_bits(struct rng *r, uint8_t *data, size_t len)
{
	uint64_t bits[3];
	unsigned n = 1 + (unsigned)rng_below(r, 3);

	for (unsigned i = 0; i < n; i++) {
		bool fresh;

		do {
			bits[i] = rng_below(r, (uint64_t)len * 8);
			fresh = true;
			for (unsigned j = 0; j < i; j++)
				fresh = fresh && bits[j] != bits[i];
		} while (!fresh);
		data[bits[i] / 8] ^= (uint8_t)(1u << (bits[i] % 8));
	}
}

/* Put one copy in flight, arriving at `at`. */
static int launch_copy(struct sim_link *link, const void *pkt, size_t len, tcp_time_t at)
{
	struct flight *f = malloc(sizeof(*f) + len);

	if (!f)
		goto nomem;
	f->link = link;
	f->len = (uint32_t)len;
	memcpy(f->data, pkt, len);
	if (rng_chance(&link->rng[STREAM_CORRUPT], link->cfg.corrupt)) {
		corrupt_bits(&link->rng[STREAM_CORRUPT], f->data, len);
		link->stats.corrupted++;
	}
	f->timer = sim_schedule(link->sim, at, deliver, f);
	if (f->timer == SIM_TIMER_NONE) {
		free(f);
		goto nomem;
	}
	f->prev = NULL;
	f->next = link->flights;
	if (f->next)
		f->next->prev = f;
	link->flights = f;
	link->stats.in_flight++;
	return 0;
nomem:
	count_drop(link, &link->stats.dropped_nomem, pkt, len);
	return -ENOMEM;
}

int sim_link_send(struct sim_link *link, const void *pkt, size_t len)
{
	const struct sim_link_cfg *c;
	tcp_time_t now, tx_done, at;
	bool held, dup;
	int ret;

	if (!link)
		return -EINVAL;
	c = &link->cfg;
	now = sim_now(link->sim);
	link->stats.sent++;
	if (!pkt || len == 0 || len > SIM_PKT_MAX) {
		link->stats.dropped_invalid++;
		return -EINVAL;
	}
	if (c->mtu && len > c->mtu) {
		count_drop(link, &link->stats.dropped_mtu, pkt, len);
		return 0;
	}
	if (lose_packet(link)) {
		count_drop(link, &link->stats.dropped_loss, pkt, len);
		return 0;
	}
	tx_done = serialise(link, len, now);
	if (tx_done == TCP_TIME_NEVER) {
		count_drop(link, &link->stats.dropped_queue, pkt, len);
		return 0;
	}
	at = arrival_time(link, tx_done);
	held = rng_chance(&link->rng[STREAM_REORDER], c->reorder);
	if (held && c->reorder_skips_delay) {
		at = tx_done; /* netem: no delay, overtaking what is still under way */
		link->stats.reordered++;
	} else if (held) {
		at = time_add(at,
			      c->reorder_delay ? c->reorder_delay : SIM_LINK_REORDER_DELAY_DEFAULT);
		link->stats.reordered++;
	} else if (at > link->fifo_floor) {
		link->fifo_floor = at;
	}
	dup = rng_chance(&link->rng[STREAM_DUP], c->duplicate);
	ret = launch_copy(link, pkt, len, at);
	if (ret == 0 && dup && launch_copy(link, pkt, len, at) == 0)
		link->stats.duplicated++;
	return ret;
}

struct sim_path *sim_path_new(struct sim *sim, const struct sim_link_cfg *cfg_ab,
			      const struct sim_link_cfg *cfg_ba, uint64_t seed)
{
	struct sim_path *path = calloc(1, sizeof(*path));
	int err;

	if (!path)
		return NULL;
	if (!cfg_ba)
		cfg_ba = cfg_ab;
	path->a_to_b = sim_link_new(sim, cfg_ab, rng_derive(seed, 1));
	if (!path->a_to_b)
		goto fail;
	path->b_to_a = sim_link_new(sim, cfg_ba, rng_derive(seed, 2));
	if (!path->b_to_a)
		goto fail;
	return path;
fail:
	err = errno;
	sim_link_free(path->a_to_b);
	free(path);
	errno = err;
	return NULL;
}

void sim_path_free(struct sim_path *path)
{
	if (!path)
		return;
	sim_link_free(path->a_to_b);
	sim_link_free(path->b_to_a);
	free(path);
}
