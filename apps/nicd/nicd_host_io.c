/* SPDX-License-Identifier: BSD-2-Clause */
/* Host port I/O of iotcp-nicd (see nicd_host_io.h). */
#include "nicd_host_io.h"

#include <inttypes.h>
#include <string.h>

#include "nicd_clock.h"
#include "nicd_log.h"
#include "port/bell.h"
#include "proto/offload.h"

#define REPLY_MAX 2048 /* our answers without the engine (HELLO, ERROR) */

bool nicd_host_tx(struct nicd *d, const uint8_t *dst, const uint8_t *payload, size_t len,
		  bool urgent)
{
	uint8_t hdr[PROTO_ETH_HLEN];

	proto_eth_hdr_put(hdr, dst, d->ctl.nic_mac);
	uint64_t t0 = cycles_now();
	bool ok = port_tx_frame(d->ports.host, hdr, sizeof(hdr), payload, len, NICD_ETH_MIN_FRAME);
	if (ok && urgent && d->ports.bell)
		port_bell_ring(d->ports.bell);
	d->shard0->round.host_tx += cycles_now() - t0;
	return ok;
}

void nicd_host_send_ctl(struct nicd *d, const uint8_t *frame, int len)
{
	if (len < (int)PROTO_ETH_HLEN)
		return;
	if (!nicd_host_tx(d, frame, frame + PROTO_ETH_HLEN, (size_t)len - PROTO_ETH_HLEN, true))
		d->c.ctl_tx_dropped++;
}

bool nicd_host_count_errors(struct nicd_counters *c, const uint8_t *payload, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_error pe;
	bool urgent = false;

	if (proto_frame_open(&it, payload, len) < 0)
		return true;
	while (proto_next(&it, &cmd) > 0) {
		if (cmd.type == PROTO_T_ERROR && proto_error_decode(&cmd, &pe) == 0)
			c->errors_by_reason[pe.reason < NICD_ERR_REASONS ? pe.reason : 0]++;
		urgent = urgent || cmd.type != PROTO_T_ECHO;
	}
	return urgent;
}

void nicd_host_send_answer(struct nicd *d, const uint8_t *payload, size_t len)
{
	const uint8_t *dst = d->ctl.host_known ? d->ctl.host_mac : d->cmd_src;
	bool urgent = nicd_host_count_errors(&d->c, payload, len);

	nicd_wire_tx_flush(&d->off.wtx);
	if (!nicd_host_tx(d, dst, payload, len, urgent))
		d->c.cmd_tx_dropped++;
}

/* The control protocol's verdict on a host frame: answer a HELLO, notice a host restart. */
static void control_input(struct nicd *d, int n, const uint8_t *reply, uint64_t old_boot)
{
	if (n > 0) {
		nicd_host_send_ctl(d, reply, n);
		nicd_log("%sHELLO from host %02x:%02x:%02x:%02x:%02x:%02x boot %016" PRIx64,
			 d->ports.tag, d->ctl.host_mac[0], d->ctl.host_mac[1], d->ctl.host_mac[2],
			 d->ctl.host_mac[3], d->ctl.host_mac[4], d->ctl.host_mac[5],
			 d->ctl.host_boot_id);
	}
	if (old_boot && d->ctl.host_boot_id != old_boot) {
		/* docs/protocol.md HELLO: a new host boot id forgets all flows and files. */
		nicd_log("%shost restarted (boot %016" PRIx64 " -> %016" PRIx64 ")%s", d->ports.tag,
			 old_boot, d->ctl.host_boot_id,
			 d->off.engine ? ": offload state reset" : "");
		if (d->off.engine) {
			nic_engine_reset(d->off.engine);
			d->c.engine_resets++;
		}
	}
}

void nicd_host_command(struct nicd *d, struct rte_mbuf *m)
{
	uint8_t reply[REPLY_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *frame;

	if (len > NICD_CMD_FRAME_MAX) {
		d->ctl.c.malformed++;
		return;
	}
	frame = rte_pktmbuf_read(m, 0, len, d->frame_copy);
	if (!frame) {
		d->ctl.c.malformed++;
		return;
	}
	uint64_t old_boot = d->ctl.host_known ? d->ctl.host_boot_id : 0;
	int n = nicd_ctl_input(&d->ctl, frame, len, nicd_now_s(), reply, sizeof(reply));
	if (n < 0)
		return;
	control_input(d, n, reply, old_boot);
	memcpy(d->cmd_src, frame + 6, PROTO_MAC_LEN);
	if (d->off.ackc)
		nic_ackc_learn(d->off.ackc, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN,
			       nicd_now_ns());
	if (d->off.engine) {
		nic_engine_host_frame(d->off.engine, frame + PROTO_ETH_HLEN, len - PROTO_ETH_HLEN,
				      nicd_now_ns());
		return;
	}
	n = nicd_ctl_reject_offload(&d->ctl, frame, len, reply, sizeof(reply));
	if (n > 0) {
		nicd_host_count_errors(&d->c, reply + PROTO_ETH_HLEN, (size_t)n - PROTO_ETH_HLEN);
		nicd_host_send_ctl(d, reply, n);
	}
}
