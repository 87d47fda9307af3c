/* SPDX-License-Identifier: BSD-2-Clause */
/* A test harness around the NIC engine: a temporary docroot of files each filled with one byte
 * value, command frames built with the proto encoders, wire frames captured as (flow, seq,
 * payload) -- the flow is the template's destination port minus 10000 -- and the engine's
 * answers to the host kept for inspection. File I/O is synchronous or the controllable fake
 * (fake_io.h). Header-only, like tests/unit/host/test_nic.h: its CHECKs count in the test. */
#ifndef IOTCP_TESTS_NIC_HARNESS_H
#define IOTCP_TESTS_NIC_HARNESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "wire/pkt.h"
#include <stdbool.h>
#include <stdint.h>

#include "fake_io.h"
#include "nic/engine.h"
#include "proto/offload.h"

#define H_FRAMES 4096
#define H_CMDS	 1024

struct h_frame {
	uint32_t flow, seq, len;
	uint8_t *payload;
};

struct harness {
	struct nic_engine *e;
	struct fake_io fio;
	struct nic_io *io; /* the sync one, or fio.io */
	bool fake;
	int dfd;
	char dir[64];
	uint64_t now;
	struct h_frame frames[H_FRAMES];
	int nframes;
	struct proto_cmd cmds[H_CMDS];
	uint8_t cmdbuf[H_CMDS][64];
	int ncmds;
	uint8_t fbuf[9000];
	struct proto_writer w;
	bool w_open;
	uint32_t opens; /* OPENs sent: each one's req_id (1, 2, ...) */
};

/* API: harness_init(h, cfg, fake) (cfg: store and limits; docroot and io are filled in),
 * harness_file(h, name, len, fill), harness_open(h, name, &err) -> fid (err 0) or err < 0; harness_send /
 * harness_ackd / harness_close / harness_put queue commands in one frame, harness_flush
 * delivers it and polls; harness_count / harness_cmd / harness_errors look at the answers,
 * harness_bytes at what a flow received. */

#define PORT_BASE 10000

static inline uint8_t *h_alloc(void *ctx, size_t cap)
{
	(void)ctx;
	return malloc(cap);
}

static inline void h_wire(void *ctx, uint8_t *buf, size_t len)
{
	struct harness *h = ctx;
	struct pkt_view v;

	if (pkt_decode_eth(buf, len, &v, 0) != PKT_OK || v.kind != PKT_KIND_TCP ||
	    h->nframes == H_FRAMES) {
		check_failures++;
		free(buf);
		return;
	}
	struct h_frame *f = &h->frames[h->nframes++];
	f->flow = (uint32_t)v.tcp.dport - PORT_BASE;
	f->seq = v.tcp.seq;
	f->len = (uint32_t)v.payload_len;
	f->payload = malloc(v.payload_len ? v.payload_len : 1);
	memcpy(f->payload, v.payload, v.payload_len);
	free(buf);
}

static inline void h_host(void *ctx, const uint8_t *payload, size_t len)
{
	struct harness *h = ctx;
	struct proto_iter it;
	struct proto_cmd cmd;

	if (proto_frame_open(&it, payload, len) < 0) {
		check_failures++;
		return;
	}
	while (proto_next(&it, &cmd) > 0 && h->ncmds < H_CMDS) {
		size_t n = cmd.len < sizeof(h->cmdbuf[0]) ? cmd.len : sizeof(h->cmdbuf[0]);
		memcpy(h->cmdbuf[h->ncmds], cmd.payload, n);
		cmd.payload = h->cmdbuf[h->ncmds];
		cmd.len = (uint16_t)n;
		h->cmds[h->ncmds++] = cmd;
	}
}

static inline bool harness_init(struct harness *h, const struct nic_engine_config *cfg, bool fake)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "/tmp/iotcp-nic-h-XXXXXX");
	if (!mkdtemp(h->dir))
		return false;
	h->dfd = open(h->dir, O_RDONLY | O_DIRECTORY);
	h->fake = fake;
	if (fake) {
		if (!fake_io_init(&h->fio))
			return false;
		h->io = h->fio.io;
	} else {
		h->io = nic_io_new(64, true);
	}
	struct nic_engine_config c = *cfg;
	c.docroot_fd = h->dfd;
	c.io = h->io;
	struct nic_engine_out out = {h, h_alloc, h_wire, h_host};
	h->e = nic_engine_new(&c, &out);
	h->now = 1000;
	return h->e && h->dfd >= 0;
}

static inline void harness_clear(struct harness *h)
{
	for (int i = 0; i < h->nframes; i++)
		free(h->frames[i].payload);
	h->nframes = 0;
	h->ncmds = 0;
}

static inline void harness_fini(struct harness *h)
{
	nic_engine_free(h->e);
	if (h->fake)
		fake_io_fini(&h->fio);
	else
		nic_io_free(h->io);
	harness_clear(h);
	close(h->dfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->dir);
	if (system(cmd) != 0)
		check_failures++;
}

static inline bool harness_file(struct harness *h, const char *name, size_t len, uint8_t fill)
{
	int fd = openat(h->dfd, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return false;
	uint8_t *b = malloc(len ? len : 1);
	memset(b, fill, len);
	bool ok = write(fd, b, len) == (ssize_t)len;
	free(b);
	close(fd);
	return ok;
}

static inline struct proto_writer *harness_writer(struct harness *h)
{
	if (!h->w_open) {
		proto_writer_init(&h->w, h->fbuf, sizeof(h->fbuf));
		h->w_open = true;
	}
	return &h->w;
}

static inline void harness_poll(struct harness *h)
{
	h->now += 1000;
	nic_engine_poll(h->e, h->now);
	CHECK(nic_engine_check(h->e) == NULL);
}

static inline void harness_flush(struct harness *h)
{
	if (!h->w_open)
		return;
	int len = proto_writer_finish(&h->w);
	h->w_open = false;
	CHECK(len > 0);
	h->now += 1000;
	nic_engine_host_frame(h->e, h->fbuf, (size_t)len, h->now);
	CHECK(nic_engine_check(h->e) == NULL);
	harness_poll(h);
}

static inline uint32_t harness_open(struct harness *h, const char *name, int *err)
{
	uint32_t my = ++h->opens;
	CHECK(proto_put_open(harness_writer(h), my, name, (uint16_t)strlen(name)) == 0);
	harness_flush(h);
	harness_poll(h);
	for (int i = h->ncmds - 1; i >= 0; i--) {
		struct proto_open_done d;
		if (h->cmds[i].type == PROTO_T_OPEN_DONE &&
		    proto_open_done_decode(&h->cmds[i], &d) == 0 && d.req_id == my) {
			*err = d.err;
			return d.err ? 0 : d.fid;
		}
	}
	*err = -ETIMEDOUT;
	return 0;
}

static inline void harness_send(struct harness *h, uint32_t flow, uint32_t fid, uint64_t off, uint32_t len,
		  uint32_t seq)
{
	static const struct mac_addr sm = {{2, 0, 0, 0, 0, 1}}, dm = {{2, 0, 0, 0, 0, 2}};
	struct tcp_hdr th = {.sport = 80, .dport = (uint16_t)(PORT_BASE + flow), .seq = seq,
			     .ack = 1, .flags = TH_ACK, .wnd = 500};
	struct pkt_tcp_out o = {.src_mac = &sm, .dst_mac = &dm, .saddr = 0xc6120001,
				.daddr = 0xc6120002, .ttl = 64, .ip_id = 1, .tcp = &th};
	uint8_t hdr[128];
	struct proto_send s = {.flow = flow, .fid = fid, .file_off = off, .len = len, .mss = 1400,
			       .flags = PROTO_SEND_F_ECHO, .cookie = (uint64_t)flow << 32 | seq};
	s.tmpl_len = (uint16_t)pkt_build_tcp(hdr, sizeof(hdr), &o);
	s.tmpl = hdr;
	if (proto_put_send(harness_writer(h), &s) < 0) {
		harness_flush(h);
		CHECK(proto_put_send(harness_writer(h), &s) == 0);
	}
}

static inline void harness_ackd(struct harness *h, uint32_t flow, uint32_t acked, uint32_t flags)
{
	struct proto_ackd a = {.flow = flow, .acked = acked, .flags = flags};
	if (proto_put_ackd(harness_writer(h), &a) < 0) {
		harness_flush(h);
		CHECK(proto_put_ackd(harness_writer(h), &a) == 0);
	}
}

static inline void harness_close(struct harness *h, uint32_t fid)
{
	CHECK(proto_put_close(harness_writer(h), fid) == 0);
}

static inline void harness_put(struct harness *h, int (*put)(struct proto_writer *w, const void *arg),
		 const void *arg)
{
	if (put(harness_writer(h), arg) < 0) {
		harness_flush(h);
		CHECK(put(harness_writer(h), arg) == 0);
	}
}

static inline int harness_count(const struct harness *h, uint16_t type)
{
	int n = 0;
	for (int i = 0; i < h->ncmds; i++)
		n += h->cmds[i].type == type;
	return n;
}

static inline const struct proto_cmd *harness_cmd(const struct harness *h, uint16_t type, int n)
{
	for (int i = 0; i < h->ncmds; i++)
		if (h->cmds[i].type == type && n-- == 0)
			return &h->cmds[i];
	return NULL;
}

static inline int harness_errors(const struct harness *h, uint16_t reason, uint32_t flow)
{
	int n = 0;
	for (int i = 0; i < h->ncmds; i++) {
		struct proto_error pe;
		if (h->cmds[i].type == PROTO_T_ERROR && proto_error_decode(&h->cmds[i], &pe) == 0 &&
		    pe.reason == reason && (flow == UINT32_MAX || pe.flow == flow))
			n++;
	}
	return n;
}

static inline uint64_t harness_bytes(const struct harness *h, uint32_t flow, uint8_t fill, uint64_t *wrong)
{
	uint64_t n = 0;
	*wrong = 0;
	for (int i = 0; i < h->nframes; i++) {
		if (h->frames[i].flow != flow)
			continue;
		for (uint32_t k = 0; k < h->frames[i].len; k++)
			*wrong += h->frames[i].payload[k] != fill;
		n += h->frames[i].len;
	}
	return n;
}

#endif
