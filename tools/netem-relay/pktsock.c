/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_PACKET socket helpers (packet(7)). */
#define _GNU_SOURCE
#include "pktsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

int pktsock_open(const char *ifname, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned int ifindex;
	int fd, one = 1, bufsz = 16 << 20;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(err, errlen, "interface %s: %s", ifname, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		snprintf(err, errlen, "socket(AF_PACKET): %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		snprintf(err, errlen, "%s: PACKET_VNET_HDR: %s", ifname, strerror(errno));
		goto fail;
	}
	/* Best effort: without it, pktsock_recv drops PACKET_OUTGOING frames itself. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* Room for bursts of 64 KiB GSO frames; past net.core.rmem_max when we may (root). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		snprintf(err, errlen, "%s: bind: %s", ifname, strerror(errno));
		goto fail;
	}
	/* Promiscuous through a membership: the kernel drops it when the socket closes. */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		snprintf(err, errlen, "%s: promiscuous mode: %s", ifname, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

ssize_t pktsock_recv(int fd, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap, int *truncated)
{
	struct sockaddr_ll from;
	struct iovec iov[2] = {{vh, sizeof(*vh)}, {buf, cap}};
	struct msghdr msg = {
	    .msg_name = &from,
	    .msg_namelen = sizeof(from),
	    .msg_iov = iov,
	    .msg_iovlen = 2,
	};
	ssize_t n;

	*truncated = 0;
	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	if ((size_t)n < sizeof(*vh) || (msg.msg_flags & MSG_TRUNC) ||
	    (size_t)n - sizeof(*vh) > cap) {
		*truncated = 1;
		return 0;
	}
	return n - (ssize_t)sizeof(*vh);
}

int pktsock_send(int fd, const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	struct iovec iov[2] = {{(void *)vh, sizeof(*vh)}, {(void *)frame, len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	return sendmsg(fd, &msg, MSG_DONTWAIT) < 0 ? -1 : 0;
}
