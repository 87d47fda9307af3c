/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file: `key value` lines, replaced atomically (write a temporary file in the same
 * directory, then rename) so a reader never sees a partial file. */
#ifndef IOTCP_NICD_STATS_H
#define IOTCP_NICD_STATS_H

#include <stddef.h>
#include <stdint.h>

struct nicd_kv {
	const char *key;
	uint64_t value;
};

/* 0 or a negative errno. */
int nicd_stats_write(const char *path, const struct nicd_kv *kv, size_t n);

#endif
