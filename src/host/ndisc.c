/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 Neighbor Discovery for the host's one address (see ndisc.h). No Duplicate Address
 * Detection and no router discovery: the address is configured, destinations are on-link. */
#include <string.h>

#include "host/ctx.h"
#include "host/link.h"
#include "host/log.h"
#include "host/ndisc.h"
#include "host/neigh.h"
#include "host/route.h"
#include "host/tx_batch.h"
#include "wire/nd.h"

/* Build an ND message with fill() at its place in a fresh frame and send it from our address
 * to dst (Ethernet dst_mac), hop limit 255 (RFC 4861 section 7.1). */
static void nd_send(struct iotcp_ctx *ctx, const struct mac_addr *dst_mac,
		    const struct ipv6_addr *dst, const struct ipv6_addr *target, bool advert,
		    uint32_t flags)
{
	struct host_frame f;
	size_t l4, len;
	uint8_t *p;

	if (!host_tx_get(ctx, &f))
		return;
	p = f.data + ETH_HDR_LEN + IPV6_HDR_LEN;
	if (f.cap < ETH_HDR_LEN + IPV6_HDR_LEN) {
		host_link_tx_free(ctx->link, &f);
		return;
	}
	size_t room = f.cap - ETH_HDR_LEN - IPV6_HDR_LEN;
	if (advert)
		l4 = nd_encode_na(p, room, &ctx->ip6, dst, target, flags, &ctx->link->mac);
	else
		l4 = nd_encode_ns(p, room, &ctx->ip6, dst, target, &ctx->link->mac);
	len = l4 ? pkt_build_ipv6(f.data, f.cap, &ctx->link->mac, dst_mac, &ctx->ip6, dst,
				  IPV6_NH_ICMPV6, ND_HOP_LIMIT, 0, p, l4)
		 : 0;
	if (!len) {
		ctx->cnt.tx_too_big++;
		host_link_tx_free(ctx->link, &f);
		return;
	}
	host_tx_put(ctx, &f, (uint32_t)len);
}

void host_nd_solicit(struct iotcp_ctx *ctx, const struct ipv6_addr *target)
{
	struct ipv6_addr snm = ipv6_solicited_node(target);
	struct mac_addr mac = ipv6_multicast_mac(&snm);

	if (!ctx->has_ip6)
		return;
	ctx->cnt.nd_solicits_tx++;
	nd_send(ctx, &mac, &snm, target, false, 0);
}

static void drop_nd(struct iotcp_ctx *ctx)
{
	ctx->cnt.rx_dropped++;
	ctx->cnt.drop_nd_other++;
}

void host_nd_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	const struct ipv6_addr *src = &v->ip6.src;
	struct neigh_entry *e;
	struct nd_msg nd;

	if (nd_decode(&v->ip6, &v->icmp6, &nd) != 0) {
		drop_nd(ctx);
		return;
	}
	bool for_us = ipv6_addr_equal(&nd.target, &ctx->ip6);
	if (nd.type == ICMP6_ND_NA) {
		if (for_us) {
			/* Someone else advertises our address. */
			if (nd.has_lla && !mac_equal(&nd.lla, &ctx->link->mac))
				host_log(ctx, "ND: another station advertises our IPv6 address");
			drop_nd(ctx);
			return;
		}
		ctx->cnt.nd_adverts_rx++;
		/* RFC 4861 7.2.5: only an entry we have is updated; an NA without a target
		 * link-layer address cannot resolve one (on Ethernet it always carries it). */
		if (!nd.has_lla || mac_is_multicast(&nd.lla) || mac_is_zero(&nd.lla))
			return;
		e = neigh_learn6(&ctx->neigh, &nd.target, &nd.lla, ctx->now, false);
		if (e)
			host_neigh_flush(ctx, e);
		return;
	}
	/* A solicitation. */
	if (!for_us) {
		drop_nd(ctx);
		return;
	}
	ctx->cnt.nd_solicits_rx++;
	bool dad = ipv6_addr_is_unspecified(src);
	/* RFC 4861 7.2.3: the sender's link-layer address goes into the cache. */
	if (!dad && nd.has_lla && !mac_is_multicast(&nd.lla) && !mac_is_zero(&nd.lla) &&
	    !host_addr6_bad_source(ctx, src)) {
		e = neigh_learn6(&ctx->neigh, src, &nd.lla, ctx->now, true);
		if (e)
			host_neigh_flush(ctx, e);
	}
	/* RFC 4861 7.2.4: solicited advertisement to the sender; to all nodes (not solicited)
	 * when the sender is still verifying its own address. */
	ctx->cnt.nd_adverts_tx++;
	if (dad) {
		static const struct ipv6_addr all_nodes = {
		    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
		struct mac_addr mac = ipv6_multicast_mac(&all_nodes);
		nd_send(ctx, &mac, &all_nodes, &ctx->ip6, true, ND_NA_OVERRIDE);
		return;
	}
	nd_send(ctx, nd.has_lla ? &nd.lla : &v->eth.src, src, &ctx->ip6, true,
		ND_NA_SOLICITED | ND_NA_OVERRIDE);
}
