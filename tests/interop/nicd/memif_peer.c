/* SPDX-License-Identifier: BSD-2-Clause */
/* A stand-in for the host side of the host link, for the forwarding test: a DPDK process with a
 * net_memif client port. It does the HELLO exchange with iotcp-nicd (learning the NIC's MAC),
 * waits for a heartbeat, sends malformed and unknown commands (which must go nowhere), then sends
 * an ARP request for --target from --source and expects the wire-side kernel's ARP reply back
 * through the NIC. With --blast N it then sends N frames towards the wire and prints the rate;
 * --linger S keeps the link up S more seconds.
 * Exit: 0 pass, 1 fail, 77 when DPDK cannot start. */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>

#include "eal_harness.h"
#include "port/port_mbuf.h"
#include "proto/proto.h"

struct peer {
	struct port *port;
	uint8_t mac[6];
	uint8_t nic_mac[6];
	uint64_t boot_id, nic_boot_id;
	bool nic_known, hello_answered, heartbeat_seen, arp_ok;
	uint32_t src_ip, dst_ip; /* network order */
	uint64_t sent_wire_frames, sent_proto_frames;
	uint8_t kernel_mac[6];
};


static int send_frame(struct peer *pe, const uint8_t *f, size_t len)
{
	if (eal_harness_tx_frame(pe->port, f, len) != 0)
		return -1;
	if (proto_is_proto_frame(f, len))
		pe->sent_proto_frames++;
	else
		pe->sent_wire_frames++;
	return 0;
}

static void send_hello(struct peer *pe, bool reply)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t f[128] = {0};
	struct proto_writer w;
	struct proto_hello h = {.version = PROTO_VERSION,
				.role = PROTO_ROLE_HOST,
				.flags = reply ? PROTO_HELLO_F_REPLY : 0,
				.boot_id = pe->boot_id};

	memcpy(h.mac, pe->mac, 6);
	proto_eth_hdr_put(f, pe->nic_known ? pe->nic_mac : bcast, pe->mac);
	proto_writer_init(&w, f + 14, sizeof(f) - 14);
	proto_put_hello(&w, &h);
	int n = proto_writer_finish(&w);
	send_frame(pe, f, n + 14 < 60 ? 60 : (size_t)n + 14);
}

/* Malformed and not-yet-handled commands: the NIC must count them and send nothing anywhere. */
static void send_bad_commands(struct peer *pe)
{
	uint8_t f[64] = {0};
	struct proto_writer w;

	proto_eth_hdr_put(f, pe->nic_mac, pe->mac);
	memcpy(f + 14, "IOTP\x01\x00\x05\x00", 8); /* 5 commands announced, none present */
	send_frame(pe, f, sizeof(f));
	proto_eth_hdr_put(f, pe->nic_mac, pe->mac);
	proto_writer_init(&w, f + 14, sizeof(f) - 14);
	proto_put_raw(&w, PROTO_T_STATS, NULL, 0);
	send_frame(pe, f, 14 + (size_t)proto_writer_finish(&w));
}

static void send_arp_request(struct peer *pe)
{
	uint8_t f[60] = {0};

	memset(f, 0xff, 6);
	memcpy(f + 6, pe->mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	uint8_t *a = f + 14;
	a[1] = 1;    /* htype Ethernet */
	a[2] = 0x08; /* ptype IPv4 */
	a[4] = 6;
	a[5] = 4;
	a[7] = 1; /* request */
	memcpy(a + 8, pe->mac, 6);
	memcpy(a + 14, &pe->src_ip, 4);
	memcpy(a + 24, &pe->dst_ip, 4);
	send_frame(pe, f, sizeof(f));
}

static void handle_proto(struct peer *pe, const uint8_t *f, size_t len)
{
	struct proto_iter it;
	struct proto_cmd cmd;

	if (proto_frame_open(&it, f + 14, len - 14) != 0) {
		fprintf(stderr, "peer: malformed frame from the NIC\n");
		return;
	}
	while (proto_next(&it, &cmd) > 0) {
		struct proto_hello h;
		struct proto_heartbeat hb;
		if (proto_hello_decode(&cmd, &h) == 0) {
			if (h.role != PROTO_ROLE_NIC || memcmp(h.mac, f + 6, 6) != 0) {
				fprintf(stderr, "peer: bad HELLO from the NIC\n");
				continue;
			}
			memcpy(pe->nic_mac, h.mac, 6);
			pe->nic_boot_id = h.boot_id;
			pe->nic_known = true;
			if (h.flags & PROTO_HELLO_F_REPLY) {
				/* The answer to ours is addressed to our MAC, learned, not
				 * configured. */
				if (memcmp(f, pe->mac, 6) == 0)
					pe->hello_answered = true;
			} else {
				send_hello(pe, true);
			}
			printf("peer: HELLO from NIC %02x:%02x:%02x:%02x:%02x:%02x boot %016" PRIx64
			       " caps 0x%x%s\n",
			       h.mac[0], h.mac[1], h.mac[2], h.mac[3], h.mac[4], h.mac[5],
			       h.boot_id, h.caps, h.flags & PROTO_HELLO_F_REPLY ? " (reply)" : "");
		} else if (proto_heartbeat_decode(&cmd, &hb) == 0) {
			if (pe->nic_known && hb.boot_id == pe->nic_boot_id &&
			    memcmp(f, pe->mac, 6) == 0)
				pe->heartbeat_seen = true;
		}
	}
}

static void handle_arp(struct peer *pe, const uint8_t *f, size_t len)
{
	const uint8_t *a = f + 14;

	if (len < 42 || a[6] != 0 || a[7] != 2)
		return;
	if (memcmp(a + 14, &pe->dst_ip, 4) != 0 || memcmp(a + 18, pe->mac, 6) != 0 ||
	    memcmp(a + 24, &pe->src_ip, 4) != 0 || memcmp(f, pe->mac, 6) != 0)
		return;
	memcpy(pe->kernel_mac, a + 8, 6);
	pe->arp_ok = true;
}

static void poll_once(struct peer *pe)
{
	struct rte_mbuf *pkts[32];
	uint8_t copy[2048];
	uint16_t n = port_rx_burst(pe->port, pkts, 32);

	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);
		const uint8_t *f =
		    len <= sizeof(copy) ? rte_pktmbuf_read(pkts[i], 0, len, copy) : NULL;
		if (f && len >= 14) {
			if (proto_is_proto_frame(f, len))
				handle_proto(pe, f, len);
			else if (f[12] == 0x08 && f[13] == 0x06)
				handle_arp(pe, f, len);
		}
		rte_pktmbuf_free(pkts[i]);
	}
	if (!n)
		usleep(200);
}

/* Poll until *flag or timeout; act() every 0.5 s. */
static bool wait_for(struct peer *pe, bool *flag, double timeout, void (*act)(struct peer *))
{
	double end = eal_harness_now_s() + timeout, next = 0;

	while (!*flag && eal_harness_now_s() < end) {
		if (act && eal_harness_now_s() >= next) {
			act(pe);
			next = eal_harness_now_s() + 0.5;
		}
		poll_once(pe);
	}
	return *flag;
}

static void act_hello(struct peer *pe)
{
	send_hello(pe, false);
}

static void act_arp(struct peer *pe)
{
	send_arp_request(pe);
}

static void blast(struct peer *pe, unsigned long count)
{
	struct rte_mbuf *pkts[32];
	uint8_t f[60] = {0};
	unsigned long sent = 0;

	/* Frames for nobody (unicast to an absent MAC, IPv4 type): the kernel drops them cheaply.
	 */
	f[0] = 0x02;
	f[5] = 0x99;
	memcpy(f + 6, pe->mac, 6);
	f[12] = 0x08;
	double t0 = eal_harness_now_s();
	while (sent < count) {
		unsigned want = count - sent < 32 ? (unsigned)(count - sent) : 32;
		if (rte_pktmbuf_alloc_bulk(port_mempool(pe->port), pkts, want) != 0) {
			poll_once(pe);
			continue;
		}
		for (unsigned i = 0; i < want; i++)
			memcpy(rte_pktmbuf_append(pkts[i], sizeof(f)), f, sizeof(f));
		uint16_t k = port_tx_burst(pe->port, pkts, (uint16_t)want);
		for (unsigned i = k; i < want; i++)
			rte_pktmbuf_free(pkts[i]);
		sent += k;
	}
	double dt = eal_harness_now_s() - t0;
	printf("peer: blast %lu frames of 60 B in %.3f s = %.2f Mpps offered\n", sent, dt,
	       (double)sent / dt / 1e6);
	pe->sent_wire_frames += sent;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *prefix = NULL, *src = "198.18.0.1", *dst = "198.18.0.2";
	unsigned long blast_count = 0;
	double linger = 0;
	int lcore = 1;
	double timeout = 10;
	char err[256], vdev[256];
	struct peer pe;
	int rc = 1;

	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"file-prefix", required_argument, NULL, 'p'},
	    {"source", required_argument, NULL, 'a'},
	    {"target", required_argument, NULL, 't'},
	    {"lcore", required_argument, NULL, 'l'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"blast", required_argument, NULL, 'b'},
	    {"linger", required_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'a':
			src = optarg;
			break;
		case 't':
			dst = optarg;
			break;
		case 'l':
			lcore = atoi(optarg);
			break;
		case 'T':
			timeout = atof(optarg);
			break;
		case 'b':
			blast_count = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			linger = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: memif_peer --socket PATH --file-prefix P\n");
			return 2;
		}
	}
	memset(&pe, 0, sizeof(pe));
	if (!sock || !prefix || inet_pton(AF_INET, src, &pe.src_ip) != 1 ||
	    inet_pton(AF_INET, dst, &pe.dst_ip) != 1 ||
	    port_vdev_memif(vdev, sizeof(vdev), 0, false, sock) < 0) {
		fprintf(stderr, "memif_peer: bad arguments\n");
		return 2;
	}
	struct eal_harness eal = {.prog = "memif_peer", .lcore = lcore, .file_prefix = prefix};
	int erc = eal_harness_start(&eal);
	if (erc)
		return erc;
	struct port_config pc = {.name = "net_memif0", .devargs = vdev};
	pe.port = port_open(&pc, err, sizeof(err));
	if (!pe.port) {
		fprintf(stderr, "memif_peer: %s\n", err);
		goto out;
	}
	port_mac(pe.port, pe.mac);
	while (getrandom(&pe.boot_id, sizeof(pe.boot_id), 0) != sizeof(pe.boot_id) || !pe.boot_id)
		;
	double end = eal_harness_now_s() + timeout;
	while (!port_link_up(pe.port) && eal_harness_now_s() < end)
		usleep(10000);
	if (!port_link_up(pe.port)) {
		fprintf(stderr, "FAIL: memif link to the NIC never came up\n");
		goto out;
	}
	if (!wait_for(&pe, &pe.hello_answered, timeout, act_hello)) {
		fprintf(stderr, "FAIL: no HELLO reply from the NIC\n");
		goto out;
	}
	if (!wait_for(&pe, &pe.heartbeat_seen, 3, NULL)) {
		fprintf(stderr, "FAIL: no heartbeat from the NIC within 3 s\n");
		goto out;
	}
	printf("peer: heartbeat seen\n");
	send_bad_commands(&pe);
	if (!wait_for(&pe, &pe.arp_ok, timeout, act_arp)) {
		fprintf(stderr, "FAIL: no ARP reply for %s through the NIC\n", dst);
		goto out;
	}
	printf("peer: ARP reply: %s is at %02x:%02x:%02x:%02x:%02x:%02x\n", dst, pe.kernel_mac[0],
	       pe.kernel_mac[1], pe.kernel_mac[2], pe.kernel_mac[3], pe.kernel_mac[4],
	       pe.kernel_mac[5]);
	if (blast_count)
		blast(&pe, blast_count);
	/* Stay connected (idle, answering nothing) so the NIC's idle CPU can be measured. */
	for (double until = eal_harness_now_s() + linger; eal_harness_now_s() < until;)
		usleep(100000);
	printf("sent_wire_frames %" PRIu64 "\nsent_proto_frames %" PRIu64 "\n", pe.sent_wire_frames,
	       pe.sent_proto_frames);
	rc = 0;
out:
	port_close(pe.port);
	eal_harness_stop();
	return rc;
}
