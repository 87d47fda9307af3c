/* SPDX-License-Identifier: BSD-2-Clause */
/* ACKD: releasing what the peer acknowledged (jobs, their store pins, TLS records). */
#ifndef IOTCP_NIC_ACKD_H
#define IOTCP_NIC_ACKD_H

#include <stdbool.h>
#include <stdint.h>

struct nic_engine;
struct proto_cmd;

/* Free flow id's sent jobs that end at or before acked (with end: all its jobs and its TLS
 * state). Returns the jobs released. */
uint32_t eng_flow_release(struct nic_engine *e, uint32_t id, uint32_t acked, bool end);
void eng_cmd_ackd(struct nic_engine *e, const struct proto_cmd *cmd);

#endif
