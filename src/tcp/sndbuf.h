/* SPDX-License-Identifier: BSD-2-Clause */
/* The send buffer: the byte stream from snd_una up to what the application has written.
 * Each range of it is either inline (bytes held here, in a ring) or external: a range the
 * application reserved whose bytes the core never holds (IO-TCP offload: the NIC has them).
 * Both kinds count against one capacity (SO_SNDBUF). */
#ifndef IOTCP_TCP_SNDBUF_H
#define IOTCP_TCP_SNDBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_sndbuf;

/* Largest capacity accepted: sequence comparisons need the stream to stay within 2^31, and RFC
 * 7323 windows never exceed 2^30. */
#define TCP_SNDBUF_MAX_CAPACITY (1u << 30)

/* A maximal run of one kind starting at a given sequence number. */
struct tcp_sndbuf_chunk {
	uint32_t seq, len;
	bool ext;
	/* inline: the bytes, in up to two pieces (the ring may wrap) */
	const uint8_t *p[2];
	uint32_t plen[2];
	/* external: the tag given to tcp_sndbuf_append_ext and the offset of seq inside that
	 * reservation */
	uint64_t tag;
	uint64_t tag_off;
};

/* capacity: bytes of stream (inline + external) that may be outstanding at once.
 * max_ext: how many external reservations may be outstanding at once. NULL on ENOMEM or when
 * capacity exceeds TCP_SNDBUF_MAX_CAPACITY. No ring memory is allocated until bytes are
 * appended; it then grows by doubling up to the capacity. */
struct tcp_sndbuf *tcp_sndbuf_new(uint32_t capacity, uint32_t max_ext);
void tcp_sndbuf_free(struct tcp_sndbuf *sb);

/* Start the stream at seq (ISS + 1). Discards any content. */
void tcp_sndbuf_reset(struct tcp_sndbuf *sb, uint32_t seq);

/* Change the capacity (SO_SNDBUF); fails (returns -1) only on ENOMEM or when shrinking below what
 * is buffered (or above TCP_SNDBUF_MAX_CAPACITY). */
int tcp_sndbuf_resize(struct tcp_sndbuf *sb, uint32_t capacity);

/* Append inline bytes; returns how many were taken (0 when full). */
size_t tcp_sndbuf_append(struct tcp_sndbuf *sb, const void *data, size_t len);

/* Room for up to len more inline bytes, to be written in place (no copy through a buffer of
 * the caller's): up to two pieces at the ring's write end (it may wrap), p[i]/plen[i] (unused
 * pieces NULL/0), grown as needed. Returns their total (0 when full or on ENOMEM). The bytes
 * written there join the stream with tcp_sndbuf_commit; nothing else may change the buffer in
 * between. */
uint32_t tcp_sndbuf_space_at(struct tcp_sndbuf *sb, size_t len, uint8_t *p[2], uint32_t plen[2]);
/* Append the first n bytes written at tcp_sndbuf_space_at's pieces (n <= their total). */
void tcp_sndbuf_commit(struct tcp_sndbuf *sb, uint32_t n);

/* Reserve len external bytes (0 < len), tagged with tag. Returns how many bytes were reserved:
 * fewer than len when space is short, 0 when full or max_ext reservations are outstanding.
 * Consecutive reservations with the same tag and contiguous tag offsets may be merged: the caller
 * passes tag_off, the offset of this piece inside its tag's space (e.g. a file offset). */
uint32_t tcp_sndbuf_append_ext(struct tcp_sndbuf *sb, uint32_t len, uint64_t tag, uint64_t tag_off);

/* Free space in bytes. */
uint32_t tcp_sndbuf_space(const struct tcp_sndbuf *sb);
/* First sequence number held (snd_una as far as the buffer knows). */
uint32_t tcp_sndbuf_head(const struct tcp_sndbuf *sb);
/* Sequence number just past the last byte appended. */
uint32_t tcp_sndbuf_tail(const struct tcp_sndbuf *sb);
/* Bytes held (tail - head). */
uint32_t tcp_sndbuf_used(const struct tcp_sndbuf *sb);

/* Drop everything before seq (cumulative ACK). seq outside [head, tail] is ignored (returns
 * false). */
bool tcp_sndbuf_ack(struct tcp_sndbuf *sb, uint32_t seq);

/* Describe the stream from seq: the longest run of one kind, at most maxlen bytes. Returns false
 * when seq is outside [head, tail) or maxlen is 0. For inline chunks p/plen point into the ring
 * (valid until the next append, ack, resize or release; unused pieces are NULL/0) and tag/tag_off
 * are 0; for external chunks p is NULL. O(1) at the first and last run, O(log runs) otherwise. */
bool tcp_sndbuf_peek(const struct tcp_sndbuf *sb, uint32_t seq, uint32_t maxlen,
		     struct tcp_sndbuf_chunk *c);

/* Copy inline bytes [seq, seq+len) to dst; false if any of them is external or not held. */
bool tcp_sndbuf_copy(const struct tcp_sndbuf *sb, uint32_t seq, uint32_t len, void *dst);

/* External reservations held (merged reservations count once). */
uint32_t tcp_sndbuf_ext_count(const struct tcp_sndbuf *sb);

/* Bytes of memory the buffer holds (struct, ring and run list). */
size_t tcp_sndbuf_mem(const struct tcp_sndbuf *sb);

/* When the buffer is empty, free its ring and run list (an idle connection then costs only the
 * struct); no-op otherwise. Memory is allocated again on the next append. */
void tcp_sndbuf_release(struct tcp_sndbuf *sb);

#endif
