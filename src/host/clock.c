/* SPDX-License-Identifier: BSD-2-Clause */
/* CLOCK_MONOTONIC, the one place the host runtime reads time; host_now, the context's clock. */
#include "host/clock.h"
#include "host/ctx.h"

#include <time.h>

tcp_time_t host_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tcp_time_t)ts.tv_sec * TCP_SEC + (tcp_time_t)ts.tv_nsec;
}

tcp_time_t host_now(struct iotcp_ctx *ctx)
{
	ctx->now = host_clock_now(&ctx->clock);
	return ctx->now;
}
