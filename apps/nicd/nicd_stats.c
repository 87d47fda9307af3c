/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file writer (util/atomic_file.h) and the lines of the daemon's own counters,
 * generated from nicd_counters.h (see nicd_stats.h). */
#include "nicd_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "util/atomic_file.h"

struct kv_array {
	const struct nicd_kv *kv;
	size_t n;
};

static int fill_kv(FILE *f, void *arg)
{
	const struct kv_array *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (fprintf(f, "%s %" PRIu64 "\n", l->kv[i].key, l->kv[i].value) < 0)
			return -EIO;
	return 0;
}

int nicd_stats_write(const char *path, const struct nicd_kv *kv, size_t n)
{
	struct kv_array l = {kv, n};

	return atomic_file_replace(path, fill_kv, &l);
}

void nicd_counters_kv(struct nicd_kv_list *l, const struct nicd_counters *c,
		      enum nicd_counter_group g)
{
#define COUNTER_KV(group, name)                                                                    \
	if (NICD_CG_##group == g)                                                                  \
		nicd_kv_add(l, #name, c->name);
	NICD_COUNTERS(COUNTER_KV)
#undef COUNTER_KV
}

void nicd_stages_kv(struct nicd_kv_list *l, const struct nicd_stages *s)
{
#define STAGE_KV(name) nicd_kv_add(l, "cycles_" #name, s->name);
	NICD_STAGES(STAGE_KV)
#undef STAGE_KV
}

void nicd_errors_kv(struct nicd_kv_list *l, const struct nicd_counters *c,
		    struct nicd_error_keys *keys)
{
	for (unsigned r = 1; r < NICD_ERR_REASONS; r++) {
		snprintf(keys->key[r], NICD_ERR_KEY_LEN, "nic_error_%s",
			 proto_error_reason_name((uint16_t)r));
		nicd_kv_add(l, keys->key[r], c->errors_by_reason[r]);
	}
	nicd_kv_add(l, "nic_error_other", c->errors_by_reason[0]);
}
