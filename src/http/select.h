/* SPDX-License-Identifier: BSD-2-Clause */
/* Which response a GET or HEAD of a file gets, from the request's validators and the file's
 * metadata (RFC 9110): a pure function, so the rules are tested without a server. */
#ifndef IOTCP_HTTP_SELECT_H
#define IOTCP_HTTP_SELECT_H

#include <stdint.h>

#include "http/http.h"

/* What the server knows of the file. */
struct http_file_meta {
	uint64_t size;
	int64_t mtime_sec;
	long mtime_nsec;
};

struct http_selection {
	int status;	     /* 200, 206, 304 or 416 */
	uint64_t first, len; /* the body: bytes [first, first + len) of the file (200, 206) */
	char etag[48];	     /* the file's strong entity-tag (http_make_etag) */
	char last_modified[30];
};

/* RFC 9110 section 13.2.2 order of evaluation for a GET/HEAD:
 *   If-None-Match present: 304 when it matches (weak comparison, section 13.1.2);
 *   otherwise If-Modified-Since (a valid date): 304 when the file is not newer (13.1.3);
 *   then Range (section 14.2), used only when If-Range is absent or matches (13.1.5: an
 *   entity-tag compares strongly, a date must equal Last-Modified exactly): 206 for one
 *   satisfiable range, 416 when unsatisfiable; 200 with the whole file otherwise. */
void http_select_response(const struct http_request *req, const struct http_file_meta *meta,
			  struct http_selection *out);

#endif
