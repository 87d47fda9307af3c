/* SPDX-License-Identifier: BSD-2-Clause */
/* A TCP segment of the core as an Ethernet frame, IPv4 or IPv6 (see tcp_frame.h). */
#include "host/route.h"
#include "host/tcp_frame.h"
#include "tcp/tcp.h"
#include "wire/pkt.h"

size_t host_tcp_frame_build(uint8_t *buf, size_t cap, const struct tcp_seg *seg, struct tcp_hdr *h,
			    const struct host_tcp_frame *fr)
{
	struct pkt_tcp_out o = {0};

	o.src_mac = fr->src_mac;
	o.dst_mac = fr->dst_mac;
	if (seg->tuple.family == TCP_AF_INET6) {
		o.src6 = &seg->tuple.laddr6;
		o.dst6 = &seg->tuple.raddr6;
	} else {
		o.saddr = seg->tuple.laddr;
		o.daddr = seg->tuple.raddr;
		o.ip_id = fr->ip_id;
		o.ip_frag_off = IPV4_DF;
	}
	o.ttl = HOST_TTL;
	if (fr->tso)
		o.flags = PKT_TX_L4_CSUM_OFFLOAD | (fr->by_ref ? PKT_TX_PAYLOAD_BY_REF : 0u);
	o.tcp = h;
	o.iov = fr->iov;
	o.iovcnt = fr->iovcnt;
	return pkt_build_tcp(buf, cap, &o);
}
