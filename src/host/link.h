/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's frame link: how Ethernet frames enter and leave the host stack. Two
 * implementations: the DPDK memif port to the NIC daemon (link_dpdk.h) and an in-memory pair
 * for tests and the offload simulator (link_mem.h). The stack never sees rte_mbufs.
 *
 * Buffer ownership: rx_burst hands out frames that stay valid until rx_free; tx_alloc hands
 * out an empty buffer of `cap` bytes; tx_burst takes every frame it is given (sent or freed)
 * and returns how many were sent; tx_free returns an unsent buffer.
 *
 * A frame marked `wipe` carries secrets (a TLS_KEY command): once the link no longer needs its
 * buffer (copied to the peer, or refused, or given back with tx_free) the buffer is zeroed
 * before it goes back to the host's pool, so no copy stays in memory the host owns. */
#ifndef IOTCP_HOST_LINK_H
#define IOTCP_HOST_LINK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <sys/uio.h>

#include "wire/eth.h"

struct host_frame {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
	void *priv; /* the implementation's handle (an rte_mbuf, a queue buffer) */
	bool wipe;  /* zero the buffer once the link is done with it (tx; tx_alloc clears it) */
	uint32_t ext_len; /* tx: payload bytes attached by reference after len (tx_attach) */
};

/* Link counters kept by every implementation. */
/* The link's counters, each named once: the fields of struct host_link_stats and the stats
 * lines "link_<name>" (stats.c), in this order. */
/* clang-format off */
#define HOST_LINK_STATS(X)                                                                         \
	X(rx_frames) X(rx_bytes)                                                                   \
	X(tx_frames) X(tx_bytes)                                                                   \
	X(tx_refused) /* frames the link did not take (queue full, port busy) */                   \
	X(tx_nobuf)   /* tx_alloc failures */                                                      \
	X(rx_bad)     /* frames the link itself discarded (e.g. multi-segment) */                  \
	X(tx_wiped)   /* `wipe` frames zeroed after the send */                                    \
	X(tx_unwiped) /* `wipe` frames the driver still held after the send (not zeroed) */
/* clang-format on */
#define HOST_LINK_STATS_FIELD_(name) uint64_t name;

struct host_link_stats {
	HOST_LINK_STATS(HOST_LINK_STATS_FIELD_)
};

struct host_link;

struct host_link_ops {
	unsigned (*rx_burst)(struct host_link *l, struct host_frame *f, unsigned n);
	void (*rx_free)(struct host_link *l, struct host_frame *f, unsigned n);
	/* 0, or -ENOBUFS when no buffer is free. */
	int (*tx_alloc)(struct host_link *l, struct host_frame *f);
	/* Optional (tso_frame > 0): a buffer for a TSO frame of up to tso_frame bytes. */
	int (*tx_alloc_tso)(struct host_link *l, struct host_frame *f);
	void (*tx_free)(struct host_link *l, struct host_frame *f);
	/* Optional (tx_by_ref): append the n pieces of iov to f by reference, after its len bytes
	 * (f->ext_len counts them); the link reads them when it sends the frame, so they must
	 * stay as they are until tx_burst returns. 0, or -ENOBUFS (f unchanged). */
	int (*tx_attach)(struct host_link *l, struct host_frame *f, const struct iovec *iov,
			 int n);
	unsigned (*tx_burst)(struct host_link *l, struct host_frame *f, unsigned n);
	/* Sleep up to max_us or until a frame may have arrived; wakeable: the peer may cut the
	 * sleep short when it sends (a doorbell, where the link has one). */
	void (*idle_wait)(struct host_link *l, uint32_t max_us, bool wakeable);
	/* Optional: false without a doorbell; else its counters (times armed, woken by the peer). */
	bool (*bell_stats)(struct host_link *l, uint64_t *arms, uint64_t *woken);
	/* True while the link itself is up (a memif connected to its peer). */
	bool (*is_up)(struct host_link *l);
	/* Release everything (the link struct included). */
	void (*close)(struct host_link *l);
};

struct host_link {
	const struct host_link_ops *ops;
	struct mac_addr mac; /* our port's address: the source of every frame we send */
	uint32_t max_frame;  /* largest frame the link carries (without FCS) */
	uint32_t tso_frame;  /* largest TSO frame tx_alloc_tso hands out (0: none) */
	bool tx_by_ref;	     /* tx_attach works: TSO payloads go by reference, not copied */
	const char *kind;    /* "memif", "mem" */
	struct host_link_stats stats;
};

static inline unsigned host_link_rx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	return l->ops->rx_burst(l, f, n);
}

static inline void host_link_rx_free(struct host_link *l, struct host_frame *f, unsigned n)
{
	l->ops->rx_free(l, f, n);
}

static inline int host_link_tx_alloc(struct host_link *l, struct host_frame *f)
{
	return l->ops->tx_alloc(l, f);
}

static inline int host_link_tx_alloc_tso(struct host_link *l, struct host_frame *f)
{
	return l->tso_frame ? l->ops->tx_alloc_tso(l, f) : -ENOBUFS;
}

static inline int host_link_tx_attach(struct host_link *l, struct host_frame *f,
				      const struct iovec *iov, int n)
{
	return l->tx_by_ref ? l->ops->tx_attach(l, f, iov, n) : -ENOBUFS;
}

static inline void host_link_tx_free(struct host_link *l, struct host_frame *f)
{
	l->ops->tx_free(l, f);
}

static inline unsigned host_link_tx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	return l->ops->tx_burst(l, f, n);
}

static inline void host_link_idle_wait(struct host_link *l, uint32_t max_us, bool wakeable)
{
	l->ops->idle_wait(l, max_us, wakeable);
}

static inline bool host_link_bell_stats(struct host_link *l, uint64_t *arms, uint64_t *woken)
{
	*arms = *woken = 0;
	return l->ops->bell_stats ? l->ops->bell_stats(l, arms, woken) : false;
}

static inline bool host_link_is_up(struct host_link *l)
{
	return l->ops->is_up ? l->ops->is_up(l) : true;
}

static inline void host_link_close(struct host_link *l)
{
	if (l)
		l->ops->close(l);
}

#endif
