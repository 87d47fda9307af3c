/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC offload engine (engine.h): its life (new, reset, free), its configuration and the
 * poll that drives it. Its objects are in engine_state.h; the rest lives by concern:
 *   cmd_dispatch.c  host command frames to the handlers below
 *   file_ops.c      OPEN, FSTAT, CLOSE and the fid table
 *   file_reads.c    store block reads and I/O completions; stopping the I/O
 *   send_cmd.c      SEND, TLS_SEND: a command becomes a job (limits, pins, reads)
 *   send_tx.c       jobs out to the wire (frames built by segment.c)
 *   echo.c          ECHO once a job is on the wire
 *   ackd.c          ACKD: acknowledged jobs freed, store pins released
 *   flow_table.c    flows, and freeing a job
 *   sync_cmd.c      SYNC after the link to the host was down
 *   tls_key_cmd.c   TLS_KEY (the TLS state itself is tls_flow.c)
 *   host_reply.c    the frame of commands to the host, ERROR
 *   engine_stats.c  the counters; engine_check.c the invariants */
#include <stdlib.h>

#include "nic/engine.h"
#include "nic/engine_check.h"
#include "nic/engine_state.h"
#include "nic/file_ops.h"
#include "nic/file_reads.h"
#include "nic/flow_table.h"
#include "nic/host_reply.h"
#include "nic/io.h"
#include "nic/send_tx.h"
#include "nic/store.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"

uint16_t nic_engine_hello_flow_window(const struct nic_engine *e)
{
	uint64_t margin = 3ull * e->cfg.block_size, cap = e->cfg.max_flow_pinned;
	uint64_t units = cap > margin ? (cap - margin) / PROTO_FLOW_WINDOW_UNIT : 0;
	return (uint16_t)(units < 1 ? 1 : units > UINT16_MAX ? UINT16_MAX : units);
}

uint64_t nic_engine_default_flow_pinned(uint64_t store_bytes, uint32_t block_size)
{
	uint64_t share = store_bytes / 8, floor = 4ull * block_size;
	return share > floor ? share : floor;
}

bool nic_engine_poll(struct nic_engine *e, uint64_t now)
{
	struct nic_io_done done[REAP_BATCH];
	bool work = false;
	int n;

	if (!e->io_stopped) {
		nic_io_submit(e->io);
		while ((n = nic_io_reap(e->io, done, REAP_BATCH)) > 0) {
			work = true;
			for (int i = 0; i < n; i++)
				eng_io_complete(e, &done[i]);
			nic_io_submit(e->io);
		}
	}
	if (e->fifo_head && eng_run_fifo(e, now))
		work = true;
	eng_host_flush(e);
	eng_checked(e);
	return work;
}

bool nic_engine_busy(const struct nic_engine *e)
{
	return e->fifo_head != NULL || (!e->io_stopped && nic_io_inflight(e->io) > 0);
}

bool nic_engine_set_zero_copy(struct nic_engine *e, nic_wire_send_iov_fn send)
{
	if (send && !e->cfg.tcp_csum_offload)
		return false;
	e->send_iov = send;
	return true;
}

bool nic_engine_set_tso(struct nic_engine *e, uint32_t max_payload, nic_wire_send_tso_fn send)
{
	if (!max_payload || !send) {
		e->tso_max_payload = 0;
		e->send_tso = NULL;
		return true;
	}
	/* The port completes checksums per segment: it needs the pseudo-header sums. */
	if (!e->cfg.tcp_csum_offload)
		return false;
	e->tso_max_payload = max_payload < NIC_TSO_MAX_PAYLOAD ? max_payload : NIC_TSO_MAX_PAYLOAD;
	e->send_tso = send;
	return true;
}

struct nic_engine *nic_engine_new(const struct nic_engine_config *cfg,
				  const struct nic_engine_out *out)
{
	struct nic_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	if (!e->cfg.max_files)
		e->cfg.max_files = 4096;
	if (e->cfg.max_files > FID_INDEX_MASK)
		e->cfg.max_files = FID_INDEX_MASK;
	if (!e->cfg.max_jobs)
		e->cfg.max_jobs = NIC_DEFAULT_MAX_JOBS;
	if (!e->cfg.max_flow_jobs)
		e->cfg.max_flow_jobs = NIC_DEFAULT_MAX_FLOW_JOBS;
	if (e->cfg.max_flow_jobs > e->cfg.max_jobs)
		e->cfg.max_flow_jobs = e->cfg.max_jobs;
	if (!e->cfg.host_mtu)
		e->cfg.host_mtu = 1500;
	if (!e->cfg.block_size)
		e->cfg.block_size = 64 * 1024;
	e->out = *out;
	e->io = cfg->io;
	e->store = nic_store_new(cfg->store_bytes, e->cfg.block_size);
	if (!e->cfg.max_flow_pinned)
		e->cfg.max_flow_pinned =
		    nic_engine_default_flow_pinned(cfg->store_bytes, e->cfg.block_size);
	e->files = calloc(e->cfg.max_files, sizeof(*e->files));
	e->opens = calloc(e->cfg.max_files, sizeof(*e->opens));
	e->tls = e->store ? nic_tls_new(e->store, 0) : NULL;
	e->tls_frame = malloc(NIC_TLS_FILL_MAX);
	if (!e->store || !e->files || !e->opens || !e->io || !e->tls || !e->tls_frame) {
		nic_engine_free(e);
		return NULL;
	}
	return e;
}

void nic_engine_reset(struct nic_engine *e)
{
	/* Flows: free every job; the FIFO holds the rest. */
	for (unsigned b = 0; b < FLOW_BUCKETS; b++) {
		struct nic_flow *fl = e->flows[b];
		while (fl) {
			struct nic_flow *next = fl->hnext;
			while (fl->sent_head) {
				struct nic_job *j = fl->sent_head;
				fl->sent_head = j->next;
				eng_job_free(e, j);
			}
			fl->sent_tail = NULL;
			fl = next;
		}
	}
	while (e->fifo_head) {
		struct nic_job *j = e->fifo_head;
		e->fifo_head = j->next;
		j->flow->waiting--;
		eng_job_free(e, j);
	}
	e->fifo_tail = NULL;
	for (unsigned b = 0; b < FLOW_BUCKETS; b++) {
		while (e->flows[b]) {
			struct nic_flow *fl = e->flows[b];
			e->flows[b] = fl->hnext;
			free(fl);
			e->st.flows--;
		}
	}
	/* The old host's frame is dropped before the files are released (no CLOSE_DONE reaches
	 * the new host for them). A file whose reads are still in flight closes when the last
	 * completes: its fd must not be reused while the kernel reads it. */
	e->w_open = false;
	for (uint32_t i = 0; i < e->cfg.max_files; i++) {
		struct nic_file *f = &e->files[i];
		if (!f->used)
			continue;
		if (!f->closing) /* stale for the new host */
			f->gen = (uint16_t)((f->gen + 1) & FID_GEN_MASK);
		f->closing = true;
		f->orphan = true;
		eng_file_release(e, i);
	}
	nic_tls_reset(e->tls); /* after the jobs: their records go with the flows */
	nic_sync_finish(&e->sync);
	/* Pending opens complete later; their results are dropped with the host's state. */
	for (uint32_t i = 0; i < e->cfg.max_files; i++)
		if (e->opens[i].used)
			e->opens[i].orphan = true;
	eng_checked(e);
}

void nic_engine_free(struct nic_engine *e)
{
	if (!e)
		return;
	bool drained = !e->io || !e->store || nic_engine_stop_io(e);
	if (e->files && e->store && e->tls)
		nic_engine_reset(e);
	nic_tls_free(e->tls);
	free(e->tls_frame);
	/* A read that never completed may still write into the store: leave it allocated. */
	if (drained)
		nic_store_free(e->store);
	free(e->files);
	free(e->opens);
	free(e->check_pins);
	free(e->check_refs);
	nic_sync_finish(&e->sync);
	free(e);
}
