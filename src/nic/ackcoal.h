/* SPDX-License-Identifier: BSD-2-Clause */
/* Coalescing of pure ACKs on their way from the wire to the host (IO-TCP: the host keeps TCP's
 * control plane, so every ACK of an offloaded flow costs the host a wakeup's share, a frame and
 * a pass through TCP input, while the NIC does the sending).
 *
 * Only "plain" ACKs of offloaded flows are ever merged: IPv4 without fragments, TCP with exactly
 * the ACK flag, no payload, and no option but NOP/EOL and timestamps (RFC 7323). Of two plain
 * ACKs of the same flow in one forwarding round with no other frame of that flow between them,
 * the older is dropped when the newer acknowledges more (SEG.ACK beyond it, same SEG.SEQ, a
 * timestamp not older): the newer carries the later cumulative ACK, window (RFC 9293 3.10.7.4:
 * the newer segment updates SND.WND) and TSval, and every byte the older acknowledged. Nothing
 * else is touched: duplicate ACKs (RFC 5681 section 2: same ACK number, no data, same window)
 * and window updates, ACKs with SACK blocks (RFC 2018/6675), ECE/CWR (RFC 3168), SYN/FIN/RST,
 * and data all pass one by one, in order, each after the flow's held ACK. So the host sees the
 * same sequence of duplicate ACKs and SACK information it would see with every ACK: its
 * DupThresh counting, SACK scoreboard, RFC 6675 recovery and RACK (RFC 8985: the most recently
 * delivered segment is among those the newer ACK covers) reach the same conclusions. What
 * changes is the number of cumulative ACKs: fewer RTT samples are taken, and congestion control
 * that counted ACKs rather than bytes would grow more slowly by the merge factor (src/tcp counts
 * bytes: slow start without RFC 3465's per-ACK limit, as Linux). The IPv4 header checksum is
 * checked; the TCP checksum is not: a corrupted frame that looks plain can supersede one held ACK,
 * which the host then misses as if the wire had lost it.
 *
 * A merge never delays an ACK: the held ACK of a flow is released before the flow's next
 * non-mergeable frame and at the end of the round (nic_ackc_flush).
 *
 * Offloaded flows are learnt from the host's SEND and TLS_SEND header templates
 * (nic_ackc_learn); the table is direct-mapped and forgets a flow after NIC_ACKC_TTL_NS without
 * SEND, or when another flow takes its slot (merging is an optimisation: a flow it does not
 * know simply has every ACK forwarded). */
#ifndef IOTCP_NIC_ACKCOAL_H
#define IOTCP_NIC_ACKCOAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NIC_ACKC_TTL_NS (30ull * 1000000000ull)

struct nic_ackc_stats {
	uint64_t learnt;     /* SEND templates that (re)named a flow */
	uint64_t plain;	     /* plain pure ACKs of known flows offered */
	uint64_t superseded; /* of those, dropped: a newer plain ACK covered them */
	uint64_t passed;     /* frames forwarded unchanged (everything else) */
};

struct nic_ackc;

/* slots: table size (rounded up to a power of two, at least 16); max_held: ACKs held at once
 * (a round holds at most one per flow). NULL on allocation failure. */
struct nic_ackc *nic_ackc_new(uint32_t slots, uint32_t max_held);
void nic_ackc_free(struct nic_ackc *c);

/* Learn offloaded flows from a host command frame's payload (after the EtherType): every SEND
 * or TLS_SEND template names a flow. Malformed input is ignored. */
void nic_ackc_learn(struct nic_ackc *c, const uint8_t *payload, size_t len, uint64_t now_ns);

enum nic_ackc_verdict {
	NIC_ACKC_FORWARD,     /* send the frame now (after *before, if set) */
	NIC_ACKC_HELD,	      /* the coalescer keeps the frame's token (free *superseded, if set) */
	NIC_ACKC_FLUSH_FIRST, /* IPv4 TCP that cannot be placed (fragment, bad header checksum,
			       * truncated): nic_ackc_flush first, then send the frame */
};

/* A frame on its way to the host: frame points to its first hlen bytes (at least the Ethernet,
 * IPv4 and TCP headers for a TCP frame; less is fine: it is forwarded), flen is its whole length
 * and token the caller's handle for it. FORWARD: send the frame, but first *before when it is
 * not NULL (the flow's held ACK, which must precede it). HELD: the frame is kept; *superseded,
 * when not NULL, is the flow's older held ACK that it replaces: the caller frees it unsent.
 * FLUSH_FIRST: as it says, so that no held ACK of its flow (whichever it is) overtakes it. */
enum nic_ackc_verdict nic_ackc_offer(struct nic_ackc *c, const uint8_t *frame, uint32_t hlen,
				     uint32_t flen, void *token, uint64_t now_ns, void **before,
				     void **superseded);

/* The end of a round: hand every held ACK to emit (in the order they were held). */
void nic_ackc_flush(struct nic_ackc *c, void (*emit)(void *arg, void *token), void *arg);

void nic_ackc_get_stats(const struct nic_ackc *c, struct nic_ackc_stats *st);

#endif
