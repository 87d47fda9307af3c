/* SPDX-License-Identifier: BSD-2-Clause */
/* The sent map: one entry per transmitted segment (sequence range, send time, flags), from
 * snd_una to snd_nxt in order. It is the sender's SACK scoreboard (RFC 6675 section 3) and the
 * source of RTT samples (RFC 6298 with Karn's rule) and of RACK's send times (RFC 8985).
 *
 * Against SACK blocks made to shred it (issue 14): SACK marks whole segments only, an entry
 * being split at multiples of the segment size from its start (Linux tcp_match_skb_to_sack), so
 * a block covering part of a segment marks nothing; adjacent SACKed entries merge, so a block
 * repeated in every ACK is one entry to skip; and SACK never splits past `max` entries (the
 * information is ignored: the data is retransmitted, which is always safe). */
#ifndef IOTCP_TCP_SENTMAP_H
#define IOTCP_TCP_SENTMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"
#include "wire/tcp_hdr.h"

#define TCP_SENT_RETX      0x01 /* a retransmission of it is in flight */
#define TCP_SENT_SACKED    0x02
#define TCP_SENT_LOST      0x04 /* deemed lost, not yet retransmitted (or again lost) */
#define TCP_SENT_FIN       0x08 /* the range ends with our FIN */
#define TCP_SENT_ECHO_WAIT 0x10 /* external data: send time unknown until tcp_ext_sent */
#define TCP_SENT_EVER_RETX 0x20 /* retransmitted at least once (Karn) */
#define TCP_SENT_EXT       0x40 /* external payload */

struct tcp_sent {
	uint32_t seq, end;  /* [seq, end) in sequence space, FIN included */
	tcp_time_t xmit;    /* last (re)transmission */
	uint8_t flags;
};

struct tcp_sentmap {
	struct tcp_sent *e;
	uint32_t head, len, cap;   /* entries e[head .. head+len) */
	uint32_t max;              /* SACK splits stop at this many entries (UINT32_MAX: none) */
	uint32_t sacked_bytes;     /* in SACKED entries */
	uint32_t lost_bytes;       /* in LOST, not SACKED entries */
	uint32_t retx_bytes;       /* in RETX, not SACKED entries */
	uint32_t lost_hint;        /* no LOST-and-not-RETX entry before index head+lost_hint */
	uint32_t high_sacked;      /* highest SACKed sequence + 1 (valid when sacked_bytes) */
};

/* What a cumulative ACK or SACK blocks newly covered. */
struct tcp_sent_acked {
	uint32_t bytes;            /* newly covered (not previously SACKed) */
	tcp_time_t rtt_xmit;       /* send time of the newest never-retransmitted entry covered,
				    * TCP_TIME_NEVER if none (Karn's rule, RFC 6298 section 3) */
	tcp_time_t rtt_xmit_first; /* ... and of the oldest cumulatively acknowledged one */
	tcp_time_t rtt_xmit_first_sack; /* ... and of the oldest newly SACKed one */
	tcp_time_t last_xmit;      /* newest send time covered (RACK), 0 if none */
	uint32_t last_end;         /* its end */
	bool last_retx;            /* it was retransmitted */
	bool fin_acked;
	bool orig;                 /* a never-retransmitted entry was covered ... */
	uint32_t orig_seq;         /* ... and the lowest such starts here (RACK reordering) */
	tcp_time_t orig_xmit;      /* its send time (TCP_TIME_NEVER: not known, ECHO_WAIT) */
};

int tcp_sentmap_init(struct tcp_sentmap *sm);
void tcp_sentmap_free(struct tcp_sentmap *sm);
/* Free the entry array when it is empty (allocated again by the next add). */
void tcp_sentmap_release(struct tcp_sentmap *sm);
static inline struct tcp_sent *tcp_sentmap_at(const struct tcp_sentmap *sm, uint32_t i)
{
	return &sm->e[sm->head + i];
}
/* Record a new transmission at the end. -1 on ENOMEM. */
int tcp_sentmap_add(struct tcp_sentmap *sm, uint32_t seq, uint32_t end, tcp_time_t xmit,
		    uint8_t flags);
/* Cumulative ACK: drop everything below ack. */
void tcp_sentmap_ack(struct tcp_sentmap *sm, uint32_t ack, struct tcp_sent_acked *out);
/* Mark the ranges of SACK blocks (RFC 2018) above snd_una as SACKed: whole segments of mss
 * bytes (counted from each entry's start) and an entry's short tail, splitting entries there
 * and merging SACKed neighbours. */
void tcp_sentmap_sack(struct tcp_sentmap *sm, const struct tcp_sack_block *b, int n, uint32_t mss,
		      struct tcp_sent_acked *out);
/* RFC 2018 section 8 / RFC 6675 5.1: the receiver reneged (SACKed data at snd_una after an
 * RTO): forget every SACK mark. */
void tcp_sentmap_clear_sacks(struct tcp_sentmap *sm);
/* Merge entry i+1 into entry i when both are LOST and not RETX or SACKED and of the same
 * payload kind, while the result stays within max bytes; true if merged (one retransmission
 * then covers both). */
bool tcp_sentmap_merge_lost(struct tcp_sentmap *sm, uint32_t i, uint32_t max);
/* RFC 6675 IsLost (section 4): an unSACKed entry with more than (DupThresh-1)*SMSS SACKed bytes
 * above it, or DupThresh SACKed entries above it, is marked LOST. Returns bytes newly marked. */
uint32_t tcp_sentmap_update_lost(struct tcp_sentmap *sm, uint32_t smss);
/* Mark entry i LOST (if not SACKed), clearing RETX. */
void tcp_sentmap_mark_lost(struct tcp_sentmap *sm, uint32_t i);
/* RTO: everything not SACKed is lost, no retransmission is in flight. */
void tcp_sentmap_all_lost(struct tcp_sentmap *sm);
/* Clear LOST from entries not retransmitted (a recovery was undone). */
void tcp_sentmap_unmark_lost(struct tcp_sentmap *sm);
/* Index of the first entry to retransmit (LOST, not RETX, not SACKed), or -1. */
int tcp_sentmap_next_lost(struct tcp_sentmap *sm);
/* Note the retransmission of entry i at now. */
void tcp_sentmap_retransmitted(struct tcp_sentmap *sm, uint32_t i, tcp_time_t now);
/* Split entry i so that it ends at seq (seq strictly inside it). -1 on ENOMEM. */
int tcp_sentmap_split(struct tcp_sentmap *sm, uint32_t i, uint32_t seq);
/* Set the send time of ECHO_WAIT entries inside [seq, end). Returns how many. */
uint32_t tcp_sentmap_echo(struct tcp_sentmap *sm, uint32_t seq, uint32_t end, tcp_time_t xmit);

#endif
