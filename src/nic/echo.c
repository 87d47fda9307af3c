/* SPDX-License-Identifier: BSD-2-Clause */
/* ECHO (echo.h): a SEND with PROTO_SEND_F_ECHO is answered once all of it is on the wire, with
 * the time it spent in the NIC. */
#include "nic/echo.h"

#include "nic/engine_state.h"
#include "nic/host_reply.h"
#include "proto/offload.h"

void eng_echo(struct nic_engine *e, const struct nic_job *j, uint64_t now)
{
	uint64_t d = now - j->arrival;
	struct proto_echo ec = {.flow = j->flow->id,
				.seq = j->tmpl.seq,
				.len = j->len,
				.nic_delay_ns = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d,
				.cookie = j->cookie};
	e->st.echoes++;
	HOST_PUT(e, proto_put_echo(w_, &ec));
}
