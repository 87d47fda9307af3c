/* SPDX-License-Identifier: BSD-2-Clause */
/* The ethdev wrapper against a real DPDK EAL (--no-huge) and the net_null driver: open by
 * hot-plug, capabilities, MAC, link, bursts and their counters, the idle wait, close. Skips
 * when not root or when the EAL cannot start here. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "../check.h"
#include "port/port_mbuf.h"

int main(void)
{
	char err[256], prefix[64];

	if (geteuid() != 0)
		TEST_SKIP("needs root for the DPDK runtime directory");
	snprintf(prefix, sizeof(prefix), "iotcp-ut-%ld", (long)getpid());
	struct port_eal_config eal = {.prog = "test_port",
				      .lcore = 0,
				      .file_prefix = prefix,
				      .mem_mb = 128,
				      .log_level = "error"};
	if (port_eal_init(&eal, err, sizeof(err)) != 0) {
		printf("SKIP: DPDK EAL did not start: %s\n", err);
		return 77;
	}

	/* Bad configurations fail cleanly. */
	struct port_config bad = {.name = "net_nosuch0", .devargs = NULL};
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "net_nosuch0") != NULL);
	bad.name = "";
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);
	bad.name = "net_bogus0";
	bad.devargs = "net_bogus0,x=y";
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);

	struct port_config cfg = {.name = "net_null0",
				  .devargs = "net_null0,size=128",
				  .nb_rxd = 256,
				  .nb_txd = 256,
				  .pool_size = 1023,
				  .rx_intr = true,
				  .promisc = true};
	struct port *p = port_open(&cfg, err, sizeof(err));
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "port_open: %s\n", err);
		goto out;
	}
	const struct port_caps *c = port_get_caps(p);
	CHECK(strcmp(c->driver, "net_null") == 0);
	CHECK(!c->rx_intr); /* net_null has no rx interrupts */
	CHECK(strcmp(port_name(p), "net_null0") == 0);
	uint8_t mac[PORT_MAC_LEN];
	port_mac(p, mac);
	CHECK(!(mac[0] & 1));
	CHECK(port_link_up(p));

	/* net_null produces frames of the configured size on every rx burst. */
	struct rte_mbuf *pkts[32];
	uint16_t n = port_rx_burst(p, pkts, 32);
	CHECK_EQ_U64(n, 32);
	struct port_stats st;
	port_stats_get(p, &st);
	CHECK_EQ_U64(st.rx_frames, 32);
	CHECK_EQ_U64(st.rx_bytes, 32 * 128);
	uint16_t sent = port_tx_burst(p, pkts, n);
	CHECK_EQ_U64(sent, n);
	port_stats_get(p, &st);
	CHECK_EQ_U64(st.tx_frames, 32);
	CHECK_EQ_U64(st.tx_bytes, 32 * 128);
	CHECK_EQ_U64(st.tx_refused, 0);
	CHECK(rte_mempool_avail_count(port_mempool(p)) == 1023);

	/* Idle wait on a port without interrupts: spins, then really sleeps the back-off time. */
	struct port_backoff b;
	port_backoff_init(&b, 1, 200, 400);
	struct port *ports[1] = {p};
	CHECK_EQ_U64(port_idle_wait(ports, 1, &b, 1000), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_U64(port_idle_wait(ports, 1, &b, 1000), 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000L;
	CHECK(us >= 200);
	CHECK_EQ_U64(b.sleeps, 1);

	port_close(p);
	/* The device was removed: it can be opened again. */
	p = port_open(&cfg, err, sizeof(err));
	CHECK(p != NULL);
	port_close(p);
out:
	port_close(NULL);
	port_eal_cleanup();
	CHECK_DONE();
}
