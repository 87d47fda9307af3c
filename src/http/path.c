/* SPDX-License-Identifier: BSD-2-Clause */
/* Request-target to docroot path (RFC 3986 section 2.1 percent-encoding, section 5.2.4 dot
 * segments). Any ".." segment is refused outright rather than resolved: a static server never
 * needs one, and refusing is the simplest way to never leave the docroot. */
#include <string.h>

#include "http/http.h"
#include "util/hex.h"

int http_decode_path(const char *target, size_t len, char *out, size_t cap)
{
	size_t o = 0, i = 0, seg_start;

	if (cap < 2 || len == 0 || target[0] != '/')
		return -400;
	/* Drop query and fragment. */
	for (size_t k = 0; k < len; k++) {
		if (target[k] == '?' || target[k] == '#') {
			len = k;
			break;
		}
	}
	out[o++] = '/';
	seg_start = o;
	while (i < len) {
		char c = target[i++];
		if (c == '%') {
			if (i + 2 > len)
				return -400;
			int hi = hex_digit_value(target[i]), lo = hex_digit_value(target[i + 1]);
			if (hi < 0 || lo < 0)
				return -400;
			c = (char)(hi * 16 + lo);
			i += 2;
			if (c == 0)
				return -400;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || c == '\\')
			return -400;
		if (c == '/') {
			size_t seg_len = o - seg_start;
			if (seg_len == 0)
				continue; /* "//" collapses */
			if (seg_len == 1 && out[seg_start] == '.') {
				o = seg_start; /* "." segment */
				continue;
			}
			if (seg_len == 2 && out[seg_start] == '.' && out[seg_start + 1] == '.')
				return -403;
			if (o + 1 >= cap)
				return -414;
			out[o++] = '/';
			seg_start = o;
			continue;
		}
		if (o + 1 >= cap)
			return -414;
		out[o++] = c;
	}
	size_t seg_len = o - seg_start;
	if (seg_len == 1 && out[seg_start] == '.')
		o = seg_start;
	else if (seg_len == 2 && out[seg_start] == '.' && out[seg_start + 1] == '.')
		return -403;
	out[o] = '\0';
	return (int)o;
}
