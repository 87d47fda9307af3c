/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd's log (see nicd_log.h). */
#include "nicd_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "port/port.h"

static FILE *log_stream; /* NULL: stderr */

int nicd_log_open(const char *path)
{
	FILE *f = fopen(path, "a");

	if (!f)
		return -1;
	log_stream = f;
	return 0;
}

void nicd_log_to_eal(void)
{
	if (log_stream)
		port_eal_log_stream(log_stream);
}

void nicd_log_close(void)
{
	if (!log_stream)
		return;
	port_eal_log_stream(NULL);
	fclose(log_stream);
	log_stream = NULL;
}

void nicd_log(const char *fmt, ...)
{
	FILE *f = log_stream ? log_stream : stderr;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s.%03ld iotcp-nicd[%ld]: ", when, ts.tv_nsec / 1000000L, (long)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}
