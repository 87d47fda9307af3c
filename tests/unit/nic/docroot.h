/* SPDX-License-Identifier: BSD-2-Clause */
/* A temporary docroot for the NIC engine tests: a fresh directory under /tmp holding one file of
 * given bytes, opened as the engine's docroot_fd, removed with everything in it. Header-only:
 * its CHECKs count in the test. */
#ifndef IOTCP_TESTS_NIC_DOCROOT_H
#define IOTCP_TESTS_NIC_DOCROOT_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../check.h"

struct docroot {
	char dir[64];
	int dfd;
};

/* The path of name in the docroot. */
static inline void docroot_path(const struct docroot *d, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", d->dir, name);
}

/* Make /tmp/<prefix>-XXXXXX with name holding len bytes of data. */
static inline bool docroot_make(struct docroot *d, const char *prefix, const char *name,
				const uint8_t *data, size_t len)
{
	char path[512];

	d->dfd = -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/%s-XXXXXX", prefix);
	CHECK(mkdtemp(d->dir) != NULL);
	d->dfd = open(d->dir, O_RDONLY | O_DIRECTORY);
	CHECK(d->dfd >= 0);
	if (d->dfd < 0)
		return false;
	docroot_path(d, name, path, sizeof(path));
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return true;
}

static inline void docroot_remove(struct docroot *d)
{
	char cmd[100];

	if (d->dfd >= 0)
		close(d->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	CHECK(system(cmd) == 0);
}

#endif
