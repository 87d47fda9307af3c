/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel tap with the virtio-net header: see vtap.h. Header layout: struct virtio_net_hdr
 * (linux/virtio_net.h), the GSO and checksum contract of virtio 1.x section 5.1.6.2. */
#include "port/vtap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define VTAP_IOV_MAX 64 /* mbuf segments per frame, plus the header */

int vtap_open(const char *ifname)
{
	struct ifreq ifr;
	int fd, sock, rc;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	int hdr_len = (int)sizeof(struct virtio_net_hdr);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* Bring it up (it is usually moved to another namespace and configured there). */
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock >= 0) {
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(sock, SIOCSIFFLAGS, &ifr);
		}
		close(sock);
	}
	return fd;
}

uint16_t vtap_rx_burst(int fd, struct rte_mempool *pool, struct rte_mbuf **pkts, uint16_t n,
		       struct vtap_counters *c)
{
	struct virtio_net_hdr vh;
	uint16_t got = 0;

	while (got < n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (!m) {
			c->rx_nombuf++;
			break;
		}
		struct iovec iov[2] = {
		    {.iov_base = &vh, .iov_len = sizeof(vh)},
		    {.iov_base = rte_pktmbuf_mtod(m, void *), .iov_len = rte_pktmbuf_tailroom(m)},
		};
		ssize_t r = readv(fd, iov, 2);
		if (r <= (ssize_t)sizeof(vh)) {
			rte_pktmbuf_free(m);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				c->rx_errors++;
			if (r < 0)
				break;
			continue; /* an empty frame: nothing to deliver */
		}
		size_t len = (size_t)r - sizeof(vh);
		if (len > iov[1].iov_len) { /* larger than an mbuf (tap MTU raised): truncated */
			rte_pktmbuf_free(m);
			c->rx_errors++;
			continue;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = (uint32_t)len;
		pkts[got++] = m;
	}
	return got;
}

/* The virtio-net header for m: GSO for a TSO mbuf, a partial checksum for TCP_CKSUM. */
static void tx_header(const struct rte_mbuf *m, struct virtio_net_hdr *vh)
{
	memset(vh, 0, sizeof(*vh));
	if (!(m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM)))
		return;
	uint16_t l4off = (uint16_t)(m->l2_len + m->l3_len);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = l4off;
	vh->csum_offset = 16; /* TCP checksum field */
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		vh->gso_type = (m->ol_flags & RTE_MBUF_F_TX_IPV6) ? VIRTIO_NET_HDR_GSO_TCPV6
								  : VIRTIO_NET_HDR_GSO_TCPV4;
		vh->gso_size = (uint16_t)m->tso_segsz;
		vh->hdr_len = (uint16_t)(l4off + m->l4_len);
	}
}

uint16_t vtap_tx_burst(int fd, struct rte_mbuf **pkts, uint16_t n, struct vtap_counters *c)
{
	struct iovec iov[VTAP_IOV_MAX];
	struct virtio_net_hdr vh;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int k = 1;
		tx_header(m, &vh);
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		for (struct rte_mbuf *s = m; s && k < VTAP_IOV_MAX; s = s->next, k++) {
			iov[k].iov_base = rte_pktmbuf_mtod(s, void *);
			iov[k].iov_len = s->data_len;
		}
		ssize_t r = writev(fd, iov, k);
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR))
			break; /* the tap's queue is full: the caller retries later */
		if (r < 0)
			c->tx_errors++; /* e.g. the interface is down: dropped */
		else if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
			c->tx_gso++;
		rte_pktmbuf_free(m);
	}
	return i;
}
