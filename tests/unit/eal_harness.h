/* SPDX-License-Identifier: BSD-2-Clause */
/* The DPDK EAL set-up every DPDK test process repeats (unit tests under tests/unit/port, the
 * interop peers under tests/interop/nicd): --no-huge, 128 MB, one lcore, errors-only logs, and a
 * file prefix of its own so that parallel tests and other engineers' labs never share a
 * /var/run/dpdk/<prefix> directory. A test that cannot start the EAL here skips (exit 77) and
 * says why. */
#ifndef IOTCP_TESTS_EAL_HARNESS_H
#define IOTCP_TESTS_EAL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct port;

/* Exit status meson (and the interop scripts) read as "skipped". */
#define EAL_HARNESS_SKIP 77

struct eal_harness {
	const char *prog;	 /* argv[0] for the EAL and the default prefix's stem */
	int lcore;		 /* the one core the process runs on */
	const char *file_prefix; /* NULL: "iotcp-<prog>-<pid>", unique per process */
	bool need_root;		 /* skip unless root (the DPDK runtime directory, taps) */
};

/* Start the EAL. 0 on success; otherwise prints "SKIP: <why>" and returns EAL_HARNESS_SKIP, for
 * main() to return as is. */
int eal_harness_start(const struct eal_harness *h);
/* Clean the EAL up (its runtime directory goes with it); close the ports first. */
void eal_harness_stop(void);

/* Send one frame of len bytes on port (copied into an mbuf of its pool): 0, or -1 when no mbuf
 * was free or the port did not take it. */
int eal_harness_tx_frame(struct port *port, const uint8_t *f, size_t len);
/* CLOCK_MONOTONIC in seconds. */
double eal_harness_now_s(void);

#endif
