/* SPDX-License-Identifier: BSD-2-Clause */
/* Issue 14, findings 3 (NIC side) and 6: per-flow limits on NIC jobs and on the store bytes a
 * flow's SENDs hold. A flow past either gets ERROR(flow_limit) and only it waits: other flows'
 * SENDs are served although one client has made the NIC hold all it may (the old single global
 * job limit answered everybody ERROR(busy)). A retransmission of blocks the flow already holds
 * costs nothing; a flow without jobs may always have one; ACKD gives the share back; the
 * global limits still hold. */
#include "harness.h"
#include "nic/flow_pins.h"

#define BS 4096u

static struct nic_engine_config cfg(uint32_t store_blocks, uint32_t max_jobs, uint32_t flow_jobs,
				    uint32_t flow_blocks)
{
	struct nic_engine_config c = {.store_bytes = (uint64_t)store_blocks * BS,
				      .block_size = BS,
				      .max_files = 8,
				      .max_jobs = max_jobs,
				      .max_flow_jobs = flow_jobs,
				      .max_flow_pinned = (uint64_t)flow_blocks * BS};
	return c;
}

/* One flow sends many small SENDs (what 1-byte SACK blocks made the host do). */
static void test_flow_jobs(void)
{
	struct harness h;
	struct nic_engine_config c = cfg(16, 32, 8, 16);
	int err;
	CHECK(harness_init(&h, &c, false));
	CHECK(harness_file(&h, "f", 16 * BS, 'F'));
	uint32_t fid = harness_open(&h, "f", &err);
	CHECK(!err);
	for (uint32_t i = 0; i < 40; i++)
		harness_send(&h, 1, fid, i, 1, 100 + i);
	harness_flush(&h);
	CHECK(harness_errors(&h, PROTO_ERR_FLOW_LIMIT, 1) == 32);
	CHECK(harness_errors(&h, PROTO_ERR_BUSY, UINT32_MAX) == 0);
	/* another client is not refused */
	harness_clear(&h);
	harness_send(&h, 2, fid, 0, 2 * BS, 100);
	harness_flush(&h);
	CHECK(harness_count(&h, PROTO_T_ERROR) == 0);
	uint64_t wrong;
	CHECK_EQ_U64(harness_bytes(&h, 2, 'F', &wrong), 2 * BS);
	/* ACKD gives flow 1 its share back */
	harness_clear(&h);
	harness_ackd(&h, 1, 100 + 4, 0);
	harness_send(&h, 1, fid, 50, 1, 150);
	harness_flush(&h);
	CHECK(harness_count(&h, PROTO_T_ERROR) == 0);
	struct nic_engine_stats st;
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.flow_limited, 32);
	harness_fini(&h);
}

/* A flow that stops acknowledging holds at most its share of the store. */
static void test_flow_pins(void)
{
	struct harness h;
	struct nic_engine_config c = cfg(16, 1000, 1000, 4);
	int err;
	uint64_t wrong;
	CHECK(harness_init(&h, &c, false));
	CHECK(harness_file(&h, "f", 16 * BS, 'F'));
	uint32_t fid = harness_open(&h, "f", &err);
	CHECK(!err);
	for (uint32_t i = 0; i < 8; i++)
		harness_send(&h, 1, fid, (uint64_t)i * BS, BS, i * BS);
	harness_flush(&h);
	CHECK(harness_errors(&h, PROTO_ERR_FLOW_LIMIT, 1) == 4);
	struct nic_engine_stats st;
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.store_pinned_blocks, 4);
	/* retransmissions of what it holds pass (no new block), across block edges too */
	harness_clear(&h);
	harness_send(&h, 1, fid, 100, 1000, 100);
	harness_send(&h, 1, fid, BS - 10, 20, BS - 10);
	harness_flush(&h);
	CHECK(harness_count(&h, PROTO_T_ERROR) == 0);
	CHECK_EQ_U64(harness_bytes(&h, 1, 'F', &wrong), 1020);
	/* the other twelve blocks serve other flows */
	for (uint32_t f = 2; f < 5; f++)
		harness_send(&h, f, fid, (uint64_t)(4 * f - 4) * BS, 4 * BS, 0);
	harness_flush(&h);
	CHECK(harness_count(&h, PROTO_T_ERROR) == 0);
	/* the store is now full: the global limit answers store_full (a cached block is a hit) */
	CHECK(harness_file(&h, "g", BS, 'G'));
	uint32_t gid = harness_open(&h, "g", &err);
	harness_send(&h, 5, fid, 0, BS, 0);
	harness_send(&h, 5, gid, 0, BS, 0);
	harness_flush(&h);
	CHECK(harness_errors(&h, PROTO_ERR_STORE_FULL, 5) == 1);
	/* a flow without jobs may always have one, whatever its size */
	harness_ackd(&h, 3, 0, PROTO_ACKD_F_END);
	harness_ackd(&h, 4, 0, PROTO_ACKD_F_END);
	harness_ackd(&h, 5, 0, PROTO_ACKD_F_END);
	harness_send(&h, 6, fid, 8 * BS, 8 * BS, 0);
	harness_flush(&h);
	CHECK(harness_errors(&h, PROTO_ERR_FLOW_LIMIT, 6) == 0);
	CHECK(harness_errors(&h, PROTO_ERR_STORE_FULL, 6) == 0);
	harness_fini(&h);
}

/* The pin multiset against a plain array, through growth, deletion runs and wrap-around. */
static void test_pin_set(void)
{
	static uint32_t ref[4][64];
	struct flow_pins p = {0};
	uint64_t keys[4] = {1, 2, 0xdeadbeefcafeull, 3};
	uint32_t x = 12345, distinct = 0;

	for (int step = 0; step < 200000; step++) {
		x = x * 1103515245u + 12345u;
		uint32_t k = (x >> 8) & 3, i = (x >> 12) & 63;
		bool add = ((x >> 20) & 3) != 0 || !ref[k][i];
		if ((x >> 24) % 97 == 0) { /* now and then empty it all */
			for (uint32_t a = 0; a < 4; a++)
				for (uint32_t b = 0; b < 64; b++)
					while (ref[a][b]) {
						flow_pins_del(&p, keys[a], b);
						ref[a][b]--;
					}
			distinct = 0;
			CHECK(p.distinct == 0 && p.cap == 0);
			continue;
		}
		if (add) {
			CHECK(flow_pins_add(&p, keys[k], i) == 0);
			distinct += ref[k][i]++ == 0;
		} else {
			flow_pins_del(&p, keys[k], i);
			distinct -= --ref[k][i] == 0;
		}
		if (step % 997 == 0) {
			uint64_t total = 0;
			for (uint32_t a = 0; a < 4; a++)
				for (uint32_t b = 0; b < 64; b++) {
					CHECK(flow_pins_count(&p, keys[a], b) == ref[a][b]);
					total += ref[a][b];
				}
			CHECK_EQ_U64(flow_pins_total(&p), total);
			uint32_t held = 0;
			for (uint32_t b = 0; b < 64; b++)
				held += ref[k][b] != 0;
			CHECK(flow_pins_missing(&p, keys[k], 0, 64) == 64 - held);
		}
		CHECK(p.distinct == distinct);
	}
	flow_pins_free(&p);
}

/* Defaults: 4096 jobs per flow, 1/8 of the store per flow (at least four blocks). */
static void test_defaults(void)
{
	CHECK_EQ_U64(nic_engine_default_flow_pinned(64u << 20, 65536), 8u << 20);
	CHECK_EQ_U64(nic_engine_default_flow_pinned(8 * 65536, 65536), 4 * 65536);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_flow_jobs);
	RUN(test_flow_pins);
	RUN(test_defaults);
	RUN(test_pin_set);
	RUN_DONE();
}
