/* SPDX-License-Identifier: BSD-2-Clause */
/* The receive buffer: in-order bytes the application has not read yet, and out-of-order
 * segments held for reassembly (RFC 9293 section 3.10.7.4) in the same ring at their stream
 * offsets. It also produces the SACK blocks we report (RFC 2018 section 4). */
#ifndef IOTCP_TCP_RCVBUF_H
#define IOTCP_TCP_RCVBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/tcp_hdr.h"

struct tcp_rcvbuf;

/* Largest capacity accepted (RFC 7323 windows never exceed 2^30). */
#define TCP_RCVBUF_MAX_CAPACITY (1u << 30)
/* Most disjoint out-of-order ranges held: TCP_RCVBUF_MAX_OOO unless tcp_rcvbuf_set_ooo_limit
 * raised it. A segment that would add one more is dropped (RFC 9293 section 3.10.7.4 allows
 * discarding out-of-order data) and counted (tcp_rcvbuf_ooo_dropped). */
#define TCP_RCVBUF_MAX_OOO 32
#define TCP_RCVBUF_OOO_LIMIT_MAX (1u << 20)

/* Out-of-order memory shared by many buffers (a TCP stack's connections): used never exceeds
 * max. */
struct tcp_rcvbuf_pool {
	uint64_t used, max;
};

/* NULL on ENOMEM or when capacity exceeds TCP_RCVBUF_MAX_CAPACITY. The ring (in-order bytes) is
 * allocated on the first in-order segment and grows by doubling up to the capacity; out-of-order
 * bytes are held in pages allocated where they land, at most the pages that cover the capacity
 * unless tcp_rcvbuf_set_ooo_mem says otherwise. */
struct tcp_rcvbuf *tcp_rcvbuf_new(uint32_t capacity);
void tcp_rcvbuf_free(struct tcp_rcvbuf *rb);

/* Let up to limit out-of-order ranges be held (clamped to [TCP_RCVBUF_MAX_OOO,
 * TCP_RCVBUF_OOO_LIMIT_MAX]); beyond TCP_RCVBUF_MAX_OOO their list is allocated as needed. A
 * window that loses many segments at once has as many holes: TCP sets about one per two
 * segments of the window (Linux bounds its out-of-order queue by memory alone). Ranges already
 * held above a lowered limit stay. */
void tcp_rcvbuf_set_ooo_limit(struct tcp_rcvbuf *rb, uint32_t limit);

/* Bound the memory of out-of-order pages to max_bytes for this buffer (0: the pages that cover
 * the capacity) and, when pool is not
 * NULL, to what the pool has left (the buffer adds to and returns to pool->used). A segment
 * that would pass either is dropped and counted in tcp_rcvbuf_ooo_dropped. */
void tcp_rcvbuf_set_ooo_mem(struct tcp_rcvbuf *rb, uint32_t max_bytes, struct tcp_rcvbuf_pool *pool);
/* Bytes of out-of-order pages held. */
uint32_t tcp_rcvbuf_ooo_mem(const struct tcp_rcvbuf *rb);

/* Start the stream at rcv_nxt (IRS + 1). Discards any content. */
void tcp_rcvbuf_reset(struct tcp_rcvbuf *rb, uint32_t rcv_nxt);

/* Change the capacity (SO_RCVBUF); -1 on ENOMEM or when shrinking below what is held. */
int tcp_rcvbuf_resize(struct tcp_rcvbuf *rb, uint32_t capacity);

/* Store segment data [seq, seq+len). Bytes before rcv_nxt or beyond rcv_nxt + window are
 * trimmed (window = capacity - readable). Duplicates are harmless: out-of-order bytes written
 * again are overwritten (last copy wins), in-order bytes are never changed. Returns how many
 * bytes became in order (rcv_nxt advanced by that much); NULL data counts as nothing. An
 * out-of-order segment past a limit is dropped whole (counted). */
uint32_t tcp_rcvbuf_insert(struct tcp_rcvbuf *rb, uint32_t seq, const uint8_t *data, uint32_t len);

/* Next expected sequence number. */
uint32_t tcp_rcvbuf_nxt(const struct tcp_rcvbuf *rb);
/* In-order bytes waiting for the application. */
uint32_t tcp_rcvbuf_readable(const struct tcp_rcvbuf *rb);
/* Receive window we can offer from rcv_nxt: capacity - readable. */
uint32_t tcp_rcvbuf_window(const struct tcp_rcvbuf *rb);
/* Whether out-of-order data is held. */
bool tcp_rcvbuf_has_ooo(const struct tcp_rcvbuf *rb);
/* Highest sequence number held out of order + 1 (rcv_nxt when none). */
uint32_t tcp_rcvbuf_ooo_end(const struct tcp_rcvbuf *rb);

/* The first part of [seq, seq+len) already held out of order, as a block (a duplicate to report
 * in a D-SACK, RFC 2883 section 4). False when none of it is held. */
bool tcp_rcvbuf_ooo_dup(const struct tcp_rcvbuf *rb, uint32_t seq, uint32_t len,
			struct tcp_sack_block *dup);

/* Read up to len in-order bytes (consumes them). Returns bytes copied. */
size_t tcp_rcvbuf_read(struct tcp_rcvbuf *rb, void *dst, size_t len);
/* Peek without consuming: pointers to up to two pieces of the readable bytes (unused pieces
 * NULL/0; valid until the next insert, consume, read, resize or release). Returns readable. */
uint32_t tcp_rcvbuf_peek(const struct tcp_rcvbuf *rb, const uint8_t *p[2], uint32_t plen[2]);
/* Consume len readable bytes after a peek (clamped to what is readable). */
void tcp_rcvbuf_consume(struct tcp_rcvbuf *rb, uint32_t len);

/* SACK blocks for the out-of-order data, at most max: the block holding the most recently
 * inserted segment first, then the others most recent first (RFC 2018 section 4). Returns the
 * count. */
int tcp_rcvbuf_sack_blocks(const struct tcp_rcvbuf *rb, struct tcp_sack_block *out, int max);

/* Disjoint out-of-order ranges held (at most the limit above). */
uint32_t tcp_rcvbuf_ooo_ranges(const struct tcp_rcvbuf *rb);
/* Segments dropped because they would have exceeded the range limit or a memory bound. */
uint64_t tcp_rcvbuf_ooo_dropped(const struct tcp_rcvbuf *rb);
/* Segments dropped because memory could not be allocated (ENOMEM). */
uint64_t tcp_rcvbuf_nomem_dropped(const struct tcp_rcvbuf *rb);

/* Bytes of memory the buffer holds (struct, ring, out-of-order pages, heap arrays). */
size_t tcp_rcvbuf_mem(const struct tcp_rcvbuf *rb);
/* When nothing is held, free the ring (an idle connection then costs only the struct); no-op
 * otherwise. It is allocated again on the next segment. */
void tcp_rcvbuf_release(struct tcp_rcvbuf *rb);

/* Internal consistency (ranges sorted, disjoint and inside the window, pages sorted and
 * aligned, counts within bounds): for invariant checks. */
bool tcp_rcvbuf_check(const struct tcp_rcvbuf *rb);

#endif
