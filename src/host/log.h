/* SPDX-License-Identifier: BSD-2-Clause */
/* The host runtime's log: one line per call, "iotcp: " first, to the context's log file (the
 * configured one, or stderr). */
#ifndef IOTCP_HOST_LOG_H
#define IOTCP_HOST_LOG_H

struct iotcp_ctx;

__attribute__((format(printf, 2, 3))) void host_log(struct iotcp_ctx *ctx, const char *fmt, ...);

#endif
