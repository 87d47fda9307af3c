/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd's open-file cache (apps/httpd/fidcache.h): hits take references, entries expire
 * after FIDCACHE_VALID_MS, a replaced or forgotten entry is closed only by its last release,
 * unused entries close at once, clear closes what is unused, overlong paths are not cached. */
#include <string.h>

#include "../check.h"
#include "fidcache.h"

static int closed[16], nclosed;

static void on_close(void *ctx, int fid)
{
	(void)ctx;
	if (nclosed < 16)
		closed[nclosed++] = fid;
}

static void test_fidcache_lifetimes(void)
{
	static struct fidcache fc;
	static char longpath[PATH_MAX + 8];

	fidcache_init(&fc, on_close, NULL);
	CHECK(fidcache_get(&fc, "a.bin", 0) == NULL);
	struct fid_ref *a = fidcache_put(&fc, "a.bin", 5, 0);
	CHECK(a && a->fid == 5 && a->refs == 1);
	struct fid_ref *a2 = fidcache_get(&fc, "a.bin", 10);
	CHECK(a2 == a && a->refs == 2);
	CHECK(fidcache_get(&fc, "b.bin", 10) == NULL);
	fidcache_release(&fc, a2);
	fidcache_release(&fc, a);
	CHECK(nclosed == 0); /* cached, unused: stays open */

	/* expired: dropped and closed (unused) */
	CHECK(fidcache_get(&fc, "a.bin", FIDCACHE_VALID_MS) == NULL);
	CHECK(nclosed == 1 && closed[0] == 5);

	/* replaced while in use: closed by the last release */
	struct fid_ref *b = fidcache_put(&fc, "b.bin", 6, 100);
	struct fid_ref *b2 = fidcache_put(&fc, "b.bin", 7, 200);
	CHECK(b && b2 && nclosed == 1);
	fidcache_release(&fc, b);
	CHECK(nclosed == 2 && closed[1] == 6);
	struct fid_ref *hit = fidcache_get(&fc, "b.bin", 300);
	CHECK(hit == b2 && b2->refs == 2);

	/* forgotten (failed) while in use */
	fidcache_forget(&fc, b2);
	CHECK(fidcache_get(&fc, "b.bin", 300) == NULL && nclosed == 2);
	fidcache_release(&fc, hit);
	fidcache_release(&fc, b2);
	CHECK(nclosed == 3 && closed[2] == 7);

	/* overlong paths are not cached; clear closes what is unused */
	memset(longpath, 'x', sizeof(longpath) - 1);
	CHECK(fidcache_put(&fc, longpath, 8, 0) == NULL);
	struct fid_ref *c = fidcache_put(&fc, "c.bin", 9, 0);
	fidcache_release(&fc, c);
	struct fid_ref *d = fidcache_put(&fc, "d.bin", 10, 0);
	fidcache_clear(&fc);
	CHECK(nclosed == 4 && closed[3] == 9);
	fidcache_release(&fc, d);
	CHECK(nclosed == 5 && closed[4] == 10);
	CHECK(fc.hits == 2 && fc.closes == 5);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_fidcache_lifetimes);
	RUN_DONE();
}
