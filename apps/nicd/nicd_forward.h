/* SPDX-License-Identifier: BSD-2-Clause */
/* Forwarding between the host port and the wire port: every frame that is not a host<->NIC
 * command (EtherType 0x88B5) passes unchanged; commands from the host go to nicd_host_io.h and
 * never reach the wire; 0x88B5 frames from the wire are dropped. On the way to the host, plain
 * ACKs of offloaded flows go through the ACK coalescer (src/nic/ackcoal.h) and only frames the
 * host waits for ring its doorbell; host TSO frames are marked for the wire port to cut. */
#ifndef IOTCP_NICD_FORWARD_H
#define IOTCP_NICD_FORWARD_H

#include <stdbool.h>
#include <stdint.h>

#include "nicd.h"

/* One burst from the host port to the wire (from_host) or from the wire to the host. Returns
 * the frames received. */
uint16_t nicd_forward(struct nicd *d, bool from_host);

#endif
