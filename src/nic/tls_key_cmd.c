/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS_KEY (tls_key_cmd.h): a flow's key for TLS_SEND goes to the TLS state (tls_flow.c); the
 * command frame's copy of the key is wiped. */
#include "nic/tls_key_cmd.h"

#include <errno.h>

#include <openssl/crypto.h>

#include "nic/engine_state.h"
#include "nic/host_reply.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"

void eng_cmd_tls_key(struct nic_engine *e, const struct proto_cmd *cmd)
{
	struct proto_tls_key k;
	uint16_t reason;
	if (proto_tls_key_decode(cmd, &k) < 0) {
		e->st.malformed++;
		eng_send_error(e, cmd->type, PROTO_ERR_MALFORMED, -EINVAL, 0, 0, 0, 0, 0, 0);
		return;
	}
	proto_tls_key_wipe(cmd);	 /* the frame's copy of the key: the decoded one is used */
	nic_sync_keep(&e->sync, k.flow); /* a flow that appears while a sync runs is alive */
	int err = nic_tls_key(e->tls, &k, &reason);
	if (err < 0)
		eng_send_error(e, cmd->type, reason, err, k.epoch, k.flow, 0, 0, 0, 0);
	OPENSSL_cleanse(&k, sizeof(k));
}
