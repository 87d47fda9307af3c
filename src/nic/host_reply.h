/* SPDX-License-Identifier: BSD-2-Clause */
/* Commands from the engine to the host: the frame being filled (OPEN_DONE, CLOSE_DONE, ECHO,
 * SYNC_DONE, ERROR ... are put into it with HOST_PUT), flushed at the end of each poll. */
#ifndef IOTCP_NIC_HOST_REPLY_H
#define IOTCP_NIC_HOST_REPLY_H

#include <stdint.h>

#include "proto/offload.h"

struct nic_engine;

/* Hand the frame being filled to the host (nothing if none is open). */
void eng_host_flush(struct nic_engine *e);
/* The frame being filled; a new one if none is open. */
struct proto_writer *eng_host_writer(struct nic_engine *e);

/* Run put against the open frame; when it is full, flush and retry in a new one. */
#define HOST_PUT(e, call)                                                                          \
	do {                                                                                       \
		struct proto_writer *w_ = eng_host_writer(e);                                      \
		if ((call) == -PROTO_E_NOSPACE) {                                                  \
			e->w.err = 0;                                                              \
			eng_host_flush(e);                                                         \
			w_ = eng_host_writer(e);                                                   \
			(void)(call);                                                              \
		}                                                                                  \
		(void)w_;                                                                          \
	} while (0)

/* ERROR to the host (counted in errors_sent). */
void eng_send_error(struct nic_engine *e, uint16_t cmd_type, uint16_t reason, int err,
		    uint32_t req_id, uint32_t flow, uint32_t fid, uint32_t seq, uint32_t len,
		    uint64_t cookie);

#endif
