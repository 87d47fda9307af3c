/* SPDX-License-Identifier: BSD-2-Clause */
/* Changes the relay makes inside a frame: finishing a checksum the sender left to offload, and
 * corrupting a frame so that the receiver's checksum rejects it. */
#ifndef IOTCP_NETEM_RELAY_FRAME_EDIT_H
#define IOTCP_NETEM_RELAY_FRAME_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

/* Completes a partial checksum (virtio NEEDS_CSUM): the Internet checksum (RFC 1071) of
 * frame[start, len) stored at frame[start + offset]. The field already holds the
 * pseudo-header sum, as the sender left it. Returns 0, or -1 when the offsets do not fit. */
int frame_finish_csum(uint8_t *frame, size_t len, size_t start, size_t offset);

/* Flips one random bit of the transport segment (header or payload) of an IPv4 or IPv6
 * TCP, UDP or ICMP frame, which that segment's checksum covers (RFC 9293 3.1, RFC 768,
 * RFC 792). Returns the byte offset flipped, or -1 when the frame is not one of those (ARP,
 * UDP without checksum, truncated): such frames are left as they are. */
long frame_corrupt(uint8_t *frame, size_t len, struct rng *r);

#endif
