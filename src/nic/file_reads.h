/* SPDX-License-Identifier: BSD-2-Clause */
/* File I/O on the engine's side: store blocks are read through the I/O context (io.h), and its
 * completions (reads, OPENs) come back here. */
#ifndef IOTCP_NIC_FILE_READS_H
#define IOTCP_NIC_FILE_READS_H

#include <stdint.h>

struct nic_block;
struct nic_engine;
struct nic_io_done;

/* Start the read of fresh block b of file slot fi (a failure to start marks the block failed). */
void eng_block_read(struct nic_engine *e, struct nic_block *b, uint32_t fi);
/* One completion from the I/O context. */
void eng_io_complete(struct nic_engine *e, const struct nic_io_done *d);

#endif
