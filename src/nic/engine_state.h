/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC offload engine's objects, shared by its files (engine.c says which holds what):
 *   file  - an open fid: fd, identity key for the store, size; closed when the host closed it and
 *           no job references it any more.
 *   job   - one SEND: its header template and the store blocks it covers (pinned). Jobs wait in
 *           the global FIFO until their blocks are read, are transmitted in per-flow order, then
 *           stay on their flow's list, still pinning the blocks, until ACKD passes their end.
 *   flow  - the host's connection id: the list of transmitted, unacknowledged jobs.
 * fids carry a generation in their top bits so a stale fid is rejected, not confused. */
#ifndef IOTCP_NIC_ENGINE_STATE_H
#define IOTCP_NIC_ENGINE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "nic/engine.h"
#include "nic/flow_pins.h"
#include "nic/segment.h"
#include "nic/sync.h"
#include "nic/tls_flow.h"
#include "proto/offload.h"

#define FID_INDEX_BITS 20
#define FID_INDEX_MASK ((1u << FID_INDEX_BITS) - 1)
#define FID_GEN_MASK   ((1u << (32 - FID_INDEX_BITS)) - 1) /* generations wrap in 12 bits */
#define FLOW_BUCKETS   4096
#define REAP_BATCH     64

/* io user data: kind in the top byte; a read's: store block id (24 bits) << 32 | ticket */
#define IO_OPEN		 1ull
#define IO_READ		 2ull
#define IO_USER(kind, v) (((kind) << 56) | (v))

struct nic_file {
	int fd;
	bool used, closing;
	bool orphan;	     /* closed by a reset or a sync: no CLOSE_DONE (the host forgot it) */
	uint32_t req_id;     /* the OPEN that opened it */
	uint32_t sync_epoch; /* the last SYNC that found it alive (or that it was opened in) */
	uint16_t gen;
	uint32_t refs; /* jobs holding it, and reads in flight on its fd */
	uint64_t key, size;
	uint64_t stat_checked; /* when fstat last matched the open (TLS), ns; 0 never */
	uint32_t mode;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct pending_open {
	bool used;
	bool orphan; /* the host that asked is gone (reset): close the result */
	uint32_t req_id;
	char path[PROTO_PATH_MAX + 1];
};

struct nic_job {
	struct nic_job *next; /* FIFO or flow list */
	struct nic_flow *flow;
	uint32_t fid_index;
	uint64_t key; /* the file's store key (the flow's pins are counted by it) */
	uint64_t file_off;
	uint32_t file_len;  /* file bytes it pins (TLS: the whole records it touches) */
	uint32_t len, sent; /* bytes of the burst, bytes already transmitted */
	uint16_t mss, ip_k; /* MSS, segments emitted */
	uint32_t flags;
	uint64_t cookie, arrival;
	struct nic_tmpl tmpl;
	struct nic_tls_job *tls; /* TLS_SEND: the payload is its record stream */
	bool fresh;		 /* it started reads of file data */
	uint32_t nblocks;
	struct nic_block *blocks[]; /* pinned */
};

struct nic_flow {
	struct nic_flow *hnext;
	uint32_t id;
	uint32_t waiting;      /* jobs of this flow in the FIFO */
	uint32_t jobs;	       /* all its jobs: waiting and sent */
	struct flow_pins pins; /* the store blocks its jobs hold (per-flow limit) */
	uint32_t check_n;      /* invariant checks: FIFO jobs counted */
	uint64_t scan_blocked; /* poll round in which an older job of it was not ready */
	struct nic_job *sent_head, *sent_tail;
};

struct nic_engine {
	struct nic_engine_config cfg;
	struct nic_engine_out out;
	struct nic_store *store;
	struct nic_io *io;
	struct nic_file *files;
	struct pending_open *opens;
	uint32_t nopens;
	struct nic_flow *flows[FLOW_BUCKETS];
	struct nic_job *fifo_head, *fifo_tail;
	uint64_t round;
	uint32_t jobs;
	/* command frame to the host being filled */
	uint8_t hbuf[2048];
	struct proto_writer w;
	bool w_open;
	struct nic_engine_stats st;
	struct nic_sync sync;	  /* a resynchronisation in progress (SYNC) */
	bool io_stopped;	  /* nic_engine_stop_io: no file I/O any more, */
	bool io_drained;	  /* ... and none was left in flight */
	uint32_t *check_pins;	  /* invariant checks: expected pins per store block, */
	uint32_t *check_refs;	  /* ... references per file; */
	uint32_t check_skip;	  /* ... run on every call, or every 64th for a big state */
	uint32_t tso_max_payload; /* 0: one frame per MSS */
	nic_wire_send_tso_fn send_tso;
	nic_wire_send_iov_fn send_iov; /* zero-copy output */
	struct nic_tls *tls;	       /* TLS_KEY / TLS_SEND state (tls_flow.c) */
	uint8_t *tls_frame;	       /* a TLS frame's sealed payload */
};

#endif
