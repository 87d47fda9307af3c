/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file: `key value` lines, replaced atomically (write a temporary file in the same
 * directory, then rename) so a reader never sees a partial file; and the lines of the daemon's
 * own counters, generated from their lists (nicd_counters.h). */
#ifndef IOTCP_NICD_STATS_H
#define IOTCP_NICD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "nicd_counters.h"

struct nicd_kv {
	const char *key;
	uint64_t value;
};

/* 0 or a negative errno. */
int nicd_stats_write(const char *path, const struct nicd_kv *kv, size_t n);

/* Lines being gathered: at most cap; lines past it are dropped. */
struct nicd_kv_list {
	struct nicd_kv *kv;
	size_t n, cap;
};

static inline void nicd_kv_add(struct nicd_kv_list *l, const char *key, uint64_t value)
{
	if (l->n < l->cap)
		l->kv[l->n++] = (struct nicd_kv){key, value};
}

/* The lines of c's counters in group g, in NICD_COUNTERS order. */
void nicd_counters_kv(struct nicd_kv_list *l, const struct nicd_counters *c,
		      enum nicd_counter_group g);
/* "cycles_<stage>" lines, in NICD_STAGES order. */
void nicd_stages_kv(struct nicd_kv_list *l, const struct nicd_stages *s);

/* Keys of the ERRORs by reason: "nic_error_<reason>" for each reason, then "nic_error_other". */
#define NICD_ERR_KEY_LEN 40
struct nicd_error_keys {
	char key[NICD_ERR_REASONS][NICD_ERR_KEY_LEN];
};
/* The ERRORs-by-reason lines; keys is filled and must outlive the lines. */
void nicd_errors_kv(struct nicd_kv_list *l, const struct nicd_counters *c,
		    struct nicd_error_keys *keys);

#endif
