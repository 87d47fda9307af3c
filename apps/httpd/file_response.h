/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd file responses: opening, metadata, the response to a file or directory. */
#ifndef IOTCP_HTTPD_FILE_RESPONSE_H
#define IOTCP_HTTPD_FILE_RESPONSE_H

#include <stdbool.h>

struct httpd;
struct hconn;

/* Close c's file (or give it back to the open-file cache) and drop its copy buffer. */
void body_release(struct httpd *h, struct hconn *c);
/* Open c->b->path; respond once the file is open (now, or on IOTCP_EPOLLOFFLOAD). */
void open_and_respond(struct httpd *h, struct hconn *c);
/* The file is open: decide the response from its metadata. */
void respond_file(struct httpd *h, struct hconn *c);

#endif
