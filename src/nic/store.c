/* SPDX-License-Identifier: BSD-2-Clause */
/* NIC block store: a fixed arena of blocks, a chained hash on (file key, block index), and an
 * LRU list of unpinned blocks. Ids in links are block index + 1 so that 0 means "none". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nic/store.h"
#include "util/siphash.h"

struct nic_store {
	uint32_t block_size, nblocks, nbuckets;
	uint8_t *arena;
	struct nic_block *blocks;
	uint32_t *buckets;
	uint32_t lru_head, lru_tail; /* head = most recently used */
	uint64_t hits, misses, evictions, exhausted, stale_reads;
	uint64_t pinned, ready, reading;
	uint32_t next_ticket;
};

static uint32_t bucket_of(const struct nic_store *st, uint64_t key, uint32_t index)
{
	uint64_t h = (key ^ ((uint64_t)index * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32) & (st->nbuckets - 1);
}

static struct nic_block *blk(struct nic_store *st, uint32_t id)
{
	return &st->blocks[id - 1];
}

static uint32_t id_of(const struct nic_store *st, const struct nic_block *b)
{
	return (uint32_t)(b - st->blocks) + 1;
}

static void lru_remove(struct nic_store *st, struct nic_block *b)
{
	if (!b->in_lru)
		return;
	if (b->lru_prev)
		blk(st, b->lru_prev)->lru_next = b->lru_next;
	else
		st->lru_head = b->lru_next;
	if (b->lru_next)
		blk(st, b->lru_next)->lru_prev = b->lru_prev;
	else
		st->lru_tail = b->lru_prev;
	b->lru_prev = b->lru_next = 0;
	b->in_lru = false;
}

static void lru_push_head(struct nic_store *st, struct nic_block *b)
{
	uint32_t id = id_of(st, b);
	b->lru_prev = 0;
	b->lru_next = st->lru_head;
	if (st->lru_head)
		blk(st, st->lru_head)->lru_prev = id;
	else
		st->lru_tail = id;
	st->lru_head = id;
	b->in_lru = true;
}

/* Free blocks go to the tail so they are reused before cached ones. */
static void lru_push_tail(struct nic_store *st, struct nic_block *b)
{
	uint32_t id = id_of(st, b);
	b->lru_next = 0;
	b->lru_prev = st->lru_tail;
	if (st->lru_tail)
		blk(st, st->lru_tail)->lru_next = id;
	else
		st->lru_head = id;
	st->lru_tail = id;
	b->in_lru = true;
}

static void hash_remove(struct nic_store *st, struct nic_block *b)
{
	uint32_t *link = &st->buckets[bucket_of(st, b->key, b->index)];
	uint32_t id = id_of(st, b);
	while (*link) {
		if (*link == id) {
			*link = b->hnext;
			b->hnext = 0;
			return;
		}
		link = &blk(st, *link)->hnext;
	}
}

static void block_forget(struct nic_store *st, struct nic_block *b)
{
	if (b->state == NIC_BLOCK_FREE)
		return;
	if (b->state == NIC_BLOCK_READY)
		st->ready--;
	hash_remove(st, b);
	b->state = NIC_BLOCK_FREE;
	b->len = 0;
	b->err = 0;
}

struct nic_store *nic_store_new(uint64_t bytes, uint32_t block_size)
{
	if (block_size < 4096 || (block_size & (block_size - 1)) || bytes < block_size ||
	    bytes / block_size > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	struct nic_store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->block_size = block_size;
	st->nblocks = (uint32_t)(bytes / block_size);
	st->nbuckets = 1;
	while (st->nbuckets < st->nblocks * 2)
		st->nbuckets <<= 1;
	st->blocks = calloc(st->nblocks, sizeof(*st->blocks));
	st->buckets = calloc(st->nbuckets, sizeof(*st->buckets));
	/* Page-aligned so blocks can be used for O_DIRECT reads and as external mbuf buffers. */
	if (!st->blocks || !st->buckets ||
	    posix_memalign((void **)&st->arena, 4096, (size_t)st->nblocks * block_size) != 0) {
		st->arena = NULL;
		nic_store_free(st);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < st->nblocks; i++) {
		st->blocks[i].data = st->arena + (size_t)i * block_size;
		lru_push_tail(st, &st->blocks[i]);
	}
	return st;
}

void nic_store_free(struct nic_store *st)
{
	if (!st)
		return;
	free(st->arena);
	free(st->blocks);
	free(st->buckets);
	free(st);
}

uint32_t nic_store_block_size(const struct nic_store *st)
{
	return st->block_size;
}

uint32_t nic_store_blocks(const struct nic_store *st)
{
	return st->nblocks;
}

uint64_t nic_store_file_key(const struct nic_file_id *id)
{
	static const uint8_t k[16] = "iotcp-nic-store";
	uint64_t v[6] = {id->dev,
			 id->ino,
			 id->size,
			 (uint64_t)id->mtime_ns,
			 (uint64_t)id->ctime_ns,
			 (uint64_t)id->btime_ns};
	return siphash24(k, v, sizeof(v));
}

static void pin(struct nic_store *st, struct nic_block *b)
{
	if (b->pins++ == 0) {
		lru_remove(st, b);
		st->pinned++;
	}
}

static int64_t ns_of(const struct statx_timestamp *t)
{
	return t->tv_sec * 1000000000 + t->tv_nsec;
}

int nic_store_file_key_fd(int fd, uint64_t *key, struct statx *out)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
		return -errno;
	struct nic_file_id id = {
	    .dev = (uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor,
	    .ino = stx.stx_ino,
	    .size = stx.stx_size,
	    .mtime_ns = ns_of(&stx.stx_mtime),
	    .ctime_ns = ns_of(&stx.stx_ctime),
	    .btime_ns = stx.stx_mask & STATX_BTIME ? ns_of(&stx.stx_btime) : 0,
	};
	*key = nic_store_file_key(&id);
	if (out)
		*out = stx;
	return 0;
}

struct nic_block *nic_store_get(struct nic_store *st, uint64_t key, uint32_t index, bool *fresh)
{
	uint32_t bucket = bucket_of(st, key, index);
	for (uint32_t id = st->buckets[bucket]; id; id = blk(st, id)->hnext) {
		struct nic_block *b = blk(st, id);
		if (b->key == key && b->index == index) {
			st->hits++;
			pin(st, b);
			*fresh = false;
			return b;
		}
	}
	if (!st->lru_tail) {
		st->exhausted++;
		return NULL;
	}
	struct nic_block *b = blk(st, st->lru_tail);
	if (b->state != NIC_BLOCK_FREE)
		st->evictions++;
	block_forget(st, b);
	st->misses++;
	b->key = key;
	b->index = index;
	b->state = NIC_BLOCK_READING;
	b->ticket = ++st->next_ticket;
	st->reading++;
	b->hnext = st->buckets[bucket];
	st->buckets[bucket] = id_of(st, b);
	pin(st, b);
	*fresh = true;
	return b;
}

void nic_store_pin(struct nic_store *st, struct nic_block *b)
{
	pin(st, b);
}

void nic_store_unpin(struct nic_store *st, struct nic_block *b)
{
	if (b->pins == 0)
		return;
	if (--b->pins)
		return;
	st->pinned--;
	if (b->state == NIC_BLOCK_READY) {
		lru_push_head(st, b);
	} else if (b->state != NIC_BLOCK_READING) {
		/* failed reads are not worth keeping */
		block_forget(st, b);
		lru_push_tail(st, b);
	}
	/* READING: the kernel may still write data; nic_store_read_done decides */
}

uint32_t nic_store_block_id(const struct nic_store *st, const struct nic_block *b)
{
	return id_of(st, b);
}

uint32_t nic_store_read_ticket(const struct nic_block *b)
{
	return b->ticket;
}

struct nic_block *nic_store_block(struct nic_store *st, uint32_t id)
{
	return id >= 1 && id <= st->nblocks ? blk(st, id) : NULL;
}

struct nic_block *nic_store_read_done(struct nic_store *st, uint32_t id, uint32_t ticket, int res)
{
	struct nic_block *b = nic_store_block(st, id);

	if (!b || b->state != NIC_BLOCK_READING || b->ticket != ticket) {
		st->stale_reads++;
		return NULL;
	}
	st->reading--;
	if (res < 0 || (uint32_t)res > st->block_size) {
		b->state = NIC_BLOCK_ERROR;
		b->err = res < 0 ? res : -EIO;
		b->len = 0;
		/* keep it out of lookups so the next request retries the read */
		hash_remove(st, b);
		if (!b->pins) {
			block_forget(st, b);
			lru_push_tail(st, b);
		}
		return b;
	}
	b->state = NIC_BLOCK_READY;
	b->len = (uint32_t)res;
	st->ready++;
	if (!b->pins)
		lru_push_head(st, b); /* abandoned while reading: cached all the same */
	return b;
}

static bool in_hash(const struct nic_store *st, const struct nic_block *b)
{
	uint32_t id = id_of(st, b);
	for (uint32_t i = st->buckets[bucket_of(st, b->key, b->index)]; i;
	     i = st->blocks[i - 1].hnext)
		if (i == id)
			return true;
	return false;
}

const char *nic_store_check(const struct nic_store *st, const uint32_t *expected_pins)
{
	uint64_t pinned = 0, ready = 0, reading = 0, lru = 0;

	for (uint32_t i = 0; i < st->nblocks; i++) {
		const struct nic_block *b = &st->blocks[i];
		if (expected_pins && b->pins != expected_pins[i])
			return "a block's pins differ from the references held on it";
		if (b->data != st->arena + (size_t)i * st->block_size)
			return "a block's buffer moved";
		pinned += b->pins > 0;
		ready += b->state == NIC_BLOCK_READY;
		reading += b->state == NIC_BLOCK_READING;
		lru += b->in_lru;
		if (b->in_lru != (b->pins == 0 && b->state != NIC_BLOCK_READING))
			return "LRU membership: only unpinned blocks without a read in flight";
		bool hashed = in_hash(st, b);
		if (hashed != (b->state == NIC_BLOCK_READING || b->state == NIC_BLOCK_READY))
			return "hash membership: exactly the READING and READY blocks";
		if (b->state == NIC_BLOCK_READY && b->len > st->block_size)
			return "a READY block longer than a block";
		if (b->state == NIC_BLOCK_ERROR && !b->pins)
			return "an unpinned failed block was kept";
	}
	if (pinned != st->pinned || ready != st->ready || reading != st->reading)
		return "store counters differ from the blocks";
	uint64_t n = 0;
	uint32_t prev = 0;
	for (uint32_t id = st->lru_head; id; id = st->blocks[id - 1].lru_next) {
		if (st->blocks[id - 1].lru_prev != prev || ++n > st->nblocks)
			return "LRU list links broken";
		prev = id;
	}
	if (prev != st->lru_tail || n != lru)
		return "LRU list length or tail wrong";
	return NULL;
}

void nic_store_get_stats(const struct nic_store *st, struct nic_store_stats *out)
{
	out->hits = st->hits;
	out->misses = st->misses;
	out->evictions = st->evictions;
	out->exhausted = st->exhausted;
	out->stale_reads = st->stale_reads;
	out->blocks_reading = st->reading;
	out->blocks = st->nblocks;
	out->blocks_pinned = st->pinned;
	out->blocks_ready = st->ready;
	out->block_size = st->block_size;
	out->bytes = (uint64_t)st->nblocks * st->block_size;
}
