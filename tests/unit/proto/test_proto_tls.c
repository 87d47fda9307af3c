/* SPDX-License-Identifier: BSD-2-Clause */
/* The TLS commands of the host <-> NIC protocol: TLS_KEY and TLS_SEND byte layouts at their
 * documented offsets, round trips, and every malformed case (short payloads, bad lengths and
 * record sizes, overflowing ranges). A TLS_SEND is never decoded as a plain SEND. */
#include <string.h>

#include "../check.h"
#include "proto/le.h"
#include "proto/offload.h"

static const uint8_t tmpl[54] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45};

static int one_cmd(const uint8_t *buf, int n, struct proto_cmd *cmd)
{
	struct proto_iter it;
	if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0)
		return -1;
	return proto_next(&it, cmd);
}

static struct proto_send sample_send(void)
{
	struct proto_send s = {.flow = 0x11223344, .fid = 0x00500007, .file_off = 0x123456789ull,
			       .len = 65536, .mss = 1448, .tmpl_len = sizeof(tmpl),
			       .flags = PROTO_SEND_F_ECHO | PROTO_SEND_F_RETRANSMIT,
			       .cookie = 0xfeedfacecafebeefull, .tmpl = tmpl, .is_tls = true};
	s.tls = (struct proto_send_tls){.epoch = 3, .rec_size = 16384, .align = 1,
					.body_off = 0x1000, .body_len = 0x7fffffff00ull,
					.rec_seq = 0x0102030405060708ull};
	return s;
}

static void test_tls_send(void)
{
	uint8_t buf[512];
	struct proto_writer w;
	struct proto_cmd cmd;
	struct proto_send s = sample_send(), d;

	proto_writer_init(&w, buf, sizeof(buf));
	CHECK_EQ_U64(proto_put_send(&w, &s), 0);
	int n = proto_writer_finish(&w);
	CHECK_EQ_U64(one_cmd(buf, n, &cmd), 1);
	CHECK_EQ_U64(cmd.type, PROTO_T_TLS_SEND);
	CHECK_EQ_U64(cmd.len, PROTO_TLS_SEND_LEN + sizeof(tmpl));
	const uint8_t *p = cmd.payload;
	/* the documented offsets */
	CHECK_EQ_U64(le32_get(p), 0x11223344);
	CHECK_EQ_U64(le32_get(p + 4), 0x00500007);
	CHECK_EQ_U64(le64_get(p + 8), 0x123456789ull);
	CHECK_EQ_U64(le32_get(p + 16), 65536);
	CHECK_EQ_U64(le16_get(p + 20), 1448);
	CHECK_EQ_U64(le16_get(p + 22), sizeof(tmpl));
	CHECK_EQ_U64(le32_get(p + 24), 3);
	CHECK_EQ_U64(le32_get(p + 28), 3); /* epoch */
	CHECK_EQ_U64(le64_get(p + 32), 0xfeedfacecafebeefull);
	CHECK_EQ_U64(le64_get(p + 40), 0x1000);
	CHECK_EQ_U64(le64_get(p + 48), 0x7fffffff00ull);
	CHECK_EQ_U64(le64_get(p + 56), 0x0102030405060708ull);
	CHECK_EQ_U64(le16_get(p + 64), 16384);
	CHECK_EQ_U64(p[66], 1);
	CHECK_EQ_U64(p[67] | le32_get(p + 68), 0);
	CHECK(memcmp(p + 72, tmpl, sizeof(tmpl)) == 0);

	CHECK_EQ_U64(proto_send_decode(&cmd, &d), 0);
	CHECK(d.is_tls);
	CHECK_EQ_U64(d.flow, s.flow);
	CHECK_EQ_U64(d.fid, s.fid);
	CHECK_EQ_U64(d.file_off, s.file_off);
	CHECK_EQ_U64(d.len, s.len);
	CHECK_EQ_U64(d.mss, s.mss);
	CHECK_EQ_U64(d.flags, s.flags);
	CHECK_EQ_U64(d.cookie, s.cookie);
	CHECK_EQ_U64(d.tls.epoch, 3);
	CHECK_EQ_U64(d.tls.rec_size, 16384);
	CHECK_EQ_U64(d.tls.align, 1);
	CHECK_EQ_U64(d.tls.body_off, 0x1000);
	CHECK_EQ_U64(d.tls.body_len, 0x7fffffff00ull);
	CHECK_EQ_U64(d.tls.rec_seq, 0x0102030405060708ull);
	CHECK(d.tmpl == p + 72 && d.tmpl_len == sizeof(tmpl));

	static uint8_t tls_pl[PROTO_TLS_SEND_LEN + sizeof(tmpl)];
	memcpy(tls_pl, p, sizeof(tls_pl));
	p = tls_pl;

	/* a plain SEND decodes as not TLS, with the reserved word ignored */
	s.is_tls = false;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_put_send(&w, &s);
	n = proto_writer_finish(&w);
	CHECK_EQ_U64(one_cmd(buf, n, &cmd), 1);
	CHECK_EQ_U64(cmd.type, PROTO_T_SEND);
	CHECK_EQ_U64(cmd.len, PROTO_SEND_LEN + sizeof(tmpl));
	CHECK_EQ_U64(proto_send_decode(&cmd, &d), 0);
	CHECK(!d.is_tls);

	/* malformed TLS_SENDs */
	struct {
		int field;
		uint64_t v;
		int err;
	} bad[] = {
		{64, 63, -PROTO_E_VALUE},	/* rec_size below 64 */
		{64, 16385, -PROTO_E_VALUE},	/* rec_size above 2^14 */
		{66, 2, -PROTO_E_VALUE},	/* align */
		{48, 0, -PROTO_E_VALUE},	/* empty body */
		{40, 1ull << 63, -PROTO_E_VALUE}, /* body_off past INT64_MAX */
		{22, PROTO_TMPL_MAX + 1, -PROTO_E_VALUE}, /* template too long */
		{16, 0, -PROTO_E_VALUE},	/* len 0 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t pl[PROTO_TLS_SEND_LEN + sizeof(tmpl)];
		memcpy(pl, p, sizeof(pl));
		switch (bad[i].field) {
		case 64: le16_put(pl + 64, (uint16_t)bad[i].v); break;
		case 66: pl[66] = (uint8_t)bad[i].v; break;
		case 22: le16_put(pl + 22, (uint16_t)bad[i].v); break;
		case 16: le32_put(pl + 16, (uint32_t)bad[i].v); break;
		default: le64_put(pl + bad[i].field, bad[i].v); break;
		}
		struct proto_cmd c = {.type = PROTO_T_TLS_SEND, .len = sizeof(pl), .payload = pl};
		CHECK_EQ_U64(proto_send_decode(&c, &d), bad[i].err);
	}
	/* body_off + body_len overflowing */
	{
		uint8_t pl[PROTO_TLS_SEND_LEN + sizeof(tmpl)];
		memcpy(pl, p, sizeof(pl));
		le64_put(pl + 40, (uint64_t)INT64_MAX - 5);
		le64_put(pl + 48, 6);
		struct proto_cmd c = {.type = PROTO_T_TLS_SEND, .len = sizeof(pl), .payload = pl};
		CHECK_EQ_U64(proto_send_decode(&c, &d), -PROTO_E_VALUE);
		le64_put(pl + 48, 5);
		CHECK_EQ_U64(proto_send_decode(&c, &d), 0);
	}
	/* short: the fixed part, or the template past the payload */
	struct proto_cmd c = {.type = PROTO_T_TLS_SEND, .len = PROTO_TLS_SEND_LEN - 1,
			      .payload = p};
	CHECK_EQ_U64(proto_send_decode(&c, &d), -PROTO_E_LEN);
	c.len = PROTO_TLS_SEND_LEN + sizeof(tmpl) - 1;
	CHECK_EQ_U64(proto_send_decode(&c, &d), -PROTO_E_LEN);
	/* a SEND-sized payload typed TLS_SEND is short, never a plain SEND */
	c.len = PROTO_SEND_LEN + sizeof(tmpl);
	CHECK_EQ_U64(proto_send_decode(&c, &d), -PROTO_E_LEN);
	c.type = PROTO_T_ECHO;
	CHECK_EQ_U64(proto_send_decode(&c, &d), -PROTO_E_TYPE);
}

static void test_tls_key(void)
{
	uint8_t buf[256];
	struct proto_writer w;
	struct proto_cmd cmd;
	struct proto_tls_key k = {.flow = 77, .epoch = 0x01020304, .version = 0x0304, .cipher = 2,
				  .key_len = 32, .iv_len = 12, .flags = PROTO_TLS_KEY_F_START,
				  .start_seq = 0xa1b2c3d4};
	for (int i = 0; i < 32; i++)
		k.key[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 12; i++)
		k.iv[i] = (uint8_t)(0x10 + i);

	proto_writer_init(&w, buf, sizeof(buf));
	CHECK_EQ_U64(proto_put_tls_key(&w, &k), 0);
	int n = proto_writer_finish(&w);
	CHECK_EQ_U64(one_cmd(buf, n, &cmd), 1);
	CHECK_EQ_U64(cmd.type, PROTO_T_TLS_KEY);
	CHECK_EQ_U64(cmd.len, PROTO_TLS_KEY_LEN);
	const uint8_t *p = cmd.payload;
	CHECK_EQ_U64(le32_get(p), 77);
	CHECK_EQ_U64(le32_get(p + 4), 0x01020304);
	CHECK_EQ_U64(le16_get(p + 8), 0x0304);
	CHECK_EQ_U64(p[10], 2);
	CHECK_EQ_U64(p[11], 32);
	CHECK_EQ_U64(p[12], 12);
	CHECK_EQ_U64(p[13], PROTO_TLS_KEY_F_START);
	CHECK_EQ_U64(p[16], 0xa0);
	CHECK_EQ_U64(p[47], 0xa0 + 31);
	CHECK_EQ_U64(p[48], 0x10);
	CHECK_EQ_U64(p[59], 0x10 + 11);
	CHECK_EQ_U64(le32_get(p + 60), 0xa1b2c3d4);

	struct proto_tls_key d;
	CHECK_EQ_U64(proto_tls_key_decode(&cmd, &d), 0);
	CHECK_EQ_U64(d.flow, 77);
	CHECK_EQ_U64(d.epoch, 0x01020304);
	CHECK_EQ_U64(d.version, 0x0304);
	CHECK_EQ_U64(d.cipher, 2);
	CHECK(d.flags == PROTO_TLS_KEY_F_START && d.start_seq == 0xa1b2c3d4);
	CHECK(d.key_len == 32 && memcmp(d.key, k.key, 32) == 0);
	CHECK(d.iv_len == 12 && memcmp(d.iv, k.iv, 12) == 0);

	/* a 1.2 key: 16-byte key, 4-byte salt; unused bytes are zero on the wire and decoded */
	struct proto_tls_key k12 = {.flow = 1, .epoch = 0, .version = 0x0303, .cipher = 1,
				    .key_len = 16, .iv_len = 4, .key = {1, 2, 3}, .iv = {9, 8, 7, 6}};
	memset(k12.key + 16, 0xee, 16); /* never sent */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_put_tls_key(&w, &k12);
	n = proto_writer_finish(&w);
	CHECK_EQ_U64(one_cmd(buf, n, &cmd), 1);
	CHECK_EQ_U64(cmd.payload[16 + 16], 0);
	CHECK_EQ_U64(cmd.payload[48 + 4], 0);
	CHECK_EQ_U64(proto_tls_key_decode(&cmd, &d), 0);
	CHECK(d.key_len == 16 && d.key[16] == 0 && d.iv[4] == 0 && d.iv[3] == 6);

	/* malformed */
	uint8_t pl[PROTO_TLS_KEY_LEN];
	memcpy(pl, p, sizeof(pl));

	/* the wipe zeroes the key and IV in the frame, nothing else, and only in a TLS_KEY */
	uint8_t frame[PROTO_TLS_KEY_LEN], zero[PROTO_TLS_KEY_MAX + PROTO_TLS_IV_MAX] = {0};
	memcpy(frame, pl, sizeof(frame));
	struct proto_cmd wc = {.type = PROTO_T_SEND, .len = sizeof(frame), .payload = frame};
	proto_tls_key_wipe(&wc);
	CHECK(memcmp(frame, pl, sizeof(frame)) == 0);
	wc.type = PROTO_T_TLS_KEY;
	wc.len = PROTO_TLS_KEY_LEN - 1;
	proto_tls_key_wipe(&wc);
	CHECK(memcmp(frame, pl, sizeof(frame)) == 0);
	wc.len = PROTO_TLS_KEY_LEN;
	proto_tls_key_wipe(&wc);
	CHECK(memcmp(frame + 16, zero, sizeof(zero)) == 0);
	CHECK(memcmp(frame, pl, 16) == 0 && memcmp(frame + 60, pl + 60, 4) == 0);
	struct proto_cmd c = {.type = PROTO_T_TLS_KEY, .len = sizeof(pl), .payload = pl};
	pl[11] = 0;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_VALUE);
	pl[11] = 33;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_VALUE);
	pl[11] = 32;
	pl[12] = 13;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_VALUE);
	pl[12] = 0;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_VALUE);
	pl[12] = 12;
	c.len = PROTO_TLS_KEY_LEN - 1;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_LEN);
	c.len = PROTO_TLS_KEY_LEN + 10; /* longer: accepted, extra ignored */
	uint8_t longer[PROTO_TLS_KEY_LEN + 10] = {0};
	memcpy(longer, pl, sizeof(pl));
	c.payload = longer;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), 0);
	c.type = PROTO_T_SEND;
	CHECK_EQ_U64(proto_tls_key_decode(&c, &d), -PROTO_E_TYPE);
	k.key_len = 0;
	CHECK_EQ_U64(proto_put_tls_key(&w, &k), -PROTO_E_VALUE);

	CHECK(strcmp(proto_type_name(PROTO_T_TLS_KEY), "TLS_KEY") == 0);
	CHECK(strcmp(proto_type_name(PROTO_T_TLS_SEND), "TLS_SEND") == 0);
	CHECK(strcmp(proto_error_reason_name(PROTO_ERR_TLS_NO_KEY), "tls_no_key") == 0);
	CHECK(strcmp(proto_error_reason_name(PROTO_ERR_FILE_CHANGED), "file_changed") == 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_tls_send);
	RUN(test_tls_key);
	RUN_DONE();
}
