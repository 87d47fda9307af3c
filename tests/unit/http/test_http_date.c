/* SPDX-License-Identifier: BSD-2-Clause */
/* http_format_date at the edges (issue 14 finding 8): mtimes the four-digit IMF-fixdate cannot
 * say, down to ones gmtime_r itself refuses, give a valid date (clamped), never garbage from an
 * uninitialised struct tm; each output parses back. */
#include <stdint.h>
#include <string.h>

#include "../check.h"
#include "http/http.h"

static void expect(time_t t, const char *want)
{
	char out[30];
	memset(out, 0x7f, sizeof(out));
	http_format_date(t, out);
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "%lld: got '%.30s', want '%s'\n", (long long)t, out, want);
		check_failures++;
	}
	time_t back;
	CHECK(http_parse_date(out, strlen(out), &back));
}

static void test_format_date_clamps(void)
{
	expect(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	expect(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
	expect(253402300799, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* beyond year 9999: clamped */
	expect(253402300800, "Fri, 31 Dec 9999 23:59:59 GMT");
	expect((time_t)1 << 40, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* gmtime_r fails here (the year overflows an int) */
	expect(INT64_MAX, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* before year 0: clamped too */
	expect(-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT");
	expect(INT64_MIN, "Sat, 01 Jan 0000 00:00:00 GMT");
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_format_date_clamps);
	RUN_DONE();
}
