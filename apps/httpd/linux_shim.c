/* SPDX-License-Identifier: BSD-2-Clause */
/* The iotcp API on Linux kernel sockets, so iotcp-httpd's server code can run unchanged on the
 * kernel stack (iotcp-httpd-linux): the baseline for benchmarks and a way to test the server
 * without DPDK. Descriptors are kernel fds; epoll is kernel epoll. The "offload" calls map to
 * what a Linux server does: openat2 beneath $IOTCP_LINUX_DOCROOT (default ".") and sendfile(2),
 * so the kernel moves the file bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "iotcp/iotcp.h"
#include "util/beneath.h"

#define MAX_PENDING 4096

struct iotcp_ctx {
	int docroot_fd;
	/* offload opens complete at once; their events are reported by the next epoll_wait */
	int pending[MAX_PENDING];
	int npending;
	struct iotcp_stats st;
};

/* fid -> (socket it belongs to); fids are kernel fds of the opened files */
static int fid_sock[1 << 16];

void iotcp_config_default(struct iotcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lcore = -1;
	cfg->ip = (198u << 24) | (18u << 16) | 1u;
	cfg->prefix_len = 24;
	cfg->mtu = 1500;
}

struct iotcp_ctx *iotcp_create(const struct iotcp_config *cfg)
{
	(void)cfg;
	struct iotcp_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	const char *root = getenv("IOTCP_LINUX_DOCROOT");
	ctx->docroot_fd = open(root ? root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->docroot_fd < 0) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void iotcp_destroy(struct iotcp_ctx *ctx)
{
	if (!ctx)
		return;
	close(ctx->docroot_fd);
	free(ctx);
}

int iotcp_socket(struct iotcp_ctx *ctx, int domain, int type, int protocol)
{
	(void)ctx;
	return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

int iotcp_bind(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
	(void)ctx;
	return bind(sd, addr, len);
}

int iotcp_listen(struct iotcp_ctx *ctx, int sd, int backlog)
{
	(void)ctx;
	return listen(sd, backlog);
}

int iotcp_accept(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	int fd = accept4(sd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		ctx->st.conns_total++;
	return fd;
}

int iotcp_connect(struct iotcp_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
	(void)ctx;
	return connect(sd, addr, len);
}

ssize_t iotcp_read(struct iotcp_ctx *ctx, int sd, void *buf, size_t len)
{
	(void)ctx;
	return read(sd, buf, len);
}

ssize_t iotcp_write(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len)
{
	ssize_t n = send(sd, buf, len, MSG_NOSIGNAL);
	if (n > 0)
		ctx->st.tx_bytes += (uint64_t)n;
	return n;
}

ssize_t iotcp_write_file(struct iotcp_ctx *ctx, int sd, const void *buf, size_t len)
{
	ssize_t n = iotcp_write(ctx, sd, buf, len);
	if (n > 0)
		ctx->st.file_payload_bytes += (uint64_t)n;
	return n;
}

/* The server falls back to pread + iotcp_write_file. */
ssize_t iotcp_write_from_file(struct iotcp_ctx *ctx, int sd, int fd, off_t off, size_t len)
{
	(void)ctx;
	(void)sd;
	(void)fd;
	(void)off;
	(void)len;
	errno = EOPNOTSUPP;
	return -1;
}

ssize_t iotcp_writev(struct iotcp_ctx *ctx, int sd, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	return writev(sd, iov, iovcnt);
}

int iotcp_shutdown(struct iotcp_ctx *ctx, int sd, int how)
{
	(void)ctx;
	return shutdown(sd, how);
}

int iotcp_close(struct iotcp_ctx *ctx, int sd)
{
	(void)ctx;
	return close(sd);
}

int iotcp_getsockname(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	(void)ctx;
	return getsockname(sd, addr, len);
}

int iotcp_getpeername(struct iotcp_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
	(void)ctx;
	return getpeername(sd, addr, len);
}

int iotcp_setsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, const void *optval,
		     socklen_t optlen)
{
	(void)ctx;
	return setsockopt(sd, level, optname, optval, optlen);
}

int iotcp_getsockopt(struct iotcp_ctx *ctx, int sd, int level, int optname, void *optval,
		     socklen_t *optlen)
{
	(void)ctx;
	return getsockopt(sd, level, optname, optval, optlen);
}

int iotcp_epoll_create(struct iotcp_ctx *ctx)
{
	(void)ctx;
	return epoll_create1(EPOLL_CLOEXEC);
}

int iotcp_epoll_ctl(struct iotcp_ctx *ctx, int epd, int op, int sd, struct epoll_event *ev)
{
	(void)ctx;
	return epoll_ctl(epd, op, sd, ev);
}

int iotcp_epoll_wait(struct iotcp_ctx *ctx, int epd, struct epoll_event *events, int maxevents,
		     int timeout_ms)
{
	int n = 0;
	while (ctx->npending && n < maxevents) {
		int sd = ctx->pending[--ctx->npending];
		events[n].events = IOTCP_EPOLLOFFLOAD;
		events[n].data.fd = sd;
		n++;
	}
	if (n)
		timeout_ms = 0;
	int k = epoll_wait(epd, events + n, maxevents - n, timeout_ms);
	if (k < 0)
		return n ? n : -1;
	return n + k;
}

int iotcp_offload_open(struct iotcp_ctx *ctx, int sd, const char *path)
{
	if (ctx->npending == MAX_PENDING) {
		errno = EAGAIN;
		return -1;
	}
	long fd = open_beneath(ctx->docroot_fd, path, O_RDONLY | O_NONBLOCK); /* FIFOs: no wait */
	if (fd < 0) {
		errno = (int)-fd; /* the error surfaces at once; callers treat it like a failed open */
		return -1;
	}
	if (fd >= (long)(sizeof(fid_sock) / sizeof(fid_sock[0]))) {
		close((int)fd);
		errno = EMFILE;
		return -1;
	}
	fid_sock[fd] = sd;
	ctx->pending[ctx->npending++] = sd;
	return (int)fd;
}

int iotcp_offload_fstat(struct iotcp_ctx *ctx, int fid, struct stat *st)
{
	(void)ctx;
	return fstat(fid, st);
}

ssize_t iotcp_offload_write(struct iotcp_ctx *ctx, int sd, int fid, off_t *offset, size_t len)
{
	ssize_t n = sendfile(sd, fid, offset, len > (1u << 30) ? (1u << 30) : len);
	if (n > 0)
		ctx->st.offload_bytes += (uint64_t)n;
	if (n == 0 && len) {
		errno = EIO; /* file shorter than promised */
		return -1;
	}
	return n;
}

int iotcp_offload_close(struct iotcp_ctx *ctx, int fid)
{
	(void)ctx;
	return close(fid);
}

/* No TLS on the kernel-socket baseline (the HTTPS baselines are nginx and lighttpd). */
void iotcp_tls_config_default(struct iotcp_tls_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

struct iotcp_tls_ctx *iotcp_tls_ctx_new(struct iotcp_ctx *ctx, const struct iotcp_tls_config *cfg)
{
	(void)ctx;
	(void)cfg;
	errno = EOPNOTSUPP;
	return NULL;
}

void iotcp_tls_ctx_free(struct iotcp_tls_ctx *tls)
{
	(void)tls;
}

int iotcp_tls_accept(struct iotcp_ctx *ctx, int sd, struct iotcp_tls_ctx *tls)
{
	(void)ctx;
	(void)sd;
	(void)tls;
	errno = EOPNOTSUPP;
	return -1;
}

void iotcp_get_stats(struct iotcp_ctx *ctx, struct iotcp_stats *st)
{
	*st = ctx->st;
}

int iotcp_dump_stats(struct iotcp_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"stack linux\nconns_total %llu\ntx_bytes %llu\noffload_bytes %llu\n"
		"file_payload_bytes %llu\n",
		(unsigned long long)ctx->st.conns_total, (unsigned long long)ctx->st.tx_bytes,
		(unsigned long long)ctx->st.offload_bytes,
		(unsigned long long)ctx->st.file_payload_bytes);
	return fclose(f);
}
