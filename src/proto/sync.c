/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC / SYNC_DONE encoding and decoding (docs/protocol.md "Resynchronisation"). */
#include "proto/sync.h"
#include "proto/le.h"

int proto_sync_decode(const struct proto_cmd *cmd, struct proto_sync *out)
{
	const uint8_t *p = cmd->payload;

	if (cmd->type != PROTO_T_SYNC)
		return -PROTO_E_TYPE;
	if (cmd->len < PROTO_SYNC_LEN)
		return -PROTO_E_LEN;
	out->epoch = le32_get(p);
	out->kind = p[4];
	out->count = le16_get(p + 6);
	out->total = le32_get(p + 8);
	out->entries = p + PROTO_SYNC_LEN;
	if (out->kind > PROTO_SYNC_OPENS || (out->kind == PROTO_SYNC_END && out->count))
		return -PROTO_E_VALUE;
	if ((size_t)PROTO_SYNC_LEN + (size_t)out->count * PROTO_SYNC_ENTRY_LEN > cmd->len)
		return -PROTO_E_LEN;
	return 0;
}

void proto_sync_entry(const struct proto_sync *s, uint16_t i, struct proto_sync_entry *e)
{
	const uint8_t *p = s->entries + (size_t)i * PROTO_SYNC_ENTRY_LEN;
	e->id = le32_get(p);
	e->value = le32_get(p + 4);
	e->flags = le32_get(p + 8);
}

int proto_sync_done_decode(const struct proto_cmd *cmd, struct proto_sync_done *out)
{
	const uint8_t *p = cmd->payload;

	if (cmd->type != PROTO_T_SYNC_DONE)
		return -PROTO_E_TYPE;
	if (cmd->len < PROTO_SYNC_DONE_LEN)
		return -PROTO_E_LEN;
	out->epoch = le32_get(p);
	out->err = (int32_t)le32_get(p + 4);
	out->flows = le32_get(p + 8);
	out->files = le32_get(p + 12);
	out->jobs = le32_get(p + 16);
	if (out->err > 0)
		return -PROTO_E_VALUE;
	return 0;
}

int proto_put_sync(struct proto_writer *w, uint32_t epoch, uint8_t kind, uint32_t total,
		   const struct proto_sync_entry *e, uint16_t count)
{
	uint8_t b[PROTO_SYNC_LEN + PROTO_SYNC_MAX_ENTRIES * PROTO_SYNC_ENTRY_LEN];
	size_t len = PROTO_SYNC_LEN + (size_t)count * PROTO_SYNC_ENTRY_LEN;
	if (kind > PROTO_SYNC_OPENS || (kind == PROTO_SYNC_END && count) ||
	    count > PROTO_SYNC_MAX_ENTRIES)
		return -PROTO_E_VALUE;
	le32_put(b, epoch);
	b[4] = kind;
	b[5] = 0;
	le16_put(b + 6, count);
	le32_put(b + 8, total);
	for (uint16_t i = 0; i < count; i++) {
		uint8_t *p = b + PROTO_SYNC_LEN + (size_t)i * PROTO_SYNC_ENTRY_LEN;
		le32_put(p, e[i].id);
		le32_put(p + 4, e[i].value);
		le32_put(p + 8, e[i].flags);
	}
	return proto_put_raw(w, PROTO_T_SYNC, b, len);
}

int proto_put_sync_done(struct proto_writer *w, const struct proto_sync_done *d)
{
	uint8_t b[PROTO_SYNC_DONE_LEN] = {0};
	le32_put(b, d->epoch);
	le32_put(b + 4, (uint32_t)d->err);
	le32_put(b + 8, d->flows);
	le32_put(b + 12, d->files);
	le32_put(b + 16, d->jobs);
	return proto_put_raw(w, PROTO_T_SYNC_DONE, b, sizeof(b));
}
