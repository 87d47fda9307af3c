/* SPDX-License-Identifier: BSD-2-Clause */
/* A nic_io whose reads the test completes by hand (see fake_io.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fake_io.h"
#include "util/beneath.h"

static void push_done(struct fake_io *f, uint64_t user, int res)
{
	if (f->ndone < FAKE_IO_MAX)
		f->done[f->ndone++] = (struct nic_io_done){user, res};
}

static int fake_open(void *ctx, int dirfd, const char *path, uint64_t user)
{
	struct fake_io *f = ctx;
	if (f->ndone == FAKE_IO_MAX)
		return -EAGAIN;
	push_done(f, user, open_beneath(dirfd, path, O_RDONLY | O_NONBLOCK));
	return 0;
}

static int fake_read(void *ctx, int fd, void *buf, uint32_t len, uint64_t off, uint64_t user)
{
	struct fake_io *f = ctx;
	if (f->nreads == FAKE_IO_MAX)
		return -EAGAIN;
	int dfd = dup(fd);
	if (dfd < 0)
		return -EAGAIN;
	f->reads[f->nreads++] = (struct fake_read){dfd, buf, len, off, user, true};
	f->pending++;
	return 0;
}

static int fake_reap(void *ctx, struct nic_io_done *out, int max)
{
	struct fake_io *f = ctx;
	int n = f->ndone < max ? f->ndone : max;
	memcpy(out, f->done, (size_t)n * sizeof(*out));
	memmove(f->done, f->done + n, (size_t)(f->ndone - n) * sizeof(*out));
	f->ndone -= n;
	return n;
}

static unsigned fake_inflight(void *ctx)
{
	struct fake_io *f = ctx;
	return f->pending + (unsigned)f->ndone;
}

/* Shutting down: everything still pending completes, in submission order. */
static int fake_wait(void *ctx, struct nic_io_done *out, int max, unsigned timeout_ms)
{
	struct fake_io *f = ctx;
	(void)timeout_ms;
	for (int i = 0; i < f->nreads; i++)
		if (f->reads[i].pending)
			fake_io_complete(f, i, 0);
	return fake_reap(ctx, out, max);
}

static const struct nic_io_ops fake_ops = {fake_open, fake_read, fake_reap, fake_inflight,
					   fake_wait};

bool fake_io_init(struct fake_io *f)
{
	memset(f, 0, sizeof(*f));
	f->io = nic_io_new_ops(&fake_ops, f);
	return f->io != NULL;
}

void fake_io_fini(struct fake_io *f)
{
	for (int i = 0; i < f->nreads; i++)
		if (f->reads[i].pending)
			close(f->reads[i].fd);
	nic_io_free(f->io);
}

unsigned fake_io_pending(const struct fake_io *f)
{
	return f->pending;
}

bool fake_io_complete(struct fake_io *f, int i, int res_override)
{
	if (i < 0 || i >= f->nreads || !f->reads[i].pending)
		return false;
	struct fake_read *r = &f->reads[i];
	int res;
	if (res_override < 0) {
		memset(r->buf, 0xee, r->len);
		res = res_override;
	} else {
		ssize_t n = pread(r->fd, r->buf, r->len, (off_t)r->off);
		res = n < 0 ? -errno : (int)n;
	}
	close(r->fd);
	r->pending = false;
	f->pending--;
	push_done(f, r->user, res);
	return true;
}

void fake_io_inject(struct fake_io *f, uint64_t user, int res)
{
	push_done(f, user, res);
}
