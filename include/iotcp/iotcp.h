/* SPDX-License-Identifier: BSD-2-Clause */
/* libiotcp: the IO-TCP host stack as a library linked into the application.
 *
 * One context (struct iotcp_ctx) per application thread. It owns the host link to the NIC
 * daemon (DPDK net_memif, client role), the IPv4 and IPv6 addresses, ARP, IPv6 Neighbor
 * Discovery, ICMP and ICMPv6 echo, and the sans-I/O TCP core. The application uses POSIX-named calls with an iotcp_ prefix; they return -1 and set
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
	/* Our IPv6 address (16 network-order bytes) and the length of its on-link prefix; all
	 * zero: no IPv6. The host answers Neighbor Discovery (RFC 4861) for it and ICMPv6 echo;
	 * AF_INET6 sockets listen and connect on it (an AF_INET6 socket bound to [::] takes both
	 * families, as Linux with IPV6_V6ONLY off). Default 2001:2::1/64 (RFC 5180). */
	uint8_t ip6[16];
	uint8_t prefix6_len;
};

/* Fill defaults: lcore -1, 256 MB, no hugepages, 198.18.0.1/24 and 2001:2::1/64, MTU 1500,
 * 10 s HELLO timeout,
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
/* iotcp_write for file bytes the application read itself (copy mode, no offload): the same,
 * and counted as such (iotcp_stats.file_payload_bytes, stats key host_file_payload_bytes). */
ssize_t iotcp_write_file(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len);
/* iotcp_write_file without the application's buffer: up to len bytes of file fd at offset off
 * are read (preadv) straight into the socket's send buffer, one copy fewer. Returns the bytes
 * read and queued, 0 at the end of the file, or -1 with errno: EAGAIN (send buffer full), the
 * read's error, EOPNOTSUPP on a TLS socket (use iotcp_write_file), or as iotcp_write. */
ssize_t iotcp_write_from_file(struct iotcp_ctx *ctx, int sd, int fd, off_t off, size_t len);
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

/* ---- TLS (HTTPS): handshake on the host, record protection offloaded ----
 *
 * Like Linux kTLS + sendfile, the application barely changes: it makes one TLS context
 * (certificate and key in PEM) and, after iotcp_accept(), calls iotcp_tls_accept() on the new
 * socket. From then on the same socket calls go through TLS:
 *   - the handshake (OpenSSL 3, TLS 1.3 and 1.2, AES-128/256-GCM, ECDHE, ALPN, SNI, session
 *     tickets) runs inside the stack as bytes arrive; the socket reports EPOLLIN when
 *     application data (or EOF, or an error) is there and EPOLLOUT once the handshake is done;
 *   - iotcp_read() returns decrypted application data (0 at close_notify or EOF; -1 with
 *     EPROTO after a fatal alert, ETIMEDOUT when the handshake did not finish in time: the alert
 *     has been sent and the connection is closing);
 *   - iotcp_write()/iotcp_writev() seal records on the host;
 *   - iotcp_offload_write() queues a file range whose records the NIC reads, seals and sends
 *     (records of up to 16 KiB aligned to file offsets; the host never sees the bytes): returns
 *     the file bytes queued, as without TLS;
 *   - iotcp_shutdown(SHUT_WR) and iotcp_close() send close_notify first.
 * After the handshake OpenSSL hands the transmit key over (its kTLS interface); the stack seals
 * what the host writes and gives the key to the NIC for file records, one record sequence per
 * key epoch shared by both. Decryption of what the client sends stays in OpenSSL on the host.
 * TLS 1.3 KeyUpdate from the client is answered; the server updates its own key before
 * key_update_records records (RFC 8446 5.5). If the key hand-off did not happen, OpenSSL seals
 * what the host writes and iotcp_offload_write() fails with EOPNOTSUPP: no byte is ever sent
 * unprotected. */
struct iotcp_tls_ctx;

struct iotcp_tls_config {
	const char *cert_file; /* PEM: certificate chain, leaf first (required) */
	const char *key_file;  /* PEM: private key (required) */
	uint16_t min_version;  /* 0x0303 TLS 1.2 (default) or 0x0304 TLS 1.3 */
	uint16_t max_version;  /* 0x0304 (default) or 0x0303 */
	/* OpenSSL syntax; NULL: ECDHE with AES-128-GCM, AES-256-GCM (TLS 1.2) and
	 * TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384 (TLS 1.3), in that order of preference.
	 * Only AES-GCM can be offloaded. */
	const char *ciphers;
	const char *ciphersuites;
	const char *alpn;		/* comma-separated, preference order; NULL: "http/1.1" */
	unsigned handshake_timeout_ms;	/* 0: 10 s; a client that stalls longer is dropped */
	uint64_t key_update_records;	/* records under one key before the server's KeyUpdate
					 * (TLS 1.3); 0: 2^24. A TLS 1.2 connection past it
					 * fails writes with EKEYEXPIRED. */
	bool no_key_handoff; /* keep record protection in OpenSSL (a fallback, and its test) */
};
void iotcp_tls_config_default(struct iotcp_tls_config *cfg);
/* Load certificate and key, set versions, ciphers, ALPN. NULL with errno (EINVAL: bad
 * configuration or PEM, with a message in the context's log). */
struct iotcp_tls_ctx *iotcp_tls_ctx_new(struct iotcp_ctx *ctx, const struct iotcp_tls_config *cfg);
/* Sockets already using it keep working. */
void iotcp_tls_ctx_free(struct iotcp_tls_ctx *tls);
/* Make sd (accepted, connected) a TLS server socket; nothing may have been read from or
 * written to it. 0, or -1 with errno (EBADF, ENOTCONN, EALREADY, ENOMEM). */
int iotcp_tls_accept(struct iotcp_ctx *ctx, int sd, struct iotcp_tls_ctx *tls);
/* Ask for a server KeyUpdate (TLS 1.3; sent before the next record). 0 or -1 with errno
 * (EINVAL: not TLS, EAGAIN: handshake not finished, EOPNOTSUPP: TLS 1.2). */
int iotcp_tls_key_update(struct iotcp_ctx *ctx, int sd);

enum iotcp_tls_state {
	IOTCP_TLS_HANDSHAKE,
	IOTCP_TLS_OPEN,
	IOTCP_TLS_CLOSED, /* close_notify or EOF from the peer */
	IOTCP_TLS_FAILED,
};
struct iotcp_tls_info {
	enum iotcp_tls_state state;
	uint16_t version;     /* 0x0303, 0x0304 (0 during the handshake) */
	char cipher[48];      /* OpenSSL's name */
	char alpn[32];	      /* negotiated protocol, "" if none */
	char sni[256];	      /* server name the client asked for, "" if none */
	bool resumed;	      /* session resumption */
	bool key_handoff;     /* the stack seals (not OpenSSL) */
	bool offload;	      /* and the NIC can seal file records */
	uint32_t key_epoch;   /* transmit key epoch (KeyUpdates sent) */
	uint64_t records_host; /* records sealed by the host */
	uint64_t records_nic;  /* records of offloaded file bodies */
};
int iotcp_tls_get_info(struct iotcp_ctx *ctx, int sd, struct iotcp_tls_info *info);

/* ---- observability ---- */
struct iotcp_stats {
	uint64_t rx_frames, tx_frames, rx_bytes, tx_bytes;
	uint64_t rx_dropped; /* malformed, not for us, fragments, ... */
	uint64_t arp_requests, arp_replies, icmp_echo; /* ARP requests for our address and ARP
							* replies received; echo requests answered */
	uint64_t conns_open, conns_total;
	uint64_t tcp_retrans_segs, tcp_rto;
	uint64_t file_payload_bytes; /* file bytes the host sent itself (iotcp_write_file) */
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
