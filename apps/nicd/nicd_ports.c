/* SPDX-License-Identifier: BSD-2-Clause */
/* Port set-up of iotcp-nicd (see nicd_ports.h): vdev arguments from the command line, the host
 * doorbell, the start-up log line, HELLO capabilities, link state. */
#include "nicd_ports.h"

#include <stdio.h>

#include "nicd_log.h"
#include "port/bell.h"
#include "proto/proto.h"

/* The shard's host port and doorbell. 0 or -1 (logged). */
static int open_host(struct nicd_ports *p, unsigned shard, const char *socket)
{
	char host_args[256], name[32], err[256];

	if (port_vdev_memif(host_args, sizeof(host_args), shard, true, socket) < 0) {
		nicd_log("bad --host-socket %s", socket);
		return -1;
	}
	snprintf(name, sizeof(name), "net_memif%u", shard);
	/* The memif copies each frame from the host into mbufs of this pool: 16 KiB ones take a
	 * 64 KiB TSO frame in 4 (2 KiB ones took 33, whose headers the forward path and the tap
	 * write then read cold from memory). 2047 of them: 33 MB. */
	struct port_config host_cfg = {.name = name,
				       .devargs = host_args,
				       .pool_size = NICD_HOST_POOL,
				       .buf_data = NICD_HOST_BUF_DATA};
	p->host = port_open(&host_cfg, err, sizeof(err));
	if (!p->host) {
		nicd_log("%shost port: %s", p->tag, err);
		return -1;
	}
	/* The doorbell next to the memif socket: without it both sides still work, on timed
	 * sleeps (up to 1 ms of added latency after idle). */
	p->bell = port_bell_open(socket, PORT_BELL_NIC, true, err, sizeof(err));
	if (p->bell)
		port_set_bell(p->host, p->bell, false); /* nicd rings: not for bare ACKs, ECHOs */
	else
		nicd_log("%sno host doorbell (%s): timed sleeps only", p->tag, err);
	return 0;
}

/* The wire port as o says. 0 or -1 (logged). */
static int open_wire(struct nicd_ports *p, const struct nicd_opts *o)
{
	char wire_args[128], err[256];
	int rc = o->wire_kind == NICD_WIRE_AF_PACKET
		     ? port_vdev_af_packet(wire_args, sizeof(wire_args), 0, o->wire_ifname)
		     : port_vdev_tap(wire_args, sizeof(wire_args), 0, o->wire_ifname);
	if (rc < 0) {
		nicd_log("bad wire interface %s", o->wire_ifname);
		return -1;
	}
	struct port_config wire_cfg = {
	    .name = o->wire_kind == NICD_WIRE_TAP    ? "net_tap0"
		    : o->wire_kind == NICD_WIRE_VTAP ? "vnet_tap0"
						     : "net_af_packet0",
	    .devargs = wire_args,
	    .rx_intr = true,
	    .promisc = true,
	    .vnet_tap = o->wire_kind == NICD_WIRE_VTAP ? o->wire_ifname : NULL,
	};
	p->wire = port_open(&wire_cfg, err, sizeof(err));
	if (!p->wire) {
		nicd_log("wire port: %s", err);
		return -1;
	}
	p->wire_owned = true;
	return 0;
}

int nicd_ports_open(struct nicd_ports *p, const struct nicd_opts *o, unsigned shard,
		    const char *socket, struct port *wire)
{
	if (o->shards > 1)
		snprintf(p->tag, sizeof(p->tag), "shard %u ", shard);
	if (open_host(p, shard, socket) != 0)
		return -1;
	p->wire = wire;
	if (!wire && open_wire(p, o) != 0)
		return -1;
	const struct port_caps *wc = port_get_caps(p->wire);
	nicd_log("%shost port %s (%s) socket %s; wire port %s (%s) iface %s: tx csum %s, tso %s, "
		 "rx interrupts %s",
		 p->tag, port_name(p->host), port_get_caps(p->host)->driver, socket,
		 port_name(p->wire), wc->driver, o->wire_ifname,
		 wc->tx_ipv4_csum && wc->tx_tcp_csum ? "yes" : "no", wc->tso ? "yes" : "no",
		 wc->rx_intr ? "yes" : "no");
	/* TSO frames from the host go whole to our own tap (a GSO frame for the kernel). */
	if (wc->tso && o->wire_kind == NICD_WIRE_VTAP)
		p->host_tso_mtu = port_get_caps(p->host)->mtu ? port_get_caps(p->host)->mtu : 1500;
	return 0;
}

void nicd_ports_close(struct nicd_ports *p)
{
	if (p->wire_owned)
		port_close(p->wire);
	port_close(p->host);
	port_bell_close(p->bell);
	p->wire = p->host = NULL;
	p->bell = NULL;
	p->wire_owned = false;
}

uint32_t nicd_ports_hello_caps(const struct nicd_ports *p, bool offload)
{
	const struct port_caps *wc = port_get_caps(p->wire);

	return (wc->tx_ipv4_csum && wc->tx_tcp_csum ? PROTO_CAP_TX_CSUM : 0) |
	       (p->host_tso_mtu ? PROTO_CAP_TSO : 0) | (offload ? PROTO_CAP_TLS : 0) |
	       PROTO_CAP_IPV6;
}

bool nicd_ports_poll_links(struct nicd_ports *p)
{
	bool host_up = port_link_up(p->host), wire_up = port_link_up(p->wire);
	bool changed = host_up != p->host_link_up || wire_up != p->wire_link_up;

	if (changed)
		nicd_log("%slinks: host %s, wire %s", p->tag, host_up ? "up" : "down",
			 wire_up ? "up" : "down");
	p->host_link_up = host_up;
	p->wire_link_up = wire_up;
	return changed;
}
