/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_PACKET sockets for the relay: one per interface, used both to receive every frame that
 * arrives on it (promiscuous, own transmissions ignored) and to transmit on it. Frames carry a
 * virtio_net_hdr (PACKET_VNET_HDR), so offloaded checksums and GSO survive the trip. Plain
 * recvfrom/sendto: no TPACKET_V3 ring, which would add about a millisecond per hop. */
#ifndef IOTCP_NETEM_RELAY_PKTSOCK_H
#define IOTCP_NETEM_RELAY_PKTSOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/virtio_net.h>

/* Opens a non-blocking packet socket bound to interface `ifname`. Returns the fd, or -1 with a
 * message in err (errbuf of errlen bytes). */
int pktsock_open(const char *ifname, char *err, size_t errlen);

/* Receives one frame: its virtio header into *vh and the frame into buf. Returns the frame
 * length, 0 when the frame is to be skipped (our own transmission, truncated: *truncated set),
 * or -1 with errno (EAGAIN when nothing is waiting). */
ssize_t pktsock_recv(int fd, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap, int *truncated);

/* Transmits one frame with its virtio header. Returns 0 or -1 with errno (ENOBUFS when the
 * interface queue is full). */
int pktsock_send(int fd, const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len);

#endif
