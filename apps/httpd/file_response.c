/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd file responses: open a file (copy mode opens it beneath the docroot itself,
 * offload mode asks the NIC, through the open-file cache), map errors to statuses, redirect
 * directories, and build the head of a file's response (RFC 9110 selection: src/http/select.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "fidcache.h"
#include "file_response.h"
#include "http/http.h"
#include "http/select.h"
#include "response.h"
#include "util/beneath.h"

#define LOCATION_MAX 640 /* a redirect's encoded path; longer: 414 (it could not fit HEAD_CAP) */

void body_release(struct httpd *h, struct hconn *c)
{
	if (c->fref) {
		fidcache_release(&h->fids, c->fref);
		c->fref = NULL;
		c->fid = -1;
	}
	if (c->fid >= 0) {
		if (h->cfg.mode == HTTPD_MODE_OFFLOAD)
			iotcp_offload_close(h->ctx, c->fid);
		else
			close(c->fid);
		c->fid = -1;
	}
	free(c->copybuf);
	c->copybuf = NULL;
	c->copylen = c->copyoff = 0;
}

/* Percent-encode path for a Location header (RFC 3986 section 2: unreserved characters,
 * sub-delims, ':', '@' and '/' stay). False when it needs more than cap - 1 bytes. */
static bool uri_path_encode(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@/", *p);
		if (o + (plain ? 1 : 3) >= cap)
			return false;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return true;
}

/* Returns 0 opened (c->fid valid), -EINPROGRESS (offload: wait for the event), or -errno. */
static int file_open(struct httpd *h, struct hconn *c)
{
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD) {
		const char *p = c->b->path[0] == '/' ? c->b->path + 1 : c->b->path;
		struct fid_ref *r = fidcache_get(&h->fids, p, now_ms());
		if (r) {
			struct stat st;
			if (iotcp_offload_fstat(h->ctx, r->fid, &st) == 0) {
				c->fid = r->fid;
				c->fref = r;
				return 0; /* open already: no round trip to the NIC */
			}
			fidcache_forget(&h->fids, r); /* failed (NIC restart): open afresh */
			fidcache_release(&h->fids, r);
		}
		int fid = iotcp_offload_open(h->ctx, c->sd, p);
		if (fid < 0)
			return -errno;
		c->fid = fid;
		return -EINPROGRESS;
	}
	/* O_NONBLOCK: a FIFO must not hold the server (respond_file refuses it: 403) */
	int fd = open_beneath(h->docroot_fd, c->b->path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	c->fid = fd;
	return 0;
}

static int file_stat(struct httpd *h, struct hconn *c, struct stat *st)
{
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD)
		return iotcp_offload_fstat(h->ctx, c->fid, st) == 0 ? 0 : -errno;
	return fstat(c->fid, st) == 0 ? 0 : -errno;
}

static int errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV:
	case ELOOP:
		return 403;
	case ENAMETOOLONG:
		return 414;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOSPC:
	case EAGAIN:
		return 503;
	default:
		return 500;
	}
}

/* Open c->b->path; respond once the file is open (now, or on IOTCP_EPOLLOFFLOAD in offload mode). */
void open_and_respond(struct httpd *h, struct hconn *c)
{
	int rc = file_open(h, c);
	if (rc == -EINPROGRESS) {
		c->st = ST_OPEN_WAIT;
		return;
	}
	if (rc < 0) {
		respond_simple(h, c, errno_status(-rc), NULL);
		return;
	}
	respond_file(h, c);
}

/* The file is open: decide the response from its metadata. */
void respond_file(struct httpd *h, struct hconn *c)
{
	struct stat st;
	int rc = file_stat(h, c, &st);
	if (rc < 0) {
		body_release(h, c);
		respond_simple(h, c, errno_status(-rc), NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		body_release(h, c);
		size_t len = strlen(c->b->path);
		if (len && c->b->path[len - 1] != '/') {
			char enc[LOCATION_MAX], loc[LOCATION_MAX + 16];
			if (!uri_path_encode(c->b->path, enc, sizeof(enc))) {
				respond_simple(h, c, 414, NULL); /* too long to redirect */
				return;
			}
			snprintf(loc, sizeof(loc), "Location: %s/\r\n", enc);
			respond_simple(h, c, 301, loc);
			return;
		}
		if (c->b->tried_index || len + 10 >= sizeof(c->b->path)) {
			respond_simple(h, c, 403, NULL);
			return;
		}
		c->b->tried_index = true;
		strcat(c->b->path, "index.html");
		open_and_respond(h, c);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		body_release(h, c);
		respond_simple(h, c, 403, NULL);
		return;
	}
	if (h->cfg.mode == HTTPD_MODE_OFFLOAD && !c->fref)
		c->fref = fidcache_put(&h->fids, c->b->path[0] == '/' ? c->b->path + 1 : c->b->path,
				       c->fid, now_ms());

	/* RFC 9110 conditionals, If-Range and Range: src/http/select.h */
	struct http_file_meta meta = {.size = (uint64_t)st.st_size,
				      .mtime_sec = st.st_mtim.tv_sec,
				      .mtime_nsec = st.st_mtim.tv_nsec};
	struct http_selection sel;
	http_select_response(&c->b->req, &meta, &sel);
	if (sel.status == 304 || sel.status == 416) {
		char extra[160];
		body_release(h, c);
		if (sel.status == 304)
			snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: %s\r\n",
				 sel.etag, sel.last_modified);
		else
			snprintf(extra, sizeof(extra), "Content-Range: bytes */%" PRIu64 "\r\n",
				 meta.size);
		respond_simple(h, c, sel.status, extra);
		return;
	}
	int status = sel.status;
	uint64_t size = meta.size, first = sel.first, len = sel.len;
	const char *etag = sel.etag, *lastmod = sel.last_modified;
	int n = head_begin(h, c, status);
	n = head_str(c, n, "Content-Type: ");
	n = head_str(c, n, http_mime_type(c->b->path));
	n = head_str(c, n, "\r\nContent-Length: ");
	n = head_u64(c, n, len);
	n = head_str(c, n, "\r\nLast-Modified: ");
	n = head_str(c, n, lastmod);
	n = head_str(c, n, "\r\nETag: ");
	n = head_str(c, n, etag);
	n = head_str(c, n, "\r\nAccept-Ranges: bytes\r\n");
	if (status == 206)
		n = head_add(c, n, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
			     first, first + len - 1, size);
	if (!head_finish(h, c, n)) {
		body_release(h, c);
		c->b->body_total = 0;
		c->b->body_off = c->b->body_end = 0;
		c->close_after = true;
		return;
	}
	c->b->body_total = c->head_only ? 0 : len;
	c->b->body_off = first;
	c->b->body_end = c->head_only ? first : first + len;
	c->close_after = !c->keep_alive;
	if (c->b->body_off == c->b->body_end)
		body_release(h, c);
}
