/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz the host <-> NIC command decoder: any input is either rejected with an error or decoded
 * within its bounds; decoded HELLO/HEARTBEAT commands re-encode to the same fields; every
 * offload decoder stays inside its command; a decoded SEND or TLS_SEND re-encodes to the same
 * fields and holds only valid TLS parameters; a decoded TLS_KEY re-encodes to the same key; a
 * decoded SYNC keeps its entries inside the command and re-encodes, as does SYNC_DONE. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/offload.h"
#include "proto/proto.h"
#include "proto/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_hello(const struct proto_hello *h)
{
	uint8_t buf[64];
	struct proto_writer w;
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_hello again;

	proto_writer_init(&w, buf, sizeof(buf));
	proto_put_hello(&w, h);
	int n = proto_writer_finish(&w);
	if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 || proto_next(&it, &cmd) != 1 ||
	    proto_hello_decode(&cmd, &again) != 0)
		abort();
	if (again.version != h->version || again.role != h->role || again.flags != h->flags ||
	    memcmp(again.mac, h->mac, PROTO_MAC_LEN) != 0 || again.caps != h->caps ||
	    again.store_size != h->store_size || again.boot_id != h->boot_id)
		abort();
}

static void inside(const struct proto_cmd *cmd, const void *p, size_t len)
{
	const uint8_t *b = p;
	if (b < cmd->payload || b + len > cmd->payload + cmd->len)
		abort();
}

/* SYNC: entries inside the command, the kind known, END without entries; a decoded SYNC and
 * SYNC_DONE re-encode to the same fields. */
static void check_sync(const struct proto_cmd *cmd)
{
	static uint8_t buf[PROTO_SYNC_LEN + PROTO_SYNC_MAX_ENTRIES * PROTO_SYNC_ENTRY_LEN + 64];
	struct proto_sync_entry e[PROTO_SYNC_MAX_ENTRIES];
	struct proto_writer w;
	struct proto_iter it;
	struct proto_cmd again;
	struct proto_sync s, s2;
	struct proto_sync_done d, d2;

	if (proto_sync_decode(cmd, &s) == 0) {
		inside(cmd, s.entries, (size_t)s.count * PROTO_SYNC_ENTRY_LEN);
		if (s.kind > PROTO_SYNC_OPENS || (s.kind == PROTO_SYNC_END && s.count))
			abort();
		if (s.count <= PROTO_SYNC_MAX_ENTRIES) {
			for (uint16_t i = 0; i < s.count; i++)
				proto_sync_entry(&s, i, &e[i]);
			proto_writer_init(&w, buf, sizeof(buf));
			if (proto_put_sync(&w, s.epoch, s.kind, s.total, e, s.count) != 0)
				abort();
			int n = proto_writer_finish(&w);
			if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 ||
			    proto_next(&it, &again) != 1 || proto_sync_decode(&again, &s2) != 0 ||
			    s2.epoch != s.epoch || s2.kind != s.kind || s2.count != s.count ||
			    s2.total != s.total ||
			    memcmp(s2.entries, s.entries, (size_t)s.count * PROTO_SYNC_ENTRY_LEN) !=
				0)
				abort();
		}
	}
	if (proto_sync_done_decode(cmd, &d) == 0) {
		if (d.err > 0)
			abort();
		proto_writer_init(&w, buf, sizeof(buf));
		proto_put_sync_done(&w, &d);
		int n = proto_writer_finish(&w);
		if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 ||
		    proto_next(&it, &again) != 1 || proto_sync_done_decode(&again, &d2) != 0 ||
		    memcmp(&d, &d2, sizeof(d)) != 0)
			abort();
	}
}

static void check_offload(const struct proto_cmd *cmd)
{
	struct proto_open o;
	struct proto_open_done od;
	struct proto_fstat fs;
	struct proto_close c;
	struct proto_send s, s2;
	struct proto_echo e;
	struct proto_ackd a;
	struct proto_error er;

	if (proto_open_decode(cmd, &o) == 0) {
		inside(cmd, o.path, o.path_len);
		if (o.path_len == 0 || memchr(o.path, 0, o.path_len))
			abort();
	}
	if (proto_open_done_decode(cmd, &od) == 0 && od.err > 0)
		abort();
	(void)proto_fstat_decode(cmd, &fs);
	(void)proto_close_decode(cmd, &c);
	(void)proto_close_done_decode(cmd, &c);
	if (proto_send_decode(cmd, &s) == 0) {
		inside(cmd, s.tmpl, s.tmpl_len);
		uint8_t buf[256];
		struct proto_writer w;
		struct proto_iter it;
		struct proto_cmd again;
		proto_writer_init(&w, buf, sizeof(buf));
		proto_put_send(&w, &s);
		int n = proto_writer_finish(&w);
		if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 ||
		    proto_next(&it, &again) != 1 || proto_send_decode(&again, &s2) != 0 ||
		    s2.flow != s.flow || s2.fid != s.fid || s2.file_off != s.file_off ||
		    s2.len != s.len || s2.mss != s.mss || s2.flags != s.flags ||
		    s2.cookie != s.cookie || s2.tmpl_len != s.tmpl_len ||
		    memcmp(s2.tmpl, s.tmpl, s.tmpl_len) != 0 || s2.is_tls != s.is_tls ||
		    s2.is_tls != (cmd->type == PROTO_T_TLS_SEND) || s2.tls.epoch != s.tls.epoch ||
		    s2.tls.rec_size != s.tls.rec_size || s2.tls.align != s.tls.align ||
		    s2.tls.body_off != s.tls.body_off || s2.tls.body_len != s.tls.body_len ||
		    s2.tls.rec_seq != s.tls.rec_seq)
			abort();
		if (s.is_tls &&
		    (s.tls.rec_size < PROTO_TLS_REC_MIN || s.tls.rec_size > PROTO_TLS_REC_MAX ||
		     s.tls.align > 1 || s.tls.body_len == 0 ||
		     s.tls.body_off + s.tls.body_len > (uint64_t)INT64_MAX))
			abort();
	}
	struct proto_tls_key k, k2;
	if (proto_tls_key_decode(cmd, &k) == 0) {
		uint8_t buf[128];
		struct proto_writer w;
		struct proto_iter it;
		struct proto_cmd again;
		if (!k.key_len || k.key_len > PROTO_TLS_KEY_MAX || !k.iv_len ||
		    k.iv_len > PROTO_TLS_IV_MAX)
			abort();
		proto_writer_init(&w, buf, sizeof(buf));
		proto_put_tls_key(&w, &k);
		int n = proto_writer_finish(&w);
		if (n < 0 || proto_frame_open(&it, buf, (size_t)n) != 0 ||
		    proto_next(&it, &again) != 1 || proto_tls_key_decode(&again, &k2) != 0 ||
		    k2.flow != k.flow || k2.epoch != k.epoch || k2.version != k.version ||
		    k2.cipher != k.cipher || k2.key_len != k.key_len || k2.iv_len != k.iv_len ||
		    k2.flags != k.flags || k2.start_seq != k.start_seq ||
		    memcmp(k2.key, k.key, sizeof(k.key)) != 0 ||
		    memcmp(k2.iv, k.iv, sizeof(k.iv)) != 0)
			abort();
	}
	check_sync(cmd);
	(void)proto_echo_decode(cmd, &e);
	(void)proto_ackd_decode(cmd, &a);
	if (proto_error_decode(cmd, &er) == 0)
		(void)proto_error_reason_name(er.reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_iter it;
	struct proto_cmd cmd;
	int rc;

	if (proto_frame_open(&it, data, size) != 0)
		return 0;
	while ((rc = proto_next(&it, &cmd)) > 0) {
		if (cmd.payload < data || cmd.payload + cmd.len > data + size)
			abort();
		struct proto_hello h;
		struct proto_heartbeat hb;
		if (proto_hello_decode(&cmd, &h) == 0)
			check_hello(&h);
		if (proto_heartbeat_decode(&cmd, &hb) == 0 && hb.boot_id == 0)
			abort();
		check_offload(&cmd);
		(void)proto_type_name(cmd.type);
	}
	(void)proto_strerror(rc);
	return 0;
}
