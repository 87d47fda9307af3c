/* SPDX-License-Identifier: BSD-2-Clause */
/* Initial sequence numbers, RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4-microsecond clock, F a keyed hash (SipHash-2-4). */
#ifndef IOTCP_TCP_ISN_H
#define IOTCP_TCP_ISN_H

#include <stdint.h>

#include "tcp/types.h"

uint32_t tcp_isn(const struct tcp_secret *s, const struct tcp_tuple *t, tcp_time_t now);

/* A per-connection timestamp offset (RFC 7323 section 5.4 recommends randomizing TSval). */
uint32_t tcp_ts_offset(const struct tcp_secret *s, const struct tcp_tuple *t);

#endif
