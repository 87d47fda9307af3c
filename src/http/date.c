/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP-date, RFC 9110 section 5.6.7. Parsing is by hand (no strptime: locale-free and strict). */
#include <string.h>

#include "http/http.h"

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static int month_index(const char *p)
{
	for (int i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			return i;
	return -1;
}

static bool digits(const char *p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* "HH:MM:SS" */
static bool parse_clock(const char *p, struct tm *tm)
{
	return digits(p, 2, &tm->tm_hour) && p[2] == ':' && digits(p + 3, 2, &tm->tm_min) &&
	       p[5] == ':' && digits(p + 6, 2, &tm->tm_sec) && tm->tm_hour < 24 &&
	       tm->tm_min < 60 && tm->tm_sec <= 60;
}

bool http_parse_date(const char *v, size_t len, time_t *out)
{
	struct tm tm;
	char buf[64];
	const char *p;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	p = buf;

	if (len == 29 && p[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (p[4] != ' ' || !digits(p + 5, 2, &tm.tm_mday) || p[7] != ' ' ||
		    (tm.tm_mon = month_index(p + 8)) < 0 || p[11] != ' ' ||
		    !digits(p + 12, 4, &tm.tm_year) || p[16] != ' ' || !parse_clock(p + 17, &tm) ||
		    strcmp(p + 25, " GMT") != 0)
			return false;
		tm.tm_year -= 1900;
	} else if (len == 24 && p[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if ((tm.tm_mon = month_index(p + 4)) < 0 || p[7] != ' ')
			return false;
		char d[2] = {p[8] == ' ' ? '0' : p[8], p[9]};
		if (!digits(d, 2, &tm.tm_mday) || p[10] != ' ' || !parse_clock(p + 11, &tm) ||
		    p[19] != ' ' || !digits(p + 20, 4, &tm.tm_year))
			return false;
		tm.tm_year -= 1900;
	} else {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		const char *comma = strchr(p, ',');
		if (!comma || strlen(comma) != 24)
			return false;
		p = comma + 1;
		if (p[0] != ' ' || !digits(p + 1, 2, &tm.tm_mday) || p[3] != '-' ||
		    (tm.tm_mon = month_index(p + 4)) < 0 || p[7] != '-' ||
		    !digits(p + 8, 2, &tm.tm_year) || p[10] != ' ' || !parse_clock(p + 11, &tm) ||
		    strcmp(p + 19, " GMT") != 0)
			return false;
		/* Two-digit years: RFC 9110 says more than 50 years ahead means the past century. */
		if (tm.tm_year < 70)
			tm.tm_year += 100;
	}
	if (tm.tm_mday < 1 || tm.tm_mday > 31)
		return false;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

/* IMF-fixdate has four year digits: 0000-01-01 00:00:00 to 9999-12-31 23:59:59 UTC. */
#define DATE_MIN ((time_t)-62167219200)
#define DATE_MAX ((time_t)253402300799)

void http_format_date(time_t t, char out[30])
{
	struct tm tm;
	/* An mtime outside what the format can say (a file stamped in the year 40000, or before
	 * year 0) is clamped to the nearest date it can; gmtime_r cannot fail in that range, and
	 * if it did the epoch is written rather than an uninitialised tm. */
	if (t < DATE_MIN)
		t = DATE_MIN;
	if (t > DATE_MAX)
		t = DATE_MAX;
	if (!gmtime_r(&t, &tm)) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	/* Built by hand: strftime's %a/%b follow the locale. */
	static const char fmt_digits[] = "0123456789";
	char *o = out;
	memcpy(o, wdays[tm.tm_wday], 3);
	o += 3;
	*o++ = ',';
	*o++ = ' ';
	*o++ = fmt_digits[tm.tm_mday / 10];
	*o++ = fmt_digits[tm.tm_mday % 10];
	*o++ = ' ';
	memcpy(o, months[tm.tm_mon], 3);
	o += 3;
	*o++ = ' ';
	int y = tm.tm_year + 1900;
	*o++ = fmt_digits[(y / 1000) % 10];
	*o++ = fmt_digits[(y / 100) % 10];
	*o++ = fmt_digits[(y / 10) % 10];
	*o++ = fmt_digits[y % 10];
	*o++ = ' ';
	*o++ = fmt_digits[tm.tm_hour / 10];
	*o++ = fmt_digits[tm.tm_hour % 10];
	*o++ = ':';
	*o++ = fmt_digits[tm.tm_min / 10];
	*o++ = fmt_digits[tm.tm_min % 10];
	*o++ = ':';
	*o++ = fmt_digits[tm.tm_sec / 10];
	*o++ = fmt_digits[tm.tm_sec % 10];
	memcpy(o, " GMT", 5);
}
