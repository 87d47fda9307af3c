/* SPDX-License-Identifier: BSD-2-Clause */
/* Issue 14, finding 7 (NIC side): SYNC releases what the host no longer has. The host lists its
 * live flows (with the acknowledged sequence number), open fids and pending OPENs; after END
 * with the right total the NIC releases every other flow (its jobs and pins) and every other
 * file (without CLOSE_DONE: the host forgot it), and answers SYNC_DONE with the figures. A sync
 * with entries missing releases nothing (-EAGAIN); flows and files that appear while a sync
 * runs are kept; an END alone means nothing is alive. */
#include "harness.h"
#include "proto/sync.h"

#define BS 4096u

struct sync_cmd {
	uint32_t epoch, total;
	uint8_t kind;
	uint16_t n;
	struct proto_sync_entry e[8];
};

static int put_sync(struct proto_writer *w, const void *arg)
{
	const struct sync_cmd *c = arg;
	return proto_put_sync(w, c->epoch, c->kind, c->total, c->e, c->n);
}

static void sync_list(struct harness *h, uint32_t epoch, uint8_t kind, uint32_t id, uint32_t value,
		      uint32_t flags)
{
	struct sync_cmd c = {.epoch = epoch, .kind = kind, .n = 1};
	c.e[0] = (struct proto_sync_entry){id, value, flags};
	harness_put(h, put_sync, &c);
}

static struct proto_sync_done sync_end(struct harness *h, uint32_t epoch, uint32_t total)
{
	struct sync_cmd c = {.epoch = epoch, .kind = PROTO_SYNC_END, .total = total};
	struct proto_sync_done d = {.err = 1};
	harness_clear(h);
	harness_put(h, put_sync, &c);
	harness_flush(h);
	const struct proto_cmd *cmd = harness_cmd(h, PROTO_T_SYNC_DONE, 0);
	CHECK(cmd && proto_sync_done_decode(cmd, &d) == 0 && d.epoch == epoch);
	return d;
}

static int put_bad_kind(struct proto_writer *w, const void *arg)
{
	uint8_t b[PROTO_SYNC_LEN] = {1, 0, 0, 0, 9};
	(void)arg;
	return proto_put_raw(w, PROTO_T_SYNC, b, sizeof(b));
}

static int put_bad_count(struct proto_writer *w, const void *arg)
{
	uint8_t b[PROTO_SYNC_LEN + PROTO_SYNC_ENTRY_LEN] = {1, 0, 0, 0, PROTO_SYNC_FLOWS, 0, 2};
	(void)arg;
	return proto_put_raw(w, PROTO_T_SYNC, b, sizeof(b));
}

static struct nic_engine_stats stats(struct harness *h)
{
	struct nic_engine_stats st;
	nic_engine_get_stats(h->e, &st);
	return st;
}

/* flows 1 and 2 send a, flow 3 b; nothing acknowledged yet */
struct fixture {
	struct harness h;
	uint32_t fa, fb, fc;
};

static bool setup(struct fixture *x)
{
	struct nic_engine_config c = {.store_bytes = 16 * BS, .block_size = BS, .max_files = 8};
	int err;

	if (!harness_init(&x->h, &c, false)) {
		CHECK(!"harness_init");
		return false;
	}
	struct harness *h = &x->h;
	CHECK(harness_file(h, "a", 4 * BS, 'A') && harness_file(h, "b", 4 * BS, 'B') &&
	      harness_file(h, "c", BS, 'C'));
	x->fa = harness_open(h, "a", &err);
	x->fb = harness_open(h, "b", &err);
	CHECK(!err);
	harness_send(h, 1, x->fa, 0, BS, 1000);
	harness_send(h, 1, x->fa, BS, BS, 1000 + BS);
	harness_send(h, 2, x->fa, 2 * BS, BS, 7);
	harness_send(h, 3, x->fb, 0, 2 * BS, 9);
	harness_flush(h);
	CHECK_EQ_U64(stats(h).flows, 3);
	CHECK_EQ_U64(stats(h).jobs_pinned, 4);
	return true;
}

/* Entries lost on the way: nothing released, the host is told to try again; an END of another
 * epoch: the same. */
static void step_missing_entries(struct fixture *x)
{
	struct harness *h = &x->h;

	sync_list(h, 5, PROTO_SYNC_FLOWS, 1, 0, 0);
	struct proto_sync_done d = sync_end(h, 5, 3);
	CHECK(d.err == -EAGAIN && d.flows == 0 && d.files == 0);
	CHECK_EQ_U64(stats(h).flows, 3);
	d = sync_end(h, 4, 1);
	CHECK(d.err == -EAGAIN);
}

/* The host has flow 1 (it acknowledged the first SEND: the ACKD was skipped) and flow 3, fid a;
 * a flow and a file appear while the sync runs: kept. Flow 2 and file b are released (b once
 * flow 3 ends); b is gone for new SENDs, a and c still work. */
static void step_release_unlisted(struct fixture *x)
{
	struct harness *h = &x->h;
	int err;

	sync_list(h, 6, PROTO_SYNC_FLOWS, 1, 1000 + BS, PROTO_SYNC_E_VALUE);
	sync_list(h, 6, PROTO_SYNC_FLOWS, 3, 0, 0);
	sync_list(h, 6, PROTO_SYNC_FIDS, x->fa, 0, 0);
	harness_send(h, 4, x->fa, 3 * BS, BS, 1);
	harness_flush(h);
	x->fc = harness_open(h, "c", &err);
	CHECK(!err);
	struct proto_sync_done d = sync_end(h, 6, 3);
	CHECK(d.err == 0);
	CHECK_EQ_U64(d.flows, 1); /* flow 2 */
	CHECK_EQ_U64(d.jobs, 1);
	CHECK_EQ_U64(d.files, 1); /* b: flow 3 still holds it, it closes when flow 3 ends */
	struct nic_engine_stats st = stats(h);
	CHECK_EQ_U64(st.flows, 3);	 /* 1, 3, 4 */
	CHECK_EQ_U64(st.jobs_pinned, 3); /* flow 1's second SEND, flow 3, flow 4 */
	CHECK_EQ_U64(st.files_open, 3);
	CHECK(harness_count(h, PROTO_T_CLOSE_DONE) == 0);
	harness_clear(h);
	harness_send(h, 5, x->fb, 0, BS, 1);
	harness_send(h, 5, x->fc, 0, BS, 1);
	harness_send(h, 6, x->fa, 0, BS, 1);
	harness_flush(h);
	CHECK(harness_errors(h, PROTO_ERR_UNKNOWN_FID, 5) == 1);
	uint64_t wrong;
	CHECK_EQ_U64(harness_bytes(h, 5, 'C', &wrong), BS);
	CHECK_EQ_U64(harness_bytes(h, 6, 'A', &wrong), BS);
}

/* A pending OPEN listed by its request id keeps the file it opened: the sync lists c only by
 * the OPEN's req_id (the host has not seen its OPEN_DONE yet). */
static void step_pending_open_kept(struct fixture *x)
{
	struct harness *h = &x->h;
	uint32_t req_c = 3; /* the harness numbers its OPENs 1, 2, 3: a, b, c */

	sync_list(h, 7, PROTO_SYNC_FLOWS, 5, 0, 0);
	sync_list(h, 7, PROTO_SYNC_OPENS, req_c, 0, 0);
	struct proto_sync_done d = sync_end(h, 7, 2);
	CHECK(d.err == 0);
	CHECK_EQ_U64(d.flows, 4); /* 1, 3, 4, 6 */
	CHECK_EQ_U64(d.files, 1); /* a; b closed with flow 3 */
	struct nic_engine_stats st = stats(h);
	CHECK_EQ_U64(st.flows, 1);
	CHECK_EQ_U64(st.files_open, 1);
	CHECK_EQ_U64(st.store_pinned_blocks, 1);
}

/* END alone: the host has nothing; everything goes, nothing pinned. */
static void step_end_alone(struct fixture *x)
{
	struct harness *h = &x->h;

	struct proto_sync_done d = sync_end(h, 8, 0);
	CHECK(d.err == 0 && d.flows == 1 && d.files == 1);
	struct nic_engine_stats st = stats(h);
	CHECK(st.flows == 0 && st.files_open == 0 && st.store_pinned_blocks == 0);
	CHECK(st.syncs == 3 && st.sync_failed == 2);
}

/* Malformed (an unknown kind, entries past the command): ERROR(malformed), no SYNC_DONE. */
static void step_malformed(struct fixture *x)
{
	struct harness *h = &x->h;

	harness_clear(h);
	harness_put(h, put_bad_kind, NULL);
	harness_put(h, put_bad_count, NULL);
	harness_flush(h);
	CHECK(harness_errors(h, PROTO_ERR_MALFORMED, UINT32_MAX) == 2);
	CHECK(harness_count(h, PROTO_T_SYNC_DONE) == 0);
}

/* Each test runs the steps before its own (each one's checks count; the first test that fails
 * names the behaviour that broke). */
static void (*const steps[])(struct fixture *) = {step_missing_entries, step_release_unlisted,
						  step_pending_open_kept, step_end_alone,
						  step_malformed};

static void teardown(struct fixture *x)
{
	harness_fini(&x->h);
}

RUN_STEPS_FN(run_steps, struct fixture, setup, teardown, steps)

static void test_sync_missing_entries(void)
{
	run_steps(1);
}

static void test_sync_releases_unlisted(void)
{
	run_steps(2);
}

static void test_sync_pending_open_kept(void)
{
	run_steps(3);
}

static void test_sync_end_alone(void)
{
	run_steps(4);
}

static void test_sync_malformed(void)
{
	run_steps(5);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_sync_missing_entries);
	RUN(test_sync_releases_unlisted);
	RUN(test_sync_pending_open_kept);
	RUN(test_sync_end_alone);
	RUN(test_sync_malformed);
	RUN_DONE();
}
