/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp_create: EAL, the memif link to iotcp-nicd, HELLO. Without DPDK in the build only the
 * in-memory link exists (iotcp_create_with_link) and iotcp_create fails with ENOTSUP. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "host/clock.h"
#include "host/create.h"
#include "host/ctx.h"
#include "host/host.h"
#include "host/link.h"

#if defined(IOTCP_HOST_DPDK)
#include "host/link_dpdk.h"
#include "port/port.h"

#define LINK_RETRY_MS 500
#define LINK_MSG_MS   3000

/* Open the memif port; while the NIC daemon's socket is not there, say so and retry until
 * hello_timeout_ms (0: forever). */
static struct host_link *open_link(const struct iotcp_config *cfg)
{
	tcp_time_t start = host_clock_monotonic(), next_msg = start;
	tcp_time_t limit = cfg->hello_timeout_ms
			       ? start + (tcp_time_t)cfg->hello_timeout_ms * TCP_MSEC
			       : TCP_TIME_NEVER;
	char err[256];

	for (;;) {
		struct host_link *link = link_dpdk_open_memif(cfg->nic_socket, err, sizeof(err));
		tcp_time_t now = host_clock_monotonic();
		if (link)
			return link;
		if (now >= next_msg) {
			fprintf(
			    stderr,
			    "iotcp: NIC daemon not reachable at %s (%s): is iotcp-nicd running? "
			    "retrying\n",
			    cfg->nic_socket, err);
			next_msg = now + LINK_MSG_MS * TCP_MSEC;
		}
		if (now + LINK_RETRY_MS * TCP_MSEC >= limit) {
			fprintf(stderr, "iotcp: no NIC daemon at %s within %u ms\n",
				cfg->nic_socket, cfg->hello_timeout_ms);
			return NULL;
		}
		usleep(LINK_RETRY_MS * 1000);
	}
}

struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg)
{
	struct port_eal_config ec = {0};
	struct host_options opt = {.nic = true, .wait_hello = true};
	struct host_link *link;
	struct iotcp_ctx *ctx;
	char prefix[PORT_PREFIX_MAX_LEN];
	char err[256] = "";
	int rc;

	if (!cfg || !cfg->nic_socket || !cfg->nic_socket[0]) {
		fprintf(stderr, "iotcp: no NIC daemon socket configured (nic_socket)\n");
		errno = EINVAL;
		return NULL;
	}
	if (cfg->file_prefix) {
		ec.file_prefix = cfg->file_prefix;
	} else {
		snprintf(prefix, sizeof(prefix), "iotcp-host-%ld", (long)getpid());
		ec.file_prefix = prefix;
	}
	ec.prog = "iotcp";
	ec.lcore = cfg->lcore;
	ec.mem_mb = cfg->mem_mb;
	ec.hugepages = cfg->hugepages;
	ec.log_level = "lib.eal:warning";
	rc = port_eal_init(&ec, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "iotcp: cannot start DPDK: %s\n", err);
		errno = rc == -EINVAL ? EINVAL : -rc;
		return NULL;
	}
	link = open_link(cfg);
	if (!link) {
		port_eal_cleanup();
		errno = ECONNREFUSED;
		return NULL;
	}
	ctx = host_create(cfg, link, &opt);
	if (!ctx) {
		rc = errno;
		port_eal_cleanup();
		errno = rc;
		return NULL;
	}
	ctx->own_eal = true;
	return ctx;
}

void host_release_platform(struct iotcp_ctx *ctx)
{
	if (ctx->own_eal)
		port_eal_cleanup();
}
#else
struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg)
{
	fprintf(stderr, "iotcp: built without DPDK: no host link to a NIC daemon\n");
	errno = ENOTSUP;
	return NULL;
}

void host_release_platform(struct iotcp_ctx *ctx)
{
}
#endif
