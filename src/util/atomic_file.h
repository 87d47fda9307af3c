/* SPDX-License-Identifier: BSD-2-Clause */
/* Replacing a small file atomically (the stats files): written beside the old one as
 * PATH.tmp.<pid>, then renamed over it, so a reader sees the old file or the new one, never a
 * part. The one writer the host (iotcp_dump_stats) and iotcp-nicd (--stats-file) share. */
#ifndef IOTCP_UTIL_ATOMIC_FILE_H
#define IOTCP_UTIL_ATOMIC_FILE_H

#include <stdio.h>

/* Calls fill(f, arg) to write the new content, then replaces path with it. fill returns 0 or a
 * negative errno (nothing replaced). Returns 0 or a negative errno; the temporary file never
 * stays behind. */
int atomic_file_replace(const char *path, int (*fill)(FILE *f, void *arg), void *arg);

#endif
