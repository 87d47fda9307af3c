/* SPDX-License-Identifier: BSD-2-Clause */
/* The offload engine inside the daemon (src/nic/engine.h): the docroot, file I/O (io_uring, or
 * synchronous reads), the wire tx path the engine builds segments into (nicd_wire_tx.h), the
 * ACK coalescer for offloaded flows; start-up (choosing TSO, zero copy, checksum offload from
 * the wire port's capabilities), the engine's output callbacks, and shutdown. */
#ifndef IOTCP_NICD_ENGINE_H
#define IOTCP_NICD_ENGINE_H

#include <stdbool.h>

#include "nic/ackcoal.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "nicd_wire_tx.h"

struct nicd;

struct nicd_offload {
	int docroot_fd; /* -1 without --docroot */
	struct nic_io *io;
	struct nic_engine *engine; /* NULL without --docroot */
	struct nic_ackc *ackc;	   /* pure ACKs of offloaded flows to the host (NULL: off) */
	struct nicd_wire_tx wtx;
	bool wtx_ready;
};

/* Open the docroot (files are opened beneath it only: openat2 RESOLVE_BENEATH). 0 or -1
 * (logged). */
int nicd_engine_open_docroot(struct nicd_offload *off, const char *docroot);
/* Start the engine on the opened docroot with d's options and ports; its answers to the host go
 * through nicd_host_io.h. 0 or -1 (logged; nicd_engine_stop() cleans up). */
int nicd_engine_start(struct nicd *d);
/* Stop file I/O and free everything (any part that was started). */
void nicd_engine_stop(struct nicd_offload *off);

#endif
