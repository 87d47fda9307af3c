/* SPDX-License-Identifier: BSD-2-Clause */
/* Transmission of the jobs waiting in the FIFO: frames built from the template and the store
 * (segment.c) go to the wire callbacks of nic_engine_out. */
#ifndef IOTCP_NIC_SEND_TX_H
#define IOTCP_NIC_SEND_TX_H

#include <stdbool.h>
#include <stdint.h>

struct nic_engine;

/* One pass over the FIFO at now (ns): transmit what is ready, fail what cannot be sent. True
 * when it did some work. */
bool eng_run_fifo(struct nic_engine *e, uint64_t now);

#endif
