/* SPDX-License-Identifier: BSD-2-Clause */
/* A tiny test "NIC" for the offload tests: the REAL engine (src/nic/engine.h, synchronous file
 * I/O, a temporary docroot) between a host's link and the wire. It answers the host's HELLO,
 * sends heartbeats, hands command frames to the engine, forwards every other frame between
 * host and wire, and can drop command frames by type (lost SEND / ECHO / ACKD) or restart
 * (engine reset + HELLO with a new boot id). Frames leave through callbacks, so both the
 * in-memory unit tests and the simulator use it. */
#ifndef IOTCP_TESTS_HOST_TEST_NIC_H
#define IOTCP_TESTS_HOST_TEST_NIC_H

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "wire/eth.h"

typedef void (*test_nic_out_fn)(void *arg, const uint8_t *frame, size_t len);
/* true: drop this command frame (to_host: NIC -> host direction) */
typedef bool (*test_nic_drop_fn)(void *arg, uint16_t first_type, const uint8_t *payload, size_t len,
				 bool to_host);

struct test_nic {
	struct nic_engine *eng;
	struct nic_io *io;
	int dfd;
	char dir[64];
	struct mac_addr mac, host_mac;
	uint64_t boot_id, hb_seq, next_hb, now;
	test_nic_out_fn to_host, to_wire;
	test_nic_drop_fn drop;
	bool hide_flow_window; /* HELLO without flow_window (as an older NIC sends it) */
	void *arg;
	uint64_t cmd_frames_dropped, host_frames, wire_frames;
	uint32_t caps; /* HELLO capabilities (PROTO_CAP_TLS for TLS offload) */
	uint8_t buf[2048];
};

static inline void test_nic_path(const struct test_nic *n, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", n->dir, name);
}

/* Create (or replace) docroot/name with len bytes of pattern(i). */
static inline bool test_nic_write_file(struct test_nic *n, const char *name, const uint8_t *data,
				       size_t len)
{
	char p[256];
	test_nic_path(n, name, p, sizeof(p));
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return false;
	bool ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return ok;
}

static inline bool test_nic_truncate(struct test_nic *n, const char *name, off_t len)
{
	char p[256];
	test_nic_path(n, name, p, sizeof(p));
	return truncate(p, len) == 0;
}

static inline void test_nic_eth_send(struct test_nic *n, const uint8_t *payload, size_t len)
{
	uint16_t type = len >= 12 ? (uint16_t)(payload[8] | payload[9] << 8) : 0;
	if (len + PROTO_ETH_HLEN > sizeof(n->buf))
		return;
	if (n->drop && n->drop(n->arg, type, payload, len, true)) {
		n->cmd_frames_dropped++;
		return;
	}
	proto_eth_hdr_put(n->buf, n->host_mac.b, n->mac.b);
	memcpy(n->buf + PROTO_ETH_HLEN, payload, len);
	n->host_frames++;
	n->to_host(n->arg, n->buf, len + PROTO_ETH_HLEN);
}

static inline uint8_t *test_nic_wire_alloc(void *ctx, size_t cap)
{
	(void)ctx;
	return malloc(cap);
}

static inline void test_nic_wire_send(void *ctx, uint8_t *buf, size_t len)
{
	struct test_nic *n = ctx;
	n->wire_frames++;
	n->to_wire(n->arg, buf, len);
	free(buf);
}

static inline void test_nic_host_send(void *ctx, const uint8_t *payload, size_t len)
{
	test_nic_eth_send(ctx, payload, len);
}

static inline void test_nic_hello(struct test_nic *n, uint8_t flags)
{
	uint8_t b[128];
	struct proto_writer w;
	struct proto_hello h = {.version = PROTO_VERSION,
				.role = PROTO_ROLE_NIC,
				.flags = flags,
				.caps = n->caps,
				.store_size = 1u << 20,
				.boot_id = n->boot_id,
				.flow_window = n->hide_flow_window
						   ? 0
						   : nic_engine_hello_flow_window(n->eng)};
	memcpy(h.mac, n->mac.b, 6);
	proto_writer_init(&w, b, sizeof(b));
	proto_put_hello(&w, &h);
	int len = proto_writer_finish(&w);
	if (len > 0)
		test_nic_eth_send(n, b, (size_t)len);
}

/* base: store size and limits (docroot, io, block size and MTU are filled in). */
static inline struct test_nic *test_nic_new_cfg(const struct mac_addr *mac, uint64_t boot_id,
						const struct nic_engine_config *base,
						test_nic_out_fn to_host, test_nic_out_fn to_wire,
						void *arg)
{
	struct test_nic *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	snprintf(n->dir, sizeof(n->dir), "/tmp/iotcp-offload-XXXXXX");
	if (!mkdtemp(n->dir))
		goto fail;
	n->dfd = open(n->dir, O_RDONLY | O_DIRECTORY);
	n->io = nic_io_new(64, true);
	if (n->dfd < 0 || !n->io)
		goto fail;
	n->mac = *mac;
	n->boot_id = boot_id;
	n->to_host = to_host;
	n->to_wire = to_wire;
	n->arg = arg;
	struct nic_engine_config cfg = *base;
	cfg.docroot_fd = n->dfd;
	cfg.block_size = 65536;
	cfg.io = n->io;
	cfg.host_mtu = 1500;
	struct nic_engine_out out = {n, test_nic_wire_alloc, test_nic_wire_send,
				     test_nic_host_send};
	n->eng = nic_engine_new(&cfg, &out);
	if (!n->eng)
		goto fail;
	return n;
fail:
	fprintf(stderr, "test_nic_new failed\n");
	free(n);
	return NULL;
}

static inline struct test_nic *test_nic_new(const struct mac_addr *mac, uint64_t boot_id,
					    uint64_t store_bytes, test_nic_out_fn to_host,
					    test_nic_out_fn to_wire, void *arg)
{
	struct nic_engine_config base = {.store_bytes = store_bytes};
	return test_nic_new_cfg(mac, boot_id, &base, to_host, to_wire, arg);
}

/* Remove the docroot's files (the names the test created) and free everything. */
static inline void test_nic_free(struct test_nic *n, const char *const *names)
{
	char p[256];
	if (!n)
		return;
	for (; names && *names; names++) {
		test_nic_path(n, *names, p, sizeof(p));
		unlink(p);
	}
	nic_engine_free(n->eng);
	nic_io_free(n->io);
	close(n->dfd);
	rmdir(n->dir);
	free(n);
}

/* A frame the host transmitted. */
static inline void test_nic_from_host(struct test_nic *n, const uint8_t *f, size_t len,
				      uint64_t now)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	uint16_t first = 0;

	n->now = now;
	if (len < PROTO_ETH_HLEN || f[12] != 0x88 || f[13] != 0xB5) {
		n->to_wire(n->arg, f, len);
		return;
	}
	const uint8_t *p = f + PROTO_ETH_HLEN;
	size_t plen = len - PROTO_ETH_HLEN;
	if (proto_frame_open(&it, p, plen) == 0) {
		while (proto_next(&it, &cmd) > 0) {
			if (!first)
				first = cmd.type;
			if (cmd.type == PROTO_T_HELLO) {
				struct proto_hello h;
				if (proto_hello_decode(&cmd, &h) == 0) {
					memcpy(n->host_mac.b, h.mac, 6);
					if (!(h.flags & PROTO_HELLO_F_REPLY))
						test_nic_hello(n, PROTO_HELLO_F_REPLY);
				}
			}
		}
	}
	if (first != PROTO_T_HELLO && first != PROTO_T_HEARTBEAT && n->drop &&
	    n->drop(n->arg, first, p, plen, false)) {
		n->cmd_frames_dropped++;
		return;
	}
	nic_engine_host_frame(n->eng, p, plen, now);
	nic_engine_poll(n->eng, now);
}

static inline void test_nic_poll(struct test_nic *n, uint64_t now)
{
	n->now = now;
	nic_engine_poll(n->eng, now);
	if (now >= n->next_hb && n->host_mac.b[0] | n->host_mac.b[5]) {
		uint8_t b[64];
		struct proto_writer w;
		struct proto_heartbeat hb = {.boot_id = n->boot_id, .seq = ++n->hb_seq};
		proto_writer_init(&w, b, sizeof(b));
		proto_put_heartbeat(&w, &hb);
		int len = proto_writer_finish(&w);
		if (len > 0)
			test_nic_eth_send(n, b, (size_t)len);
		n->next_hb = now + 500ull * 1000 * 1000;
	}
}

/* The NIC daemon restarts: every flow, file and pinned block gone, a new boot id announced. */
static inline void test_nic_restart(struct test_nic *n)
{
	nic_engine_reset(n->eng);
	n->boot_id++;
	test_nic_hello(n, 0);
}

#endif
