/* SPDX-License-Identifier: BSD-2-Clause */
/* Response selection for a file: conditional requests, If-Range, Range (RFC 9110 sections
 * 13.1, 13.2.2, 14.2). See select.h. */
#include <string.h>

#include "http/select.h"

/* RFC 9110 section 13.1.1-13.1.4: the request's cache validators say the client's copy is current. */
static bool not_modified(const struct http_request *r, const struct http_selection *s,
			 const struct http_file_meta *meta)
{
	time_t ims;

	if (r->if_none_match.len) /* section 13.2.2 step 3: INM takes precedence over IMS */
		return http_etag_matches(r->if_none_match.p, r->if_none_match.len, s->etag);
	if (r->if_modified_since.len &&
	    http_parse_date(r->if_modified_since.p, r->if_modified_since.len, &ims))
		return meta->mtime_sec <= ims;
	return false;
}

/* RFC 9110 section 13.1.5: the Range applies only if the If-Range validator matches. */
static bool if_range_matches(const struct http_request *r, const struct http_selection *s)
{
	const struct http_str *v = &r->if_range;

	if (!v->len)
		return true;
	if (v->p[0] == '"') /* an entity-tag: strong comparison (a weak W/ tag never matches) */
		return v->len == strlen(s->etag) && memcmp(v->p, s->etag, v->len) == 0;
	return v->len == strlen(s->last_modified) && memcmp(v->p, s->last_modified, v->len) == 0;
}

void http_select_response(const struct http_request *req, const struct http_file_meta *meta,
			  struct http_selection *out)
{
	uint64_t first = 0, last = meta->size ? meta->size - 1 : 0;

	http_make_etag(meta->size, meta->mtime_sec, meta->mtime_nsec, out->etag);
	http_format_date((time_t)meta->mtime_sec, out->last_modified);
	out->first = 0;
	out->len = 0;
	if (not_modified(req, out, meta)) {
		out->status = 304;
		return;
	}
	out->status = 200;
	if (req->range.len && if_range_matches(req, out)) {
		switch (http_parse_range(req->range.p, req->range.len, meta->size, &first, &last)) {
		case HTTP_RANGE_OK:
			out->status = 206;
			break;
		case HTTP_RANGE_UNSATISFIABLE:
			out->status = 416;
			return;
		case HTTP_RANGE_NONE:
			first = 0;
			last = meta->size ? meta->size - 1 : 0;
			break;
		}
	}
	out->first = first;
	out->len = meta->size ? last - first + 1 : 0;
}
