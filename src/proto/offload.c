/* SPDX-License-Identifier: BSD-2-Clause */
/* Encode/decode of the offload commands. Decoders check the type and the fixed length, and
 * every variable part against the payload length: they never read past the command. */
#include <string.h>

#include "proto/le.h"
#include "proto/offload.h"

static int expect(const struct proto_cmd *cmd, uint16_t type, size_t min_len)
{
	if (cmd->type != type)
		return -PROTO_E_TYPE;
	if (cmd->len < min_len)
		return -PROTO_E_LEN;
	return 0;
}

const char *proto_error_reason_name(uint16_t reason)
{
	switch (reason) {
	case PROTO_ERR_MALFORMED:
		return "malformed";
	case PROTO_ERR_UNKNOWN_FID:
		return "unknown_fid";
	case PROTO_ERR_UNKNOWN_FLOW:
		return "unknown_flow";
	case PROTO_ERR_IO:
		return "io";
	case PROTO_ERR_TRUNCATED:
		return "truncated";
	case PROTO_ERR_STORE_FULL:
		return "store_full";
	case PROTO_ERR_BAD_TEMPLATE:
		return "bad_template";
	case PROTO_ERR_RANGE:
		return "range";
	case PROTO_ERR_BUSY:
		return "busy";
	case PROTO_ERR_UNSUPPORTED:
		return "unsupported";
	case PROTO_ERR_TLS_NO_KEY:
		return "tls_no_key";
	case PROTO_ERR_TLS_KEY:
		return "tls_key";
	case PROTO_ERR_TLS_SEQ:
		return "tls_seq";
	case PROTO_ERR_FILE_CHANGED:
		return "file_changed";
	case PROTO_ERR_FLOW_LIMIT:
		return "flow_limit";
	default:
		return "unknown";
	}
}

int proto_open_decode(const struct proto_cmd *cmd, struct proto_open *out)
{
	int rc = expect(cmd, PROTO_T_OPEN, PROTO_OPEN_LEN);
	if (rc)
		return rc;
	const uint8_t *p = cmd->payload;
	out->req_id = le32_get(p);
	out->path_len = le16_get(p + 4);
	if (out->path_len == 0 || out->path_len > PROTO_PATH_MAX)
		return -PROTO_E_VALUE;
	if ((size_t)PROTO_OPEN_LEN + out->path_len > cmd->len)
		return -PROTO_E_LEN;
	out->path = (const char *)p + PROTO_OPEN_LEN;
	if (memchr(out->path, '\0', out->path_len))
		return -PROTO_E_VALUE;
	return 0;
}

int proto_put_open(struct proto_writer *w, uint32_t req_id, const char *path, uint16_t path_len)
{
	uint8_t b[PROTO_OPEN_LEN + PROTO_PATH_MAX];
	if (path_len == 0 || path_len > PROTO_PATH_MAX)
		return -PROTO_E_VALUE;
	le32_put(b, req_id);
	le16_put(b + 4, path_len);
	le16_put(b + 6, 0);
	memcpy(b + PROTO_OPEN_LEN, path, path_len);
	return proto_put_raw(w, PROTO_T_OPEN, b, PROTO_OPEN_LEN + path_len);
}

int proto_open_done_decode(const struct proto_cmd *cmd, struct proto_open_done *out)
{
	if (cmd->type != PROTO_T_OPEN_DONE && cmd->type != PROTO_T_FSTAT_DONE)
		return -PROTO_E_TYPE;
	if (cmd->len < PROTO_OPEN_DONE_LEN)
		return -PROTO_E_LEN;
	const uint8_t *p = cmd->payload;
	out->req_id = le32_get(p);
	out->err = (int32_t)le32_get(p + 4);
	out->fid = le32_get(p + 8);
	out->mode = le32_get(p + 12);
	out->size = le64_get(p + 16);
	out->mtime_sec = (int64_t)le64_get(p + 24);
	out->mtime_nsec = le32_get(p + 32);
	if (out->err > 0 || out->mtime_nsec >= 1000000000u)
		return -PROTO_E_VALUE;
	return 0;
}

int proto_put_open_done(struct proto_writer *w, uint16_t type, const struct proto_open_done *d)
{
	uint8_t b[PROTO_OPEN_DONE_LEN] = {0};
	if (type != PROTO_T_OPEN_DONE && type != PROTO_T_FSTAT_DONE)
		return -PROTO_E_TYPE;
	le32_put(b, d->req_id);
	le32_put(b + 4, (uint32_t)d->err);
	le32_put(b + 8, d->fid);
	le32_put(b + 12, d->mode);
	le64_put(b + 16, d->size);
	le64_put(b + 24, (uint64_t)d->mtime_sec);
	le32_put(b + 32, d->mtime_nsec);
	return proto_put_raw(w, type, b, sizeof(b));
}

int proto_fstat_decode(const struct proto_cmd *cmd, struct proto_fstat *out)
{
	int rc = expect(cmd, PROTO_T_FSTAT, PROTO_FSTAT_LEN);
	if (rc)
		return rc;
	out->req_id = le32_get(cmd->payload);
	out->fid = le32_get(cmd->payload + 4);
	return 0;
}

int proto_put_fstat(struct proto_writer *w, const struct proto_fstat *f)
{
	uint8_t b[PROTO_FSTAT_LEN];
	le32_put(b, f->req_id);
	le32_put(b + 4, f->fid);
	return proto_put_raw(w, PROTO_T_FSTAT, b, sizeof(b));
}

int proto_close_decode(const struct proto_cmd *cmd, struct proto_close *out)
{
	int rc = expect(cmd, PROTO_T_CLOSE, PROTO_CLOSE_LEN);
	if (rc)
		return rc;
	out->fid = le32_get(cmd->payload);
	out->err = 0;
	return 0;
}

int proto_put_close(struct proto_writer *w, uint32_t fid)
{
	uint8_t b[PROTO_CLOSE_LEN];
	le32_put(b, fid);
	return proto_put_raw(w, PROTO_T_CLOSE, b, sizeof(b));
}

int proto_close_done_decode(const struct proto_cmd *cmd, struct proto_close *out)
{
	int rc = expect(cmd, PROTO_T_CLOSE_DONE, PROTO_CLOSE_DONE_LEN);
	if (rc)
		return rc;
	out->fid = le32_get(cmd->payload);
	out->err = (int32_t)le32_get(cmd->payload + 4);
	return out->err > 0 ? -PROTO_E_VALUE : 0;
}

int proto_put_close_done(struct proto_writer *w, uint32_t fid, int32_t err)
{
	uint8_t b[PROTO_CLOSE_DONE_LEN];
	le32_put(b, fid);
	le32_put(b + 4, (uint32_t)err);
	return proto_put_raw(w, PROTO_T_CLOSE_DONE, b, sizeof(b));
}

int proto_send_decode(const struct proto_cmd *cmd, struct proto_send *out)
{
	bool tls = cmd->type == PROTO_T_TLS_SEND;
	size_t fixed = tls ? PROTO_TLS_SEND_LEN : PROTO_SEND_LEN;
	int rc = expect(cmd, tls ? PROTO_T_TLS_SEND : PROTO_T_SEND, fixed);
	if (rc)
		return rc;
	const uint8_t *p = cmd->payload;
	out->flow = le32_get(p);
	out->fid = le32_get(p + 4);
	out->file_off = le64_get(p + 8);
	out->len = le32_get(p + 16);
	out->mss = le16_get(p + 20);
	out->tmpl_len = le16_get(p + 22);
	out->flags = le32_get(p + 24);
	out->cookie = le64_get(p + 32);
	out->is_tls = tls;
	memset(&out->tls, 0, sizeof(out->tls));
	if (out->tmpl_len == 0 || out->tmpl_len > PROTO_TMPL_MAX || out->mss == 0 || out->len == 0)
		return -PROTO_E_VALUE;
	if (out->file_off > (uint64_t)INT64_MAX - out->len)
		return -PROTO_E_VALUE;
	if (tls) {
		struct proto_send_tls *t = &out->tls;
		t->epoch = le32_get(p + 28);
		t->body_off = le64_get(p + 40);
		t->body_len = le64_get(p + 48);
		t->rec_seq = le64_get(p + 56);
		t->rec_size = le16_get(p + 64);
		t->align = p[66];
		if (t->rec_size < PROTO_TLS_REC_MIN || t->rec_size > PROTO_TLS_REC_MAX ||
		    t->align > 1 || t->body_len == 0 || t->body_off > (uint64_t)INT64_MAX ||
		    t->body_len > (uint64_t)INT64_MAX - t->body_off)
			return -PROTO_E_VALUE;
	}
	if (fixed + out->tmpl_len > cmd->len)
		return -PROTO_E_LEN;
	out->tmpl = p + fixed;
	return 0;
}

int proto_put_send(struct proto_writer *w, const struct proto_send *s)
{
	uint8_t b[PROTO_TLS_SEND_LEN + PROTO_TMPL_MAX] = {0};
	size_t fixed = s->is_tls ? PROTO_TLS_SEND_LEN : PROTO_SEND_LEN;
	if (s->tmpl_len == 0 || s->tmpl_len > PROTO_TMPL_MAX)
		return -PROTO_E_VALUE;
	le32_put(b, s->flow);
	le32_put(b + 4, s->fid);
	le64_put(b + 8, s->file_off);
	le32_put(b + 16, s->len);
	le16_put(b + 20, s->mss);
	le16_put(b + 22, s->tmpl_len);
	le32_put(b + 24, s->flags);
	le64_put(b + 32, s->cookie);
	if (s->is_tls) {
		le32_put(b + 28, s->tls.epoch);
		le64_put(b + 40, s->tls.body_off);
		le64_put(b + 48, s->tls.body_len);
		le64_put(b + 56, s->tls.rec_seq);
		le16_put(b + 64, s->tls.rec_size);
		b[66] = s->tls.align;
	}
	memcpy(b + fixed, s->tmpl, s->tmpl_len);
	return proto_put_raw(w, s->is_tls ? PROTO_T_TLS_SEND : PROTO_T_SEND, b,
			     fixed + s->tmpl_len);
}

int proto_tls_key_decode(const struct proto_cmd *cmd, struct proto_tls_key *out)
{
	int rc = expect(cmd, PROTO_T_TLS_KEY, PROTO_TLS_KEY_LEN);
	if (rc)
		return rc;
	const uint8_t *p = cmd->payload;
	out->flow = le32_get(p);
	out->epoch = le32_get(p + 4);
	out->version = le16_get(p + 8);
	out->cipher = p[10];
	out->key_len = p[11];
	out->iv_len = p[12];
	out->flags = p[13];
	out->start_seq = le32_get(p + 60);
	if (out->key_len == 0 || out->key_len > PROTO_TLS_KEY_MAX || out->iv_len == 0 ||
	    out->iv_len > PROTO_TLS_IV_MAX)
		return -PROTO_E_VALUE;
	memset(out->key, 0, sizeof(out->key));
	memset(out->iv, 0, sizeof(out->iv));
	memcpy(out->key, p + 16, out->key_len);
	memcpy(out->iv, p + 48, out->iv_len);
	return 0;
}

/* Zeroes the compiler may not drop (the bytes are dead to it afterwards). */
static void wipe(uint8_t *b, size_t len)
{
	volatile uint8_t *v = b;
	for (size_t i = 0; i < len; i++)
		v[i] = 0;
}

void proto_tls_key_wipe(const struct proto_cmd *cmd)
{
	if (cmd->type != PROTO_T_TLS_KEY || cmd->len < PROTO_TLS_KEY_LEN)
		return;
	/* key[32] at 16, iv[12] at 48 (offload.h) */
	wipe((uint8_t *)(uintptr_t)cmd->payload + 16, PROTO_TLS_KEY_MAX + PROTO_TLS_IV_MAX);
}

int proto_put_tls_key(struct proto_writer *w, const struct proto_tls_key *k)
{
	uint8_t b[PROTO_TLS_KEY_LEN] = {0};
	if (k->key_len == 0 || k->key_len > PROTO_TLS_KEY_MAX || k->iv_len == 0 ||
	    k->iv_len > PROTO_TLS_IV_MAX)
		return -PROTO_E_VALUE;
	le32_put(b, k->flow);
	le32_put(b + 4, k->epoch);
	le16_put(b + 8, k->version);
	b[10] = k->cipher;
	b[11] = k->key_len;
	b[12] = k->iv_len;
	b[13] = k->flags;
	memcpy(b + 16, k->key, k->key_len);
	memcpy(b + 48, k->iv, k->iv_len);
	le32_put(b + 60, k->start_seq);
	int rc = proto_put_raw(w, PROTO_T_TLS_KEY, b, sizeof(b));
	wipe(b, sizeof(b)); /* key material must not linger on the stack */
	return rc;
}

int proto_echo_decode(const struct proto_cmd *cmd, struct proto_echo *out)
{
	int rc = expect(cmd, PROTO_T_ECHO, PROTO_ECHO_LEN);
	if (rc)
		return rc;
	const uint8_t *p = cmd->payload;
	out->flow = le32_get(p);
	out->seq = le32_get(p + 4);
	out->len = le32_get(p + 8);
	out->nic_delay_ns = le32_get(p + 12);
	out->cookie = le64_get(p + 16);
	return 0;
}

int proto_put_echo(struct proto_writer *w, const struct proto_echo *e)
{
	uint8_t b[PROTO_ECHO_LEN];
	le32_put(b, e->flow);
	le32_put(b + 4, e->seq);
	le32_put(b + 8, e->len);
	le32_put(b + 12, e->nic_delay_ns);
	le64_put(b + 16, e->cookie);
	return proto_put_raw(w, PROTO_T_ECHO, b, sizeof(b));
}

int proto_ackd_decode(const struct proto_cmd *cmd, struct proto_ackd *out)
{
	int rc = expect(cmd, PROTO_T_ACKD, PROTO_ACKD_LEN);
	if (rc)
		return rc;
	out->flow = le32_get(cmd->payload);
	out->acked = le32_get(cmd->payload + 4);
	out->flags = le32_get(cmd->payload + 8);
	return 0;
}

int proto_put_ackd(struct proto_writer *w, const struct proto_ackd *a)
{
	uint8_t b[PROTO_ACKD_LEN];
	le32_put(b, a->flow);
	le32_put(b + 4, a->acked);
	le32_put(b + 8, a->flags);
	return proto_put_raw(w, PROTO_T_ACKD, b, sizeof(b));
}

int proto_error_decode(const struct proto_cmd *cmd, struct proto_error *out)
{
	int rc = expect(cmd, PROTO_T_ERROR, PROTO_ERROR_LEN);
	if (rc)
		return rc;
	const uint8_t *p = cmd->payload;
	out->cmd_type = le16_get(p);
	out->reason = le16_get(p + 2);
	out->err = (int32_t)le32_get(p + 4);
	out->req_id = le32_get(p + 8);
	out->flow = le32_get(p + 12);
	out->fid = le32_get(p + 16);
	out->seq = le32_get(p + 20);
	out->len = le32_get(p + 24);
	out->cookie = le64_get(p + 32);
	return out->err > 0 ? -PROTO_E_VALUE : 0;
}

int proto_put_error(struct proto_writer *w, const struct proto_error *e)
{
	uint8_t b[PROTO_ERROR_LEN] = {0};
	le16_put(b, e->cmd_type);
	le16_put(b + 2, e->reason);
	le32_put(b + 4, (uint32_t)e->err);
	le32_put(b + 8, e->req_id);
	le32_put(b + 12, e->flow);
	le32_put(b + 16, e->fid);
	le32_put(b + 20, e->seq);
	le32_put(b + 24, e->len);
	le64_put(b + 32, e->cookie);
	return proto_put_raw(w, PROTO_T_ERROR, b, sizeof(b));
}
