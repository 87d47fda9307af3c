/* SPDX-License-Identifier: BSD-2-Clause */
/* What the daemon sends on the host port and what it does with the commands it receives there:
 * command frames (EtherType 0x88B5) built from a payload, with the host's doorbell rung for what
 * the host should see at once; our control frames; the engine's answers; and the dispatch of a
 * command frame from the host to the control protocol, the engine or ERROR(unsupported). */
#ifndef IOTCP_NICD_HOST_IO_H
#define IOTCP_NICD_HOST_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nicd.h"
#include "port/port_mbuf.h"

/* Send dst <- our host-port MAC, EtherType 0x88B5, payload (the command frame), padded to the
 * Ethernet minimum, on the host port; urgent: ring the host's doorbell (it may sleep). False
 * when the port or its pool refused it. Its cycles are the host_tx stage. */
bool nicd_host_tx(struct nicd *d, const uint8_t *dst, const uint8_t *payload, size_t len,
		  bool urgent);
/* A complete control frame built by nicd_ctl (Ethernet header included; len < 14: nothing). */
void nicd_host_send_ctl(struct nicd *d, const uint8_t *frame, int len);
/* An engine answer (the Ethernet payload): to the host's MAC from its HELLO, or before any HELLO
 * to whoever sent the commands; after the wire segments it may report on (an ECHO must not
 * overtake them). */
void nicd_host_send_answer(struct nicd *d, const uint8_t *payload, size_t len);
/* Count the ERRORs of an outgoing command frame by reason. True when the frame holds more than
 * ECHOs: something the host should see at once (open results, errors), where ECHOs can wait for
 * its next timed wakeup. */
bool nicd_host_count_errors(struct nicd_counters *c, const uint8_t *payload, size_t len);
/* A 0x88B5 frame from the host (untagged): the control protocol first (HELLO/HEARTBEAT; it
 * rejects a malformed frame as a whole), then the offload engine, or ERROR(unsupported) without
 * one. A new host boot id resets the engine. The caller frees m. */
void nicd_host_command(struct nicd *d, struct rte_mbuf *m);

#endif
