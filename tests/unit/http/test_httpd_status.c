/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd's status page text (apps/httpd/status.h): nginx stub_status' four lines byte
 * for byte (what exporters parse), then the file bytes offloaded vs host-touched and the
 * offloaded share ('-' before any file byte); a buffer too small is refused, not cut. */
#include <string.h>

#include "../check.h"
#include "status.h"

static void test_status_page(void)
{
	struct httpd_status s = {.active = 3, .accepts = 120, .handled = 118, .requests = 4567,
				 .reading = 1, .writing = 1, .waiting = 1,
				 .offload_bytes = 3000, .host_file_bytes = 1000};
	static const char want[] = "Active connections: 3 \n"
				   "server accepts handled requests\n"
				   " 120 118 4567 \n"
				   "Reading: 1 Writing: 1 Waiting: 1 \n"
				   "File bytes offloaded: 3000\n"
				   "File bytes host-touched: 1000\n"
				   "Offloaded share: 75.0%\n";
	char buf[512];

	CHECK_EQ_U64(httpd_status_format(buf, sizeof(buf), &s), strlen(want));
	CHECK(strcmp(buf, want) == 0);
	/* exactly large enough (the NUL included), one byte less: refused */
	CHECK_EQ_U64(httpd_status_format(buf, sizeof(want), &s), strlen(want));
	CHECK(httpd_status_format(buf, sizeof(want) - 1, &s) == -1);

	struct httpd_status zero = {0};
	CHECK(httpd_status_format(buf, sizeof(buf), &zero) > 0);
	CHECK(strstr(buf, " 0 0 0 \n") && strstr(buf, "Offloaded share: -\n"));
	struct httpd_status big = {.accepts = UINT64_MAX, .offload_bytes = 1};
	CHECK(httpd_status_format(buf, sizeof(buf), &big) > 0);
	CHECK(strstr(buf, " 18446744073709551615 0 0 \n") && strstr(buf, "share: 100.0%\n"));
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_status_page);
	RUN_DONE();
}
