/* SPDX-License-Identifier: BSD-2-Clause */
/* The state behind a socket descriptor (struct host_sock; the socket API: sock.c). */
#ifndef IOTCP_HOST_SOCK_TYPES_H
#define IOTCP_HOST_SOCK_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

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
	struct host_off_flow *off; /* external data queued on conn (offload_types.h) */
	uint32_t off_events;	   /* offload opens completed and not yet reported */
	struct host_tls_sess *tls; /* TLS on this socket (tls_types.h) */
};

#endif
