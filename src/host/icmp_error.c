/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP errors about our TCP segments (see icmp_error.h). "Fragmentation needed" (RFC 1191) and
 * Packet Too Big (RFC 8201) go to the TCP core's Path MTU discovery (tcp/pmtu.c), which checks
 * the quoted sequence number (RFC 5927 5.1); other errors are counted and dropped: a soft
 * error changes nothing (RFC 1122 4.2.3.9) and no hard error is acted on (RFC 5927 4.2). */
#include "host/icmp_error.h"

#include "host/ctx.h"
#include "wire/icmp_quote.h"

static void quote_bad(struct iotcp_ctx *ctx)
{
	ctx->cnt.drop_icmp_quote++;
	ctx->cnt.rx_dropped++;
}

void host_icmp_error_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	struct icmp_quote_tcp q;

	if (v->icmp.type != ICMP_TYPE_UNREACH || v->icmp.code != ICMP_CODE_FRAG_NEEDED) {
		ctx->cnt.drop_icmp_other++;
		ctx->cnt.rx_dropped++;
		return;
	}
	if (icmp_quote_tcp4(v->payload, v->payload_len, &q) < 0 || q.saddr != ctx->ip) {
		quote_bad(ctx);
		return;
	}
	struct tcp_tuple t = {.laddr = q.saddr,
			      .raddr = q.daddr,
			      .lport = q.sport,
			      .rport = q.dport,
			      .family = TCP_AF_INET};
	ctx->cnt.icmp_too_big++;
	/* RFC 1191 section 4: the next-hop MTU is the low 16 bits of the unused word */
	tcp_stack_pmtu(ctx->tcp, &t, q.seq, v->icmp.seq, ctx->now);
}

void host_icmp6_error_input(struct iotcp_ctx *ctx, const struct pkt_view *v)
{
	struct icmp_quote_tcp q;

	if (v->icmp6.type != ICMP6_PACKET_TOO_BIG || v->icmp6.code != 0) {
		ctx->cnt.drop_icmp6_other++;
		ctx->cnt.rx_dropped++;
		return;
	}
	if (icmp_quote_tcp6(v->payload, v->payload_len, &q) < 0 ||
	    !ipv6_addr_equal(&q.src6, &ctx->ip6)) {
		quote_bad(ctx);
		return;
	}
	struct tcp_tuple t = tcp_tuple6(&q.src6, q.sport, &q.dst6, q.dport);
	ctx->cnt.icmp_too_big++;
	tcp_stack_pmtu(ctx->tcp, &t, q.seq, v->icmp6.rest, ctx->now);
}
