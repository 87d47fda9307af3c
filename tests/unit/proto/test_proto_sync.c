/* SPDX-License-Identifier: BSD-2-Clause */
/* SYNC / SYNC_DONE (proto/sync.h): round trips, and every malformed variant refused. */
#include <errno.h>
#include <string.h>

#include "../check.h"
#include "proto/sync.h"

static int one(const uint8_t *payload, size_t len, uint16_t type, struct proto_cmd *cmd)
{
	static uint8_t buf[8192];
	struct proto_writer w;
	struct proto_iter it;
	proto_writer_init(&w, buf, sizeof(buf));
	if (proto_put_raw(&w, type, payload, len) < 0)
		return -1;
	int n = proto_writer_finish(&w);
	if (n < 0 || proto_frame_open(&it, buf, (size_t)n) < 0 || proto_next(&it, cmd) != 1)
		return -1;
	return 0;
}

static void test_sync_round_trip_and_refusals(void)
{
	uint8_t buf[8192];
	struct proto_writer w;
	struct proto_iter it;
	struct proto_cmd cmd;
	struct proto_sync s;
	struct proto_sync_entry e[3] = {{1, 2, PROTO_SYNC_E_VALUE}, {0xffffffffu, 0, 0}, {7, 8, 9}};

	proto_writer_init(&w, buf, sizeof(buf));
	CHECK(proto_put_sync(&w, 42, PROTO_SYNC_FLOWS, 0, e, 3) == 0);
	CHECK(proto_put_sync(&w, 42, PROTO_SYNC_END, 3, NULL, 0) == 0);
	struct proto_sync_done d = {.epoch = 42, .err = -EAGAIN, .flows = 1, .files = 2, .jobs = 3};
	CHECK(proto_put_sync_done(&w, &d) == 0);
	/* refused by the writer: unknown kind, entries in an END, too many entries */
	CHECK(proto_put_sync(&w, 1, 9, 0, NULL, 0) < 0);
	CHECK(proto_put_sync(&w, 1, PROTO_SYNC_END, 0, e, 1) < 0);
	CHECK(proto_put_sync(&w, 1, PROTO_SYNC_FIDS, 0, e, PROTO_SYNC_MAX_ENTRIES + 1) < 0);
	int n = proto_writer_finish(&w);
	CHECK(n > 0 && proto_frame_open(&it, buf, (size_t)n) == 0);

	CHECK(proto_next(&it, &cmd) == 1 && proto_sync_decode(&cmd, &s) == 0);
	CHECK(s.epoch == 42 && s.kind == PROTO_SYNC_FLOWS && s.count == 3 && s.total == 0);
	for (uint16_t i = 0; i < 3; i++) {
		struct proto_sync_entry got;
		proto_sync_entry(&s, i, &got);
		CHECK(memcmp(&got, &e[i], sizeof(got)) == 0);
	}
	CHECK(proto_next(&it, &cmd) == 1 && proto_sync_decode(&cmd, &s) == 0);
	CHECK(s.kind == PROTO_SYNC_END && s.total == 3 && s.count == 0);
	struct proto_sync_done d2;
	CHECK(proto_next(&it, &cmd) == 1 && proto_sync_done_decode(&cmd, &d2) == 0);
	CHECK(d2.epoch == 42 && d2.err == -EAGAIN && d2.flows == 1 && d2.files == 2 &&
	      d2.jobs == 3);
	CHECK(proto_next(&it, &cmd) == 0);
	CHECK(strcmp(proto_type_name(PROTO_T_SYNC), "SYNC") == 0);
	CHECK(strcmp(proto_type_name(PROTO_T_SYNC_DONE), "SYNC_DONE") == 0);

	/* malformed: short, unknown kind, END with entries, entries past the command, positive
	 * err, wrong type */
	uint8_t p[64] = {0};
	CHECK(one(p, 11, PROTO_T_SYNC, &cmd) == 0 && proto_sync_decode(&cmd, &s) == -PROTO_E_LEN);
	p[4] = 4;
	CHECK(one(p, 12, PROTO_T_SYNC, &cmd) == 0 && proto_sync_decode(&cmd, &s) == -PROTO_E_VALUE);
	p[4] = PROTO_SYNC_END;
	p[6] = 1;
	CHECK(one(p, 24, PROTO_T_SYNC, &cmd) == 0 && proto_sync_decode(&cmd, &s) == -PROTO_E_VALUE);
	p[4] = PROTO_SYNC_FIDS;
	p[6] = 2;
	CHECK(one(p, 24, PROTO_T_SYNC, &cmd) == 0 && proto_sync_decode(&cmd, &s) == -PROTO_E_LEN);
	CHECK(one(p, 36, PROTO_T_SYNC, &cmd) == 0 && proto_sync_decode(&cmd, &s) == 0);
	CHECK(one(p, 23, PROTO_T_SYNC_DONE, &cmd) == 0 &&
	      proto_sync_done_decode(&cmd, &d2) == -PROTO_E_LEN);
	memset(p, 0, sizeof(p));
	p[4] = 1;
	CHECK(one(p, 24, PROTO_T_SYNC_DONE, &cmd) == 0 &&
	      proto_sync_done_decode(&cmd, &d2) == -PROTO_E_VALUE);
	CHECK(proto_sync_decode(&cmd, &s) == -PROTO_E_TYPE);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_sync_round_trip_and_refusals);
	RUN_DONE();
}
