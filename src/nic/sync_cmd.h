/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC: releasing what the host no longer has after the link to it was down. */
#ifndef IOTCP_NIC_SYNC_CMD_H
#define IOTCP_NIC_SYNC_CMD_H

struct nic_engine;
struct proto_cmd;

void eng_cmd_sync(struct nic_engine *e, const struct proto_cmd *cmd);

#endif
