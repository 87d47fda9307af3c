/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's offload fallback: the same SENDs (a burst crossing store blocks, a short one,
 * a retransmission from the middle) through three wire modes —
 *   software: the engine cuts MSS frames and writes complete checksums (a port without offloads);
 *   checksum offload: MSS frames with the pseudo-header sum left for the port to complete;
 *   TSO + checksum offload: frames of up to 30 MSS for the port to cut —
 * put the same bytes on the wire once the port's work is done as a NIC does it (checksum
 * completion from the seeded field; TSO cutting by the relay's GSO code: per-segment lengths,
 * IP ids, sequence numbers, PSH on the last, checksums). Compared frame by frame, byte-exact. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "docroot.h"
#include "engine_frames.h"
#include "frame_edit.h"
#include "gso.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/pkt.h"

#define MAXF	 512
#define MSS	 1000
#define TSO_MAX	 30000
#define FILE_LEN 200000

enum mode { SOFTWARE, CSUM_OFFLOAD, TSO_OFFLOAD };

/* Frames as the client would see them. */
struct wire {
	uint8_t *buf[MAXF];
	size_t len[MAXF];
	int n;
	int port_frames; /* frames the engine handed to the "port" */
	enum mode mode;
};

static void put_frame(struct wire *w, const uint8_t *f, size_t len)
{
	if (w->n == MAXF) {
		CHECK(w->n < MAXF);
		return;
	}
	w->buf[w->n] = malloc(len);
	memcpy(w->buf[w->n], f, len);
	w->len[w->n++] = len;
}

static uint8_t *w_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return malloc(len);
}

/* An ordinary frame: with checksum offload the port completes the TCP checksum. */
static void w_send(void *ctx, uint8_t *buf, size_t len)
{
	struct wire *w = ctx;

	w->port_frames++;
	if (w->mode != SOFTWARE)
		CHECK(frame_finish_csum(buf, len, 14 + 20, 16) == 0);
	put_frame(w, buf, len);
	free(buf);
}

/* A TSO frame: the port cuts it into MSS segments. The engine left the pseudo-header sum of
 * the whole frame in the checksum field, as the kernel's GSO and DPDK's checksum offload take. */
static void w_send_tso(void *ctx, uint8_t *buf, size_t len, uint16_t hdr_len, uint16_t mss)
{
	struct wire *w = ctx;
	struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				    .hdr_len = hdr_len,
				    .gso_size = mss,
				    .csum_start = 14 + 20,
				    .csum_offset = 16};
	struct gso_frame g;
	static uint8_t seg[14 + 60 + 60 + MSS];

	w->port_frames++;
	CHECK(w->mode == TSO_OFFLOAD && hdr_len == 14 + 20 + 20);
	uint32_t ps = csum_pseudo_ipv4(EF_SADDR, EF_DADDR, 6, (uint32_t)(len - 14 - 20));
	CHECK(get_be16(buf + 14 + 20 + 16) == csum_reduce(ps));
	CHECK(gso_parse(&vh, buf, len, &g) == 0);
	for (unsigned k = 0; k < g.nseg; k++) {
		size_t n = gso_segment(&g, buf, k, seg, sizeof(seg));
		CHECK(n > 0);
		put_frame(w, seg, n);
	}
	free(buf);
}

static void put_send(struct proto_writer *w, uint32_t flow, uint32_t fid, uint64_t off,
		     uint32_t len, uint32_t seq, uint16_t ip_id)
{
	uint8_t hdr[128];
	struct proto_send s = {
	    .flow = flow, .fid = fid, .file_off = off, .len = len, .mss = MSS, .cookie = flow};

	s.tmpl_len = (uint16_t)ef_template(hdr, seq, ip_id);
	s.tmpl = hdr;
	CHECK(proto_put_send(w, &s) == 0);
}

/* The scenario through one mode; fills w. */
static void run(int dfd, enum mode mode, struct wire *w)
{
	static uint8_t buf[1600];
	struct proto_writer pw;
	struct nic_io *io = nic_io_new(16, true);
	struct nic_engine_out out = {w, w_alloc, w_send, ef_host};
	struct nic_engine_config cfg = {.docroot_fd = dfd,
					.store_bytes = 8 * 65536,
					.block_size = 65536,
					.io = io,
					.tcp_csum_offload = mode != SOFTWARE};

	memset(w, 0, sizeof(*w));
	w->mode = mode;
	struct nic_engine *e = nic_engine_new(&cfg, &out);
	CHECK(e != NULL);
	if (mode == TSO_OFFLOAD)
		CHECK(nic_engine_set_tso(e, TSO_MAX, w_send_tso));
	ef_opened_fid = UINT32_MAX;
	proto_writer_init(&pw, buf, sizeof(buf));
	proto_put_open(&pw, 1, "f.bin", 5);
	ef_deliver(e, &pw, buf);
	CHECK(ef_opened_fid != UINT32_MAX);

	uint32_t seq0 = 0xffff0000u; /* wraps */
	put_send(&pw, 9, ef_opened_fid, 3000, 100500, seq0, 100);
	put_send(&pw, 10, ef_opened_fid, 0, 800, 5000, 65535);
	ef_deliver(e, &pw, buf);
	/* a retransmission of 2500 bytes from the middle of the first burst, odd offset */
	put_send(&pw, 9, ef_opened_fid, 3000 + 40001, 2500, seq0 + 40001, 4000);
	ef_deliver(e, &pw, buf);
	for (int i = 0; i < 20; i++)
		nic_engine_poll(e, 3000 + (uint64_t)i);
	CHECK(ef_host_errors == 0);
	nic_engine_free(e);
	nic_io_free(io);
}

static void free_wire(struct wire *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->buf[i]);
}

/* A docroot with f.bin; the scenario runs through the software path and the mode asked for. */
static bool bed_make(struct docroot *b)
{
	static uint8_t content[FILE_LEN];

	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 13 + (i >> 9));
	return docroot_make(b, "iotcp-offload", "f.bin", content, sizeof(content));
}

/* 101 + 1 + 3 MSS frames, each with a right IPv4 header checksum and a right TCP checksum. */
static void check_software(const struct wire *sw)
{
	CHECK(sw->n == 105 && sw->port_frames == 105);
	for (int i = 0; i < sw->n; i++) {
		const uint8_t *ip = sw->buf[i] + 14;
		CHECK(inet_csum(ip, 20) == 0);
		uint32_t tcp_len = (uint32_t)sw->len[i] - 14 - 20;
		uint32_t sum = csum_partial(ip + 20, tcp_len,
					    csum_pseudo_ipv4(EF_SADDR, EF_DADDR, 6, tcp_len));
		CHECK(csum_fold(sum) == 0); /* the software checksum is right */
	}
}

/* The wire of an offload mode is the software wire, byte for byte. */
static void check_same_wire(const struct wire *sw, const struct wire *o, const char *what)
{
	CHECK(o->n == sw->n);
	for (int i = 0; i < sw->n; i++)
		if (i < o->n &&
		    (o->len[i] != sw->len[i] || memcmp(o->buf[i], sw->buf[i], sw->len[i]) != 0)) {
			fprintf(stderr, "frame %d differs (%s)\n", i, what);
			CHECK(0);
		}
}

static void test_software_checksums(void)
{
	static struct wire sw;
	struct docroot b;

	if (!bed_make(&b))
		return;
	run(b.dfd, SOFTWARE, &sw);
	check_software(&sw);
	free_wire(&sw);
	docroot_remove(&b);
}

static void test_csum_offload_same_wire(void)
{
	static struct wire sw, cs;
	struct docroot b;

	if (!bed_make(&b))
		return;
	run(b.dfd, SOFTWARE, &sw);
	run(b.dfd, CSUM_OFFLOAD, &cs);
	check_same_wire(&sw, &cs, "checksum offload");
	free_wire(&sw);
	free_wire(&cs);
	docroot_remove(&b);
}

/* TSO needed far fewer frames from the engine. */
static void test_tso_same_wire(void)
{
	static struct wire sw, tso;
	struct docroot b;

	if (!bed_make(&b))
		return;
	run(b.dfd, SOFTWARE, &sw);
	run(b.dfd, TSO_OFFLOAD, &tso);
	CHECK(tso.port_frames < 20);
	check_same_wire(&sw, &tso, "TSO");
	free_wire(&sw);
	free_wire(&tso);
	docroot_remove(&b);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_software_checksums);
	RUN(test_csum_offload_same_wire);
	RUN(test_tso_same_wire);
	RUN_DONE();
}
