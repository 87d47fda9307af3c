/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC side of the host link's control protocol (HELLO / HEARTBEAT), free of DPDK so it can
 * be tested alone: it consumes 0x88B5 frames from the host port and builds the frames to send
 * back. Malformed frames are counted and ignored as a whole. */
#ifndef IOTCP_NICD_CTL_H
#define IOTCP_NICD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

#define NICD_CTL_FRAME_MAX 128 /* our control frames fit in this */
#define NICD_ETH_MIN_FRAME 60  /* without FCS; shorter frames are zero-padded */
#define NICD_HOST_DEAD_S   3   /* host silent this long: counted as a host timeout */

/* X(group, name): the control protocol's counters, stats key "name". The groups place them in
 * the stats file (nicd_stats_lines.c): HELLO before the host's state (host_known, host_alive),
 * HOST after it, REJECT after the ERRORs by reason. */
#define NICD_CTL_COUNTERS(X)                                                                       \
	X(HELLO, hello_rx)                                                                         \
	X(HELLO, hello_tx)                                                                         \
	X(HELLO, heartbeat_rx)                                                                     \
	X(HELLO, heartbeat_tx)                                                                     \
	X(HELLO, malformed)	    /* frames rejected by validation */                            \
	X(HELLO, unknown_cmds)	    /* well-formed commands of no type we know */                  \
	X(HELLO, stale_heartbeats)  /* HEARTBEAT with a boot id we have no HELLO for */            \
	X(HOST, host_restarts)	    /* HELLO with a new boot id from a known host */               \
	X(HOST, host_timeouts)	    /* the host silent NICD_HOST_DEAD_S */                         \
	X(REJECT, offload_rejected) /* offload commands answered ERROR(unsupported): no docroot */ \
	X(REJECT, offload_reject_overflow) /* ... that did not fit in the answer frame */

enum nicd_ctl_counter_group {
	NICD_CTL_CG_HELLO,
	NICD_CTL_CG_HOST,
	NICD_CTL_CG_REJECT,
};

#define NICD_CTL_COUNTER_FIELD(group, name) uint64_t name;
struct nicd_ctl_counters {
	NICD_CTL_COUNTERS(NICD_CTL_COUNTER_FIELD)
};
#undef NICD_CTL_COUNTER_FIELD

struct nicd_ctl {
	uint8_t nic_mac[PROTO_MAC_LEN]; /* our host-facing port */
	uint64_t boot_id;
	uint32_t caps;
	uint64_t store_size;
	uint16_t flow_window; /* HELLO: per-flow window limit, 64 KiB units (0 = none) */
	bool host_known;
	bool host_alive;
	uint8_t host_mac[PROTO_MAC_LEN];
	uint64_t host_boot_id;
	uint64_t host_last_heard_s;
	uint64_t hb_seq;
	struct nicd_ctl_counters c;
};

void nicd_ctl_init(struct nicd_ctl *ctl, const uint8_t nic_mac[PROTO_MAC_LEN], uint64_t boot_id,
		   uint32_t caps, uint64_t store_size);

/* Handle one 0x88B5 frame (Ethernet header included) received from the host at time now_s.
 * When an answer is due it is built in reply (cap >= NICD_CTL_FRAME_MAX) and its length
 * returned; 0 when nothing is to be sent; -1 when the frame was malformed (counted). */
int nicd_ctl_input(struct nicd_ctl *ctl, const uint8_t *frame, size_t len, uint64_t now_s,
		   uint8_t *reply, size_t cap);

/* Once a second: build the frame to send to the host (HELLO to broadcast while the host is
 * unknown, HEARTBEAT otherwise) and note a silent host. Returns its length (0 if cap too small). */
int nicd_ctl_tick(struct nicd_ctl *ctl, uint64_t now_s, uint8_t *out, size_t cap);

/* Build our HELLO (reply flag as given) addressed to the host or broadcast. Length or 0. */
int nicd_ctl_hello(struct nicd_ctl *ctl, bool reply, uint8_t *out, size_t cap);

/* Without a docroot the daemon runs no offload engine: build one frame (to the frame's sender)
 * answering every command of the host frame other than HELLO/HEARTBEAT with
 * ERROR(unsupported, -EOPNOTSUPP) carrying the command's ids (req_id, flow, fid, cookie). Returns
 * its length, 0 when nothing is to be answered, -1 when the frame is malformed (not counted here:
 * nicd_ctl_input counts it). */
int nicd_ctl_reject_offload(struct nicd_ctl *ctl, const uint8_t *frame, size_t len, uint8_t *reply,
			    size_t cap);

/* The EtherType of a frame after at most two VLAN tags (0x8100 / 0x88A8), or -1 if the frame is
 * too short to say. tagged is set when a tag was skipped. */
int nicd_frame_ethertype(const uint8_t *frame, size_t len, bool *tagged);

/* True for an IPv4 TCP segment that is a bare ACK (no payload, no SYN/FIN/RST); len is what the
 * caller has of the frame. Such frames do not ring the host's doorbell: the host collects them
 * on its next timed wakeup, in a batch. */
bool nicd_frame_is_pure_ack(const uint8_t *frame, size_t len);

#endif
