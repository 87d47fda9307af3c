/* The NIC offload engine: everything iotcp-nicd does with offload commands, independent of how
 * frames move (DPDK in the daemon, memory in the simulator).
 *
 * Host commands in (OPEN, FSTAT, CLOSE, SEND, ACKD); out: wire frames (TCP segments built from
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
	int docroot_fd;         /* files open beneath it only */
	uint64_t store_bytes;   /* block store size */
	uint32_t block_size;    /* power of two >= 4096 */
	uint32_t max_files;     /* open fids at once */
	uint32_t max_jobs;      /* SENDs waiting or unacknowledged at once */
	bool tcp_csum_offload;  /* the wire port completes TCP checksums */
	struct nic_io *io;      /* file I/O (io_uring or sync) */
	size_t host_mtu;        /* largest host command frame payload */
	size_t wire_max_frame;  /* largest frame wire_alloc can give (0 = no limit): a SEND whose
				 * template + MSS exceeds it is refused with ERROR(bad_template) */
};

struct nic_engine_stats {
	uint64_t cmds, malformed, errors_sent;
	uint64_t opens, open_errors, closes, fstats;
	uint64_t sends, retransmits, send_bytes, segments, echoes;
	uint64_t ackds, ackd_unknown_flow, jobs_released;
	uint64_t reads, read_errors, read_bytes;
	uint64_t store_full, truncated, wire_stalls;
	uint64_t files_open, jobs_pending, jobs_pinned, flows;
	uint64_t store_hits, store_misses, store_evictions, store_pinned_blocks, store_blocks;
};

struct nic_engine;

struct nic_engine *nic_engine_new(const struct nic_engine_config *cfg,
				  const struct nic_engine_out *out);
void nic_engine_free(struct nic_engine *e);

/* One host command frame (Ethernet payload of an 0x88B5 frame, HELLO/HEARTBEAT already handled
 * by the caller but harmless here), received at now (ns). */
void nic_engine_host_frame(struct nic_engine *e, const uint8_t *payload, size_t len, uint64_t now);
/* Reap file I/O, transmit what is ready, flush commands to the host. Returns true when it did
 * some work (the caller's idle back-off resets). */
bool nic_engine_poll(struct nic_engine *e, uint64_t now);
/* Work is pending (reads in flight or SENDs waiting for the wire): do not sleep long. */
bool nic_engine_busy(const struct nic_engine *e);
/* The host restarted: forget every flow, job and file. */
void nic_engine_reset(struct nic_engine *e);

void nic_engine_get_stats(const struct nic_engine *e, struct nic_engine_stats *st);

#endif
