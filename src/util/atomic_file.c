/* SPDX-License-Identifier: BSD-2-Clause */
/* atomic_file_replace: a temporary file beside the target, renamed over it (see atomic_file.h). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "util/atomic_file.h"

int atomic_file_replace(const char *path, int (*fill)(FILE *f, void *arg), void *arg)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (!path || !*path)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	rc = fill(f, arg);
	if (ferror(f) && rc == 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = errno ? -errno : -EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
