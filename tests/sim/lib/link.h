/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulated network links carrying raw IPv4 packets (byte buffers; the link never parses them).
 *
 * A struct sim_link is UNIDIRECTIONAL. Each packet passed to sim_link_send() at sim_now() goes
 * through these stages, in this order:
 *   1. validation: NULL, empty or > SIM_PKT_MAX bytes is refused (-EINVAL, dropped_invalid);
 *   2. mtu: len > mtu is dropped (dropped_mtu);
 *   3. loss: independent loss with probability `loss`, then the Gilbert-Elliott chain (if
 *      p_gb > 0: the state moves good->bad with p_gb and bad->good with p_bg once per packet,
 *      and in the bad state the packet is lost with probability loss_bad) (dropped_loss);
 *   4. queue + rate: a drop-tail buffer of queue_bytes in front of a transmitter of rate_bps.
 *      The queue holds the bytes not yet serialised (the packet on the wire included); a
 *      packet that would overflow it is dropped (dropped_queue). With rate_bps == 0 the link
 *      is infinitely fast and never queues;
 *   5. delay: arrival = end of serialisation + delay + a uniform offset in [-jitter, +jitter]
 *      (never before the end of serialisation). Packets stay FIFO - a packet never arrives
 *      before one sent earlier - unless jitter_reorders is set;
 *   6. reorder: with probability `reorder`, the packet is held back reorder_delay more, so later
 *      packets overtake it (reordered); with reorder_skips_delay (netem's model, tc-netem(8)
 *      "reorder"), it instead skips the propagation delay and jitter and overtakes the packets
 *      still under way;
 *   7. duplicate: with probability `duplicate` a copy arrives right after the original, at the
 *      same virtual time (duplicated);
 *   8. corrupt: each delivered copy, with probability `corrupt`, gets 1 to 3 distinct random bits
 *      flipped anywhere in the packet (corrupted).
 * At the arrival time the sink callback gets the packet (delivered, bytes_delivered).
 *
 * Randomness: a link's random streams derive from sim_seed() and the link's own seed, one
 * stream per impairment, so traffic on one link never changes another link's randomness, and
 * turning one impairment on does not change which packets another one hits. */
#ifndef IOTCP_TESTS_SIM_LINK_H
#define IOTCP_TESTS_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcap.h"
#include "sim.h"

#define SIM_PKT_MAX		       65535u /* the largest IPv4 packet */
#define SIM_LINK_REORDER_DELAY_DEFAULT (1 * TCP_MSEC)
#define SIM_LINK_TIME_MAX	       (3600 * TCP_SEC) /* bound for delay-like fields */

/* Zero-initialise and set what you need: all zero is a perfect, infinitely fast link. */
struct sim_link_cfg {
	uint64_t rate_bps;	  /* bottleneck rate in bits/s; 0 = infinite */
	tcp_time_t delay;	  /* one-way propagation delay */
	tcp_time_t jitter;	  /* uniform +-jitter on the delay */
	bool jitter_reorders;	  /* let jitter reorder packets (default: keep FIFO) */
	double loss;		  /* independent loss probability */
	double p_gb;		  /* Gilbert-Elliott: good->bad per packet; 0 = chain off */
	double p_bg;		  /* Gilbert-Elliott: bad->good per packet */
	double loss_bad;	  /* loss probability in the bad state (usually 1) */
	double reorder;		  /* probability a packet is held back by reorder_delay */
	tcp_time_t reorder_delay; /* 0 = SIM_LINK_REORDER_DELAY_DEFAULT */
	bool reorder_skips_delay; /* netem: a reordered packet arrives without the delay */
	double duplicate;	  /* probability a packet is delivered twice */
	double corrupt;		  /* probability a delivered copy has 1..3 bits flipped */
	uint32_t mtu;		  /* larger packets are dropped; 0 = no limit */
	uint64_t queue_bytes;	  /* drop-tail buffer before the rate limiter; 0 = unlimited */
};

struct sim_link_stats {
	uint64_t sent;	    /* sim_link_send() calls */
	uint64_t delivered; /* packets given to the sink (copies included) */
	uint64_t bytes_delivered;
	uint64_t dropped_loss;	/* random and burst loss */
	uint64_t dropped_queue; /* drop-tail overflow */
	uint64_t dropped_mtu;
	uint64_t dropped_invalid; /* refused input: NULL, empty, > SIM_PKT_MAX */
	uint64_t dropped_nomem;	  /* out of memory */
	uint64_t dropped_nosink;  /* arrived while no sink was set */
	uint64_t duplicated;	  /* extra copies created */
	uint64_t corrupted;	  /* copies with flipped bits */
	uint64_t reordered;	  /* packets held back (or sent ahead, reorder_skips_delay) */
	uint64_t in_flight;	  /* copies scheduled but not yet arrived */
};

struct sim_link;

/* Receives a packet at its arrival time; pkt is valid only during the call. The callback may
 * send on any link (this one included) and may free this link. */
typedef void (*sim_link_sink_fn)(void *ctx, const uint8_t *pkt, size_t len);

/* Check a configuration: 0, or -EINVAL with *why (if why != NULL) naming the bad field.
 * Probabilities must be in [0, 1], times at most SIM_LINK_TIME_MAX, mtu at most SIM_PKT_MAX. */
int sim_link_cfg_check(const struct sim_link_cfg *cfg, const char **why);

/* A new link in sim (cfg NULL = perfect link). NULL with errno EINVAL (bad cfg) or ENOMEM. */
struct sim_link *sim_link_new(struct sim *sim, const struct sim_link_cfg *cfg, uint64_t seed);
/* Frees the link; its packets in flight are discarded. Before sim_free(). NULL is fine. */
void sim_link_free(struct sim_link *link);

void sim_link_set_sink(struct sim_link *link, sim_link_sink_fn sink, void *ctx);
/* Change impairments from now on (packets in flight keep their fate; the queue, the
 * Gilbert-Elliott state and the random streams carry on). 0 or -EINVAL (link unchanged). */
int sim_link_set_cfg(struct sim_link *link, const struct sim_link_cfg *cfg);
const struct sim_link_cfg *sim_link_cfg(const struct sim_link *link);

/* Send a copy of pkt at sim_now(). 0 when the link took it (even if an impairment then drops
 * it, as a real network would), -EINVAL for refused input, -ENOMEM. */
int sim_link_send(struct sim_link *link, const void *pkt, size_t len);

void sim_link_stats(const struct sim_link *link, struct sim_link_stats *out);

/* Log delivered packets to p at their arrival time, and with log_drops also every dropped one
 * at its drop time. p stays the caller's (close it after the link is freed or detached); links
 * may share one writer. NULL detaches. */
void sim_link_set_pcap(struct sim_link *link, struct sim_pcap *p, bool log_drops);

/* Two links between endpoints a and b. */
struct sim_path {
	struct sim_link *a_to_b, *b_to_a;
};

/* cfg_ba NULL = same as cfg_ab (NULL both = perfect links). The two directions get distinct
 * random streams derived from seed. NULL with errno on failure. */
struct sim_path *sim_path_new(struct sim *sim, const struct sim_link_cfg *cfg_ab,
			      const struct sim_link_cfg *cfg_ba, uint64_t seed);
void sim_path_free(struct sim_path *path);

#endif
