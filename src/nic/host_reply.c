/* SPDX-License-Identifier: BSD-2-Clause */
/* Commands from the engine to the host (host_reply.h): one frame is filled until it is full or
 * the engine's poll ends, then handed to nic_engine_out.host_send. */
#include "nic/host_reply.h"

#include "nic/engine_state.h"
#include "proto/offload.h"

void eng_host_flush(struct nic_engine *e)
{
	if (!e->w_open)
		return;
	int len = proto_writer_finish(&e->w);
	if (len > 0)
		e->out.host_send(e->out.ctx, e->hbuf, (size_t)len);
	e->w_open = false;
}

struct proto_writer *eng_host_writer(struct nic_engine *e)
{
	if (!e->w_open) {
		size_t cap = e->cfg.host_mtu < sizeof(e->hbuf) ? e->cfg.host_mtu : sizeof(e->hbuf);
		proto_writer_init(&e->w, e->hbuf, cap);
		e->w_open = true;
	}
	return &e->w;
}

void eng_send_error(struct nic_engine *e, uint16_t cmd_type, uint16_t reason, int err,
		    uint32_t req_id, uint32_t flow, uint32_t fid, uint32_t seq, uint32_t len,
		    uint64_t cookie)
{
	struct proto_error pe = {.cmd_type = cmd_type,
				 .reason = reason,
				 .err = err,
				 .req_id = req_id,
				 .flow = flow,
				 .fid = fid,
				 .seq = seq,
				 .len = len,
				 .cookie = cookie};
	e->st.errors_sent++;
	HOST_PUT(e, proto_put_error(w_, &pe));
}
