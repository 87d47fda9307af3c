/* SPDX-License-Identifier: BSD-2-Clause */
/* Range, validators, media types and reason phrases (RFC 9110 sections 8.8, 13, 14, 15). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

static bool parse_u64(const char *p, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(p[i] - '0');
	}
	*out = n;
	return true;
}

enum http_range_result http_parse_range(const char *v, size_t len, uint64_t size, uint64_t *first,
					uint64_t *last)
{
	uint64_t a, b;

	if (len < 6 || strncasecmp(v, "bytes=", 6) != 0)
		return HTTP_RANGE_NONE;
	v += 6;
	len -= 6;
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (memchr(v, ',', len))
		return HTTP_RANGE_NONE; /* several ranges: we send the whole file */
	const char *dash = memchr(v, '-', len);
	if (!dash)
		return HTTP_RANGE_NONE;
	size_t alen = (size_t)(dash - v), blen = len - alen - 1;
	if (alen == 0) {
		/* suffix-range: the last b bytes */
		if (!parse_u64(dash + 1, blen, &b))
			return HTTP_RANGE_NONE;
		if (b == 0 || size == 0)
			return HTTP_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return HTTP_RANGE_OK;
	}
	if (!parse_u64(v, alen, &a))
		return HTTP_RANGE_NONE;
	if (blen == 0) {
		b = UINT64_MAX;
	} else {
		if (!parse_u64(dash + 1, blen, &b))
			return HTTP_RANGE_NONE;
		if (b < a)
			return HTTP_RANGE_NONE; /* invalid range-spec: ignore the header */
	}
	if (a >= size)
		return HTTP_RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return HTTP_RANGE_OK;
}

void http_make_etag(uint64_t size, int64_t mtime_sec, long mtime_nsec, char out[48])
{
	uint64_t ns = (uint64_t)mtime_sec * 1000000000u + (uint64_t)mtime_nsec;
	snprintf(out, 48, "\"%" PRIx64 "-%" PRIx64 "\"", size, ns);
}

bool http_etag_matches(const char *inm, size_t len, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm, *end = inm + len;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p >= end)
			break;
		if (*p == '*')
			return true;
		if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
			p += 2; /* weak comparison, RFC 9110 section 8.8.3.2 */
		if (p >= end || *p != '"')
			return false;
		const char *close = memchr(p + 1, '"', (size_t)(end - p - 1));
		if (!close)
			return false;
		size_t tlen = (size_t)(close - p + 1);
		if (tlen == elen && memcmp(p, etag, elen) == 0)
			return true;
		p = close + 1;
	}
	return false;
}

/* A table, two entries a line. */
/* clang-format off */
static const struct {
	const char *ext, *type;
} mime_table[] = {
	{"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
	{"txt", "text/plain; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"}, {"mjs", "text/javascript; charset=utf-8"},
	{"json", "application/json"}, {"xml", "application/xml"},
	{"csv", "text/csv; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"},
	{"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
	{"gif", "image/gif"}, {"svg", "image/svg+xml"}, {"webp", "image/webp"},
	{"ico", "image/x-icon"}, {"avif", "image/avif"}, {"mp4", "video/mp4"},
	{"webm", "video/webm"}, {"m4s", "video/iso.segment"}, {"ts", "video/mp2t"},
	{"m3u8", "application/vnd.apple.mpegurl"}, {"mpd", "application/dash+xml"},
	{"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"wav", "audio/wav"},
	{"pdf", "application/pdf"}, {"zip", "application/zip"}, {"gz", "application/gzip"},
	{"tar", "application/x-tar"}, {"wasm", "application/wasm"}, {"woff", "font/woff"},
	{"woff2", "font/woff2"}, {"bin", "application/octet-stream"},
};
/* clang-format on */

const char *http_mime_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (dot && dot[1]) {
		for (size_t i = 0; i < sizeof(mime_table) / sizeof(mime_table[0]); i++)
			if (strcasecmp(dot + 1, mime_table[i].ext) == 0)
				return mime_table[i].type;
	}
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	/* clang-format off */
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
	/* clang-format on */
}
