/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS_KEY: the engine's glue to its TLS state (tls_flow.h); TLS_SEND is a SEND (send_cmd.h). */
#ifndef IOTCP_NIC_TLS_KEY_CMD_H
#define IOTCP_NIC_TLS_KEY_CMD_H

struct nic_engine;
struct proto_cmd;

void eng_cmd_tls_key(struct nic_engine *e, const struct proto_cmd *cmd);

#endif
