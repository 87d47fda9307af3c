/* SPDX-License-Identifier: BSD-2-Clause */
/* The host runtime's context and the internal interfaces between its modules (not installed:
 * applications see only include/iotcp/iotcp.h). */
#ifndef IOTCP_HOST_CTX_H
#define IOTCP_HOST_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>

/* Re-exported for the modules that still take every declaration from here: log.h, desc.h,
 * tx_batch.h and clock.h each hold one concern (issue 12). */
#include "host/clock.h"
#include "host/counters.h"
#include "host/desc.h"
#include "host/link.h"
#include "host/log.h"
#include "host/neigh.h"
#include "host/offload.h"
#include "host/tx_batch.h"
#include "iotcp/iotcp.h"
#include "port/backoff.h"
#include "port/cycles.h"
#include "tcp/tcp.h"
#include "util/rng.h"
#include "wire/pkt.h"

#define HOST_RX_BURST	     32
#define HOST_TX_BATCH	     32
#define HOST_DESC_BITS	     20    /* descriptors per context: 1M (issue 13: 100k connections) */
#define HOST_MAX_DESC	     (1u << HOST_DESC_BITS)
#define HOST_EPHEM_LO	     49152 /* RFC 6335 section 6 dynamic ports */
#define HOST_EPHEM_HI	     65535
#define HOST_TTL	     64
#define HOST_NIC_HELLO_RETRY (1 * TCP_SEC)
#define HOST_NIC_HEARTBEAT   (1 * TCP_SEC)
#define HOST_NIC_DEAD	     (3 * TCP_SEC) /* no word from the NIC that long: link lost */

/* Where the host core's cycles go (counters.h: HOST_CYCLE_STAGES). */
struct host_cycles {
	HOST_CYCLE_STAGES(HOST_COUNTER_FIELD_)
	uint64_t app_mark; /* when iotcp_epoll_wait last returned (0: never) */
	struct cycles_clock clock;
};

/* Host counters (counters.h: HOST_COUNTERS, HOST_OFFLOAD_COUNTERS). */
struct host_counters {
	HOST_COUNTERS(HOST_COUNTER_FIELD_)
	HOST_OFFLOAD_COUNTERS(HOST_OFF_COUNTER_FIELD_)
	uint64_t off_errors[HOST_OFF_REASONS];
};

/* ---- descriptors ---- */

enum host_desc_kind { HD_FREE = 0, HD_SOCK, HD_EPOLL, HD_FID };

struct host_epoll;
struct host_tls_sess;
struct host_tls_rt;

/* One (epoll instance, socket) registration. */
struct host_epitem {
	struct host_epoll *ep;
	int sd;
	uint32_t events; /* interest, with EPOLLET / EPOLLONESHOT */
	epoll_data_t data;
	bool disabled; /* EPOLLONESHOT fired: silent until EPOLL_CTL_MOD */
	bool ready;    /* on ep's ready list */
	struct host_epitem *sock_next;
	struct host_epitem *ep_prev, *ep_next;
	struct host_epitem *rd_prev, *rd_next;
};

struct host_epoll {
	int epd;
	struct host_epitem items; /* sentinel of the interest list */
	struct host_epitem ready; /* sentinel of the ready list */
};

struct host_sock {
	int sd;
	struct tcp_conn *conn;	  /* connecting / connected (and after errors until close) */
	struct tcp_listener *lsn; /* listening */
	uint32_t laddr;
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

struct host_desc {
	uint8_t kind;
	int32_t next_free;
	union {
		struct host_sock *sock;
		struct host_epoll *ep;
		void *fid;
	};
};

/* ---- the NIC control channel (proto.h HELLO / HEARTBEAT) ---- */
struct host_nic {
	bool enabled; /* a NIC daemon is expected on the link */
	bool up;      /* HELLO exchanged and heartbeats arriving */
	bool ever_up;
	struct mac_addr mac;
	uint64_t boot_id, my_boot_id;
	uint32_t caps;
	uint64_t store_size;
	uint64_t hb_seq;
	tcp_time_t next_hello, next_heartbeat, last_rx, next_wait_msg;
};

struct iotcp_ctx {
	struct iotcp_config cfg; /* strings point into the copies below */
	char *str_nic_socket, *str_prefix, *str_stats, *str_log;
	struct host_clock clock;
	tcp_time_t now; /* refreshed once per loop pass */
	struct host_link *link;
	bool own_eal;
	FILE *log;
	uint32_t ip, netmask, gateway;
	uint16_t mtu;
	struct tcp_stack *tcp;
	struct tcp_config tcp_default;
	struct neigh_table neigh;
	tcp_time_t next_neigh_timer, next_stats;
	struct host_nic nic;
	struct host_offload off;
	struct host_tls_rt *tls; /* TLS sessions (tls_session.h), once a TLS context exists */
	struct host_desc *desc;
	uint32_t desc_cap;
	int32_t free_head;
	uint32_t nsocks;
	uint16_t ip_id;
	uint32_t ephem_next;
	struct host_frame tx[HOST_TX_BATCH];
	unsigned ntx;
	struct port_backoff backoff;
	struct host_counters cnt;
	struct host_cycles cyc;
	tcp_time_t next_off_pass; /* the offload pass runs after work or at this time */
	struct pkt_counters pkt;
	struct rng rng;
};

/* ctx.c */
/* One pass: rx, input, timers, output, tx, event collection. Returns true if any work. */
bool host_poll_once(struct iotcp_ctx *ctx);
uint32_t host_random32(struct iotcp_ctx *ctx);
/* Collect TCP's event reports into the epoll ready lists. */
void host_collect_tcp_events(struct iotcp_ctx *ctx);

/* create.c: release what iotcp_create set up around the context (the EAL). */
void host_release_platform(struct iotcp_ctx *ctx);

/* netif.c: frames in and out */
void host_rx_frame(struct iotcp_ctx *ctx, const uint8_t *frame, size_t len);
/* Transmit every segment TCP has ready. */
void host_tcp_output(struct iotcp_ctx *ctx);
/* Send an IPv4 frame built in f (Ethernet header space included, destination MAC filled here
 * once the next hop of daddr is resolved). Takes f in every case. */
void host_ip_output(struct iotcp_ctx *ctx, struct host_frame *f, uint32_t len, uint32_t daddr);
/* Next hop of daddr, or 0 when unroutable. */
uint32_t host_next_hop(const struct iotcp_ctx *ctx, uint32_t daddr);
bool host_addr_is_local_net(const struct iotcp_ctx *ctx, uint32_t addr);

/* arp.c */
void host_arp_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
/* Send an ARP request for ip (broadcast); gratuitous when ip is our address. */
void host_arp_request(struct iotcp_ctx *ctx, uint32_t ip);
/* Retries, expiry. */
void host_arp_timers(struct iotcp_ctx *ctx);

/* nic.c */
void host_nic_input(struct iotcp_ctx *ctx, const struct pkt_view *v);
void host_nic_timers(struct iotcp_ctx *ctx);

/* sock.c */
/* TCP reported (tcp_stack_next_event) that sock's events may have changed, or the host
 * changed them: queue level-triggered registrations whose events hold, and edge-triggered ones
 * that see a new edge (a bit that rose, more bytes to read, more send space). new_conn: a
 * listener got a connection (always an edge). */
void host_sock_notify(struct iotcp_ctx *ctx, struct host_sock *s, bool new_conn);
/* Current epoll event bits of a socket. */
uint32_t host_sock_events(struct iotcp_ctx *ctx, struct host_sock *s);
/* Abort every connection and free every descriptor (iotcp_destroy). */
void host_desc_free_all(struct iotcp_ctx *ctx);

/* epoll.c */
void host_epoll_item_ready(struct host_epitem *it);
/* Remove every registration of a socket being closed. */
void host_epoll_forget_sock(struct iotcp_ctx *ctx, struct host_sock *s);
void host_epoll_free(struct iotcp_ctx *ctx, struct host_epoll *ep);

#endif
