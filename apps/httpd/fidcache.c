/* SPDX-License-Identifier: BSD-2-Clause */
/* The open-file cache of offload mode: lookup, insertion, expiry (see fidcache.h). */
#include "fidcache.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: spreads paths over the slots. */
static unsigned slot_of(const char *path)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % FIDCACHE_SLOTS;
}

void fidcache_init(struct fidcache *fc, void (*close_fid)(void *ctx, int fid), void *ctx)
{
	memset(fc, 0, sizeof(*fc));
	fc->close_fid = close_fid;
	fc->ctx = ctx;
}

static void maybe_close(struct fidcache *fc, struct fid_ref *r)
{
	if (r->in_table || r->refs)
		return;
	fc->close_fid(fc->ctx, r->fid);
	fc->closes++;
	free(r);
}

static void unlink_slot(struct fidcache *fc, unsigned s)
{
	struct fid_ref *r = fc->slot[s];

	if (!r)
		return;
	fc->slot[s] = NULL;
	r->in_table = false;
	maybe_close(fc, r);
}

struct fid_ref *fidcache_get(struct fidcache *fc, const char *path, uint64_t now_ms)
{
	unsigned s = slot_of(path);
	struct fid_ref *r = fc->slot[s];

	if (r && now_ms >= r->expires_ms) {
		unlink_slot(fc, s);
		r = NULL;
	}
	if (!r || strcmp(r->path, path) != 0) {
		fc->misses++;
		return NULL;
	}
	r->refs++;
	fc->hits++;
	return r;
}

struct fid_ref *fidcache_put(struct fidcache *fc, const char *path, int fid, uint64_t now_ms)
{
	size_t len = strlen(path);
	struct fid_ref *r;

	if (len >= sizeof(r->path))
		return NULL;
	r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	memcpy(r->path, path, len + 1);
	r->fid = fid;
	r->refs = 1;
	r->in_table = true;
	r->expires_ms = now_ms + FIDCACHE_VALID_MS;
	unsigned s = slot_of(path);
	unlink_slot(fc, s); /* the older entry goes (closed once unused) */
	fc->slot[s] = r;
	return r;
}

void fidcache_forget(struct fidcache *fc, struct fid_ref *r)
{
	unsigned s = slot_of(r->path);

	if (fc->slot[s] == r)
		unlink_slot(fc, s);
}

void fidcache_release(struct fidcache *fc, struct fid_ref *r)
{
	if (r->refs)
		r->refs--;
	maybe_close(fc, r);
}

void fidcache_clear(struct fidcache *fc)
{
	for (unsigned s = 0; s < FIDCACHE_SLOTS; s++)
		unlink_slot(fc, s);
}
