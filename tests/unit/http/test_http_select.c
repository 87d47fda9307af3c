/* SPDX-License-Identifier: BSD-2-Clause */
/* http_select_response: RFC 9110's choice among 200, 206, 304 and 416 for a file, one rule a
 * test (If-None-Match, If-Modified-Since, their precedence, Range, If-Range). */
#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "http/select.h"

/* A 1000-byte file modified at 784111777 s (Sun, 06 Nov 1994 08:49:37 GMT) + 5 ns. */
static const struct http_file_meta file = {.size = 1000, .mtime_sec = 784111777, .mtime_nsec = 5};
#define LASTMOD "Sun, 06 Nov 1994 08:49:37 GMT"

/* Select for GET with the extra header lines hdrs ("Name: value\r\n"...). */
static struct http_selection select_for(const char *hdrs, const struct http_file_meta *m)
{
	char buf[1024];
	struct http_request r;
	struct http_selection s;

	snprintf(buf, sizeof(buf), "GET /f HTTP/1.1\r\nHost: x\r\n%s\r\n", hdrs);
	CHECK(http_parse_request(buf, strlen(buf), &r) > 0);
	memset(&s, 0xa5, sizeof(s));
	http_select_response(&r, m, &s);
	return s;
}

static const char *etag_of(const struct http_file_meta *m)
{
	static char etag[48];

	http_make_etag(m->size, m->mtime_sec, m->mtime_nsec, etag);
	return etag;
}

static void test_plain_get_is_200_whole_file(void)
{
	struct http_selection s = select_for("", &file);

	CHECK_EQ_U64(s.status, 200);
	CHECK_EQ_U64(s.first, 0);
	CHECK_EQ_U64(s.len, 1000);
	CHECK(strcmp(s.etag, etag_of(&file)) == 0);
	CHECK(strcmp(s.last_modified, LASTMOD) == 0);
}

static void test_empty_file_is_200_empty(void)
{
	struct http_file_meta empty = {.size = 0, .mtime_sec = 1};
	struct http_selection s = select_for("", &empty);

	CHECK_EQ_U64(s.status, 200);
	CHECK_EQ_U64(s.len, 0);
}

static void test_if_none_match(void)
{
	char h[160];

	snprintf(h, sizeof(h), "If-None-Match: \"x\", %s\r\n", etag_of(&file));
	CHECK_EQ_U64(select_for(h, &file).status, 304);
	CHECK_EQ_U64(select_for("If-None-Match: *\r\n", &file).status, 304);
	/* weak comparison (RFC 9110 13.1.2): W/ of our tag matches too */
	snprintf(h, sizeof(h), "If-None-Match: W/%s\r\n", etag_of(&file));
	CHECK_EQ_U64(select_for(h, &file).status, 304);
	CHECK_EQ_U64(select_for("If-None-Match: \"other\"\r\n", &file).status, 200);
}

static void test_if_modified_since(void)
{
	CHECK_EQ_U64(select_for("If-Modified-Since: " LASTMOD "\r\n", &file).status, 304);
	CHECK_EQ_U64(
	    select_for("If-Modified-Since: Mon, 07 Nov 1994 00:00:00 GMT\r\n", &file).status, 304);
	CHECK_EQ_U64(
	    select_for("If-Modified-Since: Sat, 05 Nov 1994 00:00:00 GMT\r\n", &file).status, 200);
	/* not a date: ignored (RFC 9110 13.1.3) */
	CHECK_EQ_U64(select_for("If-Modified-Since: yesterday\r\n", &file).status, 200);
}

static void test_if_none_match_takes_precedence(void)
{
	/* RFC 9110 13.2.2: with If-None-Match present, If-Modified-Since is not evaluated */
	struct http_selection s =
	    select_for("If-None-Match: \"other\"\r\nIf-Modified-Since: " LASTMOD "\r\n", &file);

	CHECK_EQ_U64(s.status, 200);
}

static void test_not_modified_beats_range(void)
{
	struct http_selection s =
	    select_for("If-Modified-Since: " LASTMOD "\r\nRange: bytes=0-9\r\n", &file);

	CHECK_EQ_U64(s.status, 304);
	CHECK_EQ_U64(s.len, 0);
}

static void test_range(void)
{
	struct http_selection s = select_for("Range: bytes=10-19\r\n", &file);

	CHECK_EQ_U64(s.status, 206);
	CHECK_EQ_U64(s.first, 10);
	CHECK_EQ_U64(s.len, 10);
	s = select_for("Range: bytes=-100\r\n", &file);
	CHECK_EQ_U64(s.status, 206);
	CHECK_EQ_U64(s.first, 900);
	CHECK_EQ_U64(s.len, 100);
	s = select_for("Range: bytes=990-5000\r\n", &file);
	CHECK_EQ_U64(s.status, 206);
	CHECK_EQ_U64(s.first, 990);
	CHECK_EQ_U64(s.len, 10);
}

static void test_range_unsatisfiable_is_416(void)
{
	struct http_selection s = select_for("Range: bytes=1000-\r\n", &file);

	CHECK_EQ_U64(s.status, 416);
	CHECK_EQ_U64(s.len, 0);
}

static void test_range_ignored_is_200(void)
{
	/* several ranges, unknown units: the whole file (RFC 9110 14.2 allows ignoring Range) */
	struct http_selection s = select_for("Range: bytes=0-1,5-6\r\n", &file);

	CHECK_EQ_U64(s.status, 200);
	CHECK_EQ_U64(s.first, 0);
	CHECK_EQ_U64(s.len, 1000);
	CHECK_EQ_U64(select_for("Range: lines=1-2\r\n", &file).status, 200);
}

static void test_if_range(void)
{
	char h[200];

	snprintf(h, sizeof(h), "Range: bytes=0-9\r\nIf-Range: %s\r\n", etag_of(&file));
	CHECK_EQ_U64(select_for(h, &file).status, 206);
	CHECK_EQ_U64(select_for("Range: bytes=0-9\r\nIf-Range: \"other\"\r\n", &file).status, 200);
	/* strong comparison (RFC 9110 13.1.5): a weak tag never matches */
	snprintf(h, sizeof(h), "Range: bytes=0-9\r\nIf-Range: W/%s\r\n", etag_of(&file));
	CHECK_EQ_U64(select_for(h, &file).status, 200);
	/* a date must be exactly Last-Modified */
	CHECK_EQ_U64(select_for("Range: bytes=0-9\r\nIf-Range: " LASTMOD "\r\n", &file).status,
		     206);
	struct http_selection s =
	    select_for("Range: bytes=0-9\r\nIf-Range: Mon, 07 Nov 1994 00:00:00 GMT\r\n", &file);
	CHECK_EQ_U64(s.status, 200);
	CHECK_EQ_U64(s.len, 1000);
	/* a failed If-Range also skips an unsatisfiable range: 200, not 416 */
	CHECK_EQ_U64(select_for("Range: bytes=5000-\r\nIf-Range: \"other\"\r\n", &file).status,
		     200);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_plain_get_is_200_whole_file);
	RUN(test_empty_file_is_200_empty);
	RUN(test_if_none_match);
	RUN(test_if_modified_since);
	RUN(test_if_none_match_takes_precedence);
	RUN(test_not_modified_beats_range);
	RUN(test_range);
	RUN(test_range_unsatisfiable_is_416);
	RUN(test_range_ignored_is_200);
	RUN(test_if_range);
	RUN_DONE();
}
