/* SPDX-License-Identifier: BSD-2-Clause */
/* Pieces the engine tests that look at whole wire frames share (test_engine.c, test_engine_tso.c,
 * test_engine_offload.c): the host side's view of OPEN_DONE and ERROR, a TCP/IPv4 header
 * template from 198.18.0.1:80 to 198.18.0.2:40000, and delivering a command frame.
 * Header-only, like harness.h: its CHECKs count in the test. */
#ifndef IOTCP_TESTS_NIC_ENGINE_FRAMES_H
#define IOTCP_TESTS_NIC_ENGINE_FRAMES_H

#include "../check.h"
#include "nic/engine.h"
#include "proto/offload.h"
#include "wire/pkt.h"

#define EF_SADDR 0xc6120001u
#define EF_DADDR 0xc6120002u

static uint32_t ef_opened_fid; /* the last OPEN_DONE without error */
static int ef_host_errors;     /* ERRORs the engine sent the host */

/* nic_engine_out.host_send */
static inline void ef_host(void *ctx, const uint8_t *payload, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_open_done d;

	(void)ctx;
	CHECK(proto_frame_open(&it, payload, len) == 0);
	while (proto_next(&it, &cmd) > 0) {
		if (cmd.type == PROTO_T_OPEN_DONE && proto_open_done_decode(&cmd, &d) == 0 &&
		    d.err == 0)
			ef_opened_fid = d.fid;
		ef_host_errors += cmd.type == PROTO_T_ERROR;
	}
}

/* A SEND's header template (up to 128 bytes) into hdr; its length. */
static inline size_t ef_template(uint8_t *hdr, uint32_t seq, uint16_t ip_id)
{
	static struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	struct tcp_hdr th = {.sport = 80,
			     .dport = 40000,
			     .seq = seq,
			     .ack = 1,
			     .flags = TH_ACK | TH_PSH,
			     .wnd = 500};
	struct pkt_tcp_out o = {.src_mac = &sm,
				.dst_mac = &dm,
				.saddr = EF_SADDR,
				.daddr = EF_DADDR,
				.ttl = 64,
				.ip_id = ip_id,
				.tcp = &th};
	return pkt_build_tcp(hdr, 128, &o);
}

/* Hand the engine the commands written to w (over buf, 1600 bytes), poll once, start over. */
static inline void ef_deliver(struct nic_engine *e, struct proto_writer *w, uint8_t *buf)
{
	int len = proto_writer_finish(w);
	CHECK(len > 0);
	nic_engine_host_frame(e, buf, (size_t)len, 1000);
	nic_engine_poll(e, 2000);
	proto_writer_init(w, buf, 1600);
}

#endif
