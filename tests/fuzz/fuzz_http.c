/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz the HTTP request parser and the field parsers it feeds. */
#include <stdint.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_request req;
	int rc = http_parse_request(buf, size, &req);
	if (rc > 0) {
		if ((size_t)rc > size)
			__builtin_trap();
		char path[1024];
		int n = http_decode_path(req.target.p, req.target.len, path, sizeof(path));
		if (n >= 0 && (path[0] != '/' || strstr(path, "/../") || strlen(path) != (size_t)n))
			__builtin_trap();
		uint64_t a, b;
		if (http_parse_range(req.range.p ? req.range.p : "", req.range.len, 12345, &a,
				     &b) == HTTP_RANGE_OK &&
		    (a > b || b >= 12345))
			__builtin_trap();
		time_t t;
		http_parse_date(req.if_modified_since.p ? req.if_modified_since.p : "",
				req.if_modified_since.len, &t);
		http_etag_matches(req.if_none_match.p ? req.if_none_match.p : "",
				  req.if_none_match.len, "\"1-2\"");
	}
	/* The field parsers on raw input too. */
	uint64_t a, b;
	http_parse_range(buf, size, size, &a, &b);
	time_t t;
	http_parse_date(buf, size, &t);
	char path[256];
	http_decode_path(buf, size, path, sizeof(path));
	return 0;
}
