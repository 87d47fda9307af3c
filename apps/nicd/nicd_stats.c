/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file writer: `key value` lines through util/atomic_file.h (see nicd_stats.h). */
#include "nicd_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "util/atomic_file.h"

struct kv_list {
	const struct nicd_kv *kv;
	size_t n;
};

static int fill_kv(FILE *f, void *arg)
{
	const struct kv_list *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (fprintf(f, "%s %" PRIu64 "\n", l->kv[i].key, l->kv[i].value) < 0)
			return -EIO;
	return 0;
}

int nicd_stats_write(const char *path, const struct nicd_kv *kv, size_t n)
{
	struct kv_list l = {kv, n};

	return atomic_file_replace(path, fill_kv, &l);
}
