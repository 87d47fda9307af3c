/* SPDX-License-Identifier: BSD-2-Clause */
/* In-memory frame link pair: see link_mem.h. */
#define _GNU_SOURCE /* memmem */
#include "host/link_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mem_buf {
	struct mem_buf *next; /* free list */
	uint32_t len;
	uint8_t data[LINK_MEM_FRAME_MAX];
};

struct mem_end {
	struct host_link link; /* first: a host_link * is a mem_end * */
	struct mem_end *peer;
	struct mem_buf **ring; /* receive queue */
	unsigned depth, head, count;
	struct mem_buf *free_bufs;
};

static struct mem_end *to_end(struct host_link *l)
{
	return (struct mem_end *)l;
}

static struct mem_buf *buf_get(struct mem_end *e)
{
	struct mem_buf *b = e->free_bufs;

	if (b) {
		e->free_bufs = b->next;
		return b;
	}
	return malloc(sizeof(*b));
}

static void buf_put(struct mem_end *e, struct mem_buf *b)
{
	b->next = e->free_bufs;
	e->free_bufs = b;
}

static bool ring_push(struct mem_end *e, struct mem_buf *b)
{
	if (e->count == e->depth)
		return false;
	e->ring[(e->head + e->count) % e->depth] = b;
	e->count++;
	return true;
}

static struct mem_buf *ring_pop(struct mem_end *e)
{
	if (!e->count)
		return NULL;
	struct mem_buf *b = e->ring[e->head];
	e->head = (e->head + 1) % e->depth;
	e->count--;
	return b;
}

static unsigned mem_rx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	struct mem_end *e = to_end(l);
	unsigned i;

	for (i = 0; i < n; i++) {
		struct mem_buf *b = ring_pop(e);
		if (!b)
			break;
		f[i].data = b->data;
		f[i].len = b->len;
		f[i].cap = LINK_MEM_FRAME_MAX;
		f[i].priv = b;
		l->stats.rx_frames++;
		l->stats.rx_bytes += b->len;
	}
	return i;
}

static void mem_rx_free(struct host_link *l, struct host_frame *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf_put(to_end(l), f[i].priv);
}

static int mem_tx_alloc(struct host_link *l, struct host_frame *f)
{
	struct mem_buf *b = buf_get(to_end(l));

	if (!b) {
		l->stats.tx_nobuf++;
		return -ENOBUFS;
	}
	f->data = b->data;
	f->len = 0;
	f->cap = l->max_frame;
	f->priv = b;
	f->wipe = false;
	f->ext_len = 0;
	return 0;
}

static void mem_tx_free(struct host_link *l, struct host_frame *f)
{
	struct mem_buf *b = f->priv;

	if (f->wipe) {
		explicit_bzero(b->data, sizeof(b->data));
		l->stats.tx_wiped++;
	}
	buf_put(to_end(l), b);
}

/* Every frame goes to the peer as a copy in a buffer of the peer's, as memif copies into its
 * ring: the sender's buffer goes back to its own pool at once -- zeroed first when it is
 * marked `wipe` (link.h), so the sender keeps no copy of a secret. */
static unsigned mem_tx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	struct mem_end *e = to_end(l);
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++) {
		struct mem_buf *b = f[i].priv;
		struct mem_buf *c = NULL;
		uint32_t len = f[i].len;

		if (e->peer && len <= l->max_frame && e->peer->count < e->peer->depth)
			c = buf_get(e->peer);
		if (c) {
			memcpy(c->data, b->data, len);
			c->len = len;
			ring_push(e->peer, c);
			sent++;
			l->stats.tx_frames++;
			l->stats.tx_bytes += len;
		} else {
			l->stats.tx_refused++;
		}
		if (f[i].wipe) {
			explicit_bzero(b->data, len <= l->max_frame ? len : sizeof(b->data));
			l->stats.tx_wiped++;
		}
		buf_put(e, b);
	}
	return sent;
}

static void mem_idle_wait(struct host_link *l, uint32_t max_us, bool wakeable)
{
	(void)wakeable; /* no doorbell: the in-memory peer runs in this thread */
	if (to_end(l)->count || !max_us)
		return;
	struct timespec ts = {.tv_sec = max_us / 1000000u,
			      .tv_nsec = (long)(max_us % 1000000u) * 1000L};
	nanosleep(&ts, NULL);
}

static bool mem_is_up(struct host_link *l)
{
	return to_end(l)->peer != NULL;
}

static void mem_close(struct host_link *l)
{
	struct mem_end *e = to_end(l);
	struct mem_buf *b;

	if (e->peer)
		e->peer->peer = NULL;
	while ((b = ring_pop(e)) != NULL)
		free(b);
	while ((b = e->free_bufs) != NULL) {
		e->free_bufs = b->next;
		free(b);
	}
	free(e->ring);
	free(e);
}

static const struct host_link_ops mem_ops = {
    .rx_burst = mem_rx_burst,
    .rx_free = mem_rx_free,
    .tx_alloc = mem_tx_alloc,
    .tx_free = mem_tx_free,
    .tx_burst = mem_tx_burst,
    .idle_wait = mem_idle_wait,
    .is_up = mem_is_up,
    .close = mem_close,
};

static struct mem_end *end_new(const struct mac_addr *mac, unsigned depth)
{
	struct mem_end *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ring = calloc(depth, sizeof(*e->ring));
	if (!e->ring) {
		free(e);
		return NULL;
	}
	e->depth = depth;
	e->link.ops = &mem_ops;
	e->link.mac = *mac;
	e->link.max_frame = LINK_MEM_FRAME_MAX;
	e->link.kind = "mem";
	return e;
}

int link_mem_pair(const struct mac_addr *mac_a, const struct mac_addr *mac_b, unsigned depth,
		  struct host_link **a, struct host_link **b)
{
	struct mem_end *ea, *eb;

	if (!depth)
		depth = LINK_MEM_QUEUE;
	ea = end_new(mac_a, depth);
	eb = end_new(mac_b, depth);
	if (!ea || !eb) {
		if (ea)
			mem_close(&ea->link);
		if (eb)
			mem_close(&eb->link);
		return -ENOMEM;
	}
	ea->peer = eb;
	eb->peer = ea;
	*a = &ea->link;
	*b = &eb->link;
	return 0;
}

unsigned link_mem_pending(const struct host_link *l)
{
	return ((const struct mem_end *)l)->count;
}

int link_mem_inject(struct host_link *l, const void *frame, size_t len)
{
	struct mem_end *e = to_end(l);
	struct mem_buf *b;

	if (len > LINK_MEM_FRAME_MAX)
		return -EMSGSIZE;
	if (e->count == e->depth)
		return -ENOBUFS;
	b = buf_get(e);
	if (!b)
		return -ENOBUFS;
	memcpy(b->data, frame, len);
	b->len = (uint32_t)len;
	ring_push(e, b);
	return 0;
}

long link_mem_take(struct host_link *l, void *buf, size_t cap)
{
	struct mem_end *e = to_end(l);
	struct mem_buf *b = ring_pop(e);
	long ret;

	if (!b)
		return 0;
	if (b->len > cap) {
		ret = -EMSGSIZE;
	} else {
		memcpy(buf, b->data, b->len);
		ret = b->len;
	}
	buf_put(e, b);
	return ret;
}

unsigned link_mem_find(const struct host_link *l, const void *needle, size_t len)
{
	const struct mem_end *e = (const struct mem_end *)l;
	unsigned n = 0;

	for (const struct mem_buf *b = e->free_bufs; b; b = b->next)
		n += memmem(b->data, sizeof(b->data), needle, len) != NULL;
	for (unsigned i = 0; i < e->count; i++)
		n += memmem(e->ring[(e->head + i) % e->depth]->data, LINK_MEM_FRAME_MAX, needle,
			    len) != NULL;
	return n;
}
