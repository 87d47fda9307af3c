/* SPDX-License-Identifier: BSD-2-Clause */
/* SYN cookies, RFC 4987 section 3.6: when the listen backlog is full the SYN-ACK's sequence
 * number encodes the connection so that no state is kept until the final ACK.
 * Cookie layout (32 bits): hash(tuple, client ISN, time slot) in the top 24 bits mixed with a
 * 5-bit time counter (64 s slots) and a 3-bit MSS table index. A cookie is accepted for the
 * current and the previous time slot. */
#ifndef IOTCP_TCP_SYNCOOKIE_H
#define IOTCP_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"

/* How long after the SYN queue last overflowed cookies are accepted: the longest a cookie
 * lives (two 64 s slots), as Linux's tcp_synq_no_recent_overflow uses TCP_SYNCOOKIE_VALID
 * (MAX_SYNCOOKIE_AGE x TCP_SYNCOOKIE_PERIOD = 2 x 60 s, include/net/tcp.h). */
#define TCP_SYNCOOKIE_VALID (128 * TCP_SEC)

/* Our ISN for a SYN from t with sequence number client_isn and the client's advertised MSS.
 * *mss_out receives the MSS the cookie encodes (the largest table entry <= mss). */
uint32_t tcp_syncookie_make(const struct tcp_secret *s, const struct tcp_tuple *t,
			    uint32_t client_isn, uint16_t mss, tcp_time_t now, uint16_t *mss_out);

/* Validate the ACK that completes a cookie handshake: ack = cookie + 1, seq = client_isn + 1.
 * On success stores the encoded MSS and returns true. */
bool tcp_syncookie_check(const struct tcp_secret *s, const struct tcp_tuple *t, uint32_t seq,
			 uint32_t ack, tcp_time_t now, uint16_t *mss_out);

#endif
