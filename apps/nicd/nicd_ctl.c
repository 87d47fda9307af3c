/* SPDX-License-Identifier: BSD-2-Clause */
/* HELLO / HEARTBEAT on the NIC side of the host link (see nicd_ctl.h). */
#include "nicd_ctl.h"

#include <errno.h>
#include <string.h>

#include "proto/offload.h"

static const uint8_t broadcast_mac[PROTO_MAC_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void nicd_ctl_init(struct nicd_ctl *ctl, const uint8_t nic_mac[PROTO_MAC_LEN], uint64_t boot_id,
		   uint32_t caps, uint64_t store_size)
{
	memset(ctl, 0, sizeof(*ctl));
	memcpy(ctl->nic_mac, nic_mac, PROTO_MAC_LEN);
	ctl->boot_id = boot_id ? boot_id : 1;
	ctl->caps = caps;
	ctl->store_size = store_size;
}

int nicd_frame_ethertype(const uint8_t *frame, size_t len, bool *tagged)
{
	size_t off = 12;

	*tagged = false;
	for (int tags = 0;; tags++) {
		if (len < off + 2)
			return -1;
		int type = (frame[off] << 8) | frame[off + 1];
		if ((type != 0x8100 && type != 0x88A8) || tags == 2)
			return type;
		*tagged = true;
		off += 4;
	}
}

bool nicd_frame_is_pure_ack(const uint8_t *frame, size_t len)
{
	size_t off = 12;
	int type = -1;

	for (int tags = 0; tags <= 2; tags++) {
		if (len < off + 2)
			return false;
		type = (frame[off] << 8) | frame[off + 1];
		if (type != 0x8100 && type != 0x88A8)
			break;
		off += 4;
	}
	off += 2;
	const uint8_t *ip = frame + off;
	size_t ihl, tot;
	if (type == 0x86DD) { /* IPv6, TCP right after the fixed header */
		if (len < off + 40 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return false;
		ihl = 40;
		tot = 40 + (((size_t)ip[4] << 8) | ip[5]);
	} else {
		if (type != 0x0800 || len < off + 20)
			return false;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		tot = ((size_t)ip[2] << 8) | ip[3];
		if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6)
			return false;
	}
	if (len < off + ihl + 20)
		return false;
	const uint8_t *th = ip + ihl;
	size_t doff = (size_t)(th[12] >> 4) * 4;
	uint8_t flags = th[13];
	/* ACK set; no SYN, FIN or RST; no payload. */
	return (flags & 0x10) && !(flags & 0x07) && doff >= 20 && tot == ihl + doff;
}

/* Finish a control frame: Ethernet header to dst, pad to the Ethernet minimum. */
static int seal_frame(struct nicd_ctl *ctl, struct proto_writer *w, const uint8_t *dst,
		      uint8_t *out, size_t cap)
{
	int n = proto_writer_finish(w);

	if (n < 0)
		return 0;
	proto_eth_hdr_put(out, dst, ctl->nic_mac);
	size_t len = PROTO_ETH_HLEN + (size_t)n;
	if (len < NICD_ETH_MIN_FRAME) {
		if (cap < NICD_ETH_MIN_FRAME)
			return 0;
		memset(out + len, 0, NICD_ETH_MIN_FRAME - len);
		len = NICD_ETH_MIN_FRAME;
	}
	return (int)len;
}

int nicd_ctl_hello(struct nicd_ctl *ctl, bool reply, uint8_t *out, size_t cap)
{
	struct proto_writer w;
	struct proto_hello h = {
	    .version = PROTO_VERSION,
	    .role = PROTO_ROLE_NIC,
	    .flags = reply ? PROTO_HELLO_F_REPLY : 0,
	    .caps = ctl->caps,
	    .store_size = ctl->store_size,
	    .boot_id = ctl->boot_id,
	    .flow_window = ctl->flow_window,
	};

	if (cap < PROTO_ETH_HLEN)
		return 0;
	memcpy(h.mac, ctl->nic_mac, PROTO_MAC_LEN);
	proto_writer_init(&w, out + PROTO_ETH_HLEN, cap - PROTO_ETH_HLEN);
	proto_put_hello(&w, &h);
	int len = seal_frame(ctl, &w, ctl->host_known ? ctl->host_mac : broadcast_mac, out, cap);
	if (len > 0)
		ctl->c.hello_tx++;
	return len;
}

static int heartbeat(struct nicd_ctl *ctl, uint8_t *out, size_t cap)
{
	struct proto_writer w;
	struct proto_heartbeat hb = {.boot_id = ctl->boot_id, .seq = ++ctl->hb_seq};

	if (cap < PROTO_ETH_HLEN)
		return 0;
	proto_writer_init(&w, out + PROTO_ETH_HLEN, cap - PROTO_ETH_HLEN);
	proto_put_heartbeat(&w, &hb);
	int len = seal_frame(ctl, &w, ctl->host_mac, out, cap);
	if (len > 0)
		ctl->c.heartbeat_tx++;
	return len;
}

/* First pass: the whole frame must be well-formed before any command in it acts. HELLO and
 * HEARTBEAT must come from a host; a HELLO's MAC must be the frame's source. */
static bool frame_valid(const uint8_t *frame, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	int rc;

	if (proto_frame_open(&it, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN) < 0)
		return false;
	while ((rc = proto_next(&it, &cmd)) > 0) {
		if (cmd.type == PROTO_T_HELLO) {
			struct proto_hello h;
			if (proto_hello_decode(&cmd, &h) < 0 || h.role != PROTO_ROLE_HOST ||
			    memcmp(h.mac, frame + 6, PROTO_MAC_LEN) != 0)
				return false;
		} else if (cmd.type == PROTO_T_HEARTBEAT) {
			struct proto_heartbeat hb;
			if (proto_heartbeat_decode(&cmd, &hb) < 0)
				return false;
		}
	}
	return rc == 0;
}

int nicd_ctl_input(struct nicd_ctl *ctl, const uint8_t *frame, size_t len, uint64_t now_s,
		   uint8_t *reply, size_t cap)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	bool answer = false, introduce = false;
	bool tagged;

	if (!frame || len < PROTO_ETH_HLEN ||
	    nicd_frame_ethertype(frame, len, &tagged) != (int)PROTO_ETHERTYPE || tagged ||
	    !frame_valid(frame, len)) {
		ctl->c.malformed++;
		return -1;
	}
	proto_frame_open(&it, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN);
	while (proto_next(&it, &cmd) > 0) {
		switch (cmd.type) {
		case PROTO_T_HELLO: {
			struct proto_hello h;
			proto_hello_decode(&cmd, &h);
			ctl->c.hello_rx++;
			if (ctl->host_known && h.boot_id != ctl->host_boot_id)
				ctl->c.host_restarts++;
			ctl->host_known = true;
			ctl->host_alive = true;
			memcpy(ctl->host_mac, h.mac, PROTO_MAC_LEN);
			ctl->host_boot_id = h.boot_id;
			ctl->host_last_heard_s = now_s;
			if (!(h.flags & PROTO_HELLO_F_REPLY))
				answer = true;
			break;
		}
		case PROTO_T_HEARTBEAT: {
			struct proto_heartbeat hb;
			proto_heartbeat_decode(&cmd, &hb);
			ctl->c.heartbeat_rx++;
			if (!ctl->host_known || hb.boot_id != ctl->host_boot_id) {
				/* A host we have no HELLO from: introduce ourselves. */
				ctl->c.stale_heartbeats++;
				answer = introduce = true;
				break;
			}
			ctl->host_alive = true;
			ctl->host_last_heard_s = now_s;
			break;
		}
		case PROTO_T_OPEN:
		case PROTO_T_FSTAT:
		case PROTO_T_CLOSE:
		case PROTO_T_SEND:
		case PROTO_T_ACKD:
			break; /* the offload engine's (or nicd_ctl_reject_offload's) */
		default:
			ctl->c.unknown_cmds++;
			break;
		}
	}
	if (!answer)
		return 0;
	/* A stale heartbeat gets a plain HELLO so the host answers with its own. */
	return nicd_ctl_hello(ctl, !introduce, reply, cap);
}

int nicd_ctl_tick(struct nicd_ctl *ctl, uint64_t now_s, uint8_t *out, size_t cap)
{
	if (ctl->host_alive && now_s - ctl->host_last_heard_s >= NICD_HOST_DEAD_S) {
		ctl->host_alive = false;
		ctl->c.host_timeouts++;
	}
	if (!ctl->host_known)
		return nicd_ctl_hello(ctl, false, out, cap);
	return heartbeat(ctl, out, cap);
}

/* The ids an ERROR should echo for a command (docs/protocol.md, ERROR). */
static void error_ids(const struct proto_cmd *cmd, struct proto_error *pe)
{
	struct proto_open o;
	struct proto_fstat fs;
	struct proto_close c;
	struct proto_send sd;
	struct proto_ackd a;

	switch (cmd->type) {
	case PROTO_T_OPEN:
		if (proto_open_decode(cmd, &o) == 0)
			pe->req_id = o.req_id;
		break;
	case PROTO_T_FSTAT:
		if (proto_fstat_decode(cmd, &fs) == 0) {
			pe->req_id = fs.req_id;
			pe->fid = fs.fid;
		}
		break;
	case PROTO_T_CLOSE:
		if (proto_close_decode(cmd, &c) == 0)
			pe->fid = c.fid;
		break;
	case PROTO_T_SEND:
		if (proto_send_decode(cmd, &sd) == 0) {
			pe->flow = sd.flow;
			pe->fid = sd.fid;
			pe->len = sd.len;
			pe->cookie = sd.cookie;
		}
		break;
	case PROTO_T_ACKD:
		if (proto_ackd_decode(cmd, &a) == 0)
			pe->flow = a.flow;
		break;
	default:
		break;
	}
}

int nicd_ctl_reject_offload(struct nicd_ctl *ctl, const uint8_t *frame, size_t len, uint8_t *reply,
			    size_t cap)
{
	struct proto_iter it;
	struct proto_writer w;
	struct proto_cmd cmd;
	bool tagged;
	int rc, n = 0;

	if (!frame || len < PROTO_ETH_HLEN || cap < PROTO_ETH_HLEN ||
	    nicd_frame_ethertype(frame, len, &tagged) != (int)PROTO_ETHERTYPE || tagged ||
	    proto_frame_open(&it, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN) < 0)
		return -1;
	proto_writer_init(&w, reply + PROTO_ETH_HLEN, cap - PROTO_ETH_HLEN);
	while ((rc = proto_next(&it, &cmd)) > 0) {
		if (cmd.type == PROTO_T_HELLO || cmd.type == PROTO_T_HEARTBEAT)
			continue;
		struct proto_error pe = {
		    .cmd_type = cmd.type, .reason = PROTO_ERR_UNSUPPORTED, .err = -EOPNOTSUPP};
		error_ids(&cmd, &pe);
		ctl->c.offload_rejected++;
		if (proto_put_error(&w, &pe) < 0) {
			ctl->c.offload_reject_overflow++;
			w.err = 0;
			continue;
		}
		n++;
	}
	if (rc < 0)
		return -1;
	if (n == 0)
		return 0;
	/* Answer whoever asked (frame + 6 is the sender's MAC). */
	return seal_frame(ctl, &w, frame + 6, reply, cap);
}
