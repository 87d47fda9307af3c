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
#include "../eal_harness.h"
#include "port/port_mbuf.h"

static struct port_config cfg = {.name = "net_null0",
				 .devargs = "net_null0,size=128",
				 .nb_rxd = 256,
				 .nb_txd = 256,
				 .pool_size = 1023,
				 .rx_intr = true,
				 .promisc = true};
static struct port *p; /* net_null0 */

/* The tests share one open net_null0 port; the first to need it opens it. */
static bool null_port_open(void)
{
	char err[256];
	if (p)
		return true;
	p = port_open(&cfg, err, sizeof(err));
	CHECK(p != NULL);
	if (!p)
		fprintf(stderr, "port_open: %s\n", err);
	return p != NULL;
}

static void test_bad_configs_fail_cleanly(void)
{
	char err[256];
	struct port_config bad = {.name = "net_nosuch0", .devargs = NULL};
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "net_nosuch0") != NULL);
	bad.name = "";
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);
	bad.name = "net_bogus0";
	bad.devargs = "net_bogus0,x=y";
	CHECK(port_open(&bad, err, sizeof(err)) == NULL);
}

/* Open by hot-plug: driver, no rx interrupts (net_null has none), name, unicast MAC, link. */
static void test_open_null_port(void)
{
	if (!null_port_open())
		return;
	const struct port_caps *c = port_get_caps(p);
	CHECK(strcmp(c->driver, "net_null") == 0);
	CHECK(!c->rx_intr);
	CHECK(strcmp(port_name(p), "net_null0") == 0);
	uint8_t mac[PORT_MAC_LEN];
	port_mac(p, mac);
	CHECK(!(mac[0] & 1));
	CHECK(port_link_up(p));
}

/* net_null produces frames of the configured size on every rx burst; both directions counted,
 * every mbuf back in the pool. */
static void test_bursts_counted(void)
{
	if (!null_port_open())
		return;
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
}

/* Idle wait on a port without interrupts: spins, then really sleeps the back-off time. */
static void test_idle_wait_sleeps_backoff(void)
{
	if (!null_port_open())
		return;
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
}

/* Closing removes the device: it can be opened again. */
static void test_close_then_reopen(void)
{
	char err[256];
	if (!null_port_open())
		return;
	port_close(p);
	p = port_open(&cfg, err, sizeof(err));
	CHECK(p != NULL);
	port_close(p);
	p = NULL;
}

int main(int argc, char **argv)
{
	struct eal_harness eal = {.prog = "test_port_dpdk", .lcore = 0, .need_root = true};
	int rc = eal_harness_start(&eal);
	if (rc)
		return rc;
	RUN_INIT(argc, argv);
	RUN(test_bad_configs_fail_cleanly);
	RUN(test_open_null_port);
	RUN(test_bursts_counted);
	RUN(test_idle_wait_sleeps_backoff);
	RUN(test_close_then_reopen);
	port_close(p);
	eal_harness_stop();
	RUN_DONE();
}
