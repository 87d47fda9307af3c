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
	NIC_BLOCK_FREE,    /* not holding data */
	NIC_BLOCK_READING, /* a read is in progress */
	NIC_BLOCK_READY,   /* data valid: len bytes */
	NIC_BLOCK_ERROR,   /* the read failed: err */
};

struct nic_block {
	uint64_t key;      /* file identity (nic_store_file_key) */
	uint32_t index;    /* block number within the file */
	uint32_t len;      /* valid bytes (short at end of file) */
	uint32_t pins;
	int err;           /* negative errno when NIC_BLOCK_ERROR */
	enum nic_block_state state;
	uint8_t *data;
	/* internal */
	uint32_t hnext;      /* hash chain (block id + 1, 0 = end) */
	uint32_t lru_prev, lru_next; /* LRU list of unpinned blocks (block id + 1) */
	bool in_lru;
};

struct nic_store_stats {
	uint64_t hits, misses, evictions, exhausted;
	uint64_t blocks, blocks_pinned, blocks_ready;
	uint64_t block_size, bytes;
};

struct nic_store;

/* bytes of cache in blocks of block_size (a power of two, >= 4096). NULL on ENOMEM/EINVAL. */
struct nic_store *nic_store_new(uint64_t bytes, uint32_t block_size);
void nic_store_free(struct nic_store *st);
uint32_t nic_store_block_size(const struct nic_store *st);

/* A file's identity for caching: a changed file (new mtime or size) gets a new key, so stale
 * blocks are never served; they age out. */
uint64_t nic_store_file_key(uint64_t dev, uint64_t ino, int64_t mtime_ns, uint64_t size);

/* The block (key, index), pinned. If it was not cached a block is taken from the LRU tail and
 * returned in state NIC_BLOCK_READING with *fresh = true: the caller must read it and call
 * nic_store_read_done. NULL when every block is pinned (store exhausted; counted). */
struct nic_block *nic_store_get(struct nic_store *st, uint64_t key, uint32_t index, bool *fresh);
/* Another pin on a block the caller already holds. */
void nic_store_pin(struct nic_store *st, struct nic_block *b);
/* Drop a pin; an unpinned block joins the LRU (failed blocks are freed at once). */
void nic_store_unpin(struct nic_store *st, struct nic_block *b);
/* Read completion: res = bytes read (may be short at EOF) or negative errno. */
void nic_store_read_done(struct nic_store *st, struct nic_block *b, int res);

void nic_store_get_stats(const struct nic_store *st, struct nic_store_stats *out);

#endif
