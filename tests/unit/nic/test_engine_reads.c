/* SPDX-License-Identifier: BSD-2-Clause */
/* Issue 14, finding 1: a store block whose read is in flight must never be reused, and a
 * completion must never mark a block READY with another read's bytes. With a fake I/O whose
 * reads complete on command and out of order (fake_io.h), each trigger of the old race:
 *   end       ACKD(END) while the flow waits for its read, then another file's SEND
 *   full      store_full part-way through a multi-block SEND, then another SEND
 *   reset     an engine reset (host restart) with a read in flight, then another file
 * followed by both completion orders; every byte on the wire, now and from the cache later,
 * must belong to the file asked for. Also: a failed read after its flow left is not cached; a
 * completion with an unknown ticket or kind is discarded; the file's fd stays open while a
 * read of it is in flight; shutting down waits for the reads. */
#include "harness.h"

#define BS   4096u
#define FLEN (4u * BS)

static struct nic_engine_config store_cfg(uint32_t blocks)
{
	struct nic_engine_config c = {.store_bytes = (uint64_t)blocks * BS,
				      .block_size = BS,
				      .max_files = 16,
				      .host_mtu = 1500};
	return c;
}

/* flow received len bytes, all of them fill */
#define expect_bytes(h, flow, fill, len)                                                           \
	do {                                                                                       \
		uint64_t wrong_;                                                                   \
		CHECK_EQ_U64(harness_bytes(h, flow, fill, &wrong_), len);                          \
		CHECK_EQ_U64(wrong_, 0);                                                           \
	} while (0)

static void open_two(struct harness *h, uint32_t *fa, uint32_t *fb)
{
	int err;
	CHECK(harness_file(h, "a.bin", FLEN, 'A') && harness_file(h, "b.bin", FLEN, 'B'));
	*fa = harness_open(h, "a.bin", &err);
	CHECK(!err);
	*fb = harness_open(h, "b.bin", &err);
	CHECK(!err);
}

/* ACKD(END) while flow 1 waits for its read of a.bin; flow 2 then asks for b.bin. */
static void end(bool old_first)
{
	struct harness h;
	struct nic_engine_config c = store_cfg(2);
	uint32_t fa, fb;
	CHECK(harness_init(&h, &c, true));
	open_two(&h, &fa, &fb);

	harness_send(&h, 1, fa, 0, BS, 1000);
	harness_flush(&h);
	CHECK(fake_io_pending(&h.fio) == 1);
	harness_ackd(&h, 1, 0, PROTO_ACKD_F_END); /* the client reset during the cold read */
	harness_send(&h, 2, fb, 0, BS, 5000);
	harness_flush(&h);
	CHECK(fake_io_pending(&h.fio) == 2);
	/* the two reads land in either order */
	CHECK(fake_io_complete(&h.fio, old_first ? 0 : 1, 0));
	harness_poll(&h);
	CHECK(fake_io_complete(&h.fio, old_first ? 1 : 0, 0));
	harness_poll(&h);
	expect_bytes(&h, 2, 'B', BS);
	expect_bytes(&h, 1, 'A', 0);

	/* later flows are served from the cache: still each file's own bytes */
	harness_clear(&h);
	harness_ackd(&h, 2, 0, PROTO_ACKD_F_END);
	harness_send(&h, 3, fb, 0, BS, 9000);
	harness_send(&h, 4, fa, 0, BS, 9000);
	harness_flush(&h);
	while (fake_io_pending(&h.fio))
		fake_io_complete(&h.fio, h.fio.nreads - (int)fake_io_pending(&h.fio), 0);
	harness_poll(&h);
	expect_bytes(&h, 3, 'B', BS);
	expect_bytes(&h, 4, 'A', BS);
	harness_fini(&h);
}

/* store_full part-way through a multi-block SEND: the blocks it got are reading; they must not
 * go to the next SEND while their reads are in flight. */
static void store_full(bool old_first)
{
	struct harness h;
	struct nic_engine_config c = store_cfg(4);
	uint32_t fa, fb;
	CHECK(harness_init(&h, &c, true));
	open_two(&h, &fa, &fb);

	/* flow 1 pins two blocks of a.bin (sent, unacknowledged) */
	harness_send(&h, 1, fa, 0, 2 * BS, 1000);
	harness_flush(&h);
	CHECK(fake_io_complete(&h.fio, 0, 0) && fake_io_complete(&h.fio, 1, 0));
	harness_poll(&h);
	expect_bytes(&h, 1, 'A', 2 * BS);
	/* flow 2 wants three blocks of b.bin: two reads start, the third block is missing */
	harness_send(&h, 2, fb, 0, 3 * BS, 5000);
	harness_flush(&h);
	CHECK(harness_errors(&h, PROTO_ERR_STORE_FULL, 2) == 1);
	CHECK(fake_io_pending(&h.fio) == 2);
	/* flow 3 wants the rest of a.bin: no block is free until those reads complete */
	harness_send(&h, 3, fa, 2 * BS, 2 * BS, 9000);
	harness_flush(&h);
	int reads_before = h.fio.nreads;
	if (old_first) {
		CHECK(fake_io_complete(&h.fio, 2, 0) && fake_io_complete(&h.fio, 3, 0));
		harness_poll(&h);
	}
	/* retry until it is served (what the host does on store_full) */
	for (int i = 0; i < 3 && harness_bytes(&h, 3, 'A', &(uint64_t){0}) == 0; i++) {
		for (int k = 0; k < h.fio.nreads; k++)
			fake_io_complete(&h.fio, k, 0);
		harness_poll(&h);
		harness_send(&h, 3, fa, 2 * BS, 2 * BS, 9000);
		harness_flush(&h);
		for (int k = reads_before; k < h.fio.nreads; k++)
			fake_io_complete(&h.fio, k, 0);
		harness_poll(&h);
	}
	for (int k = 0; k < h.fio.nreads; k++)
		fake_io_complete(&h.fio, k, 0);
	harness_poll(&h);
	expect_bytes(&h, 3, 'A', 2 * BS);
	/* and a later flow of b.bin gets b's bytes from the cache or a new read */
	harness_ackd(&h, 1, 0, PROTO_ACKD_F_END);
	harness_ackd(&h, 3, 0, PROTO_ACKD_F_END);
	harness_send(&h, 4, fb, 0, 2 * BS, 100);
	harness_flush(&h);
	for (int k = 0; k < h.fio.nreads; k++)
		fake_io_complete(&h.fio, k, 0);
	harness_poll(&h);
	expect_bytes(&h, 4, 'B', 2 * BS);
	harness_fini(&h);
}

/* The host restarts while a read is in flight; the new host asks for another file. */
static void reset(bool old_first)
{
	struct harness h;
	struct nic_engine_config c = store_cfg(2);
	uint32_t fa, fb;
	int err;
	CHECK(harness_init(&h, &c, true));
	open_two(&h, &fa, &fb);

	harness_send(&h, 1, fa, 0, BS, 1000);
	harness_flush(&h);
	nic_engine_reset(h.e);
	CHECK(nic_engine_check(h.e) == NULL);
	uint32_t fb2 = harness_open(&h, "b.bin", &err);
	CHECK(!err);
	harness_send(&h, 1, fb2, 0, BS, 5000);
	harness_flush(&h);
	CHECK(fake_io_pending(&h.fio) == 2);
	CHECK(fake_io_complete(&h.fio, old_first ? 0 : 1, 0));
	harness_poll(&h);
	CHECK(fake_io_complete(&h.fio, old_first ? 1 : 0, 0));
	harness_poll(&h);
	expect_bytes(&h, 1, 'B', BS);
	/* and from the cache afterwards */
	harness_clear(&h);
	harness_send(&h, 2, fb2, 0, BS, 5000);
	harness_flush(&h);
	expect_bytes(&h, 2, 'B', BS);
	/* nothing of the old host is answered: no CLOSE_DONE for its files */
	CHECK(harness_count(&h, PROTO_T_CLOSE_DONE) == 0);
	harness_fini(&h);
}

/* A read that fails after its flow went away leaves nothing cached; forged completions are
 * discarded; a file closed while its read is in flight keeps its fd until the read is done;
 * the engine waits for reads before it frees the store. */
static void test_misc(void)
{
	struct harness h;
	struct nic_engine_config c = store_cfg(2);
	uint32_t fa, fb;
	CHECK(harness_init(&h, &c, true));
	open_two(&h, &fa, &fb);

	harness_send(&h, 1, fa, 0, BS, 1000);
	harness_ackd(&h, 1, 0, PROTO_ACKD_F_END);
	harness_close(&h, fa);
	harness_flush(&h);
	/* the read holds the file: not closed yet */
	CHECK(harness_count(&h, PROTO_T_CLOSE_DONE) == 0);
	struct nic_engine_stats st;
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.files_open, 2);
	/* forged completions: unknown kind, unknown block, stale ticket, unknown open slot */
	fake_io_inject(&h.fio, 7ull << 56, 10);
	fake_io_inject(&h.fio, 2ull << 56 | 999ull << 32 | 1, 10);
	fake_io_inject(&h.fio, 2ull << 56 | 1ull << 32 | 0xfffff, 10);
	fake_io_inject(&h.fio, 1ull << 56 | 12, 3);
	harness_poll(&h);
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.stale_reads, 4);
	CHECK(fake_io_complete(&h.fio, 0, -EIO)); /* scribbles over the buffer, then fails */
	harness_poll(&h);
	CHECK(harness_count(&h, PROTO_T_CLOSE_DONE) == 1); /* now the file closes */
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.files_open, 1);
	CHECK_EQ_U64(st.store_pinned_blocks, 0);
	/* a.bin again: read anew, not the scribbled buffer */
	int err;
	fa = harness_open(&h, "a.bin", &err);
	harness_send(&h, 2, fa, 0, BS, 1000);
	harness_flush(&h);
	CHECK(fake_io_complete(&h.fio, 1, 0));
	harness_poll(&h);
	expect_bytes(&h, 2, 'A', BS);
	/* shutting down with a read in flight: it completes before the store goes */
	harness_send(&h, 3, fb, BS, BS, 1000);
	harness_flush(&h);
	CHECK(fake_io_pending(&h.fio) == 1);
	CHECK(nic_engine_stop_io(h.e));
	CHECK(fake_io_pending(&h.fio) == 0);
	harness_fini(&h);
}

/* Each race in both completion orders: the older read first, then the newer first. */
static void test_end_old_read_first(void)
{
	end(true);
}

static void test_end_new_read_first(void)
{
	end(false);
}

static void test_store_full_old_read_first(void)
{
	store_full(true);
}

static void test_store_full_new_read_first(void)
{
	store_full(false);
}

static void test_reset_old_read_first(void)
{
	reset(true);
}

static void test_reset_new_read_first(void)
{
	reset(false);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_end_old_read_first);
	RUN(test_end_new_read_first);
	RUN(test_store_full_old_read_first);
	RUN(test_store_full_new_read_first);
	RUN(test_reset_old_read_first);
	RUN(test_reset_new_read_first);
	RUN(test_misc);
	RUN_DONE();
}
