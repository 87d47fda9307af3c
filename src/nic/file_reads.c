/* SPDX-License-Identifier: BSD-2-Clause */
/* File I/O on the engine's side (file_reads.h): reads of store blocks, the completions of reads
 * and OPENs, and draining what is in flight when the daemon stops (nic_engine_stop_io). */
#include "nic/file_reads.h"

#include <errno.h>

#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/host_reply.h"
#include "nic/io.h"
#include "nic/store.h"

#define DRAIN_MS 5000 /* nic_engine_stop_io: longest wait for reads in flight */

/* Start the read of a fresh block. The read holds a reference on the file, so its fd stays
 * open (and cannot become another file's) until the completion is reaped. */
void eng_block_read(struct nic_engine *e, struct nic_block *b, uint32_t fi)
{
	struct nic_file *f = &e->files[fi];
	uint32_t bs = nic_store_block_size(e->store);
	uint64_t off = (uint64_t)b->index * bs;
	uint32_t id = nic_store_block_id(e->store, b), ticket = nic_store_read_ticket(b);
	uint64_t user = IO_USER(IO_READ, (uint64_t)id << 32 | ticket);

	if (e->io_stopped || nic_io_read(e->io, f->fd, b->data, bs, off, user) < 0) {
		nic_store_read_done(e->store, id, ticket, -EBUSY);
		return;
	}
	b->read_owner = fi;
	f->refs++;
	e->st.reads++;
}

static void read_complete(struct nic_engine *e, uint64_t v, int res)
{
	struct nic_block *b = nic_store_read_done(e->store, (uint32_t)(v >> 32), (uint32_t)v, res);

	if (!b) {
		e->st.stale_reads++; /* not a read of ours in flight: discarded */
		return;
	}
	if (res < 0)
		e->st.read_errors++;
	else
		e->st.read_bytes += (uint64_t)res;
	uint32_t fi = b->read_owner;
	if (fi < e->cfg.max_files && e->files[fi].used && e->files[fi].refs) {
		e->files[fi].refs--;
		eng_file_release(e, fi);
	}
}

void eng_io_complete(struct nic_engine *e, const struct nic_io_done *d)
{
	uint64_t kind = d->user >> 56, v = d->user & ((1ull << 56) - 1);

	if (kind == IO_OPEN && v < e->cfg.max_files && e->opens[v].used)
		eng_open_complete(e, (uint32_t)v, d->res);
	else if (kind == IO_READ)
		read_complete(e, v, d->res);
	else
		e->st.stale_reads++; /* not ours: discarded */
}

bool nic_engine_stop_io(struct nic_engine *e)
{
	struct nic_io_done done[REAP_BATCH];

	if (e->io_stopped)
		return e->io_drained;
	/* Every read in flight writes into a store block: wait for each completion. */
	for (unsigned waited = 0; nic_io_inflight(e->io) && waited < DRAIN_MS; waited += 100) {
		int n = nic_io_wait(e->io, done, REAP_BATCH, 100);
		for (int i = 0; i < n; i++)
			eng_io_complete(e, &done[i]);
	}
	e->io_drained = nic_io_inflight(e->io) == 0;
	e->io_stopped = true;
	eng_host_flush(e);
	return e->io_drained;
}
