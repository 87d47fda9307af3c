/* SPDX-License-Identifier: BSD-2-Clause */
/* NIC file I/O: io_uring opens and reads, or synchronous ones (see io.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nic/io.h"
#include "util/beneath.h"

#define SYNC_QUEUE 256

struct nic_io {
	const struct nic_io_ops *ops; /* another implementation (nic_io_new_ops) */
	void *ops_ctx;
	bool sync;
	struct io_uring ring;
	unsigned inflight, queued;
	struct open_how how;
	/* sync mode: completed operations waiting to be reaped */
	struct nic_io_done done[SYNC_QUEUE];
	unsigned head, count;
};

/* The ring can open and read (Linux 5.6+: OPENAT2, READ; older kernels have io_uring without
 * them, and without the probe itself). */
static bool ring_has_ops(struct io_uring *ring)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
	bool ok = probe && io_uring_opcode_supported(probe, IORING_OP_OPENAT2) &&
		  io_uring_opcode_supported(probe, IORING_OP_READ);

	if (probe)
		io_uring_free_probe(probe);
	return ok;
}

struct nic_io *nic_io_new(unsigned entries, bool sync)
{
	struct nic_io *io = calloc(1, sizeof(*io));
	if (!io)
		return NULL;
	io->sync = sync;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (the engine then refuses
	 * anything but regular files and directories); reads of regular files ignore it. */
	io->how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
	io->how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	if (!sync) {
		int rc = io_uring_queue_init(entries ? entries : 256, &io->ring, 0);
		if (rc < 0) {
			free(io);
			errno = -rc;
			return NULL;
		}
		if (!ring_has_ops(&io->ring)) {
			io_uring_queue_exit(&io->ring);
			free(io);
			errno = EOPNOTSUPP;
			return NULL;
		}
	}
	return io;
}

struct nic_io *nic_io_new_ops(const struct nic_io_ops *ops, void *ctx)
{
	struct nic_io *io = calloc(1, sizeof(*io));
	if (!io)
		return NULL;
	io->ops = ops;
	io->ops_ctx = ctx;
	io->sync = true; /* no ring to set up or tear down */
	return io;
}

void nic_io_free(struct nic_io *io)
{
	if (!io)
		return;
	if (!io->sync)
		io_uring_queue_exit(&io->ring);
	free(io);
}

bool nic_io_is_sync(const struct nic_io *io)
{
	return io->sync;
}

static int sync_complete(struct nic_io *io, uint64_t user, int res)
{
	if (io->count == SYNC_QUEUE)
		return -EAGAIN;
	io->done[(io->head + io->count) % SYNC_QUEUE] = (struct nic_io_done){user, res};
	io->count++;
	return 0;
}

int nic_io_open_beneath(struct nic_io *io, int dirfd, const char *path, uint64_t user)
{
	if (io->ops)
		return io->ops->open_beneath(io->ops_ctx, dirfd, path, user);
	if (io->sync) {
		if (io->count == SYNC_QUEUE)
			return -EAGAIN;
		return sync_complete(io, user, open_beneath(dirfd, path, O_RDONLY | O_NONBLOCK));
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
	if (!sqe) {
		nic_io_submit(io);
		sqe = io_uring_get_sqe(&io->ring);
	}
	if (!sqe)
		return -EAGAIN;
	while (*path == '/')
		path++;
	io_uring_prep_openat2(sqe, dirfd, *path ? path : ".", &io->how);
	io_uring_sqe_set_data64(sqe, user);
	io->queued++;
	return 0;
}

int nic_io_read(struct nic_io *io, int fd, void *buf, uint32_t len, uint64_t off, uint64_t user)
{
	if (io->ops)
		return io->ops->read(io->ops_ctx, fd, buf, len, off, user);
	if (io->sync) {
		if (io->count == SYNC_QUEUE)
			return -EAGAIN;
		ssize_t n = pread(fd, buf, len, (off_t)off);
		return sync_complete(io, user, n < 0 ? -errno : (int)n);
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);
	if (!sqe) {
		nic_io_submit(io); /* frees submission slots */
		sqe = io_uring_get_sqe(&io->ring);
	}
	if (!sqe)
		return -EAGAIN;
	io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, user);
	io->queued++;
	return 0;
}

void nic_io_submit(struct nic_io *io)
{
	if (io->ops || io->sync || !io->queued)
		return;
	int rc = io_uring_submit(&io->ring);
	if (rc > 0) {
		io->inflight += (unsigned)rc;
		io->queued -= (unsigned)rc < io->queued ? (unsigned)rc : io->queued;
	}
}

int nic_io_reap(struct nic_io *io, struct nic_io_done *out, int max)
{
	int n = 0;
	if (io->ops)
		return io->ops->reap(io->ops_ctx, out, max);
	if (io->sync) {
		while (n < max && io->count) {
			out[n++] = io->done[io->head];
			io->head = (io->head + 1) % SYNC_QUEUE;
			io->count--;
		}
		return n;
	}
	struct io_uring_cqe *cqe;
	while (n < max && io_uring_peek_cqe(&io->ring, &cqe) == 0) {
		out[n].user = io_uring_cqe_get_data64(cqe);
		out[n].res = cqe->res;
		n++;
		io_uring_cqe_seen(&io->ring, cqe);
		if (io->inflight)
			io->inflight--;
	}
	return n;
}

int nic_io_wait(struct nic_io *io, struct nic_io_done *out, int max, unsigned timeout_ms)
{
	if (io->ops)
		return io->ops->wait ? io->ops->wait(io->ops_ctx, out, max, timeout_ms)
				     : io->ops->reap(io->ops_ctx, out, max);
	if (io->sync)
		return nic_io_reap(io, out, max);
	nic_io_submit(io);
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000,
				       .tv_nsec = (long long)(timeout_ms % 1000) * 1000000};
	if (io->inflight && io_uring_wait_cqe_timeout(&io->ring, &cqe, &ts) < 0)
		return 0;
	return nic_io_reap(io, out, max);
}

unsigned nic_io_inflight(const struct nic_io *io)
{
	if (io->ops)
		return io->ops->inflight(io->ops_ctx);
	return io->sync ? io->count : io->inflight + io->queued;
}
