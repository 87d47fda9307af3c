/* SPDX-License-Identifier: BSD-2-Clause */
/* libiotcp: the IO-TCP host stack as a library linked into the application.
 *
 * One context (struct iotcp_ctx) per application thread. It owns the host link to the NIC
 * daemon (DPDK net_memif, client role), the IPv4 address, ARP, ICMP echo, and the sans-I/O TCP
 * core. The application uses POSIX-named calls with an iotcp_ prefix; they return -1 and set
 * errno on failure, like their POSIX namesakes.
 *
 * Descriptors are small non-negative ints in the context's own table (not kernel fds). Every
 * socket is non-blocking: calls that would block fail with EAGAIN (EINPROGRESS for connect).
 * The stack runs inside iotcp_epoll_wait() (run to completion, one thread, no locks): it polls
 * the link, feeds frames to TCP, runs timers, transmits, then reports events; when idle it backs
 * off and sleeps (the memif link has no rx interrupts) up to the caller's timeout.
 *
 * Offload API (IO-TCP): file bytes never pass through the host. iotcp_offload_open() asks the
 * NIC to open a file beneath its docroot; completion is reported on the socket as
 * IOTCP_EPOLLOFFLOAD. iotcp_offload_write() queues a file range on a socket with sendfile
 * semantics; the NIC reads and transmits it while the host keeps TCP's control plane. */
#ifndef IOTCP_IOTCP_H
#define IOTCP_IOTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iotcp_ctx;

struct iotcp_config {
	/* Host link: the NIC daemon's memif socket (iotcp-nicd --host-socket). Required by
	 * iotcp_create (no default). */
	const char *nic_socket;
	/* DPDK EAL: core to run on (-1: any), unique --file-prefix, memory in MB, hugepages. */
	int lcore;
	const char *file_prefix;
	unsigned mem_mb;
	bool hugepages;
	/* Our address: host byte order, with prefix length; gateway 0 = none (on-link only). */
	uint32_t ip;
	uint8_t prefix_len;
	uint32_t gateway;
	uint16_t mtu; /* IP MTU of the wire, 1500 by default */
	/* How long iotcp_create waits for the NIC's HELLO before failing (0 = wait forever,
	 * retrying with a message every few seconds). */
	unsigned hello_timeout_ms;
	/* Optional: counters rewritten as "key value" lines every second. */
	const char *stats_file;
	/* Optional: diagnostics (NULL = stderr). */
	const char *log_file;
	/* Idle back-off of the poll loop (memif has no rx interrupts): after idle_spins empty
	 * polls, sleep idle_min_us, doubling up to idle_max_us while idle; work resets it. A
	 * longer first sleep means fewer wakeups per GB (less host CPU) and more latency.
	 * Defaults: 64 polls, 200 us, 1000 us. */
	unsigned idle_spins;
	unsigned idle_min_us;
	unsigned idle_max_us;
	/* TCP limits against hostile clients (docs/limits.md); 0 = the default. Connections in
	 * every state (embryonic, orphans, TIME-WAIT; 65536); connections the application closed
	 * that are still closing (16384, beyond: reset); an orphan's FIN-WAIT-2 (60000 ms, Linux
	 * tcp_fin_timeout); out-of-order data of all connections (65536 KiB); SACK scoreboard
	 * entries per connection (one per segment of the send buffer + 64). */
	unsigned tcp_max_conns;
	unsigned tcp_max_orphans;
	unsigned tcp_fin_timeout_ms;
	unsigned tcp_ooo_mem_kb;
	unsigned tcp_sack_entries;
};

/* Fill defaults: lcore -1, 256 MB, no hugepages, 198.18.0.1/24, MTU 1500, 10 s HELLO timeout,
 * idle back-off 64 polls / 200 us / 1000 us. */
void iotcp_config_default(struct iotcp_config *cfg);

/* Start the EAL, open the host link, exchange HELLO with the NIC. NULL with errno set
 * (ECONNREFUSED: no NIC daemon answered in time; EINVAL: bad configuration). */
struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg);
/* Reset open connections, close the link, release the EAL. */
void iotcp_destroy(struct iotcp_ctx *ctx);

/* ---- sockets (AF_INET, SOCK_STREAM only) ---- */
int iotcp_socket(struct iotcp_ctx *ctx, int domain, int type, int protocol);
int iotcp_bind(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len);
int iotcp_listen(struct iotcp_ctx *ctx, int sd, int backlog);
int iotcp_accept(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len);
int iotcp_connect(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len);
ssize_t iotcp_read(struct iotcp_ctx *ctx, int sd, void *buf, size_t len);
ssize_t iotcp_write(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len);
ssize_t iotcp_writev(struct iotcp_ctx *ctx, int sd, const struct iovec *iov, int iovcnt);
int iotcp_shutdown(struct iotcp_ctx *ctx, int sd, int how);
int iotcp_close(struct iotcp_ctx *ctx, int sd);
int iotcp_getsockname(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len);
int iotcp_getpeername(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len);
/* SOL_SOCKET: SO_REUSEADDR, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE, SO_ERROR (get), SO_LINGER
 * (l_onoff with l_linger 0 = abortive close). IPPROTO_TCP: TCP_NODELAY, TCP_MAXSEG,
 * TCP_CONGESTION ("cubic", "newreno"), TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT. */
int iotcp_setsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, const void *optval,
		     socklen_t optlen);
int iotcp_getsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, void *optval,
		     socklen_t *optlen);

/* ---- epoll (level- and edge-triggered; EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR,
 * EPOLLET, EPOLLONESHOT; plus IOTCP_EPOLLOFFLOAD) ---- */
#define IOTCP_EPOLLOFFLOAD EPOLLMSG /* an offload_open on this socket completed */
int iotcp_epoll_create(struct iotcp_ctx *ctx);
int iotcp_epoll_ctl(struct iotcp_ctx *ctx, int epd, int op, int sd, struct epoll_event *ev);
/* Runs the stack until an event is ready or timeout_ms passes (-1: forever, 0: one pass). */
int iotcp_epoll_wait(struct iotcp_ctx *ctx, int epd, struct epoll_event *events, int maxevents,
		     int timeout_ms);

/* ---- offload (IO-TCP) ---- */
/* Ask the NIC to open path (relative to its docroot) for use on socket sd. Returns an offload
 * file id (fid >= 0) at once; sd reports IOTCP_EPOLLOFFLOAD when the open completed, and
 * iotcp_offload_fstat() then tells the result. */
int iotcp_offload_open(struct iotcp_ctx *ctx, int sd, const char *path);
/* 0 with *st filled (st_size, st_mtim, st_mode), or -1 with errno: EINPROGRESS while the open
 * is pending, or the NIC's error (ENOENT, EACCES, EISDIR, EIO, ...). */
int iotcp_offload_fstat(struct iotcp_ctx *ctx, int fid, struct stat *st);
/* Queue file bytes [*offset, *offset + len) on sd, in stream order after what was written
 * before; partial when the send space is short; advances *offset. Returns bytes queued, or -1
 * with errno (EAGAIN, EPIPE, EBADF, EINVAL for a range outside the file). */
ssize_t iotcp_offload_write(struct iotcp_ctx *ctx, int sd, int fid, off_t *offset, size_t len);
/* Release fid; the NIC closes the file once every byte queued from it has been acknowledged. */
int iotcp_offload_close(struct iotcp_ctx *ctx, int fid);

/* ---- observability ---- */
struct iotcp_stats {
	uint64_t rx_frames, tx_frames, rx_bytes, tx_bytes;
	uint64_t rx_dropped; /* malformed, not for us, fragments, ... */
	uint64_t arp_requests, arp_replies, icmp_echo; /* ARP requests for our address and ARP
							* replies received; echo requests answered */
	uint64_t conns_open, conns_total;
	uint64_t tcp_retrans_segs, tcp_rto;
	uint64_t file_payload_bytes; /* file bytes the host itself handled: 0 in offload mode */
	uint64_t offload_bytes;      /* file bytes the NIC sent on our behalf */
	uint64_t idle_sleeps;
};
void iotcp_get_stats(struct iotcp_ctx *ctx, struct iotcp_stats *st);
/* Write every counter (host, TCP drops by reason, link) as "key value" lines. */
int iotcp_dump_stats(struct iotcp_ctx *ctx, const char *path);

#ifdef __cplusplus
}
#endif

#endif
