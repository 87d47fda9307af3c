/* SPDX-License-Identifier: BSD-2-Clause */
/* Next-hop resolution over the neighbour cache (neigh.h), both families: retries of unanswered
 * requests (ARP, arp.c) and solicitations (ND, ndisc.c), expiry and refresh of entries. */
#include "host/resolve.h"
#include "host/arp.h"
#include "host/ctx.h"
#include "host/log.h"
#include "host/ndisc.h"
#include "host/neigh.h"

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

void host_neigh_timers(struct iotcp_ctx *ctx)
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
