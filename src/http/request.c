/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP/1.1 request-line and header parsing, RFC 9112 sections 2-6. */
#include <string.h>

#include "http/http.h"

/* tchar, RFC 9110 section 5.6.2. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool str_ieq(struct http_str s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

static struct http_str trim_ows(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return (struct http_str){p, len};
}

/* Next line in [p, end): returns its length without the terminator (CRLF, or a bare LF which
 * RFC 9112 section 2.2 lets a recipient accept), sets *next; -1 when no terminator yet. */
static long next_line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return -1;
	*next = nl + 1;
	if (nl > p && nl[-1] == '\r')
		nl--;
	return nl - p;
}

/* Connection: a comma-separated token list (RFC 9110 section 7.6.1). */
static void parse_connection(struct http_str v, bool *close, bool *keep)
{
	const char *p = v.p, *end = v.p + v.len;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		struct http_str tok = trim_ows(p, (size_t)(stop - p));
		if (str_ieq(tok, "close"))
			*close = true;
		else if (str_ieq(tok, "keep-alive"))
			*keep = true;
		p = stop + 1;
	}
}

static int parse_content_length(struct http_str v, int64_t *out)
{
	if (v.len == 0 || v.len > 18)
		return -1;
	int64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	if (*out >= 0 && *out != n)
		return -1; /* RFC 9112 section 6.3 item 5: differing values */
	*out = n;
	return 0;
}

static int parse_request_line(const char *p, size_t len, struct http_request *req)
{
	const char *end = p + len, *sp1, *sp2;

	sp1 = memchr(p, ' ', len);
	if (!sp1 || sp1 == p)
		return -400;
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar((unsigned char)*q))
			return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	for (const char *q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q == 0x7f)
			return -400;
	req->method_str = (struct http_str){p, (size_t)(sp1 - p)};
	req->target = (struct http_str){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
	if (req->method_str.len == 3 && memcmp(p, "GET", 3) == 0)
		req->method = HTTP_M_GET;
	else if (req->method_str.len == 4 && memcmp(p, "HEAD", 4) == 0)
		req->method = HTTP_M_HEAD;
	else
		req->method = HTTP_M_OTHER;

	const char *v = sp2 + 1;
	size_t vlen = (size_t)(end - v);
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1')
		return -505;
	req->version_minor = v[7] - '0';
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end = buf + len, *next;
	bool conn_close = false, conn_keep = false, have_host = false, have_te = false;
	long n;
	int rc;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;

	/* RFC 9112 section 2.2: ignore empty lines before the request-line. */
	while (p < end && (*p == '\r' || *p == '\n')) {
		if (p - buf > 64)
			return -400;
		p++;
	}
	n = next_line(p, end, &next);
	if (n < 0)
		return (size_t)(end - p) > HTTP_MAX_REQUEST_LINE ? -414 : 0;
	if (n > HTTP_MAX_REQUEST_LINE)
		return -414;
	if ((rc = parse_request_line(p, (size_t)n, req)) < 0)
		return rc;
	p = next;

	for (;;) {
		n = next_line(p, end, &next);
		if (n < 0)
			return (size_t)(end - buf) > HTTP_MAX_HEADER_BYTES ? -431 : 0;
		if ((size_t)(next - buf) > HTTP_MAX_HEADER_BYTES)
			return -431;
		if (n == 0)
			break;
		if (*p == ' ' || *p == '\t')
			return -400; /* obs-fold, RFC 9112 section 5.2 */
		if (++req->nheaders > HTTP_MAX_HEADERS)
			return -431;
		const char *colon = memchr(p, ':', (size_t)n);
		if (!colon || colon == p)
			return -400;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar((unsigned char)*q))
				return -400; /* includes whitespace before ':' (section 5.1) */
		for (const char *q = colon + 1; q < p + n; q++)
			if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
				return -400;
		struct http_str name = {p, (size_t)(colon - p)};
		struct http_str value = trim_ows(colon + 1, (size_t)(p + n - colon - 1));

		if (str_ieq(name, "host")) {
			if (have_host)
				return -400;
			have_host = true;
			req->host = value;
		} else if (str_ieq(name, "connection")) {
			parse_connection(value, &conn_close, &conn_keep);
		} else if (str_ieq(name, "content-length")) {
			if (parse_content_length(value, &req->content_length) < 0)
				return -400;
		} else if (str_ieq(name, "transfer-encoding")) {
			have_te = true;
			req->chunked =
			    value.len >= 7 &&
			    str_ieq((struct http_str){value.p + value.len - 7, 7}, "chunked");
		} else if (str_ieq(name, "range")) {
			req->range = value;
		} else if (str_ieq(name, "if-none-match")) {
			req->if_none_match = value;
		} else if (str_ieq(name, "if-modified-since")) {
			req->if_modified_since = value;
		} else if (str_ieq(name, "if-range")) {
			req->if_range = value;
		} else if (str_ieq(name, "expect")) {
			if (!str_ieq(value, "100-continue"))
				return -417; /* RFC 9110 section 10.1.1 */
			req->expect_continue = true;
		}
		p = next;
	}

	/* RFC 9112 section 6.1: both framing headers is an error; a request body with
	 * Transfer-Encoding we do not implement. */
	if (have_te && req->content_length >= 0)
		return -400;
	if (have_te)
		return req->chunked ? -501 : -400;
	/* RFC 9112 section 3.2: a 1.1 request without Host is answered with 400. */
	if (req->version_minor >= 1 && !have_host)
		return -400;
	if (req->version_minor >= 1)
		req->keep_alive = !conn_close;
	else
		req->keep_alive = conn_keep && !conn_close;
	return (int)(next - buf);
}
