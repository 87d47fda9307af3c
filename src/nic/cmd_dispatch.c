/* SPDX-License-Identifier: BSD-2-Clause */
/* Command dispatch: each command of a host frame goes to the file that handles it
 * (nic_engine_host_frame, engine.h). */
#include <errno.h>

#include "nic/ackd.h"
#include "nic/engine.h"
#include "nic/engine_check.h"
#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/host_reply.h"
#include "nic/send_cmd.h"
#include "nic/sync_cmd.h"
#include "nic/tls_key_cmd.h"
#include "proto/offload.h"
#include "proto/proto.h"

void nic_engine_host_frame(struct nic_engine *e, const uint8_t *payload, size_t len, uint64_t now)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	int rc;

	if (proto_frame_open(&it, payload, len) < 0) {
		e->st.malformed++;
		return;
	}
	while ((rc = proto_next(&it, &cmd)) > 0) {
		e->st.cmds++;
		switch (cmd.type) {
		case PROTO_T_OPEN:
			eng_cmd_open(e, &cmd);
			break;
		case PROTO_T_FSTAT:
			eng_cmd_fstat(e, &cmd);
			break;
		case PROTO_T_CLOSE:
			eng_cmd_close(e, &cmd);
			break;
		case PROTO_T_SEND:
		case PROTO_T_TLS_SEND:
			eng_cmd_send(e, &cmd, now);
			break;
		case PROTO_T_TLS_KEY:
			eng_cmd_tls_key(e, &cmd);
			break;
		case PROTO_T_ACKD:
			eng_cmd_ackd(e, &cmd);
			break;
		case PROTO_T_SYNC:
			eng_cmd_sync(e, &cmd);
			break;
		case PROTO_T_HELLO:
		case PROTO_T_HEARTBEAT:
			break;
		default:
			e->st.malformed++;
			eng_send_error(e, cmd.type, PROTO_ERR_UNSUPPORTED, -EOPNOTSUPP, 0, 0, 0, 0,
				       0, 0);
			break;
		}
	}
	if (rc < 0)
		e->st.malformed++;
	eng_checked(e);
}
