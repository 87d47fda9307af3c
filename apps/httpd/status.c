/* SPDX-License-Identifier: BSD-2-Clause */
/* The status page's text (status.h). */
#include <inttypes.h>
#include <stdio.h>

#include "status.h"

int httpd_status_format(char *buf, size_t cap, const struct httpd_status *s)
{
	uint64_t files = s->offload_bytes + s->host_file_bytes;
	char share[16] = "-";

	if (files)
		snprintf(share, sizeof(share), "%.1f%%", 100.0 * (double)s->offload_bytes / (double)files);
	/* nginx stub_status, byte for byte (trailing spaces included) */
	int n = snprintf(buf, cap,
			 "Active connections: %" PRIu64 " \n"
			 "server accepts handled requests\n"
			 " %" PRIu64 " %" PRIu64 " %" PRIu64 " \n"
			 "Reading: %" PRIu64 " Writing: %" PRIu64 " Waiting: %" PRIu64 " \n"
			 "File bytes offloaded: %" PRIu64 "\n"
			 "File bytes host-touched: %" PRIu64 "\n"
			 "Offloaded share: %s\n",
			 s->active, s->accepts, s->handled, s->requests, s->reading, s->writing,
			 s->waiting, s->offload_bytes, s->host_file_bytes, share);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}
