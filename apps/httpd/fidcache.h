/* SPDX-License-Identifier: BSD-2-Clause */
/* Offload mode: a small cache of open NIC files by path, shared by the connections, so a hot
 * file costs one OPEN round trip to the NIC per validity period instead of one per request
 * (like nginx's open_file_cache). An entry is valid for FIDCACHE_VALID_MS after its open; a
 * file changed within that time is still served from the old open (the NIC reports a
 * truncation as an error for the connection). Entries are reference counted: an entry dropped
 * from the table while responses still use its fid is closed by the last release. */
#ifndef IOTCP_HTTPD_FIDCACHE_H
#define IOTCP_HTTPD_FIDCACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define FIDCACHE_SLOTS	  256
#define FIDCACHE_VALID_MS 1000

struct fid_ref {
	char path[PATH_MAX];
	int fid;
	uint32_t refs;	     /* responses using it */
	bool in_table;	     /* still findable */
	uint64_t expires_ms; /* found until then */
};

struct fidcache {
	struct fid_ref *slot[FIDCACHE_SLOTS];
	void (*close_fid)(void *ctx, int fid);
	void *ctx;
	uint64_t hits, misses, closes;
};

void fidcache_init(struct fidcache *fc, void (*close_fid)(void *ctx, int fid), void *ctx);
/* The cached entry for path, with a reference taken, or NULL (expired entries are dropped). */
struct fid_ref *fidcache_get(struct fidcache *fc, const char *path, uint64_t now_ms);
/* Cache fid (just opened for path) with one reference for the caller. NULL if out of memory
 * (the caller keeps owning fid). */
struct fid_ref *fidcache_put(struct fidcache *fc, const char *path, int fid, uint64_t now_ms);
/* Remove r from the table (it failed): closed by its last release. */
void fidcache_forget(struct fidcache *fc, struct fid_ref *r);
/* Drop a reference; closes the fid when it is no longer in the table and unused. */
void fidcache_release(struct fidcache *fc, struct fid_ref *r);
/* Drop every entry (closing unused fids; used ones close at their release). */
void fidcache_clear(struct fidcache *fc);

#endif
