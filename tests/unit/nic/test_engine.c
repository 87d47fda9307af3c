/* SPDX-License-Identifier: BSD-2-Clause */
/* The NIC offload engine with synchronous file I/O and captured output: opens beneath the
 * docroot, SEND -> segments carrying the file's bytes with valid checksums, ECHO, ACKD releases
 * pinned data, deferred CLOSE, and an ERROR (never a crash) for each failure: missing file,
 * traversal, unknown fid, range past the end, truncated file, store exhausted, bad template,
 * malformed and unknown commands. Also the io_uring path for one real read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "docroot.h"
#include "engine_frames.h"
#include "nic/engine.h"
#include "nic/io.h"
#include "proto/offload.h"
#include "wire/pkt.h"

#define MAXF 4096

struct capture {
	uint8_t *wire[MAXF];
	size_t wire_len[MAXF];
	int nwire;
	int wire_budget; /* frames the "port" accepts before stalling; -1 = unlimited */
	struct proto_cmd cmds[256];
	uint8_t cmdbuf[256][256];
	int ncmds;
};

static uint8_t *cap_alloc(void *ctx, size_t len)
{
	struct capture *c = ctx;
	if (c->nwire == MAXF || c->wire_budget == 0)
		return NULL;
	if (c->wire_budget > 0)
		c->wire_budget--;
	return malloc(len);
}

static void cap_send(void *ctx, uint8_t *buf, size_t len)
{
	struct capture *c = ctx;
	c->wire[c->nwire] = buf;
	c->wire_len[c->nwire++] = len;
}

static void cap_host(void *ctx, const uint8_t *payload, size_t len)
{
	struct capture *c = ctx;
	struct proto_iter it;
	struct proto_cmd cmd;
	if (proto_frame_open(&it, payload, len) < 0) {
		check_failures++;
		return;
	}
	while (proto_next(&it, &cmd) > 0 && c->ncmds < 256) {
		size_t n = cmd.len < 256 ? cmd.len : 256;
		memcpy(c->cmdbuf[c->ncmds], cmd.payload, n);
		cmd.payload = c->cmdbuf[c->ncmds];
		c->cmds[c->ncmds++] = cmd;
	}
}

static void reset_capture(struct capture *c)
{
	for (int i = 0; i < c->nwire; i++)
		free(c->wire[i]);
	c->nwire = 0;
	c->ncmds = 0;
	c->wire_budget = -1;
}

/* Find the last host command of a type. */
static const struct proto_cmd *find_cmd(struct capture *c, uint16_t type)
{
	for (int i = c->ncmds - 1; i >= 0; i--)
		if (c->cmds[i].type == type)
			return &c->cmds[i];
	return NULL;
}

struct frame {
	uint8_t buf[1600];
	struct proto_writer w;
};

static void frame_begin(struct frame *f)
{
	proto_writer_init(&f->w, f->buf, sizeof(f->buf));
}

static void frame_deliver(struct nic_engine *e, struct frame *f)
{
	int len = proto_writer_finish(&f->w);
	CHECK(len > 0);
	nic_engine_host_frame(e, f->buf, (size_t)len, 1000);
	nic_engine_poll(e, 2000);
}

static uint32_t do_open(struct nic_engine *e, struct capture *c, const char *path, int *err,
			struct proto_open_done *out)
{
	struct frame f;
	frame_begin(&f);
	proto_put_open(&f.w, 7, path, (uint16_t)strlen(path));
	c->ncmds = 0;
	frame_deliver(e, &f);
	const struct proto_cmd *cmd = find_cmd(c, PROTO_T_OPEN_DONE);
	struct proto_open_done d = {0};
	CHECK(cmd && proto_open_done_decode(cmd, &d) == 0 && d.req_id == 7);
	*err = d.err;
	if (out)
		*out = d;
	return d.fid;
}

static void put_send(struct frame *f, uint32_t flow, uint32_t fid, uint64_t off, uint32_t len,
		     uint32_t seq)
{
	uint8_t hdr[128];
	struct proto_send s = {.flow = flow,
			       .fid = fid,
			       .file_off = off,
			       .len = len,
			       .mss = 1000,
			       .flags = PROTO_SEND_F_ECHO,
			       .cookie = seq};
	s.tmpl_len = (uint16_t)ef_template(hdr, seq, 1);
	s.tmpl = hdr;
	CHECK(proto_put_send(&f->w, &s) == 0);
}

static int last_error(struct capture *c, struct proto_error *pe)
{
	const struct proto_cmd *cmd = find_cmd(c, PROTO_T_ERROR);
	if (!cmd || proto_error_decode(cmd, pe) < 0)
		return 0;
	return pe->reason;
}

/* The engine over a temporary docroot with file.bin (300000 bytes) and a directory sub. */
struct fixture {
	struct docroot d;
	struct nic_io *io;
	struct nic_engine *e;
	uint32_t fid; /* file.bin's current fid */
};

static uint8_t content[300000];
static struct capture cap;

static bool docroot_fill(struct docroot *d)
{
	char path[512];

	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (uint8_t)(i * 131 + (i >> 9));
	if (!docroot_make(d, "iotcp-nic", "file.bin", content, sizeof(content)))
		return false;
	docroot_path(d, "sub", path, sizeof(path));
	mkdir(path, 0755);
	return true;
}

static bool setup(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	if (!docroot_fill(&x->d))
		return false;
	reset_capture(&cap);
	x->io = nic_io_new(64, true);
	struct nic_engine_config cfg = {
	    .docroot_fd = x->d.dfd, .store_bytes = 4 * 65536, .block_size = 65536, .io = x->io};
	struct nic_engine_out out = {&cap, cap_alloc, cap_send, cap_host};
	x->e = nic_engine_new(&cfg, &out);
	CHECK(x->e != NULL);
	if (!x->e) {
		nic_io_free(x->io);
		docroot_remove(&x->d);
	}
	return x->e != NULL;
}

static void teardown(struct fixture *x)
{
	reset_capture(&cap);
	nic_engine_free(x->e);
	nic_io_free(x->io);
	docroot_remove(&x->d);
}

/* open: ok, missing, traversal, directory */
static void step_open(struct fixture *x)
{
	int err;
	struct proto_open_done d;

	x->fid = do_open(x->e, &cap, "file.bin", &err, &d);
	CHECK(err == 0 && d.size == sizeof(content) && S_ISREG(d.mode));
	do_open(x->e, &cap, "missing", &err, NULL);
	CHECK(err == -ENOENT);
	do_open(x->e, &cap, "../etc/passwd", &err, NULL);
	CHECK(err == -EXDEV);
	do_open(x->e, &cap, "sub", &err, &d);
	CHECK(err == 0 && S_ISDIR(d.mode));
}

/* SEND 100000 bytes from offset 1000 (crosses block boundaries): the file's bytes in order,
 * one ECHO, the job and its blocks pinned */
static void step_send(struct fixture *x)
{
	struct frame f;
	frame_begin(&f);
	put_send(&f, 1, x->fid, 1000, 100000, 0xfffffff0u);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(cap.nwire == 100);
	uint32_t got = 0;
	for (int i = 0; i < cap.nwire; i++) {
		struct pkt_view v;
		CHECK(pkt_decode_eth(cap.wire[i], cap.wire_len[i], &v, 0) == PKT_OK);
		CHECK(v.tcp.seq == 0xfffffff0u + got);
		CHECK(memcmp(v.payload, content + 1000 + got, v.payload_len) == 0);
		got += (uint32_t)v.payload_len;
	}
	CHECK(got == 100000);
	const struct proto_cmd *ec = find_cmd(&cap, PROTO_T_ECHO);
	struct proto_echo echo;
	CHECK(ec && proto_echo_decode(ec, &echo) == 0 && echo.flow == 1 && echo.len == 100000 &&
	      echo.seq == 0xfffffff0u && echo.nic_delay_ns == 1000);
	struct nic_engine_stats st;
	nic_engine_get_stats(x->e, &st);
	CHECK(st.jobs_pinned == 1 && st.store_pinned_blocks == 2);
}

/* retransmission of an older part is served from the store (no new read) */
static void step_retransmit_from_store(struct fixture *x)
{
	struct nic_engine_stats st;
	nic_engine_get_stats(x->e, &st);
	uint64_t reads = st.reads;
	struct frame f;
	frame_begin(&f);
	put_send(&f, 1, x->fid, 2000, 1000, 0xfffffff0u + 1000);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	nic_engine_get_stats(x->e, &st);
	CHECK(cap.nwire == 1 && st.reads == reads);
}

/* the wire stalls: the burst resumes on a later poll, in order */
static void step_wire_stall(struct fixture *x)
{
	struct frame f;
	frame_begin(&f);
	put_send(&f, 2, x->fid, 0, 5000, 100);
	reset_capture(&cap);
	cap.wire_budget = 2;
	frame_deliver(x->e, &f);
	CHECK(cap.nwire == 2 && find_cmd(&cap, PROTO_T_ECHO) == NULL);
	cap.wire_budget = -1;
	nic_engine_poll(x->e, 3000);
	CHECK(cap.nwire == 5 && find_cmd(&cap, PROTO_T_ECHO) != NULL);
}

/* ACKD releases; close takes effect when nothing pins the file */
static void step_ackd_and_deferred_close(struct fixture *x)
{
	struct frame f;
	struct nic_engine_stats st;
	frame_begin(&f);
	proto_put_close(&f.w, x->fid);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(find_cmd(&cap, PROTO_T_CLOSE_DONE) == NULL); /* flows 1 and 2 still pin it */
	frame_begin(&f);
	struct proto_ackd a = {.flow = 1, .acked = 0xfffffff0u + 100000};
	proto_put_ackd(&f.w, &a);
	struct proto_ackd a2 = {.flow = 2, .flags = PROTO_ACKD_F_END};
	proto_put_ackd(&f.w, &a2);
	frame_deliver(x->e, &f);
	nic_engine_get_stats(x->e, &st);
	CHECK(st.jobs_pinned == 0 && st.store_pinned_blocks == 0 && st.flows == 0);
	CHECK(find_cmd(&cap, PROTO_T_CLOSE_DONE) != NULL);
}

/* errors: unknown (closed) fid, range, bad template */
static void step_send_errors(struct fixture *x)
{
	struct proto_error pe;
	struct frame f;
	int err;
	frame_begin(&f);
	put_send(&f, 3, x->fid, 0, 100, 1);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_UNKNOWN_FID && pe.flow == 3);
	x->fid = do_open(x->e, &cap, "file.bin", &err, NULL);
	frame_begin(&f);
	put_send(&f, 3, x->fid, sizeof(content) - 10, 100, 1);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_RANGE);
	frame_begin(&f);
	uint8_t junk[60] = {0};
	struct proto_send bad = {
	    .flow = 3, .fid = x->fid, .len = 10, .mss = 100, .tmpl_len = 60, .tmpl = junk};
	proto_put_send(&f.w, &bad);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_BAD_TEMPLATE);
}

/* store exhausted: 4 blocks; pin them all, then ask for another */
static void step_store_full(struct fixture *x)
{
	struct proto_error pe;
	struct frame f;
	int err;
	frame_begin(&f);
	put_send(&f, 4, x->fid, 0, 3 * 65536 + 1, 1);
	frame_deliver(x->e, &f);
	uint32_t fid2 = do_open(x->e, &cap, "sub/../file.bin", &err, NULL);
	CHECK(err == 0);
	(void)fid2;
	frame_begin(&f);
	put_send(&f, 5, x->fid, 4 * 65536, 1000, 1);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_STORE_FULL);
	frame_begin(&f);
	struct proto_ackd a2 = {.flow = 4, .flags = PROTO_ACKD_F_END};
	proto_put_ackd(&f.w, &a2);
	frame_deliver(x->e, &f);
}

/* truncated file: range valid at open, the file shrinks before the read */
static void step_truncated(struct fixture *x)
{
	struct proto_error pe;
	struct frame f;
	char path[512];
	docroot_path(&x->d, "file.bin", path, sizeof(path));
	CHECK(truncate(path, 1000) == 0);
	frame_begin(&f);
	put_send(&f, 6, x->fid, 270000, 20000, 1); /* block 4: not cached */
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_TRUNCATED && pe.flow == 6);
}

/* malformed input: bad frame, short command, unknown type -- counted, answered */
static void step_malformed(struct fixture *x)
{
	struct proto_error pe;
	struct nic_engine_stats st;
	struct frame f;
	nic_engine_get_stats(x->e, &st);
	uint64_t mal = st.malformed;
	nic_engine_host_frame(x->e, (const uint8_t *)"garbage", 7, 0);
	frame_begin(&f);
	proto_put_raw(&f.w, PROTO_T_SEND, "x", 1);
	proto_put_raw(&f.w, 0x7777, "", 0);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	nic_engine_get_stats(x->e, &st);
	CHECK(st.malformed == mal + 3);
	CHECK(last_error(&cap, &pe) == PROTO_ERR_UNSUPPORTED);
}

/* fid generations wrap: thousands of open/close cycles on one slot keep working */
static void step_fid_wrap(struct fixture *x)
{
	struct frame f;
	char path[512];
	int err;
	docroot_path(&x->d, "file.bin", path, sizeof(path));
	int fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, content, sizeof(content)) == (ssize_t)sizeof(content));
	close(fd);
	frame_begin(&f);
	proto_put_close(&f.w, x->fid);
	frame_deliver(x->e, &f);
	uint32_t first_fid = 0;
	for (int k = 0; k < 5000; k++) {
		uint32_t fx = do_open(x->e, &cap, "file.bin", &err, NULL);
		if (k == 0)
			first_fid = fx;
		if (err != 0 || (k > 0 && fx == first_fid))
			break; /* a reused fid value would confuse a stale SEND with a new file */
		if (k == 4999)
			printf("5000 open/close cycles, last fid %#x\n", fx);
		frame_begin(&f);
		proto_put_close(&f.w, fx);
		reset_capture(&cap);
		frame_deliver(x->e, &f);
		if (!find_cmd(&cap, PROTO_T_CLOSE_DONE) || find_cmd(&cap, PROTO_T_ERROR)) {
			printf("close %d of fid %#x failed\n", k, fx);
			check_failures++;
			break;
		}
		x->fid = fx;
	}
	x->fid = do_open(x->e, &cap, "file.bin", &err, NULL);
	frame_begin(&f);
	put_send(&f, 9, x->fid, 0, 1000, 1);
	reset_capture(&cap);
	frame_deliver(x->e, &f);
	CHECK(err == 0 && cap.nwire == 1 && find_cmd(&cap, PROTO_T_ERROR) == NULL);
}

/* host restart: everything forgotten, the engine keeps working */
static void step_reset(struct fixture *x)
{
	struct nic_engine_stats st;
	nic_engine_reset(x->e);
	nic_engine_get_stats(x->e, &st);
	CHECK(st.files_open == 0 && st.flows == 0);
}

/* Each test runs the steps before its own on one engine (each step's checks count; the first
 * test that fails names the behaviour that broke). */
static void (*const steps[])(struct fixture *) = {step_open,
						  step_send,
						  step_retransmit_from_store,
						  step_wire_stall,
						  step_ackd_and_deferred_close,
						  step_send_errors,
						  step_store_full,
						  step_truncated,
						  step_malformed,
						  step_fid_wrap,
						  step_reset};

RUN_STEPS_FN(run_steps, struct fixture, setup, teardown, steps)

static void test_open(void)
{
	run_steps(1);
}

static void test_send_crosses_blocks(void)
{
	run_steps(2);
}

static void test_retransmit_from_store(void)
{
	run_steps(3);
}

static void test_wire_stall_resumes(void)
{
	run_steps(4);
}

static void test_ackd_releases_close_deferred(void)
{
	run_steps(5);
}

static void test_send_errors(void)
{
	run_steps(6);
}

static void test_store_full(void)
{
	run_steps(7);
}

static void test_truncated_file(void)
{
	run_steps(8);
}

static void test_malformed_input(void)
{
	run_steps(9);
}

static void test_fid_generations_wrap(void)
{
	run_steps(10);
}

static void test_host_restart(void)
{
	run_steps(11);
}

/* io_uring: one open and one read complete through the ring */
static void test_io_uring_read(void)
{
	struct docroot d;

	if (!docroot_fill(&d))
		return;
	struct nic_io *io = nic_io_new(8, false);
	if (!io) {
		printf("io_uring unavailable (%s): ring part skipped\n", strerror(errno));
	} else {
		CHECK(nic_io_open_beneath(io, d.dfd, "file.bin", 42) == 0);
		nic_io_submit(io);
		struct nic_io_done dn;
		int n = 0;
		for (int tries = 0; tries < 1000 && n == 0; tries++) {
			n = nic_io_reap(io, &dn, 1);
			if (!n)
				usleep(1000);
		}
		CHECK(n == 1 && dn.user == 42 && dn.res >= 0);
		uint8_t buf[1000];
		CHECK(nic_io_read(io, dn.res, buf, sizeof(buf), 0, 43) == 0);
		nic_io_submit(io);
		n = 0;
		int rfd = dn.res;
		for (int tries = 0; tries < 1000 && n == 0; tries++) {
			n = nic_io_reap(io, &dn, 1);
			if (!n)
				usleep(1000);
		}
		CHECK(n == 1 && dn.user == 43 && dn.res == 1000 && memcmp(buf, content, 1000) == 0);
		close(rfd);
		nic_io_free(io);
	}
	docroot_remove(&d);
}

int main(int argc, char **argv)
{
	cap.wire_budget = -1;
	RUN_INIT(argc, argv);
	RUN(test_open);
	RUN(test_send_crosses_blocks);
	RUN(test_retransmit_from_store);
	RUN(test_wire_stall_resumes);
	RUN(test_ackd_releases_close_deferred);
	RUN(test_send_errors);
	RUN(test_store_full);
	RUN(test_truncated_file);
	RUN(test_malformed_input);
	RUN(test_fid_generations_wrap);
	RUN(test_host_restart);
	RUN(test_io_uring_read);
	RUN_DONE();
}
