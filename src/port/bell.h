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
 * the ringer one atomic load. Neither side trusts the other's page contents beyond two words. */
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
/* Awake again (or did not sleep): no more rings wanted; drains a ring that came. */
void port_bell_disarm(struct port_bell *b);
/* Frames were just sent to the peer: wake it if it sleeps armed. */
void port_bell_ring(struct port_bell *b);

struct port_bell_stats {
	uint64_t arms;	/* times we armed */
	uint64_t rings; /* rings we sent (the peer was armed) */
	uint64_t woken; /* disarms that found a ring from the peer */
};
void port_bell_stats(const struct port_bell *b, struct port_bell_stats *st);

#endif
