/* SPDX-License-Identifier: BSD-2-Clause */
/* DPDK host link: see link_dpdk.h. Frames are rte_mbufs underneath; multi-segment frames are
 * discarded on receive (the host link carries frames of at most one mbuf). */
#define _GNU_SOURCE /* ppoll */
#include "host/link_dpdk.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "port/bell.h"
#include "port/port.h"
#include "port/port_mbuf.h"

#define LINK_DPDK_BURST	   64
#define LINK_DPDK_TSO_POOL 255 /* 64 KiB frames: 16 MiB */
#define LINK_DPDK_EXT_POOL 1023 /* mbufs without data room: payload pieces sent by reference */

struct dpdk_link {
	struct host_link link; /* first */
	struct port *port;
	struct port_bell *bell; /* the NIC daemon's doorbell, or NULL (timed sleeps) */
	struct rte_mbuf *tx[LINK_DPDK_BURST];
	struct rte_mempool *tso_pool; /* one-mbuf TSO frames (the memif copies them into as many
				       * descriptors as they need), or NULL */
	struct rte_mempool *ext_pool; /* mbufs pointing at payload pieces (tx_attach), or NULL */
	struct rte_mbuf_ext_shared_info ext_info; /* theirs: the bytes are the send ring's */
	/* Frames the bell's second look took off the ring: handed out by the next rx_burst. */
	struct rte_mbuf *stash[LINK_DPDK_BURST];
	unsigned nstash;
};

static struct dpdk_link *to_dl(struct host_link *l)
{
	return (struct dpdk_link *)l;
}

static unsigned dpdk_rx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	struct dpdk_link *d = to_dl(l);
	struct rte_mbuf *m[LINK_DPDK_BURST];
	unsigned got, out = 0;

	if (n > LINK_DPDK_BURST)
		n = LINK_DPDK_BURST;
	if (d->nstash) {
		got = d->nstash < n ? d->nstash : n;
		memcpy(m, d->stash, got * sizeof(m[0]));
		d->nstash -= got;
		memmove(d->stash, d->stash + got, d->nstash * sizeof(m[0]));
	} else {
		got = port_rx_burst(d->port, m, (uint16_t)n);
	}
	for (unsigned i = 0; i < got; i++) {
		if (m[i]->nb_segs != 1) {
			l->stats.rx_bad++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		f[out].data = rte_pktmbuf_mtod(m[i], uint8_t *);
		f[out].len = rte_pktmbuf_data_len(m[i]);
		f[out].cap = f[out].len;
		f[out].priv = m[i];
		l->stats.rx_frames++;
		l->stats.rx_bytes += f[out].len;
		out++;
	}
	return out;
}

static void dpdk_rx_free(struct host_link *l, struct host_frame *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(f[i].priv);
}

static int alloc_from(struct host_link *l, struct rte_mempool *pool, uint32_t max,
		      struct host_frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!m) {
		l->stats.tx_nobuf++;
		return -ENOBUFS;
	}
	f->data = rte_pktmbuf_mtod(m, uint8_t *);
	f->len = 0;
	f->cap = rte_pktmbuf_tailroom(m);
	if (f->cap > max)
		f->cap = max;
	f->priv = m;
	f->wipe = false;
	f->ext_len = 0;
	return 0;
}

static int dpdk_tx_alloc(struct host_link *l, struct host_frame *f)
{
	return alloc_from(l, port_mempool(to_dl(l)->port), l->max_frame, f);
}

static int dpdk_tx_alloc_tso(struct host_link *l, struct host_frame *f)
{
	return alloc_from(l, to_dl(l)->tso_pool, l->tso_frame, f);
}

/* The pieces belong to the send ring: freeing an mbuf that points at one frees nothing. */
static void ext_nothing_to_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

static int dpdk_tx_attach(struct host_link *l, struct host_frame *f, const struct iovec *iov,
			  int n)
{
	struct dpdk_link *d = to_dl(l);
	struct rte_mbuf *head = f->priv, *last = head;
	uint32_t added = 0;

	if (head->next) /* pieces only once per frame */
		return -ENOBUFS;
	for (int i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		struct rte_mbuf *m =
		    iov[i].iov_len <= UINT16_MAX ? rte_pktmbuf_alloc(d->ext_pool) : NULL;
		if (!m)
			goto fail;
		rte_mbuf_ext_refcnt_update(&d->ext_info, 1);
		rte_pktmbuf_attach_extbuf(m, iov[i].iov_base, (rte_iova_t)(uintptr_t)iov[i].iov_base,
					  (uint16_t)iov[i].iov_len, &d->ext_info);
		m->data_len = (uint16_t)iov[i].iov_len;
		m->pkt_len = m->data_len;
		last->next = m;
		last = m;
		head->nb_segs++;
		added += m->data_len;
	}
	f->ext_len = added;
	return 0;
fail:
	rte_pktmbuf_free(head->next); /* NULL is allowed */
	head->next = NULL;
	head->nb_segs = 1;
	l->stats.tx_nobuf++;
	return -ENOBUFS;
}

static void dpdk_tx_free(struct host_link *l, struct host_frame *f)
{
	struct rte_mbuf *m = f->priv;

	if (f->wipe) {
		explicit_bzero(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
		l->stats.tx_wiped++;
	}
	rte_pktmbuf_free(m);
}

/* After a burst: zero a `wipe` frame's mbuf, on which we kept a reference of our own, unless
 * the driver still holds it (a zero-copy transmit; memif copies into its ring and frees the
 * mbuf before tx_burst returns), then drop our reference. */
static void wipe_after_send(struct host_link *l, struct rte_mbuf *m, uint32_t len)
{
	if (rte_mbuf_refcnt_read(m) == 1) {
		explicit_bzero(rte_pktmbuf_mtod(m, void *), len);
		l->stats.tx_wiped++;
	} else {
		l->stats.tx_unwiped++;
	}
	rte_pktmbuf_free(m);
}

static unsigned dpdk_tx_burst(struct host_link *l, struct host_frame *f, unsigned n)
{
	struct dpdk_link *d = to_dl(l);
	unsigned sent_total = 0;

	while (n) {
		unsigned k = n > LINK_DPDK_BURST ? LINK_DPDK_BURST : n;
		uint64_t bytes = 0;
		for (unsigned i = 0; i < k; i++) {
			struct rte_mbuf *m = f[i].priv;
			m->data_len = (uint16_t)f[i].len;
			m->pkt_len = f[i].len + f[i].ext_len;
			d->tx[i] = m;
			bytes += m->pkt_len;
			if (f[i].wipe)
				rte_mbuf_refcnt_update(m, 1); /* ours: zeroed after the send */
		}
		unsigned sent = port_tx_burst(d->port, d->tx, (uint16_t)k);
		for (unsigned i = sent; i < k; i++) {
			bytes -= f[i].len + f[i].ext_len;
			rte_pktmbuf_free(d->tx[i]);
		}
		for (unsigned i = 0; i < k; i++)
			if (f[i].wipe)
				wipe_after_send(l, f[i].priv, f[i].len);
		l->stats.tx_frames += sent;
		l->stats.tx_bytes += bytes;
		l->stats.tx_refused += k - sent;
		sent_total += sent;
		f += k;
		n -= k;
	}
	return sent_total;
}

static void dpdk_idle_wait(struct host_link *l, uint32_t max_us, bool wakeable)
{
	/* memif has no rx interrupts in DPDK 22.11: a timed sleep, cut short by
	 * the NIC's doorbell when the caller wants to be woken. */
	struct dpdk_link *d = to_dl(l);
	struct timespec ts = {.tv_sec = max_us / 1000000u,
			      .tv_nsec = (long)(max_us % 1000000u) * 1000L};

	if (!max_us || d->nstash)
		return;
	if (!d->bell || !wakeable) {
		nanosleep(&ts, NULL);
		return;
	}
	port_bell_arm(d->bell);
	/* Frames that came before the arm would ring nobody: look once more (bell.h). */
	d->nstash = port_rx_burst(d->port, d->stash, LINK_DPDK_BURST);
	if (!d->nstash) {
		struct pollfd pfd = {.fd = port_bell_fd(d->bell), .events = POLLIN};
		ppoll(&pfd, 1, &ts, NULL);
	}
	port_bell_disarm(d->bell);
}

static bool dpdk_bell_stats(struct host_link *l, uint64_t *arms, uint64_t *woken)
{
	struct dpdk_link *d = to_dl(l);
	struct port_bell_stats st = {0};

	if (d->bell)
		port_bell_stats(d->bell, &st);
	*arms = st.arms;
	*woken = st.woken;
	return d->bell != NULL;
}

static bool dpdk_is_up(struct host_link *l)
{
	return port_link_up(to_dl(l)->port);
}

static void dpdk_close(struct host_link *l)
{
	struct dpdk_link *d = to_dl(l);

	for (unsigned i = 0; i < d->nstash; i++)
		rte_pktmbuf_free(d->stash[i]);
	port_close(d->port);
	rte_mempool_free(d->tso_pool); /* after the port: the memif may hold none of them now */
	rte_mempool_free(d->ext_pool);
	port_bell_close(d->bell);
	free(d);
}

static const struct host_link_ops dpdk_ops = {
    .rx_burst = dpdk_rx_burst,
    .rx_free = dpdk_rx_free,
    .tx_alloc = dpdk_tx_alloc,
    .tx_alloc_tso = dpdk_tx_alloc_tso,
    .tx_free = dpdk_tx_free,
    .tx_attach = dpdk_tx_attach,
    .tx_burst = dpdk_tx_burst,
    .idle_wait = dpdk_idle_wait,
    .bell_stats = dpdk_bell_stats,
    .is_up = dpdk_is_up,
    .close = dpdk_close,
};

struct host_link *link_dpdk_open_memif(const char *socket_path, char *err, size_t errlen)
{
	char devargs[512];
	struct port_config pc = {0};
	struct dpdk_link *d;
	uint8_t mac[PORT_MAC_LEN];

	/* bsize: a TSO frame fits one descriptor (DPDK 22.11's memif transmit leaves a stale
	 * "next" flag on the first descriptor of a frame when an earlier frame was chained
	 * there, so frames that span descriptors corrupt the ones after them). */
	int n = port_vdev_memif(devargs, sizeof(devargs), 0, false, socket_path);
	if (n < 0 || snprintf(devargs + n, sizeof(devargs) - (size_t)n, ",bsize=%u",
			      (unsigned)UINT16_MAX) >= (int)(sizeof(devargs) - (size_t)n)) {
		snprintf(err, errlen, "bad memif socket path '%s'", socket_path);
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pc.name = "net_memif0";
	pc.devargs = devargs;
	d->port = port_open(&pc, err, errlen);
	if (!d->port) {
		free(d);
		return NULL;
	}
	/* The NIC daemon's doorbell (it makes the files before it listens): optional. */
	d->bell = port_bell_open(socket_path, PORT_BELL_HOST, false, err, errlen);
	if (d->bell)
		port_set_bell(d->port, d->bell, true);
	err[0] = '\0';
	port_mac(d->port, mac);
	memcpy(d->link.mac.b, mac, ETH_ADDR_LEN);
	d->link.ops = &dpdk_ops;
	d->link.kind = "memif";
	d->link.max_frame = port_get_caps(d->port)->max_rx_pktlen;
	if (d->link.max_frame == 0 || d->link.max_frame > 9216)
		d->link.max_frame = 1518;
	/* TSO frames for a NIC that takes them (HELLO cap TSO): 64 KiB mbufs of their own;
	 * without the memory, MTU frames only. */
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "iotcp_htso%p", (void *)d);
	d->tso_pool =
	    rte_pktmbuf_pool_create(name, LINK_DPDK_TSO_POOL, 16, 0, UINT16_MAX, SOCKET_ID_ANY);
	if (d->tso_pool)
		d->link.tso_frame = UINT16_MAX - RTE_PKTMBUF_HEADROOM;
	/* TSO payloads by reference: the memif copies them from the send ring into its own
	 * buffers (it copies every frame, and does so before tx_burst returns), one copy fewer
	 * than building them in a TSO mbuf first. */
	snprintf(name, sizeof(name), "iotcp_hext%p", (void *)d);
	d->ext_pool = rte_pktmbuf_pool_create(name, LINK_DPDK_EXT_POOL, 32, 0, 0, SOCKET_ID_ANY);
	if (d->ext_pool) {
		d->ext_info.free_cb = ext_nothing_to_free;
		d->ext_info.fcb_opaque = NULL;
		rte_mbuf_ext_refcnt_set(&d->ext_info, 1);
		d->link.tx_by_ref = d->link.tso_frame > 0;
	}
	return &d->link;
}
