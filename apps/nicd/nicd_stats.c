/* SPDX-License-Identifier: BSD-2-Clause */
/* The --stats-file writer: a temporary file renamed over the old one (see nicd_stats.h). */
#include "nicd_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int nicd_stats_write(const char *path, const struct nicd_kv *kv, size_t n)
{
	char tmp[4096];
	char line[160];
	int fd = -1, rc = 0;

	if (!path || !*path)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%s %" PRIu64 "\n", kv[i].key, kv[i].value);
		if (len < 0 || len >= (int)sizeof(line)) {
			rc = -EINVAL;
			goto out;
		}
		if (write(fd, line, (size_t)len) != len) {
			rc = errno ? -errno : -EIO;
			goto out;
		}
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}
