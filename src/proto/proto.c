/* SPDX-License-Identifier: BSD-2-Clause */
/* Host <-> NIC command framing: see proto.h for the layout. Every read is bounds-checked
 * against the remaining buffer before it happens. */
#include "proto/proto.h"
#include "proto/le.h"

#include <string.h>

const char *proto_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case PROTO_OK:
		return "ok";
	case PROTO_E_SHORT:
		return "truncated frame";
	case PROTO_E_MAGIC:
		return "bad magic";
	case PROTO_E_VERSION:
		return "unsupported version";
	case PROTO_E_COUNT:
		return "bad command count";
	case PROTO_E_TYPE:
		return "bad command type";
	case PROTO_E_LEN:
		return "command payload too short";
	case PROTO_E_VALUE:
		return "invalid field value";
	case PROTO_E_NOSPACE:
		return "output buffer full";
	default:
		return "unknown error";
	}
}

const char *proto_type_name(uint16_t type)
{
	switch (type) {
	case PROTO_T_HELLO:
		return "HELLO";
	case PROTO_T_HEARTBEAT:
		return "HEARTBEAT";
	case PROTO_T_OPEN:
		return "OPEN";
	case PROTO_T_OPEN_DONE:
		return "OPEN_DONE";
	case PROTO_T_FSTAT:
		return "FSTAT";
	case PROTO_T_FSTAT_DONE:
		return "FSTAT_DONE";
	case PROTO_T_CLOSE:
		return "CLOSE";
	case PROTO_T_CLOSE_DONE:
		return "CLOSE_DONE";
	case PROTO_T_SEND:
		return "SEND";
	case PROTO_T_ECHO:
		return "ECHO";
	case PROTO_T_ACKD:
		return "ACKD";
	case PROTO_T_ERROR:
		return "ERROR";
	case PROTO_T_TLS_KEY:
		return "TLS_KEY";
	case PROTO_T_TLS_SEND:
		return "TLS_SEND";
	case PROTO_T_STATS:
		return "STATS";
	case PROTO_T_SYNC:
		return "SYNC";
	case PROTO_T_SYNC_DONE:
		return "SYNC_DONE";
	default:
		return "unknown";
	}
}

int proto_frame_open(struct proto_iter *it, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	memset(it, 0, sizeof(*it));
	if (!p || len < PROTO_FRAME_HLEN)
		return -PROTO_E_SHORT;
	if (le32_get(p) != PROTO_MAGIC)
		return -PROTO_E_MAGIC;
	if (p[4] != PROTO_VERSION)
		return -PROTO_E_VERSION;
	it->count = le16_get(p + 6);
	if (it->count == 0)
		return -PROTO_E_COUNT;
	it->p = p + PROTO_FRAME_HLEN;
	it->left = len - PROTO_FRAME_HLEN;
	return 0;
}

int proto_next(struct proto_iter *it, struct proto_cmd *cmd)
{
	if (it->seen >= it->count)
		return 0;
	if (it->left < PROTO_CMD_HLEN)
		return it->left == 0 ? -PROTO_E_COUNT : -PROTO_E_SHORT;
	uint16_t type = le16_get(it->p);
	uint16_t len = le16_get(it->p + 2);
	if (type == 0)
		return -PROTO_E_TYPE;
	if ((size_t)len > it->left - PROTO_CMD_HLEN)
		return -PROTO_E_SHORT;
	cmd->type = type;
	cmd->len = len;
	cmd->payload = it->p + PROTO_CMD_HLEN;
	it->p += PROTO_CMD_HLEN + (size_t)len;
	it->left -= PROTO_CMD_HLEN + (size_t)len;
	it->seen++;
	return 1;
}

static bool mac_is_valid_unicast(const uint8_t mac[PROTO_MAC_LEN])
{
	static const uint8_t zero[PROTO_MAC_LEN];

	return !(mac[0] & 1) && memcmp(mac, zero, PROTO_MAC_LEN) != 0;
}

int proto_hello_decode(const struct proto_cmd *cmd, struct proto_hello *out)
{
	const uint8_t *p = cmd->payload;

	if (cmd->type != PROTO_T_HELLO)
		return -PROTO_E_TYPE;
	if (cmd->len < PROTO_HELLO_LEN)
		return -PROTO_E_LEN;
	out->version = le16_get(p);
	out->role = p[2];
	out->flags = p[3];
	memcpy(out->mac, p + 4, PROTO_MAC_LEN);
	out->flow_window = le16_get(p + 10);
	out->caps = le32_get(p + 12) & PROTO_CAP_ALL;
	out->store_size = le64_get(p + 16);
	out->boot_id = le64_get(p + 24);
	if (out->version == 0)
		return -PROTO_E_VALUE;
	if (out->role != PROTO_ROLE_HOST && out->role != PROTO_ROLE_NIC)
		return -PROTO_E_VALUE;
	if (!mac_is_valid_unicast(out->mac))
		return -PROTO_E_VALUE;
	if (out->boot_id == 0)
		return -PROTO_E_VALUE;
	return 0;
}

int proto_heartbeat_decode(const struct proto_cmd *cmd, struct proto_heartbeat *out)
{
	if (cmd->type != PROTO_T_HEARTBEAT)
		return -PROTO_E_TYPE;
	if (cmd->len < PROTO_HEARTBEAT_LEN)
		return -PROTO_E_LEN;
	out->boot_id = le64_get(cmd->payload);
	out->seq = le64_get(cmd->payload + 8);
	if (out->boot_id == 0)
		return -PROTO_E_VALUE;
	return 0;
}

int proto_writer_init(struct proto_writer *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (!buf || cap < PROTO_FRAME_HLEN) {
		w->err = -PROTO_E_NOSPACE;
		return w->err;
	}
	le32_put(w->buf, PROTO_MAGIC);
	w->buf[4] = PROTO_VERSION;
	w->buf[5] = 0;
	le16_put(w->buf + 6, 0);
	w->len = PROTO_FRAME_HLEN;
	return 0;
}

/* Reserve a command header plus len payload bytes; NULL (and w->err set) when it cannot. */
static uint8_t *cmd_reserve(struct proto_writer *w, uint16_t type, size_t len)
{
	if (w->err)
		return NULL;
	if (type == 0) {
		w->err = -PROTO_E_TYPE;
		return NULL;
	}
	if (len > UINT16_MAX) {
		w->err = -PROTO_E_LEN;
		return NULL;
	}
	if (w->count == UINT16_MAX) {
		w->err = -PROTO_E_COUNT;
		return NULL;
	}
	if (w->cap - w->len < PROTO_CMD_HLEN + len) {
		w->err = -PROTO_E_NOSPACE;
		return NULL;
	}
	uint8_t *p = w->buf + w->len;
	le16_put(p, type);
	le16_put(p + 2, (uint16_t)len);
	w->len += PROTO_CMD_HLEN + len;
	w->count++;
	return p + PROTO_CMD_HLEN;
}

int proto_put_raw(struct proto_writer *w, uint16_t type, const void *payload, size_t len)
{
	uint8_t *p = cmd_reserve(w, type, len);

	if (!p)
		return w->err;
	if (len)
		memcpy(p, payload, len);
	return 0;
}

int proto_put_hello(struct proto_writer *w, const struct proto_hello *h)
{
	uint8_t *p = cmd_reserve(w, PROTO_T_HELLO, PROTO_HELLO_LEN);

	if (!p)
		return w->err;
	le16_put(p, h->version);
	p[2] = h->role;
	p[3] = h->flags;
	memcpy(p + 4, h->mac, PROTO_MAC_LEN);
	le16_put(p + 10, h->flow_window);
	le32_put(p + 12, h->caps);
	le64_put(p + 16, h->store_size);
	le64_put(p + 24, h->boot_id);
	return 0;
}

int proto_put_heartbeat(struct proto_writer *w, const struct proto_heartbeat *hb)
{
	uint8_t *p = cmd_reserve(w, PROTO_T_HEARTBEAT, PROTO_HEARTBEAT_LEN);

	if (!p)
		return w->err;
	le64_put(p, hb->boot_id);
	le64_put(p + 8, hb->seq);
	return 0;
}

int proto_writer_finish(struct proto_writer *w)
{
	if (w->err)
		return w->err;
	if (w->count == 0)
		return -PROTO_E_COUNT;
	le16_put(w->buf + 6, w->count);
	return (int)w->len;
}

void proto_eth_hdr_put(void *buf, const uint8_t dst[PROTO_MAC_LEN],
		       const uint8_t src[PROTO_MAC_LEN])
{
	uint8_t *p = buf;

	memcpy(p, dst, PROTO_MAC_LEN);
	memcpy(p + 6, src, PROTO_MAC_LEN);
	p[12] = (uint8_t)(PROTO_ETHERTYPE >> 8); /* EtherType is big-endian on the wire */
	p[13] = (uint8_t)PROTO_ETHERTYPE;
}

bool proto_is_proto_frame(const void *frame, size_t len)
{
	const uint8_t *p = frame;

	return len >= PROTO_ETH_HLEN && p[12] == (uint8_t)(PROTO_ETHERTYPE >> 8) &&
	       p[13] == (uint8_t)PROTO_ETHERTYPE;
}
