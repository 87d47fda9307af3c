/* SPDX-License-Identifier: BSD-2-Clause */
/* eal_harness_start/stop: one EAL set-up for the DPDK tests (see eal_harness.h). */
#include "eal_harness.h"

#include <stdio.h>
#include <unistd.h>

#include "port/port.h"

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
