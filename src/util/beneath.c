/* SPDX-License-Identifier: BSD-2-Clause */
/* open_beneath: openat2(2) with RESOLVE_BENEATH (see beneath.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/beneath.h"

static const char *skip_slashes(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

int open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	path = skip_slashes(path);
	if (!*path)
		path = ".";
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return open_beneath_walk(dirfd, path, flags);
	return fd < 0 ? -errno : (int)fd;
}

/* Why opening name beneath dir failed with err: a symlink we refused to follow is EXDEV. */
static int walk_error(int dir, const char *name, int err)
{
	struct stat st;

	if ((err == ELOOP || err == ENOTDIR) && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -EXDEV;
	return -err;
}

/* path without ".", empty components and "..", resolved lexically into out (components separated
 * by '/'; "" for the directory itself). Lexical is exact here: the walk follows no symlink.
 * 0, -EXDEV if ".." climbs above the directory, -ENAMETOOLONG. */
static int normalize(const char *path, char *out, size_t cap)
{
	size_t len = 0;

	for (path = skip_slashes(path); *path; path = skip_slashes(path)) {
		size_t n = strcspn(path, "/");
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 2 && path[0] == '.' && path[1] == '.') {
			if (len == 0)
				return -EXDEV;
			while (len > 0 && out[len - 1] != '/')
				len--;
			len -= len > 0; /* the separator */
		} else if (!(n == 1 && path[0] == '.')) {
			if (len + 1 + n + 1 > cap)
				return -ENAMETOOLONG;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, path, n);
			len += n;
		}
		path += n;
	}
	out[len] = '\0';
	return 0;
}

int open_beneath_walk(int dirfd, const char *path, int flags)
{
	char norm[PATH_MAX], *name = norm;
	int dir = dirfd;
	int rc = normalize(path, norm, sizeof(norm));

	if (rc < 0)
		return rc;
	if (!*norm)
		name = strcpy(norm, ".");
	for (;;) {
		char *slash = strchr(name, '/');
		if (!slash) {
			rc = openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW);
			rc = rc < 0 ? walk_error(dir, name, errno) : rc;
			goto out;
		}
		*slash = '\0';
		int sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			rc = walk_error(dir, name, errno);
			goto out;
		}
		if (dir != dirfd)
			close(dir);
		dir = sub;
		name = slash + 1;
	}
out:
	if (dir != dirfd)
		close(dir);
	return rc;
}
