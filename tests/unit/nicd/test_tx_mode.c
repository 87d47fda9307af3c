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

static void test_mlx5_full_offload_uses_port_tso(void)
{
	struct nicd_tx_mode m = choose("mlx5_pci", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_PORT);
	char line[160];
	nicd_tx_mode_describe(&m, line, sizeof(line));
	CHECK(strstr(line, "TCP checksums by the port, segmentation by the port") == line);
}

static void test_missing_offload_falls_back(void)
{
	struct nicd_tx_mode m = choose("mlx5_pci", true, false, true); /* no IPv4 csum offload */
	CHECK(m.tcp_csum && m.tso == NICD_TSO_OFF);
	m = choose("mlx5_pci", false, true, true); /* TSO without TCP checksum offload */
	CHECK(!m.tcp_csum && m.tso == NICD_TSO_OFF);
}

static void test_no_offload_is_all_software(void)
{
	struct nicd_tx_mode m = choose("net_memif", false, false, false);
	CHECK(!m.tcp_csum && m.tso == NICD_TSO_OFF);
	char line[160];
	nicd_tx_mode_describe(&m, line, sizeof(line));
	CHECK(strstr(line, "TCP checksums by software, segmentation by software") == line);
}

static void test_net_tap_tso_not_used(void)
{
	struct nicd_tx_mode m = choose("net_tap", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_OFF);
}

static void test_vnet_tap_uses_kernel_gso(void)
{
	struct nicd_tx_mode m = choose("vnet_tap", true, true, true);
	CHECK(m.tcp_csum && m.tso == NICD_TSO_KERNEL);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_mlx5_full_offload_uses_port_tso);
	RUN(test_missing_offload_falls_back);
	RUN(test_no_offload_is_all_software);
	RUN(test_net_tap_tso_not_used);
	RUN(test_vnet_tap_uses_kernel_gso);
	RUN_DONE();
}
