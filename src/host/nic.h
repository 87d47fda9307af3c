/* SPDX-License-Identifier: BSD-2-Clause */
/* The control channel to the NIC daemon (nic.c, proto/proto.h HELLO / HEARTBEAT): whether the
 * NIC is up, its address and capabilities, NIC restarts. */
#ifndef IOTCP_HOST_NIC_H
#define IOTCP_HOST_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"
#include "wire/eth.h"

#define HOST_NIC_HELLO_RETRY (1 * TCP_SEC)
#define HOST_NIC_HEARTBEAT   (1 * TCP_SEC)
#define HOST_NIC_DEAD	     (3 * TCP_SEC) /* no word from the NIC that long: link lost */

/* The context's view of its NIC (struct iotcp_ctx.nic). */
struct host_nic {
	bool enabled; /* a NIC daemon is expected on the link */
	bool up;      /* HELLO exchanged and heartbeats arriving */
	bool ever_up;
	struct mac_addr mac;
	uint64_t boot_id, my_boot_id;
	uint32_t caps;
	uint64_t store_size;
	uint64_t hb_seq;
	tcp_time_t next_hello, next_heartbeat, last_rx, next_wait_msg;
};

struct iotcp_ctx;
struct pkt_view;

void host_nic_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
void host_nic_timers(struct iotcp_ctx *ctx);

#endif
