/* SPDX-License-Identifier: BSD-2-Clause */
/* ICMP and ICMPv6 errors about our TCP segments: Path MTU discovery (RFC 1191, RFC 8201). */
#ifndef IOTCP_HOST_ICMP_ERROR_H
#define IOTCP_HOST_ICMP_ERROR_H

struct iotcp_ctx;
struct pkt_view;

/* An ICMP error (kind PKT_KIND_ICMP, not an echo request) addressed to us. */
void host_icmp_error_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
/* An ICMPv6 error (kind PKT_KIND_ICMP6, type < 128) addressed to us. */
void host_icmp6_error_input(struct iotcp_ctx *ctx, const struct pkt_view *v);

#endif
