/* SPDX-License-Identifier: BSD-2-Clause */
/* A deterministic discrete-event simulator with a virtual clock, for running TCP endpoints
 * over simulated links (link.h) without real time or real sockets.
 *
 * THE CLOCK. sim_now() is virtual time in tcp_time_t nanoseconds, starting at 0. It only moves
 * when the simulator runs an event: sim_step() runs the earliest pending event and sets the
 * clock to its time; sim_run_until(sim, t) runs every event due at or before t and then sets the
 * clock to t. Events run in (time, scheduling order) order, so two runs with the same seed and
 * the same calls are identical, event for event. Nothing here reads the wall clock.
 *
 * HOW AN ENDPOINT USES IT. An endpoint (say a TCP stack under test) is a struct of your own
 * holding its state, the link it transmits on, and one wakeup:
 *
 *   struct endpoint { struct tcp_stack *tcp; struct sim_link *out; struct sim_wakeup wake; };
 *
 * - Sending: build a raw IPv4 packet and call sim_link_send(ep->out, pkt, len). The link copies
 *   it; it arrives at the other side after rate, delay and impairments (link.h).
 * - Receiving: sim_link_set_sink(in_link, on_packet, ep) registers a callback that the link
 *   calls at the packet's arrival time with a buffer valid only during the call. Feed it to the
 *   stack with sim_now(sim) as "now", then send whatever the stack wants to send.
 * - Timers: after every input or output, ask the stack for its next deadline and call
 *   sim_wakeup_set(sim, &ep->wake, deadline, on_timer, ep). That keeps exactly ONE scheduled
 *   event per endpoint: it does nothing if that deadline is already scheduled, and otherwise
 *   cancels the old event and schedules the new one (TCP_TIME_NEVER just cancels). In on_timer,
 *   run the stack's timers at sim_now(), send, and call sim_wakeup_set again. (sim_schedule and
 *   sim_cancel do the same by hand with timer ids.)
 * - Driving: the test calls sim_run_until(sim, limit) - or sim_step() in a loop while checking
 *   a condition, or calls sim_stop() from a callback once the transfer is done - and then
 *   checks the endpoints' state and the links' stats.
 *
 * Callbacks may schedule, cancel, send and stop freely; an event scheduled for the current time
 * from inside a callback runs after every event already due at that time. An event that keeps
 * rescheduling itself at sim_now() never lets time advance: that is a bug in the caller.
 *
 * RANDOMNESS. sim_new(seed) fixes the seed of the whole run. Links derive their own streams from
 * it and from their own seed (link.h); endpoints can draw keys and ISNs from sim_rng().
 *
 * DEBUGGING. sim_link_set_pcap() logs a link's deliveries (and drops) to a pcap file (pcap.h)
 * that tshark or wireshark opens, with virtual-time timestamps.
 *
 * LIFETIMES. Free links and paths (which have events pending) before the simulator.
 *
 * BUILD. In meson: dependencies : [sim_dep]; then #include "sim.h", "link.h", "pcap.h". */
#ifndef IOTCP_TESTS_SIM_H
#define IOTCP_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"
#include "util/rng.h"

struct sim;

/* An event callback; runs with sim_now(sim) equal to the time it was scheduled for. */
typedef void (*sim_event_fn)(struct sim *sim, void *ctx);

/* Identifies a scheduled event. 0 (SIM_TIMER_NONE) is never a valid id; ids of events that ran
 * or were cancelled go stale and are safe to pass to sim_cancel(). */
typedef uint64_t sim_timer_t;
#define SIM_TIMER_NONE ((sim_timer_t)0)

/* New simulator at time 0; NULL when out of memory. */
struct sim *sim_new(uint64_t seed);
/* Frees the simulator and drops pending events without running them. NULL is fine. */
void sim_free(struct sim *sim);

tcp_time_t sim_now(const struct sim *sim);
uint64_t sim_seed(const struct sim *sim);
/* The run's own random stream (seeded from the seed), for endpoints' keys, ISNs and the like. */
struct rng *sim_rng(struct sim *sim);

/* Run cb(sim, ctx) at time `at`. A time already past runs at sim_now() (after what is already
 * due). Returns SIM_TIMER_NONE - and schedules nothing - when cb is NULL, at is TCP_TIME_NEVER,
 * or memory runs out. */
sim_timer_t sim_schedule(struct sim *sim, tcp_time_t at, sim_event_fn cb, void *ctx);
/* Cancel a pending event: true if it was pending, false for stale or unknown ids. */
bool sim_cancel(struct sim *sim, sim_timer_t id);
/* Whether the event is still pending. */
bool sim_timer_pending(const struct sim *sim, sim_timer_t id);

/* Time of the earliest pending event, or TCP_TIME_NEVER when there is none. */
tcp_time_t sim_next_time(const struct sim *sim);
/* Number of pending events. */
uint64_t sim_pending(const struct sim *sim);
/* Total number of events run so far. */
uint64_t sim_events_run(const struct sim *sim);

/* Run the earliest pending event. False when there was none. */
bool sim_step(struct sim *sim);
/* Run every event due at or before t, in order (including those scheduled meanwhile), then set
 * the clock to t (unless t is TCP_TIME_NEVER, which runs until no events are left, or unless
 * sim_stop() was called, which returns right after the current event). Returns the number of
 * events run. */
uint64_t sim_run_until(struct sim *sim, tcp_time_t t);
/* From a callback: make the running sim_run_until() return after this event. */
void sim_stop(struct sim *sim);

/* One re-armable wakeup, the usual way for an endpoint to keep its single next timeout.
 * Zero-initialise it (or use SIM_WAKEUP_INIT). */
struct sim_wakeup {
	sim_timer_t id;
	tcp_time_t at;
};
/* clang-format off */
#define SIM_WAKEUP_INIT {SIM_TIMER_NONE, TCP_TIME_NEVER}
/* clang-format on */

/* Make w fire cb(sim, ctx) at `at` (TCP_TIME_NEVER: not at all). A no-op when w is already
 * pending for exactly that time (use the same cb and ctx every time); otherwise cancels and
 * reschedules. Returns false only when
 * scheduling failed (out of memory); w is then left unarmed. */
bool sim_wakeup_set(struct sim *sim, struct sim_wakeup *w, tcp_time_t at, sim_event_fn cb,
		    void *ctx);
/* Cancel w if pending. */
void sim_wakeup_cancel(struct sim *sim, struct sim_wakeup *w);

#endif
