/* SPDX-License-Identifier: BSD-2-Clause */
/* ACKD (ackd.h): the host says how far the peer acknowledged a flow; its sent jobs that end
 * there are freed, releasing their store pins. With END the whole flow goes, TLS state too. */
#include "nic/ackd.h"

#include <errno.h>

#include "nic/engine_state.h"
#include "nic/flow_table.h"
#include "nic/host_reply.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"
#include "tcp/seq.h"

/* ACKD: release the flow's sent jobs that end at or before acked; with end, every job of it
 * (waiting ones too) and its TLS state. Returns the jobs released. */
uint32_t eng_flow_release(struct nic_engine *e, uint32_t id, uint32_t acked, bool end)
{
	uint64_t before = e->st.jobs_released;
	struct nic_flow *fl = eng_flow_get(e, id, false);
	if (!fl) {
		nic_tls_ackd(e->tls, id, acked, end);
		return 0;
	}
	while (fl->sent_head) {
		struct nic_job *j = fl->sent_head;
		if (!end && SEQ_GT(j->tmpl.seq + j->len, acked))
			break;
		fl->sent_head = j->next;
		if (!fl->sent_head)
			fl->sent_tail = NULL;
		eng_job_free(e, j);
	}
	if (end && fl->waiting) {
		/* drop its jobs still waiting in the FIFO */
		struct nic_job **p = &e->fifo_head, *prev = NULL;
		while (*p) {
			struct nic_job *j = *p;
			if (j->flow == fl) {
				*p = j->next;
				if (e->fifo_tail == j)
					e->fifo_tail = prev;
				fl->waiting--;
				eng_job_free(e, j);
			} else {
				prev = j;
				p = &j->next;
			}
		}
	}
	eng_flow_maybe_free(e, fl);
	nic_tls_ackd(e->tls, id, acked, end);
	return (uint32_t)(e->st.jobs_released - before);
}

void eng_cmd_ackd(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_ackd a;
	if (proto_ackd_decode(cmd, &a) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	e->st.ackds++;
	if (!eng_flow_get(e, a.flow, false))
		e->st.ackd_unknown_flow++;
	eng_flow_release(e, a.flow, a.acked, a.flags & PROTO_ACKD_F_END);
}
