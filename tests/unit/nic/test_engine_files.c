/* SPDX-License-Identifier: BSD-2-Clause */
/* Issue 14, finding 8 (NIC side): opening a FIFO must not block and is refused (-EPERM), as are
 * other non-regular files except directories; a file rewritten in place with the same size and
 * its old mtime restored (what a new file on a reused inode can look like) must not be served
 * from the old file's cached blocks: the store key includes ctime (and btime). */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "harness.h"

#define BS 4096u

static void test_fifo(void)
{
	struct harness h;
	struct nic_engine_config c = {.store_bytes = 4 * BS, .block_size = BS, .max_files = 8};
	int err;

	CHECK(harness_init(&h, &c, false));
	CHECK(mkfifoat(h.dfd, "fifo", 0644) == 0);
	harness_open(&h, "fifo", &err); /* with a blocking open this never returns */
	CHECK(err == -EPERM);
	/* a UNIX socket's path: refused as well (ENXIO from open, or EPERM) */
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", h.dir);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	harness_open(&h, "sock", &err);
	CHECK(err == -EPERM || err == -ENXIO);
	close(s);
	/* directories still open (the host decides: index.html or a redirect) */
	CHECK(mkdirat(h.dfd, "dir", 0755) == 0);
	harness_open(&h, "dir", &err);
	CHECK(err == 0);
	struct nic_engine_stats st;
	nic_engine_get_stats(h.e, &st);
	CHECK_EQ_U64(st.files_open, 1);
	harness_fini(&h);
}

static void test_replaced_file(void)
{
	struct harness h;
	struct nic_engine_config c = {.store_bytes = 4 * BS, .block_size = BS, .max_files = 8};
	struct stat old;
	uint64_t wrong;
	int err;

	CHECK(harness_init(&h, &c, false));
	CHECK(harness_file(&h, "f.bin", BS, 'O'));
	CHECK(fstatat(h.dfd, "f.bin", &old, 0) == 0);
	uint32_t fid = harness_open(&h, "f.bin", &err);
	CHECK(!err);
	harness_send(&h, 1, fid, 0, BS, 100);
	harness_flush(&h);
	harness_ackd(&h, 1, 0, PROTO_ACKD_F_END);
	harness_close(&h, fid);
	harness_flush(&h);
	CHECK(harness_bytes(&h, 1, 'O', &wrong) == BS && wrong == 0); /* now cached */

	/* new content, same inode and size, the old mtime put back: only ctime tells */
	usleep(20000);
	CHECK(harness_file(&h, "f.bin", BS, 'N'));
	struct timespec ts[2] = {old.st_atim, old.st_mtim};
	CHECK(utimensat(h.dfd, "f.bin", ts, 0) == 0);
	struct stat now;
	CHECK(fstatat(h.dfd, "f.bin", &now, 0) == 0);
	CHECK(now.st_ino == old.st_ino && now.st_size == old.st_size &&
	      now.st_mtim.tv_sec == old.st_mtim.tv_sec &&
	      now.st_mtim.tv_nsec == old.st_mtim.tv_nsec);
	fid = harness_open(&h, "f.bin", &err);
	CHECK(!err);
	harness_send(&h, 2, fid, 0, BS, 100);
	harness_flush(&h);
	CHECK_EQ_U64(harness_bytes(&h, 2, 'N', &wrong), BS);
	CHECK_EQ_U64(wrong, 0);
	harness_fini(&h);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_fifo);
	RUN(test_replaced_file);
	RUN_DONE();
}
