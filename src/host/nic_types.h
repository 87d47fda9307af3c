/* SPDX-License-Identifier: BSD-2-Clause */
/* The context's view of its NIC (struct iotcp_ctx.nic; the control channel: nic.h). */
#ifndef IOTCP_HOST_NIC_TYPES_H
#define IOTCP_HOST_NIC_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/types.h"
#include "wire/eth.h"

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

#endif
