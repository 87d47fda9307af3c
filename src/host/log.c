/* SPDX-License-Identifier: BSD-2-Clause */
/* host_log: the runtime's log lines (see log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "host/ctx.h"
#include "host/log.h"

void host_log(struct iotcp_ctx *ctx, const char *fmt, ...)
{
	FILE *f = ctx->log ? ctx->log : stderr;
	va_list ap;

	fputs("iotcp: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}
