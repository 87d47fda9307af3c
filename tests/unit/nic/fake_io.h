/* SPDX-License-Identifier: BSD-2-Clause */
/* A controllable nic_io for engine tests: opens complete at once (synchronously), reads wait
 * until the test completes them, in any order. Like io_uring, a read holds the file from its
 * submission (the fd is duplicated), and the bytes land in the buffer only when the test
 * completes the read -- so a buffer reused while a read is in flight shows up as wrong bytes. */
#ifndef IOTCP_TESTS_NIC_FAKE_IO_H
#define IOTCP_TESTS_NIC_FAKE_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "nic/io.h"

#define FAKE_IO_MAX 256

struct fake_read {
	int fd; /* a duplicate, closed on completion */
	void *buf;
	uint32_t len;
	uint64_t off;
	uint64_t user;
	bool pending;
};

struct fake_io {
	struct nic_io *io; /* give this to the engine */
	struct fake_read reads[FAKE_IO_MAX];
	int nreads;	   /* reads submitted so far (index = submission order) */
	struct nic_io_done done[FAKE_IO_MAX];
	int ndone;
	unsigned pending;
};

bool fake_io_init(struct fake_io *f);
void fake_io_fini(struct fake_io *f);
/* Reads submitted and not completed. */
unsigned fake_io_pending(const struct fake_io *f);
/* Complete read number i (submission order): the bytes land now. res_override 0: the real
 * pread result; < 0: that error, after scribbling over the buffer (a failed read may leave
 * anything there). false if there is no such pending read. */
bool fake_io_complete(struct fake_io *f, int i, int res_override);
/* A completion nobody asked for (stale or forged user data). */
void fake_io_inject(struct fake_io *f, uint64_t user, int res);

#endif
