/* SPDX-License-Identifier: BSD-2-Clause */
/* ECHO: the NIC tells the host when a SEND that asked for it went to the wire (the host measures
 * the NIC's delay with it). */
#ifndef IOTCP_NIC_ECHO_H
#define IOTCP_NIC_ECHO_H

#include <stdint.h>

struct nic_engine;
struct nic_job;

/* Job j (a SEND with PROTO_SEND_F_ECHO) is all on the wire at now (ns): ECHO to the host. */
void eng_echo(struct nic_engine *e, const struct nic_job *j, uint64_t now);

#endif
