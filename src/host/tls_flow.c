/* SPDX-License-Identifier: BSD-2-Clause */
/* The TLS side of an offloaded flow (tls_flow.h): TLS_KEY for its key epochs, TLS_SEND for the
 * ranges TCP sends of its bodies. */
#include <openssl/crypto.h>
#include <string.h>

#include "host/ctx.h"
#include "host/offload_cmd.h"
#include "host/offload_types.h"
#include "host/tls_flow.h"
#include "host/tls_keys.h"
#include "host/tls_types.h"
#include "tls/record.h"

void host_tls_send_cmd(struct proto_send *cmd, const struct host_off_tls *b)
{
	cmd->is_tls = true;
	cmd->tls.epoch = b->epoch;
	cmd->tls.rec_size = HOST_TLS_REC_SIZE;
	cmd->tls.align = TLS_ALIGN_FILE;
	cmd->tls.body_off = b->body_off;
	cmd->tls.body_len = b->body_len;
	cmd->tls.rec_seq = b->rec_seq;
}

static bool put_key(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t epoch)
{
	bool start = false;
	uint32_t start_seq = 0;
	const struct tls_key *k = host_tls_key_of(f->tls_keys, epoch, &start, &start_seq);
	/* after a KeyUpdate: START lets the NIC wipe older epochs once ACKD passes start_seq */
	struct proto_tls_key m = {.flow = f->id,
				  .epoch = epoch,
				  .flags = start ? PROTO_TLS_KEY_F_START : 0,
				  .start_seq = start_seq};
	struct proto_writer *w;
	bool ok;

	if (!k || !ctx->nic.up)
		return false;
	m.version = k->version;
	m.cipher = k->cipher;
	m.key_len = k->key_len;
	m.iv_len = (uint8_t)tls_iv_len(k->version);
	memcpy(m.key, k->key, k->key_len);
	memcpy(m.iv, k->iv, m.iv_len);
	w = host_off_cmd_writer(ctx, PROTO_TLS_KEY_LEN);
	ok = w && proto_put_tls_key(w, &m) == 0;
	if (w)
		host_off_cmd_secret(ctx); /* the frame's copy is zeroed once sent (link.h) */
	OPENSSL_cleanse(&m, sizeof(m));
	if (ok)
		ctx->tls->cnt.keys_sent++;
	return ok;
}

bool host_tls_flow_key(struct iotcp_ctx *ctx, struct host_off_flow *f, uint32_t epoch)
{
	if (f->tls_key_sent && epoch <= f->tls_key_epoch)
		return true;
	if (!put_key(ctx, f, epoch))
		return false;
	f->tls_key_sent = true;
	f->tls_key_epoch = epoch;
	return true;
}

bool host_tls_flow_rekey(struct iotcp_ctx *ctx, struct host_off_flow *f,
			 const struct proto_send *cmd)
{
	if (!cmd->is_tls || f->tls_rekeys >= HOST_TLS_REKEY_MAX || !ctx->tls)
		return false;
	f->tls_rekeys++;
	ctx->tls->cnt.rekeys++;
	return put_key(ctx, f, cmd->tls.epoch);
}
