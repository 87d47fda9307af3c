/* SPDX-License-Identifier: BSD-2-Clause */
/* eal_harness_start/stop: one EAL set-up for the DPDK tests (see eal_harness.h). */
#include "eal_harness.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "port/port.h"
#include "port/port_mbuf.h"

int eal_harness_start(const struct eal_harness *h)
{
	char err[256], prefix[64];

	if (h->need_root && geteuid() != 0) {
		printf("SKIP: %s needs root for the DPDK runtime directory\n", h->prog);
		return EAL_HARNESS_SKIP;
	}
	if (!h->file_prefix)
		snprintf(prefix, sizeof(prefix), "iotcp-%s-%ld", h->prog, (long)getpid());
	struct port_eal_config eal = {.prog = h->prog,
				      .lcore = h->lcore,
				      .file_prefix = h->file_prefix ? h->file_prefix : prefix,
				      .mem_mb = 128,
				      .log_level = "error"};
	if (port_eal_init(&eal, err, sizeof(err)) != 0) {
		printf("SKIP: DPDK EAL did not start: %s\n", err);
		return EAL_HARNESS_SKIP;
	}
	return 0;
}

void eal_harness_stop(void)
{
	port_eal_cleanup();
}

int eal_harness_tx_frame(struct port *port, const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port_mempool(port));
	if (!m)
		return -1;
	char *p = rte_pktmbuf_append(m, (uint16_t)len);
	if (!p) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(p, f, len);
	if (port_tx_burst(port, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}

double eal_harness_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
