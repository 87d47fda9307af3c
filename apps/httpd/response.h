/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd responses: heads, text and error responses, the status page, sending. */
#ifndef IOTCP_HTTPD_RESPONSE_H
#define IOTCP_HTTPD_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

struct httpd;
struct hconn;

/* Start a response head: status line and common headers. Returns its length, -1 on overflow. */
int head_begin(struct httpd *h, struct hconn *c, int status);
/* Append to the head being built (n: its length so far, -1 stays -1). */
__attribute__((format(printf, 3, 4))) int head_add(struct hconn *c, int n, const char *fmt, ...);
/* The same for one string / one number in decimal. */
int head_str(struct hconn *c, int n, const char *str);
int head_u64(struct hconn *c, int n, uint64_t v);
/* End the head; false when it did not fit (a bare 500 that closes was put in its place). */
bool head_finish(struct httpd *h, struct hconn *c, int n);
/* An error or bodiless response with a short text body. */
void respond_simple(struct httpd *h, struct hconn *c, int status, const char *extra);
/* The status page. */
void respond_status(struct httpd *h, struct hconn *c);
/* Queue as much of the response as the socket takes. Returns false if c was freed. */
bool send_some(struct httpd *h, struct hconn *c);

#endif
