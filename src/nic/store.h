/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC block store: file data cached in fixed-size blocks, shared by every flow that sends
 * the same file. A block is pinned while a sent range that covers it is unacknowledged (the
 * host's ACKD unpins it), so retransmissions come from memory; unpinned blocks stay cached and
 * are recycled least-recently-used first.
 *
 * Sizing: the store must hold everything in flight, i.e. about bandwidth x RTT summed over the
 * flows (plus read-ahead): 10 Gb/s x 1 ms = 1.25 MB; 100 Gb/s x 5 ms = 62.5 MB. Content hit rate
 * grows with whatever is left over. */
#ifndef IOTCP_NIC_STORE_H
#define IOTCP_NIC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nic_block_state {
	NIC_BLOCK_FREE,	   /* not holding data */
	NIC_BLOCK_READING, /* a read into data is in flight */
	NIC_BLOCK_READY,   /* data valid: len bytes */
	NIC_BLOCK_ERROR,   /* the read failed: err */
};

/* Life cycle. A block whose read is in flight (READING) is never handed out for another key
 * nor put on the LRU, pinned or not: the kernel may write its buffer until the completion is
 * reaped. Each read carries a ticket (nic_store_read_ticket); a completion whose ticket is not
 * the block's current one is stale and discarded. A completion makes the block READY (or
 * ERROR: out of lookups, so the next request reads again); if nobody pins it any more it then
 * joins the LRU (READY: cached) or the free end of it (ERROR). */
struct nic_block {
	uint64_t key;	/* file identity (nic_store_file_key) */
	uint32_t index; /* block number within the file */
	uint32_t len;	/* valid bytes (short at end of file) */
	uint32_t pins;
	int err; /* negative errno when NIC_BLOCK_ERROR */
	enum nic_block_state state;
	uint8_t *data;
	uint32_t ticket;     /* the read in flight (READING) */
	uint32_t read_owner; /* the reader's own tag for that read (the engine: its file) */
	/* internal */
	uint32_t hnext;		     /* hash chain (block id + 1, 0 = end) */
	uint32_t lru_prev, lru_next; /* LRU list of unpinned blocks (block id + 1) */
	bool in_lru;
};

struct nic_store_stats {
	uint64_t hits, misses, evictions, exhausted;
	uint64_t stale_reads; /* completions discarded: their ticket was not the block's read */
	uint64_t blocks, blocks_pinned, blocks_ready, blocks_reading;
	uint64_t block_size, bytes;
};

struct nic_store;

/* bytes of cache in blocks of block_size (a power of two, >= 4096). NULL on ENOMEM/EINVAL. */
struct nic_store *nic_store_new(uint64_t bytes, uint32_t block_size);
void nic_store_free(struct nic_store *st);
uint32_t nic_store_block_size(const struct nic_store *st);

/* A file's identity for caching: a changed file (new ctime, mtime or size) gets a new key, so
 * stale blocks are never served; they age out. ctime cannot be set by a user, so a file that
 * replaced a deleted one (same device, inode, size and even mtime) still differs; btime (birth
 * time, 0 where the filesystem has none) separates them further. */
struct nic_file_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns, btime_ns;
};
uint64_t nic_store_file_key(const struct nic_file_id *id);
/* The key of the file behind fd, from statx (basic stats and btime); *stx gets the stats
 * (NULL: not wanted). 0 or -errno. */
struct statx;
int nic_store_file_key_fd(int fd, uint64_t *key, struct statx *stx);

/* The block (key, index), pinned. If it was not cached a free or least-recently-used block is
 * taken and returned in state NIC_BLOCK_READING with *fresh = true: the caller must start its
 * read (tagged with nic_store_block_id and nic_store_read_ticket) and report the completion
 * with nic_store_read_done. NULL when every block is pinned or reading (store exhausted;
 * counted). */
struct nic_block *nic_store_get(struct nic_store *st, uint64_t key, uint32_t index, bool *fresh);
/* Another pin on a block the caller already holds. */
void nic_store_pin(struct nic_store *st, struct nic_block *b);
/* Drop a pin. An unpinned READY block joins the LRU; a failed one is freed at once; a READING
 * one waits for its completion. */
void nic_store_unpin(struct nic_store *st, struct nic_block *b);
/* Identify a block's read: its id (1..blocks, fits in 24 bits) and the read's ticket. */
uint32_t nic_store_block_id(const struct nic_store *st, const struct nic_block *b);
uint32_t nic_store_read_ticket(const struct nic_block *b);
/* The block of a read, for a completion (NULL for an id out of range). */
struct nic_block *nic_store_block(struct nic_store *st, uint32_t id);
/* Read completion of (id, ticket): res = bytes read (may be short at EOF) or negative errno.
 * Returns the block, or NULL when the completion is stale (counted, nothing changed). */
struct nic_block *nic_store_read_done(struct nic_store *st, uint32_t id, uint32_t ticket, int res);
uint32_t nic_store_blocks(const struct nic_store *st);
/* Whole-store consistency (util/invariant.h): NULL, or what is broken. expected_pins[id - 1]:
 * the pins the caller's own records hold on each block (NULL: not compared). */
const char *nic_store_check(const struct nic_store *st, const uint32_t *expected_pins);

void nic_store_get_stats(const struct nic_store *st, struct nic_store_stats *out);

#endif
