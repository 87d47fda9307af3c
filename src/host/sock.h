/* SPDX-License-Identifier: BSD-2-Clause */
/* Sockets of the context (sock.c): the state behind a socket descriptor, and what the event
 * loop and epoll ask of it. */
#ifndef IOTCP_HOST_SOCK_H
#define IOTCP_HOST_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

#define HOST_EPHEM_LO 49152 /* RFC 6335 section 6 dynamic ports */
#define HOST_EPHEM_HI 65535

struct iotcp_ctx;
struct host_epitem;
struct host_off_flow;
struct host_tls_sess;

struct host_sock {
	int sd;
	struct tcp_conn *conn;	  /* connecting / connected (and after errors until close) */
	struct tcp_listener *lsn; /* listening */
	int family;		  /* AF_INET or AF_INET6: the socket's domain, of its names */
	bool v6;		  /* the local address is laddr6 (IPv6), else laddr (IPv4) */
	uint32_t laddr;		  /* bound or connected IPv4 address (0: any) */
	struct ipv6_addr laddr6;  /* bound or connected IPv6 address (::: any, both families) */
	uint16_t lport;
	bool bound;	/* bind() or autobind gave it lport */
	bool connected; /* connect() or accept() made conn */
	bool reuseaddr, keepalive, linger_on;
	bool shut_rd, shut_wr;
	bool acceptable; /* listener: TCP reported a connection to accept */
	int linger_sec;
	int err_seen; /* connection error already reported through SO_ERROR */
	/* What the last notification saw, to find edges for EPOLLET. */
	uint32_t snap_ev, snap_readable, snap_space;
	int backlog;
	int err; /* pending host-side error for SO_ERROR */
	struct tcp_config cfg;
	struct host_epitem *watchers;
	struct host_off_flow *off; /* external data queued on conn (offload.h) */
	uint32_t off_events;	   /* offload opens completed and not yet reported */
	struct host_tls_sess *tls; /* TLS on this socket (tls_session.h) */
};

/* TCP reported (tcp_stack_next_event) that sock's events may have changed, or the host
 * changed them: queue level-triggered registrations whose events hold, and edge-triggered ones
 * that see a new edge (a bit that rose, more bytes to read, more send space). new_conn: a
 * listener got a connection (always an edge). */
void host_sock_notify(struct iotcp_ctx *ctx, struct host_sock *s, bool new_conn);
/* Current epoll event bits of a socket. */
uint32_t host_sock_events(struct iotcp_ctx *ctx, struct host_sock *s);
/* Abort every connection and free every descriptor (iotcp_destroy). */
void host_desc_free_all(struct iotcp_ctx *ctx);
/* Collect TCP's event reports into the epoll ready lists (each loop pass). */
void host_collect_tcp_events(struct iotcp_ctx *ctx);

#endif
