/* SPDX-License-Identifier: BSD-2-Clause */
/* The control channel to the NIC daemon (nic.c, proto/proto.h HELLO / HEARTBEAT): whether the
 * NIC is up, its address and capabilities, NIC restarts (the context's view of its NIC, struct
 * host_nic: nic_types.h). */
#ifndef IOTCP_HOST_NIC_H
#define IOTCP_HOST_NIC_H

#include "tcp/types.h"

#define HOST_NIC_HELLO_RETRY (1 * TCP_SEC)
#define HOST_NIC_HEARTBEAT   (1 * TCP_SEC)
#define HOST_NIC_DEAD	     (3 * TCP_SEC) /* no word from the NIC that long: link lost */

struct iotcp_ctx;
struct pkt_view;

void host_nic_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
void host_nic_timers(struct iotcp_ctx *ctx);

#endif
