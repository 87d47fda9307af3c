/* SPDX-License-Identifier: BSD-2-Clause */
/* The control channel to the NIC daemon (proto/proto.h): HELLO at start and until answered,
 * HEARTBEAT every second, link loss after HOST_NIC_DEAD without word from the NIC, NIC restarts
 * seen as a HELLO with a new boot id; the other commands from the NIC are decoded here and
 * handed to the offload modules (fids, SENDs, sync). */
#include <inttypes.h>
#include <string.h>

#include "host/ctx.h"
#include "host/link.h"
#include "host/log.h"
#include "host/nic.h"
#include "host/nic_types.h"
#include "host/offload.h"
#include "host/offload_flow.h"
#include "host/offload_send.h"
#include "host/offload_sync.h"
#include "host/tx_batch.h"
#include "proto/proto.h"
#include "proto/sync.h"

static void nic_send(struct iotcp_ctx *ctx, bool hello, uint8_t hello_flags)
{
	struct host_frame f;
	struct proto_writer w;
	struct mac_addr dst = ctx->nic.up ? ctx->nic.mac : mac_broadcast();
	int n;

	if (!host_tx_get(ctx, &f))
		return;
	if (f.cap <= PROTO_ETH_HLEN)
		goto fail;
	proto_eth_hdr_put(f.data, dst.b, ctx->link->mac.b);
	if (proto_writer_init(&w, f.data + PROTO_ETH_HLEN, f.cap - PROTO_ETH_HLEN) < 0)
		goto fail;
	if (hello) {
		struct proto_hello h = {0};
		h.version = PROTO_VERSION;
		h.role = PROTO_ROLE_HOST;
		h.flags = hello_flags;
		memcpy(h.mac, ctx->link->mac.b, PROTO_MAC_LEN);
		h.boot_id = ctx->nic.my_boot_id;
		proto_put_hello(&w, &h);
		ctx->cnt.nic_hello_tx++;
	} else {
		struct proto_heartbeat hb = {.boot_id = ctx->nic.my_boot_id,
					     .seq = ++ctx->nic.hb_seq};
		proto_put_heartbeat(&w, &hb);
		ctx->cnt.nic_heartbeat_tx++;
	}
	n = proto_writer_finish(&w);
	if (n < 0)
		goto fail;
	host_tx_put(ctx, &f, PROTO_ETH_HLEN + (uint32_t)n);
	return;
fail:
	host_link_tx_free(ctx->link, &f);
}

static void hello_input(struct iotcp_ctx *ctx, const struct proto_hello *h)
{
	struct host_nic *nic = &ctx->nic;

	if (h->role != PROTO_ROLE_NIC) {
		ctx->cnt.drop_proto++;
		ctx->cnt.rx_dropped++;
		return;
	}
	ctx->cnt.nic_hello_rx++;
	if (nic->boot_id && h->boot_id != nic->boot_id) {
		ctx->cnt.nic_restarts++;
		host_log(ctx, "NIC restarted (boot id %016" PRIx64 " -> %016" PRIx64 ")",
			 nic->boot_id, h->boot_id);
		/* its files, flows and pinned data are gone */
		host_offload_nic_restart(ctx);
	} else if (!nic->up && nic->ever_up) {
		host_log(ctx, "NIC link restored: resynchronising the offload state");
		/* ACKDs and CLOSEs were skipped while it was away: tell it what is still alive */
		host_offload_sync_start(ctx);
	} else if (!nic->ever_up) {
		host_log(ctx, "NIC daemon answered: version %u, caps 0x%x, store %" PRIu64 " bytes",
			 h->version, h->caps, h->store_size);
	}
	memcpy(nic->mac.b, h->mac, ETH_ADDR_LEN);
	nic->boot_id = h->boot_id;
	nic->caps = h->caps;
	nic->store_size = h->store_size;
	/* Send-buffer auto-tuning is safe while a full window of every busy flow fits the NIC's
	 * store: allow growth up to 1/16 of it (4 MiB for the default 64 MiB store). */
	uint64_t smax = h->store_size / 16;
	if (smax > ctx->tcp_default.sndbuf_max)
		smax = ctx->tcp_default.sndbuf_max;
	if (smax > ctx->tcp_default.sndbuf) {
		ctx->tcp_default.sndbuf_auto = true;
		ctx->tcp_default.sndbuf_max = (uint32_t)smax;
	}
	/* The NIC's per-flow limit (issue 14): no connection's send buffer beyond the window it
	 * accepts, or the flow would meet ERROR(flow_limit) in normal operation. */
	if (h->flow_window) {
		uint64_t w = (uint64_t)h->flow_window * PROTO_FLOW_WINDOW_UNIT;
		if (w < ctx->tcp_default.sndbuf)
			ctx->tcp_default.sndbuf = (uint32_t)w;
		if (w < ctx->tcp_default.sndbuf_max)
			ctx->tcp_default.sndbuf_max = (uint32_t)w;
	}
	nic->up = true;
	nic->ever_up = true;
	nic->last_rx = ctx->now;
	nic->next_heartbeat = ctx->now;
	if (!(h->flags & PROTO_HELLO_F_REPLY))
		nic_send(ctx, true, PROTO_HELLO_F_REPLY);
}

static void bad_cmd(struct iotcp_ctx *ctx)
{
	ctx->cnt.drop_proto++;
	ctx->cnt.rx_dropped++;
}

/* An offload command from the NIC (every command but HELLO / HEARTBEAT). */
static void offload_input(struct iotcp_ctx *ctx, const struct proto_cmd *cmd)
{
	struct proto_open_done d;
	struct proto_close c;
	struct proto_echo e;
	struct proto_error er;
	struct proto_sync_done sd;

	switch (cmd->type) {
	case PROTO_T_OPEN_DONE:
		if (proto_open_done_decode(cmd, &d) < 0)
			goto bad;
		host_fid_open_done(ctx, &d);
		return;
	case PROTO_T_CLOSE_DONE:
		if (proto_close_done_decode(cmd, &c) < 0)
			goto bad;
		host_fid_close_done(ctx, &c);
		return;
	case PROTO_T_ECHO:
		if (proto_echo_decode(cmd, &e) < 0)
			goto bad;
		host_off_echo(ctx, &e);
		return;
	case PROTO_T_ERROR:
		if (proto_error_decode(cmd, &er) < 0)
			goto bad;
		host_off_error(ctx, &er);
		return;
	case PROTO_T_SYNC_DONE:
		if (proto_sync_done_decode(cmd, &sd) < 0)
			goto bad;
		host_offload_sync_done(ctx, &sd);
		return;
	case PROTO_T_FSTAT_DONE: /* we never send FSTAT: metadata comes with OPEN_DONE */
	default:
		ctx->cnt.off_cmd_unexpected++;
		goto bad;
	}
bad:
	bad_cmd(ctx);
}

void host_nic_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_hello h;
	struct proto_heartbeat hb;
	int rc;

	if (proto_frame_open(&it, v->payload, v->payload_len) < 0)
		goto bad;
	while ((rc = proto_next(&it, &cmd)) > 0) {
		switch (cmd.type) {
		case PROTO_T_HELLO:
			if (proto_hello_decode(&cmd, &h) < 0)
				goto bad;
			hello_input(ctx, &h);
			break;
		case PROTO_T_HEARTBEAT:
			if (proto_heartbeat_decode(&cmd, &hb) < 0)
				goto bad;
			ctx->cnt.nic_heartbeat_rx++;
			if (ctx->nic.up && hb.boot_id == ctx->nic.boot_id)
				ctx->nic.last_rx = ctx->now;
			else
				ctx->nic.next_hello =
				    ctx->now; /* unknown NIC: introduce ourselves */
			break;
		default:
			offload_input(ctx, &cmd);
			break;
		}
	}
	if (rc < 0)
		goto bad;
	return;
bad:
	ctx->cnt.drop_proto++;
	ctx->cnt.rx_dropped++;
}

void host_nic_timers(struct iotcp_ctx *ctx)
{
	struct host_nic *nic = &ctx->nic;
	tcp_time_t now = ctx->now;

	if (!nic->enabled)
		return;
	if (nic->up && now - nic->last_rx > HOST_NIC_DEAD) {
		nic->up = false;
		ctx->cnt.nic_link_lost++;
		host_log(ctx,
			 "NIC link lost: no heartbeat from the NIC daemon for %u s; retrying HELLO",
			 (unsigned)(HOST_NIC_DEAD / TCP_SEC));
		nic->next_hello = now;
	}
	if (!nic->up && now >= nic->next_hello) {
		nic_send(ctx, true, 0);
		nic->next_hello = now + HOST_NIC_HELLO_RETRY;
	}
	if (nic->up && now >= nic->next_heartbeat) {
		nic_send(ctx, false, 0);
		nic->next_heartbeat = now + HOST_NIC_HEARTBEAT;
	}
}
