/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC offload engine: everything iotcp-nicd does with offload commands, independent of how
 * frames move (DPDK in the daemon, memory in the simulator).
 *
 * Host commands in (OPEN, FSTAT, CLOSE, SEND, ACKD, TLS_KEY, TLS_SEND: tls_flow.h); out: wire frames (TCP segments built from
 * the host's header templates and file data from the block store) and host commands (OPEN_DONE,
 * FSTAT_DONE, CLOSE_DONE, ECHO, ERROR). Every failure becomes an ERROR to the host; nothing a
 * host sends can make the engine exit.
 *
 * Sent data stays pinned in the block store until ACKD says the peer has it, so a host's
 * retransmission (another SEND of an older range) is served from memory. */
#ifndef IOTCP_NIC_ENGINE_H
#define IOTCP_NIC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "nic/tls_flow.h"

struct nic_io;

/* Where the engine's output goes. */
struct nic_engine_out {
	void *ctx;
	/* A buffer for a wire frame of up to cap bytes, or NULL when none is free right now (the
	 * engine retries on a later poll). */
	uint8_t *(*wire_alloc)(void *ctx, size_t cap);
	/* Send the frame built in a buffer from wire_alloc (len bytes). */
	void (*wire_send)(void *ctx, uint8_t *buf, size_t len);
	/* Send a command frame to the host: payload is the Ethernet payload (after EtherType). */
	void (*host_send)(void *ctx, const uint8_t *payload, size_t len);
};

struct nic_engine_config {
	int docroot_fd;	      /* files open beneath it only */
	uint64_t store_bytes; /* block store size */
	uint32_t block_size;  /* power of two >= 4096 */
	uint32_t max_files;   /* open fids at once */
	uint32_t max_jobs;    /* SENDs waiting or unacknowledged at once, all flows */
	/* Per flow (issue 14): one client cannot take what the others need. A SEND past either
	 * limit gets ERROR(flow_limit) and only that flow waits; a flow without jobs may always
	 * have one. 0 = the defaults below. */
	uint32_t max_flow_jobs;	  /* SENDs of one flow waiting or unacknowledged */
	uint64_t max_flow_pinned; /* store bytes one flow's SENDs hold (distinct blocks) */
	bool tcp_csum_offload;	  /* the wire port completes TCP checksums */
	struct nic_io *io;	  /* file I/O (io_uring or sync) */
	size_t host_mtu;	  /* largest host command frame payload */
	size_t wire_max_frame;	  /* largest frame wire_alloc can give (0 = no limit): a SEND whose
				 * template + MSS exceeds it is refused with ERROR(bad_template) */
};

#define NIC_TSO_MAX_PAYLOAD	  65535u
#define NIC_DEFAULT_MAX_JOBS	  65536u
#define NIC_DEFAULT_MAX_FLOW_JOBS 4096u
/* The default per-flow pin limit: 1/8 of the store (twice the largest send buffer the host
 * gives a connection, 1/16 of the store), at least four blocks. */
uint64_t nic_engine_default_flow_pinned(uint64_t store_bytes, uint32_t block_size);

/* The engine's counters, each named once: X(name) is the field `name` of struct
 * nic_engine_stats, which iotcp-nicd's stats file writes as "nic_<name>". */
/* clang-format off */
#define NIC_ENGINE_STATS(X)                                                                        \
	X(cmds) X(malformed) X(errors_sent)                                                        \
	X(opens) X(open_errors) X(closes) X(fstats)                                                \
	X(sends) X(retransmits) X(send_bytes) X(segments) X(echoes)                                \
	X(tso_frames)          /* TSO frames handed out (each counted in segments too) */          \
	X(zero_copy_frames)    /* frames handed to the zero-copy output */                         \
	X(ackds) X(ackd_unknown_flow) X(jobs_released)                                             \
	X(reads) X(read_errors) X(read_bytes)                                                      \
	X(stale_reads)         /* completions that were not for a read in flight: discarded */     \
	X(store_full) X(truncated) X(wire_stalls)                                                  \
	X(flow_limited)        /* SENDs refused with ERROR(flow_limit) */                          \
	X(syncs)               /* SYNCs completed (the sweep ran) */                               \
	X(sync_failed)         /* SYNCs answered with an error */                                  \
	X(sync_flows_released) X(sync_files_released) /* what the sweeps released */               \
	X(files_open) X(jobs_pending) X(jobs_pinned) X(flows)                                      \
	X(store_hits) X(store_misses) X(store_evictions) X(store_pinned_blocks) X(store_blocks)
/* clang-format on */
#define NIC_ENGINE_STAT_FIELD_(name) uint64_t name;

struct nic_engine_stats {
	NIC_ENGINE_STATS(NIC_ENGINE_STAT_FIELD_)
	struct nic_tls_stats tls; /* TLS_KEY / TLS_SEND */
};

struct nic_engine;

struct nic_engine *nic_engine_new(const struct nic_engine_config *cfg,
				  const struct nic_engine_out *out);
void nic_engine_free(struct nic_engine *e);

/* Send a TSO frame built in a wire_alloc buffer (ctx = nic_engine_out.ctx): the template's
 * headers (hdr_len bytes, the first segment's, with the pseudo-header sum of the whole frame in
 * the TCP checksum field) and more than mss payload bytes, which the port cuts into mss-sized
 * segments advancing the sequence number and IP id, PSH/FIN kept on the last one, CWR on the
 * first only (what TSO hardware and Linux GSO do). */
typedef void (*nic_wire_send_tso_fn)(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len,
				     uint16_t mss);
/* Zero-copy transmission: hand the port the headers (hlen bytes, as for wire_send_tso when
 * mss != 0, else an ordinary frame's) and the payload as pieces of the block store (plen bytes
 * in total). The callee must be done with the pieces when it returns (sent, or copied): they
 * may be released by the next command. Returns false when the wire cannot take the frame now
 * (the engine retries on a later poll). */
typedef bool (*nic_wire_send_iov_fn)(void *ctx, const uint8_t *hdr, size_t hlen,
				     const struct iovec *iov, int niov, uint32_t plen,
				     uint16_t mss);
/* Use send for every frame instead of wire_alloc/wire_send/wire_send_tso (NULL: back to those).
 * Needs tcp_csum_offload. Returns false if refused. */
bool nic_engine_set_zero_copy(struct nic_engine *e, nic_wire_send_iov_fn send);

/* Let bursts go to the wire as TSO frames of up to max_payload payload bytes (whole MSS
 * multiples, at most NIC_TSO_MAX_PAYLOAD; wire_alloc must then give buffers that large). Needs
 * tcp_csum_offload; max_payload 0 or send NULL turns it off. Returns false if refused. */
bool nic_engine_set_tso(struct nic_engine *e, uint32_t max_payload, nic_wire_send_tso_fn send);

/* One host command frame (Ethernet payload of an 0x88B5 frame, HELLO/HEARTBEAT already handled
 * by the caller but harmless here), received at now (ns). The frame must lie in writable
 * memory the caller owns: the key bytes of its TLS_KEY commands are zeroed in place once
 * parsed (proto_tls_key_wipe). */
void nic_engine_host_frame(struct nic_engine *e, const uint8_t *payload, size_t len, uint64_t now);
/* Reap file I/O, transmit what is ready, flush commands to the host. Returns true when it did
 * some work (the caller's idle back-off resets). */
bool nic_engine_poll(struct nic_engine *e, uint64_t now);
/* Work is pending (reads in flight or SENDs waiting for the wire): do not sleep long. */
bool nic_engine_busy(const struct nic_engine *e);
/* The host restarted: forget every flow, job and file. */
void nic_engine_reset(struct nic_engine *e);
/* Shutting down: wait (up to seconds) for every file operation in flight, then do no more
 * file I/O. True when nothing is left in flight: only then may the I/O context go, and the
 * store with it (the kernel writes into store blocks until a read completes). */
bool nic_engine_stop_io(struct nic_engine *e);
/* Whole-engine consistency: jobs, flows and files recounted from the lists, store pins from
 * the jobs (util/invariant.h; run after every call in the invariant builds). NULL, or what is
 * broken. */
const char *nic_engine_check(struct nic_engine *e);

void nic_engine_get_stats(const struct nic_engine *e, struct nic_engine_stats *st);
/* HELLO's flow_window for this engine: the largest unacknowledged window per flow that stays
 * within the pin limit (less three blocks: one of rounding at each end of the window, one of
 * ACKD batching), in PROTO_FLOW_WINDOW_UNIT units, at least one. */
uint16_t nic_engine_hello_flow_window(const struct nic_engine *e);

#endif
