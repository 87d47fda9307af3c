/* SPDX-License-Identifier: BSD-2-Clause */
/* File I/O for the NIC: asynchronous opens and reads through io_uring, so the poll loop never
 * blocks on the disk. A synchronous mode (pread/openat2 completing at once) serves the
 * deterministic simulator and machines without io_uring. Completions are reaped explicitly. */
#ifndef IOTCP_NIC_IO_H
#define IOTCP_NIC_IO_H

#include <stdbool.h>
#include <stdint.h>

struct nic_io;

struct nic_io_done {
	uint64_t user;
	int res; /* bytes read / fd opened, or -errno */
};

/* entries: queue depth. sync: no io_uring. NULL with errno on failure (EOPNOTSUPP: io_uring
 * without the open and read operations, Linux before 5.6). */
struct nic_io *nic_io_new(unsigned entries, bool sync);

/* Another implementation behind the same calls (tests: reads that complete out of order, on
 * command). Each function gets ctx; wait may be NULL (then nic_io_wait only reaps). */
struct nic_io_ops {
	int (*open_beneath)(void *ctx, int dirfd, const char *path, uint64_t user);
	int (*read)(void *ctx, int fd, void *buf, uint32_t len, uint64_t off, uint64_t user);
	int (*reap)(void *ctx, struct nic_io_done *out, int max);
	unsigned (*inflight)(void *ctx);
	int (*wait)(void *ctx, struct nic_io_done *out, int max, unsigned timeout_ms);
};
struct nic_io *nic_io_new_ops(const struct nic_io_ops *ops, void *ctx);
void nic_io_free(struct nic_io *io);
bool nic_io_is_sync(const struct nic_io *io);

/* Open path (read-only) strictly beneath dirfd (openat2 RESOLVE_BENEATH). path must stay valid
 * until the completion is reaped. 0, or -EAGAIN when the queue is full. */
int nic_io_open_beneath(struct nic_io *io, int dirfd, const char *path, uint64_t user);
/* Read len bytes at off from fd into buf. 0 or -EAGAIN. */
int nic_io_read(struct nic_io *io, int fd, void *buf, uint32_t len, uint64_t off, uint64_t user);
/* Submit queued operations (one syscall). */
void nic_io_submit(struct nic_io *io);
/* Reap up to max completions without waiting. Returns how many. */
int nic_io_reap(struct nic_io *io, struct nic_io_done *out, int max);
/* The same, but wait up to timeout_ms for at least one (submitting what is queued first). */
int nic_io_wait(struct nic_io *io, struct nic_io_done *out, int max, unsigned timeout_ms);
/* Operations submitted and not reaped. */
unsigned nic_io_inflight(const struct nic_io *io);

#endif
