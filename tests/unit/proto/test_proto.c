/* SPDX-License-Identifier: BSD-2-Clause */
/* Host <-> NIC command framing: round trips, multiple commands, and every malformed case. */
#include <string.h>

#include "../check.h"
#include "proto/proto.h"

static const struct proto_hello sample_hello = {
    .version = PROTO_VERSION,
    .role = PROTO_ROLE_HOST,
    .flags = 0,
    .mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55},
    .caps = PROTO_CAP_TX_CSUM | PROTO_CAP_TSO,
    .store_size = 0x0102030405060708ull,
    .boot_id = 0xdeadbeefcafef00dull,
};

static int build_hello_hb(uint8_t *buf, size_t cap)
{
	struct proto_writer w;
	struct proto_heartbeat hb = {.boot_id = 7, .seq = 0x1122334455667788ull};

	proto_writer_init(&w, buf, cap);
	proto_put_hello(&w, &sample_hello);
	proto_put_heartbeat(&w, &hb);
	return proto_writer_finish(&w);
}

static void test_round_trip(void)
{
	uint8_t buf[256];
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_hello h;
	struct proto_heartbeat hb;

	int n = build_hello_hb(buf, sizeof(buf));
	CHECK_EQ_U64(n,
		     PROTO_FRAME_HLEN + 2 * PROTO_CMD_HLEN + PROTO_HELLO_LEN + PROTO_HEARTBEAT_LEN);
	/* Little-endian, fixed layout: magic "IOTP", version, flags, count. */
	CHECK(memcmp(buf, "IOTP", 4) == 0);
	CHECK_EQ_U64(buf[4], PROTO_VERSION);
	CHECK_EQ_U64(buf[6], 2);
	CHECK_EQ_U64(buf[7], 0);
	CHECK_EQ_U64(buf[8], PROTO_T_HELLO);
	CHECK_EQ_U64(buf[10], PROTO_HELLO_LEN);
	CHECK_EQ_U64(buf[12 + 16], 0x08); /* store_size low byte first */

	CHECK_EQ_U64(proto_frame_open(&it, buf, (size_t)n), 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(cmd.type, PROTO_T_HELLO);
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), 0);
	CHECK_EQ_U64(h.version, sample_hello.version);
	CHECK_EQ_U64(h.role, PROTO_ROLE_HOST);
	CHECK(memcmp(h.mac, sample_hello.mac, 6) == 0);
	CHECK_EQ_U64(h.caps, sample_hello.caps);
	CHECK_EQ_U64(h.store_size, sample_hello.store_size);
	CHECK_EQ_U64(h.boot_id, sample_hello.boot_id);
	/* A decoder refuses a command of another type. */
	CHECK_EQ_U64(proto_heartbeat_decode(&cmd, &hb), -PROTO_E_TYPE);

	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(proto_heartbeat_decode(&cmd, &hb), 0);
	CHECK_EQ_U64(hb.boot_id, 7);
	CHECK_EQ_U64(hb.seq, 0x1122334455667788ull);
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_TYPE);
	CHECK_EQ_U64(proto_next(&it, &cmd), 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 0);
}

static void test_padding_and_unknown(void)
{
	uint8_t buf[128];
	struct proto_writer w;
	struct proto_iter it;
	struct proto_cmd cmd;
	const uint8_t data[3] = {1, 2, 3};

	memset(buf, 0, sizeof(buf));
	proto_writer_init(&w, buf, sizeof(buf));
	CHECK_EQ_U64(proto_put_raw(&w, 0x7777, data, sizeof(data)), 0);
	CHECK_EQ_U64(proto_put_raw(&w, PROTO_T_STATS, NULL, 0), 0);
	int n = proto_writer_finish(&w);
	CHECK_EQ_U64(n, 8 + 4 + 3 + 4);
	/* Ethernet padding after the last command is ignored. */
	CHECK_EQ_U64(proto_frame_open(&it, buf, 46), 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(cmd.type, 0x7777);
	CHECK_EQ_U64(cmd.len, 3);
	CHECK(memcmp(cmd.payload, data, 3) == 0);
	CHECK(strcmp(proto_type_name(cmd.type), "unknown") == 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(cmd.type, PROTO_T_STATS);
	CHECK_EQ_U64(cmd.len, 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 0);

	/* A longer payload than the fixed size is accepted (compatible additions). */
	uint8_t hb_ext[PROTO_HEARTBEAT_LEN + 4] = {1};
	struct proto_cmd c = {.type = PROTO_T_HEARTBEAT, .len = sizeof(hb_ext), .payload = hb_ext};
	struct proto_heartbeat hb;
	CHECK_EQ_U64(proto_heartbeat_decode(&c, &hb), 0);
	CHECK_EQ_U64(hb.boot_id, 1);
}

static void test_bad_headers(void)
{
	uint8_t buf[256], bad[256];
	struct proto_iter it;
	int n = build_hello_hb(buf, sizeof(buf));

	/* Every truncation of the header fails; every truncation inside commands fails in
	 * proto_next without reading past the end. */
	for (int len = 0; len < n; len++) {
		int rc = proto_frame_open(&it, buf, (size_t)len);
		if (len < (int)PROTO_FRAME_HLEN) {
			CHECK_EQ_U64(rc, -PROTO_E_SHORT);
			continue;
		}
		CHECK_EQ_U64(rc, 0);
		struct proto_cmd cmd;
		int r, got = 0;
		while ((r = proto_next(&it, &cmd)) > 0) {
			CHECK((const uint8_t *)cmd.payload + cmd.len <= buf + len);
			got++;
		}
		CHECK(r < 0);
		CHECK(got < 2);
	}
	CHECK_EQ_U64(proto_frame_open(&it, NULL, 100), -PROTO_E_SHORT);

	memcpy(bad, buf, (size_t)n);
	bad[0] ^= 1;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), -PROTO_E_MAGIC);
	memcpy(bad, buf, (size_t)n);
	bad[4] = PROTO_VERSION + 1;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), -PROTO_E_VERSION);
	memcpy(bad, buf, (size_t)n);
	bad[6] = 0;
	bad[7] = 0;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), -PROTO_E_COUNT);
	/* Reserved flags are ignored. */
	memcpy(bad, buf, (size_t)n);
	bad[5] = 0xff;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), 0);
}

static void test_bad_commands(void)
{
	uint8_t buf[256], bad[256];
	struct proto_iter it;
	struct proto_cmd cmd;
	int n = build_hello_hb(buf, sizeof(buf));

	/* More commands announced than present. */
	memcpy(bad, buf, (size_t)n);
	bad[6] = 3;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(proto_next(&it, &cmd), -PROTO_E_COUNT);
	/* ... and the iterator stays at the error. */
	CHECK_EQ_U64(proto_next(&it, &cmd), -PROTO_E_COUNT);
	bad[6] = 0xff;
	bad[7] = 0xff;
	CHECK_EQ_U64(proto_frame_open(&it, bad, (size_t)n), 0);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK_EQ_U64(proto_next(&it, &cmd), 1);
	CHECK(proto_next(&it, &cmd) < 0);

	/* Command type 0. */
	memcpy(bad, buf, (size_t)n);
	bad[8] = 0;
	bad[9] = 0;
	proto_frame_open(&it, bad, (size_t)n);
	CHECK_EQ_U64(proto_next(&it, &cmd), -PROTO_E_TYPE);

	/* Payload length past the end of the buffer. */
	memcpy(bad, buf, (size_t)n);
	bad[10] = 0xff;
	bad[11] = 0xff;
	proto_frame_open(&it, bad, (size_t)n);
	CHECK_EQ_U64(proto_next(&it, &cmd), -PROTO_E_SHORT);

	/* Trailing partial command header when another command is announced. */
	memcpy(bad, buf, (size_t)n);
	bad[6] = 3;
	proto_frame_open(&it, bad, (size_t)n + 2);
	proto_next(&it, &cmd);
	proto_next(&it, &cmd);
	CHECK_EQ_U64(proto_next(&it, &cmd), -PROTO_E_SHORT);
}

static void test_bad_payloads(void)
{
	uint8_t p[PROTO_HELLO_LEN];
	struct proto_hello h;
	struct proto_heartbeat hb;
	struct proto_writer w;
	struct proto_cmd cmd = {.type = PROTO_T_HELLO, .len = PROTO_HELLO_LEN, .payload = p};

	proto_writer_init(&w, (uint8_t[64]){0}, 64);
	proto_put_hello(&w, &sample_hello);
	memcpy(p, w.buf + PROTO_FRAME_HLEN + PROTO_CMD_HLEN, sizeof(p));
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), 0);

	for (uint16_t len = 0; len < PROTO_HELLO_LEN; len++) {
		cmd.len = len;
		CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_LEN);
	}
	cmd.len = PROTO_HELLO_LEN;

	uint8_t save[PROTO_HELLO_LEN];
	memcpy(save, p, sizeof(p));
	p[0] = p[1] = 0; /* version 0 */
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	p[2] = 3; /* role */
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	p[2] = 0;
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	p[4] |= 1; /* multicast MAC */
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	memset(p + 4, 0, 6); /* zero MAC */
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	memset(p + 24, 0, 8); /* boot id 0 */
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), -PROTO_E_VALUE);
	memcpy(p, save, sizeof(p));
	p[12] = 0xff; /* unknown capability bits are dropped */
	p[15] = 0xff;
	CHECK_EQ_U64(proto_hello_decode(&cmd, &h), 0);
	CHECK_EQ_U64(h.caps, PROTO_CAP_ALL);

	uint8_t q[PROTO_HEARTBEAT_LEN] = {0};
	struct proto_cmd hc = {.type = PROTO_T_HEARTBEAT, .len = 15, .payload = q};
	CHECK_EQ_U64(proto_heartbeat_decode(&hc, &hb), -PROTO_E_LEN);
	hc.len = 16;
	CHECK_EQ_U64(proto_heartbeat_decode(&hc, &hb), -PROTO_E_VALUE); /* boot id 0 */
}

static void test_writer_limits(void)
{
	uint8_t buf[64];
	struct proto_writer w;
	struct proto_heartbeat hb = {.boot_id = 1, .seq = 2};

	CHECK_EQ_U64(proto_writer_init(&w, buf, 7), -PROTO_E_NOSPACE);
	CHECK_EQ_U64(proto_put_heartbeat(&w, &hb), -PROTO_E_NOSPACE);
	CHECK_EQ_U64(proto_writer_finish(&w), -PROTO_E_NOSPACE);

	CHECK_EQ_U64(proto_writer_init(&w, buf, 8), 0);
	CHECK_EQ_U64(proto_writer_finish(&w), -PROTO_E_COUNT); /* no commands */

	/* A command that does not fit fails and the error sticks (8 + 20 + 36 bytes needed). */
	CHECK_EQ_U64(proto_writer_init(&w, buf, 63), 0);
	CHECK_EQ_U64(proto_put_heartbeat(&w, &hb), 0);
	CHECK_EQ_U64(proto_put_hello(&w, &sample_hello), -PROTO_E_NOSPACE);
	CHECK_EQ_U64(proto_put_heartbeat(&w, &hb), -PROTO_E_NOSPACE);
	CHECK_EQ_U64(proto_writer_finish(&w), -PROTO_E_NOSPACE);

	CHECK_EQ_U64(proto_writer_init(&w, buf, sizeof(buf)), 0);
	CHECK_EQ_U64(proto_put_raw(&w, 0, NULL, 0), -PROTO_E_TYPE);
	CHECK_EQ_U64(proto_writer_init(&w, buf, sizeof(buf)), 0);
	CHECK_EQ_U64(proto_put_raw(&w, 9, buf, 70000), -PROTO_E_LEN);

	CHECK(strcmp(proto_strerror(-PROTO_E_MAGIC), "bad magic") == 0);
	CHECK(strcmp(proto_strerror(99), "unknown error") == 0);
	CHECK(strcmp(proto_type_name(PROTO_T_HELLO), "HELLO") == 0);
}

static void test_eth_helpers(void)
{
	uint8_t f[60] = {0};
	const uint8_t dst[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t src[6] = {2, 0, 0, 0, 0, 1};

	proto_eth_hdr_put(f, dst, src);
	CHECK_EQ_U64(f[12], 0x88);
	CHECK_EQ_U64(f[13], 0xB5);
	CHECK(memcmp(f + 6, src, 6) == 0);
	CHECK(proto_is_proto_frame(f, sizeof(f)));
	CHECK(!proto_is_proto_frame(f, 13));
	f[13] = 0x06;
	CHECK(!proto_is_proto_frame(f, sizeof(f)));
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_round_trip);
	RUN(test_padding_and_unknown);
	RUN(test_bad_headers);
	RUN(test_bad_commands);
	RUN(test_bad_payloads);
	RUN(test_writer_limits);
	RUN(test_eth_helpers);
	RUN_DONE();
}
