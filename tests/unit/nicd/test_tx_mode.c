/* SPDX-License-Identifier: BSD-2-Clause */
/* nicd_tx_mode_choose: the wire port's offloads are used when it reports them, software
 * otherwise — an mlx5 port with TSO, TCP and IPv4 checksum offload (what a BlueField-2
 * reports) gets TSO by the port; a port missing any of them falls back; DPDK's net_tap (TSO in
 * software inside the PMD) does not; our vnet tap uses kernel GSO. The start-up line says so. */
#include <string.h>

#include "../check.h"
#include "nicd_tx_mode.h"

static struct nicd_tx_mode choose(const char *driver, bool tcp, bool ip, bool tso)
{
	struct port_caps c;
	struct nicd_tx_mode m;

	memset(&c, 0, sizeof(c));
	snprintf(c.driver, sizeof(c.driver), "%s", driver);
	c.tx_tcp_csum = tcp;
	c.tx_ipv4_csum = ip;
	c.tso = tso;
	nicd_tx_mode_choose(&c, &m);
	CHECK(m.reason && *m.reason);
	return m;
}

int main(void)
{
	struct nicd_tx_mode m = choose("mlx5_pci", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_PORT);
	char line[160];
	nicd_tx_mode_describe(&m, line, sizeof(line));
	CHECK(strstr(line, "TCP checksums by the port, segmentation by the port") == line);

	m = choose("mlx5_pci", true, false, true); /* no IPv4 checksum offload */
	CHECK(m.tcp_csum && m.tso == NICD_TSO_OFF);
	m = choose("mlx5_pci", false, true, true); /* TSO without TCP checksum offload */
	CHECK(!m.tcp_csum && m.tso == NICD_TSO_OFF);
	m = choose("net_memif", false, false, false); /* nothing: all software */
	CHECK(!m.tcp_csum && m.tso == NICD_TSO_OFF);
	nicd_tx_mode_describe(&m, line, sizeof(line));
	CHECK(strstr(line, "TCP checksums by software, segmentation by software") == line);
	m = choose("net_tap", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_OFF);
	m = choose("vnet_tap", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_KERNEL);
	CHECK_DONE();
}
