/* SPDX-License-Identifier: BSD-2-Clause */
/* What a socket reports (sock_events.c): its epoll event bits and the bytes the application can
 * read and write (TLS sockets: plaintext and sealing room), asked by epoll (wakeups, collection)
 * and by the socket calls. */
#ifndef IOTCP_HOST_SOCK_EVENTS_H
#define IOTCP_HOST_SOCK_EVENTS_H

#include <stdint.h>
#include <sys/epoll.h>

struct iotcp_ctx;
struct host_sock;

/* Current epoll event bits of a socket. */
uint32_t host_sock_events(struct iotcp_ctx *ctx, struct host_sock *s);
uint32_t host_sock_readable(const struct host_sock *s);
uint32_t host_sock_space(const struct host_sock *s);
/* Remember what the application can read and write now: a later notification compares
 * (EPOLLET edges). */
void host_sock_snapshot(struct host_sock *s);

#endif
