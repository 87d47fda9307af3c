/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd lingering close (LINGER_MS in linger.c). */
#ifndef IOTCP_HTTPD_LINGER_H
#define IOTCP_HTTPD_LINGER_H

#include <stdbool.h>

struct httpd;
struct hconn;

/* Shut the write side after the queued response and drop what still arrives. */
void linger_start(struct httpd *h, struct hconn *c);
/* ST_LINGER: read and drop. Returns false when c was freed (EOF, error, budget spent). */
bool linger_read(struct httpd *h, struct hconn *c);

#endif
