/* SPDX-License-Identifier: BSD-2-Clause */
/* open_beneath and its fallback for kernels without openat2 (open_beneath_walk): files and
 * directories beneath the directory open; "..", absolute paths and symlinks leaving it do not
 * (EXDEV); missing files are ENOENT. The walk also refuses a symlink that stays beneath. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "util/beneath.h"

typedef int (*open_fn)(int dirfd, const char *path, int flags);

/* The file opened (fd) has content c; closes it. */
static int read_char(int fd)
{
	char c = 0;
	if (fd < 0)
		return fd;
	ssize_t r = read(fd, &c, 1);
	close(fd);
	return r == 1 ? c : -EIO;
}

static void check_common(open_fn op, int dfd)
{
	CHECK(read_char(op(dfd, "top", O_RDONLY)) == 'T');
	CHECK(read_char(op(dfd, "sub/deep", O_RDONLY)) == 'D');
	CHECK(read_char(op(dfd, "./sub//deep", O_RDONLY)) == 'D');
	CHECK(read_char(op(dfd, "/top", O_RDONLY)) == 'T'); /* absolute: taken beneath */
	CHECK(op(dfd, "missing", O_RDONLY) == -ENOENT);
	CHECK(op(dfd, "sub/missing/x", O_RDONLY) == -ENOENT);
	CHECK(op(dfd, "../top", O_RDONLY) == -EXDEV);
	CHECK(op(dfd, "sub/../../top", O_RDONLY) == -EXDEV);
	CHECK(read_char(op(dfd, "sub/../top", O_RDONLY)) == 'T'); /* ".." staying beneath */
	CHECK(read_char(op(dfd, "sub/./../sub/deep", O_RDONLY)) == 'D');
	CHECK(op(dfd, "escape", O_RDONLY) == -EXDEV);
	CHECK(op(dfd, "escape_dir/passwd", O_RDONLY) == -EXDEV);
	CHECK(op(dfd, "top/x", O_RDONLY) == -ENOTDIR);
	int fd = op(dfd, "sub", O_RDONLY | O_DIRECTORY);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode));
	if (fd >= 0)
		close(fd);
	fd = op(dfd, "", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK(op(dfd, longname, O_RDONLY) == -ENAMETOOLONG);
}

static char dir[] = "/tmp/iotcp-beneath-XXXXXX";
static int dfd = -1;

static void put_file(const char *path, char c)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, &c, 1) == 1);
	close(fd);
}

/* The fixture: top = "T", sub/deep = "D", escape -> /etc/passwd, escape_dir -> /etc,
 * inside -> top. */
static void make_tree(void)
{
	char p[512];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/top", dir);
	put_file(p, 'T');
	snprintf(p, sizeof(p), "%s/sub", dir);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/sub/deep", dir);
	put_file(p, 'D');
	snprintf(p, sizeof(p), "%s/escape", dir);
	CHECK(symlink("/etc/passwd", p) == 0);
	snprintf(p, sizeof(p), "%s/escape_dir", dir);
	CHECK(symlink("/etc", p) == 0);
	snprintf(p, sizeof(p), "%s/inside", dir);
	CHECK(symlink("top", p) == 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
}

static void remove_tree(void)
{
	char p[512];
	close(dfd);
	const char *names[] = {"sub/deep", "sub", "top", "escape", "escape_dir", "inside"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (unlinkat(AT_FDCWD, p, 0) != 0)
			rmdir(p);
	}
	rmdir(dir);
}

static void test_open_beneath_confines(void)
{
	check_common(open_beneath, dfd);
}

static void test_walk_confines(void)
{
	check_common(open_beneath_walk, dfd);
}

/* A symlink staying beneath: openat2 follows it; the walk cannot tell cheaply and refuses
 * (where the kernel has no openat2, open_beneath is the walk). */
static void test_symlink_staying_beneath(void)
{
	int r = open_beneath(dfd, "inside", O_RDONLY);
	CHECK(read_char(r) == 'T' || r == -EXDEV);
	CHECK(open_beneath_walk(dfd, "inside", O_RDONLY) == -EXDEV);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	make_tree();
	RUN(test_open_beneath_confines);
	RUN(test_walk_confines);
	RUN(test_symlink_staying_beneath);
	remove_tree();
	RUN_DONE();
}
