/* SPDX-License-Identifier: BSD-2-Clause */
/* SEND and TLS_SEND: the command that becomes a job in the FIFO (then send_tx.h). The path of
 * a SEND through the engine: cmd_dispatch.c -> send_cmd.c -> send_tx.c -> segment.c, then
 * ACKD (ackd.c) releases it. */
#ifndef IOTCP_NIC_SEND_CMD_H
#define IOTCP_NIC_SEND_CMD_H

#include <stdint.h>

struct nic_engine;
struct proto_cmd;

/* A SEND or TLS_SEND received at now (ns). */
void eng_cmd_send(struct nic_engine *e, const struct proto_cmd *cmd, uint64_t now);

#endif
