/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP (RFC 826) for the host's one address: answer requests, learn, request next hops (retries
 * and expiry: resolve.c), gratuitous ARP at start (RFC 5227 section 3 announcement). */
#include <string.h>

#include "host/arp.h"
#include "host/ctx.h"
#include "host/link.h"
#include "host/log.h"
#include "host/neigh.h"
#include "host/route.h"
#include "host/tx_batch.h"

static void arp_send(struct iotcp_ctx *ctx, const struct mac_addr *dst, const struct arp_pkt *a)
{
	struct host_frame f;
	size_t len;

	if (!host_tx_get(ctx, &f))
		return;
	len = pkt_build_arp(f.data, f.cap, &ctx->link->mac, dst, a);
	if (!len) {
		host_link_tx_free(ctx->link, &f);
		return;
	}
	host_tx_put(ctx, &f, (uint32_t)len);
}

void host_arp_request(struct iotcp_ctx *ctx, uint32_t ip)
{
	struct arp_pkt a = {0};
	struct mac_addr bcast = mac_broadcast();

	a.op = ARP_OP_REQUEST;
	a.sha = ctx->link->mac;
	a.spa = ctx->ip;
	a.tpa = ip; /* tha stays zero (RFC 826: ignored in requests) */
	ctx->cnt.arp_requests_tx++;
	arp_send(ctx, &bcast, &a);
}

void host_arp_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	const struct arp_pkt *a = &v->arp;
	bool for_us = a->tpa == ctx->ip;
	struct neigh_entry *e;

	if (a->spa == ctx->ip) {
		/* Someone else claims our address (RFC 5227 section 2.4). */
		if (!mac_equal(&a->sha, &ctx->link->mac)) {
			ctx->cnt.arp_conflicts++;
			host_log(ctx, "ARP: address conflict, another station uses our address");
		}
		ctx->cnt.rx_dropped++;
		ctx->cnt.drop_arp_other++;
		return;
	}
	if (a->op == ARP_OP_REQUEST && for_us)
		ctx->cnt.arp_requests_rx++;
	else if (a->op == ARP_OP_REPLY && for_us)
		ctx->cnt.arp_replies_rx++;
	/* RFC 826 merge: update an existing entry; add one when we are the target. A sender that
	 * is not on our subnet, or with a group or zero MAC, is never learned. */
	if (a->spa != 0 && host_addr_is_local_net(ctx, a->spa) && !mac_is_multicast(&a->sha) &&
	    !mac_is_zero(&a->sha)) {
		e = neigh_learn(&ctx->neigh, a->spa, &a->sha, ctx->now, for_us);
		if (e)
			host_neigh_flush(ctx, e);
	}
	if (!for_us) {
		ctx->cnt.rx_dropped++;
		ctx->cnt.drop_arp_other++;
		return;
	}
	if (a->op == ARP_OP_REQUEST) {
		struct arp_pkt r;
		arp_make_reply(a, &ctx->link->mac, &r);
		ctx->cnt.arp_replies_tx++;
		arp_send(ctx, &a->sha, &r);
	}
}
