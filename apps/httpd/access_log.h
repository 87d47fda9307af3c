/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd access log (common log format). */
#ifndef IOTCP_HTTPD_ACCESS_LOG_H
#define IOTCP_HTTPD_ACCESS_LOG_H

#include <stdbool.h>

struct httpd;
struct hconn;

/* Log c's response (its request line, status and body bytes). */
void access_log(struct httpd *h, struct hconn *c);

#endif
