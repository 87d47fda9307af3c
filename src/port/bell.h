/* SPDX-License-Identifier: BSD-2-Clause */
/* Doorbell between the host and NIC processes across the memif link, which has no rx interrupts
 * in DPDK 22.11: without it a sleeping side notices new frames only when its back-off
 * sleep ends. Files next to the memif socket: BASE.bell, a shared page with one "armed" word
 * per side, and BASE.bell-nic / BASE.bell-host, one FIFO per side.
 *
 * A side about to sleep arms its word, looks at its rx ring once more (frames that arrived
 * before the arm), then sleeps in poll() on its FIFO with its usual timeout. A side that has
 * just put frames on the link rings the peer: if the peer's word is armed, it clears it and
 * writes one byte to the peer's FIFO. Arm and ring are sequentially consistent (Dekker): either
 * the ringer sees the arm or the sleeper's second look sees the frames. A ring that is lost
 * (peer restarted, FIFO full) costs only the sleep's timeout; a side that is not armed costs
 * the ringer one atomic load. Neither side trusts the other's page contents beyond two words.
 *
 * Lazy arming (interrupt moderation for a busy sleeper): port_bell_arm_lazy(urgent_us, dry_us)
 * asks the peer to ring within urgent_us of an urgent frame (a request, a handshake), and
 * within dry_us of any frame once the peer runs dry (has nothing left to do that the sleeper's
 * answer would not feed: a NIC with no data left to send); other frames (bare ACKs, ECHOs
 * while the NIC is sending) wait for the sleeper's own timeout. The ringer tells the bell what
 * it sent (port_bell_notify), calls port_bell_poll once per loop round and port_bell_flush
 * before it sleeps: the frames of a burst cost one ring, never later than their deadline plus
 * one round of the ringer. The mode and dry_us share the armed word (one load for the ringer;
 * urgent_us is a word of its own, written before the arm); a peer that knows only
 * port_bell_ring treats a lazy arm as an ordinary one. */
#ifndef IOTCP_PORT_BELL_H
#define IOTCP_PORT_BELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum port_bell_side { PORT_BELL_NIC = 0, PORT_BELL_HOST = 1 };

struct port_bell;

/* Open our side of the bell at BASE (the memif socket path). create: make the files if
 * missing (the NIC daemon); otherwise they must exist (the host). NULL with err set. */
struct port_bell *port_bell_open(const char *base, enum port_bell_side me, bool create, char *err,
				 size_t errlen);
void port_bell_close(struct port_bell *b);
/* Our FIFO's read end: readable once the peer rang. */
int port_bell_fd(const struct port_bell *b);
/* About to sleep: the peer will ring. Look at the rx ring after this, before sleeping. */
void port_bell_arm(struct port_bell *b);
/* The same, lazily (see above): ring within urgent_us of an urgent frame, within dry_us of any
 * frame once the peer runs dry (each at most PORT_BELL_DELAY_MAX_US). */
void port_bell_arm_lazy(struct port_bell *b, uint32_t urgent_us, uint32_t dry_us);
#define PORT_BELL_DELAY_MAX_US 1000000u
/* Awake again (or did not sleep): no more rings wanted; drains a ring that came. */
void port_bell_disarm(struct port_bell *b);
/* Frames were just sent to the peer: wake it if it sleeps armed. */
void port_bell_ring(struct port_bell *b);
/* Frames were just sent to the peer, urgent ones (what a client waits on) or not (bare ACKs,
 * ECHOs). A peer armed with port_bell_arm is rung now for an urgent frame and not for others;
 * a lazily armed peer gets a deferred ring (port_bell_poll). now_ns: any monotonic clock, the
 * same for poll. */
void port_bell_notify(struct port_bell *b, bool urgent, uint64_t now_ns);
/* Once per loop round of the ringer: ring a lazily armed peer whose deadline passed; dry: the
 * ringer has nothing left to do for the peer, so any frame sent is due after the delay. */
void port_bell_poll(struct port_bell *b, uint64_t now_ns, bool dry);
/* The ringer is about to sleep: a deferred ring is rung now (it cannot wait for the sleep). */
void port_bell_flush(struct port_bell *b);

struct port_bell_stats {
	uint64_t arms;		 /* times we armed */
	uint64_t rings;		 /* rings we sent (the peer was armed) */
	uint64_t rings_deferred; /* of those, deferred rings of a lazily armed peer */
	uint64_t notified_lazy;	 /* frames sent to a lazily armed peer (each would be a ring) */
	uint64_t woken;		 /* disarms that found a ring from the peer */
};
void port_bell_stats(const struct port_bell *b, struct port_bell_stats *st);

#endif
