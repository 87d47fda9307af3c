/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP parsing: request line and headers, paths, ranges, dates, validators, media types. */
#include <string.h>

#include "../check.h"
#include "http/http.h"

static int parse(const char *s, struct http_request *r)
{
	return http_parse_request(s, strlen(s), r);
}

static void test_requests(void)
{
	struct http_request r;
	const char *get = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
	CHECK(parse(get, &r) == (int)strlen(get));
	CHECK(r.method == HTTP_M_GET && r.keep_alive && r.version_minor == 1);
	CHECK(r.target.len == 11 && memcmp(r.target.p, "/index.html", 11) == 0);
	CHECK(r.content_length == -1);

	CHECK(parse("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r) > 0);
	CHECK(r.method == HTTP_M_HEAD && !r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0 && !r.keep_alive);
	CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0 && r.keep_alive);
	CHECK(parse("GET / HTTP/1.1\nHost: x\n\n", &r) > 0); /* bare LF accepted */
	CHECK(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0);
	CHECK(parse("POST / HTTP/1.1\r\nHost: x\r\n\r\n", &r) > 0 && r.method == HTTP_M_OTHER);

	/* incomplete */
	CHECK(parse("", &r) == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r) == 0);
	CHECK(parse("GET / HTT", &r) == 0);

	/* errors */
	CHECK(parse("GET / HTTP/1.1\r\n\r\n", &r) == -400); /* no Host */
	CHECK(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n", &r) == -505);
	CHECK(parse("GET / HTTX/1.1\r\nHost: x\r\n\r\n", &r) == -400);
	CHECK(parse("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", &r) == -400);
	CHECK(parse("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		    &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &r) == -501);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Length: 3\r\n\r\n", &r) == -400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", &r) == -417);
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", &r) == -400);

	/* limits */
	static char big[HTTP_MAX_HEADER_BYTES * 2];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET /", 5);
	CHECK(http_parse_request(big, HTTP_MAX_REQUEST_LINE + 10, &r) == -414);
	size_t n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: y\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	CHECK(http_parse_request(big, n, &r) == -431);
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\nX: ");
	memset(big + n, 'v', HTTP_MAX_HEADER_BYTES);
	CHECK(http_parse_request(big, n + HTTP_MAX_HEADER_BYTES, &r) == -431);

	/* pipelining: the first request's length is returned, the rest is left */
	const char *two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	int first = parse(two, &r);
	CHECK(first == (int)strlen(two) / 2);
	CHECK(http_parse_request(two + first, strlen(two) - (size_t)first, &r) == first);
	CHECK(r.target.len == 2 && r.target.p[1] == 'b');

	/* conditional and range headers are captured */
	CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=1-2\r\nIf-None-Match: \"a\"\r\n"
		    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &r) > 0);
	CHECK(r.range.len == 9 && r.if_none_match.len == 3 && r.if_modified_since.len == 29);
}

static void expect_path(const char *in, int want_rc, const char *want)
{
	char out[256];
	int rc = http_decode_path(in, strlen(in), out, sizeof(out));
	if (rc != want_rc || (rc >= 0 && strcmp(out, want) != 0)) {
		fprintf(stderr, "path %s: rc %d out %s (want %d %s)\n", in, rc, rc >= 0 ? out : "-",
			want_rc, want ? want : "-");
		check_failures++;
	}
}

static void test_paths(void)
{
	expect_path("/", 1, "/");
	expect_path("/a/b.txt", 8, "/a/b.txt");
	expect_path("/a%20b", 4, "/a b");
	expect_path("/a//b/./c", 6, "/a/b/c");
	expect_path("/dir/", 5, "/dir/");
	expect_path("/x?y=1#z", 2, "/x");
	expect_path("/a/../b", -403, NULL);
	expect_path("/..", -403, NULL);
	expect_path("/%2e%2e/etc/passwd", -403, NULL);
	expect_path("/a/%2E%2e", -403, NULL);
	expect_path("/%00", -400, NULL);
	expect_path("/%zz", -400, NULL);
	expect_path("/%4", -400, NULL);
	expect_path("a", -400, NULL);
	expect_path("/a\\b", -400, NULL);
	expect_path("/...", 4, "/...");
	char small[4];
	CHECK(http_decode_path("/abcdef", 7, small, sizeof(small)) == -414);
}

static void test_ranges(void)
{
	uint64_t a = 0, b = 0;
#define R(s, size) http_parse_range(s, strlen(s), size, &a, &b)
	CHECK(R("bytes=0-99", 1000) == HTTP_RANGE_OK && a == 0 && b == 99);
	CHECK(R("bytes=500-", 1000) == HTTP_RANGE_OK && a == 500 && b == 999);
	CHECK(R("bytes=-100", 1000) == HTTP_RANGE_OK && a == 900 && b == 999);
	CHECK(R("bytes=-2000", 1000) == HTTP_RANGE_OK && a == 0 && b == 999);
	CHECK(R("bytes=0-5000", 1000) == HTTP_RANGE_OK && a == 0 && b == 999);
	CHECK(R("bytes=999-999", 1000) == HTTP_RANGE_OK && a == 999 && b == 999);
	CHECK(R("bytes=1000-", 1000) == HTTP_RANGE_UNSATISFIABLE);
	CHECK(R("bytes=-0", 1000) == HTTP_RANGE_UNSATISFIABLE);
	CHECK(R("bytes=0-", 0) == HTTP_RANGE_UNSATISFIABLE);
	CHECK(R("bytes=5-2", 1000) == HTTP_RANGE_NONE);
	CHECK(R("bytes=0-1,5-6", 1000) == HTTP_RANGE_NONE);
	CHECK(R("items=0-1", 1000) == HTTP_RANGE_NONE);
	CHECK(R("bytes=a-b", 1000) == HTTP_RANGE_NONE);
	CHECK(R("bytes=99999999999999999999-", 1000) == HTTP_RANGE_NONE);
#undef R
}

static void test_dates(void)
{
	time_t t;
	const char *forms[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
			       "Sun Nov  6 08:49:37 1994"};
	for (int i = 0; i < 3; i++) {
		CHECK(http_parse_date(forms[i], strlen(forms[i]), &t));
		CHECK(t == 784111777);
	}
	char out[30];
	http_format_date(784111777, out);
	CHECK(strcmp(out, forms[0]) == 0);
	CHECK(!http_parse_date("yesterday", 9, &t));
	CHECK(!http_parse_date("Sun, 06 Xxx 1994 08:49:37 GMT", 29, &t));
	CHECK(!http_parse_date("Sun, 06 Nov 1994 28:49:37 GMT", 29, &t));
}

static void test_validators(void)
{
	char etag[48];
	http_make_etag(1234, 1700000000, 5, etag);
	CHECK(etag[0] == '"' && etag[strlen(etag) - 1] == '"');
	char list[128];
	snprintf(list, sizeof(list), "\"x\", W/%s", etag);
	CHECK(http_etag_matches(etag, strlen(etag), etag));
	CHECK(http_etag_matches(list, strlen(list), etag));
	CHECK(http_etag_matches("*", 1, etag));
	CHECK(!http_etag_matches("\"x\", \"y\"", 8, etag));
	CHECK(!http_etag_matches("\"unterminated", 13, etag));
	CHECK(strcmp(http_mime_type("/a/b.HTML"), "text/html; charset=utf-8") == 0);
	CHECK(strcmp(http_mime_type("/a.b/c"), "application/octet-stream") == 0);
	CHECK(strcmp(http_mime_type("/v.mp4"), "video/mp4") == 0);
	CHECK(strcmp(http_reason(416), "Range Not Satisfiable") == 0);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_requests);
	RUN(test_paths);
	RUN(test_ranges);
	RUN(test_dates);
	RUN(test_validators);
	RUN_DONE();
}
