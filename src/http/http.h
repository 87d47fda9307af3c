/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP/1.1 request parsing and response helpers for iotcp-httpd (RFC 9110, RFC 9112).
 * Pure functions over caller buffers: no I/O, no allocation. */
#ifndef IOTCP_HTTP_H
#define IOTCP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Limits (RFC 9112 section 3 recommends at least 8000 octets for the request line). */
#define HTTP_MAX_REQUEST_LINE 8192
#define HTTP_MAX_HEADER_BYTES 16384
#define HTTP_MAX_HEADERS      64

enum http_method {
	HTTP_M_OTHER = 0,
	HTTP_M_GET,
	HTTP_M_HEAD,
};

/* A slice of the request buffer. */
struct http_str {
	const char *p;
	size_t len;
};

struct http_request {
	enum http_method method;
	struct http_str method_str;
	struct http_str target; /* request-target as sent */
	int version_minor;	/* HTTP/1.<minor> */
	bool keep_alive;	/* after Connection handling and version defaults */
	bool expect_continue;
	bool chunked;		/* Transfer-Encoding: chunked present */
	int64_t content_length; /* -1 when absent */
	struct http_str host, range, if_none_match, if_modified_since, if_range;
	unsigned nheaders;
};

/* Result of http_parse_request: > 0 header bytes consumed (request complete up to its body),
 * 0 incomplete (read more), < 0 the negated HTTP status to answer with (400, 414, 417, 431, 501, 505). */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* Decode an origin-form target into a path beneath the docroot: query and fragment dropped,
 * percent-decoding, "." segments removed, "//" collapsed. Rejected: no leading '/', bad or NUL
 * escapes, control characters (400); any ".." segment, before or after decoding (403).
 * out always starts with '/'. Returns the length, or the negated status. */
int http_decode_path(const char *target, size_t len, char *out, size_t cap);

enum http_range_result {
	HTTP_RANGE_NONE = 0,	  /* no usable Range: serve the whole representation (200) */
	HTTP_RANGE_OK,		  /* one satisfiable range: 206 with [*first, *last] */
	HTTP_RANGE_UNSATISFIABLE, /* 416 */
};

/* A single byte range (RFC 9110 section 14.1.2): "bytes=a-b", "bytes=a-", "bytes=-n". Several
 * ranges or unknown units are answered with the whole file (RFC 9110 allows ignoring Range). */
enum http_range_result http_parse_range(const char *v, size_t len, uint64_t size, uint64_t *first,
					uint64_t *last);

/* HTTP-date (RFC 9110 section 5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
 * Returns false when it is not a date. */
bool http_parse_date(const char *v, size_t len, time_t *out);
/* IMF-fixdate, 29 characters + NUL; a time outside the years 0000..9999 is clamped to them. */
void http_format_date(time_t t, char out[30]);

/* Strong validator from size and mtime: "<size hex>-<mtime ns hex>". out must hold 48 bytes. */
void http_make_etag(uint64_t size, int64_t mtime_sec, long mtime_nsec, char out[48]);
/* If-None-Match (RFC 9110 section 13.1.2): "*" or a list of entity-tags, weak comparison. */
bool http_etag_matches(const char *inm, size_t len, const char *etag);

/* Content-Type by file name extension (case-insensitive); "application/octet-stream" when
 * unknown. */
const char *http_mime_type(const char *path);

/* Reason phrase for a status code. */
const char *http_reason(int status);

#endif
