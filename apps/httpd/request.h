/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd request intake: reading, parsing, starting the response. */
#ifndef IOTCP_HTTPD_REQUEST_H
#define IOTCP_HTTPD_REQUEST_H

#include <stdbool.h>

struct httpd;
struct hconn;

/* Parse what is buffered; start the next response if a request is complete. */
void parse_next(struct httpd *h, struct hconn *c);
/* Read what the socket has. Returns false if c was freed. */
bool read_some(struct httpd *h, struct hconn *c);

#endif
