/* SPDX-License-Identifier: BSD-2-Clause */
/* ARP (RFC 826) for the host's one address: answer requests, resolve next hops with retries,
 * refresh expired entries, gratuitous ARP at start (RFC 5227 section 3 announcement). The
 * retries and expiry of IPv6 entries run here too (their solicitations: ndisc.c). */
#include <stdlib.h>
#include <string.h>

#include "host/arp.h"
#include "host/ctx.h"
#include "host/link.h"
#include "host/log.h"
#include "host/ndisc.h"
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

void host_neigh_flush(struct iotcp_ctx *ctx, struct neigh_entry *e)
{
	struct neigh_pkt *p = neigh_take_queue(&ctx->neigh, e);
	struct host_frame f;

	while (p) {
		struct neigh_pkt *next = p->next;
		if (p->len <= ctx->link->max_frame && host_tx_get(ctx, &f)) {
			memcpy(f.data, p->data, p->len);
			memcpy(f.data, e->mac.b, ETH_ADDR_LEN);
			host_tx_put(ctx, &f, p->len);
		}
		free(p);
		p = next;
	}
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

static void log_failure(struct iotcp_ctx *ctx, const struct neigh_entry *e)
{
	char buf[IPV6_STR_LEN];

	if (e->v6) {
		ctx->cnt.nd_failed++;
		host_log(ctx, "ND: no answer for %s", ipv6_format(&e->ip6, buf));
		return;
	}
	host_log(ctx, "ARP: no answer for %u.%u.%u.%u", e->ip >> 24, (e->ip >> 16) & 0xff,
		 (e->ip >> 8) & 0xff, e->ip & 0xff);
}

void host_arp_timers(struct iotcp_ctx *ctx)
{
	struct neigh_table *t = &ctx->neigh;
	tcp_time_t now = ctx->now;

	for (unsigned i = 0; i < NEIGH_MAX; i++) {
		struct neigh_entry *e = &t->e[i];
		switch (e->state) {
		case NEIGH_REACHABLE:
			if (now < e->expires)
				break;
			/* Expired: keep using it while one refresh round runs. */
			t->st.expired++;
			e->state = NEIGH_STALE;
			e->probes = 0;
			e->next_probe = now;
			__attribute__((fallthrough));
		case NEIGH_STALE:
		case NEIGH_INCOMPLETE:
			if (now < e->next_probe)
				break;
			if (e->probes >= NEIGH_PROBES) {
				if (e->state == NEIGH_INCOMPLETE) {
					t->st.failed++;
					log_failure(ctx, e);
				}
				neigh_remove(t, e);
				break;
			}
			e->probes++;
			e->next_probe = now + NEIGH_RETRY;
			if (e->v6)
				host_nd_solicit(ctx, &e->ip6);
			else
				host_arp_request(ctx, e->ip);
			break;
		default:
			break;
		}
	}
}
