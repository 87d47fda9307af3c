/* SPDX-License-Identifier: BSD-2-Clause */
/* IO-TCP offload, host half, against the REAL NIC engine (test_nic.h: synchronous file I/O in a
 * temporary docroot) and a peer host context as the client, all on in-memory links:
 *   offload_open / fstat (ok, ENOENT, traversal refused with EXDEV, EINPROGRESS while pending,
 *   IOTCP_EPOLLOFFLOAD reported once per completion), an HTTP-like response of inline header
 *   + offloaded body + inline trailer arriving byte-exact, a Range (offset) write, partial
 *   writes under a small SO_SNDBUF (EAGAIN), offload_write argument errors, offload_close after
 *   the data is acknowledged (the NIC closes the file, the descriptor is freed), counters
 *   (file_payload_bytes == 0, offload_bytes == body bytes, sends == echoes), and opens while
 *   no NIC answers (ENETDOWN). */
#include "../check.h"
#include "harness.h"
#include "host/offload.h"
#include "host/offload_types.h"
#include "nic_bed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const struct mac_addr MAC_NIC = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x4e}};

#define BODY_LEN 300000u

struct bed {
	union {
		struct nic_bed nb;
		struct {
			NIC_BED_MEMBERS
		};
	};
	int epc;
	uint8_t body[BODY_LEN];
};

static void pump(struct bed *b)
{
	nic_bed_pump(&b->nb);
}

static int watch(struct iotcp_ctx *ctx, int ep, int sd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = sd};
	return iotcp_epoll_ctl(ctx, ep, EPOLL_CTL_ADD, sd, &ev);
}

/* Pump until sd reports one of mask on the host's epoll; returns the events seen. */
static uint32_t wait_host(struct bed *b, int sd, uint32_t mask, int ms)
{
	struct epoll_event ev[8];
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000ull;
	while (mono_ns() < end) {
		int n = iotcp_epoll_wait(b->host, b->eph, ev, 8, 0);
		for (int k = 0; k < n; k++)
			if (ev[k].data.fd == sd && (ev[k].events & mask))
				return ev[k].events;
		pump(b);
	}
	return 0;
}

static bool bed_open(struct bed *b)
{
	for (size_t i = 0; i < BODY_LEN; i++)
		b->body[i] = (uint8_t)(i * 7 + (i >> 10) * 13);
	b->idle_us = 100;
	if (!nic_bed_links(&b->nb, &MAC_NIC, "body.bin", b->body, BODY_LEN) ||
	    !test_nic_write_file(b->nic, "small.txt", (const uint8_t *)"hello\n", 6) ||
	    !nic_bed_contexts(&b->nb, 21, 22))
		return false;
	b->epc = iotcp_epoll_create(b->client);
	return true;
}

static void bed_close(struct bed *b)
{
	static const char *const names[] = {"body.bin", "small.txt", "escape", NULL};
	nic_bed_close(&b->nb, names);
}

/* A connection client -> host:port; *hs is the accepted socket (watched on eph). */
static bool connect_pair(struct bed *b, int lsd, uint16_t port, int *hs, int *cs)
{
	struct sockaddr_in to = sin_of(IP_A, port);

	*cs = iotcp_socket(b->client, AF_INET, SOCK_STREAM, 0);
	if (*cs < 0)
		return false;
	iotcp_connect(b->client, *cs, (struct sockaddr *)&to, sizeof(to));
	*hs = -1;
	for (int i = 0; i < 20000 && *hs < 0; i++) {
		*hs = iotcp_accept(b->host, lsd, NULL, NULL);
		if (*hs < 0)
			pump(b);
	}
	if (*hs < 0)
		return false;
	return watch(b->host, b->eph, *hs, EPOLLIN | IOTCP_EPOLLOFFLOAD) == 0;
}

static int open_wait(struct bed *b, int hs, const char *path)
{
	int fid = iotcp_offload_open(b->host, hs, path);
	CHECK(fid >= 0);
	if (fid < 0)
		return -1;
	CHECK(wait_host(b, hs, IOTCP_EPOLLOFFLOAD, 3000) & IOTCP_EPOLLOFFLOAD);
	return fid;
}

/* Queue [off, off + len) of fid on hs, pumping while the send space is short. Returns the
 * number of partial writes (calls that took less than asked) and counts EAGAINs. */
static unsigned offload_all(struct bed *b, int hs, int fid, off_t off, size_t len, unsigned *eagain)
{
	unsigned partial = 0;
	off_t end = off + (off_t)len;
	for (int i = 0; i < 200000 && off < end; i++) {
		ssize_t r = iotcp_offload_write(b->host, hs, fid, &off, (size_t)(end - off));
		if (r < 0) {
			CHECK(errno == EAGAIN);
			if (errno != EAGAIN)
				return partial;
			(*eagain)++;
			pump(b);
			continue;
		}
		if ((size_t)r < (size_t)(end - off + r))
			partial++;
	}
	CHECK(off == end);
	return partial;
}

static void write_all(struct bed *b, int hs, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	for (int i = 0; i < 100000 && len; i++) {
		ssize_t r = iotcp_write(b->host, hs, p, len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
		} else {
			pump(b);
		}
	}
	CHECK(len == 0);
}

/* Read exactly len bytes on the client. */
static bool read_n(struct bed *b, int cs, uint8_t *out, size_t len)
{
	size_t got = 0;
	uint64_t end = mono_ns() + 10000000000ull;
	while (got < len && mono_ns() < end) {
		ssize_t r = iotcp_read(b->client, cs, out + got, len - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			break;
		else
			pump(b);
	}
	return got == len;
}

static void check_open_fstat(struct bed *b, int hs)
{
	struct stat st;
	struct epoll_event ev[8];

	int fid = iotcp_offload_open(b->host, hs, "body.bin");
	CHECK(fid >= 0);
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && errno == EINPROGRESS);
	off_t off = 0;
	CHECK(iotcp_offload_write(b->host, hs, fid, &off, 10) == -1 && errno == EINPROGRESS);
	CHECK(wait_host(b, hs, IOTCP_EPOLLOFFLOAD, 3000) & IOTCP_EPOLLOFFLOAD);
	/* level-triggered, yet reported once per completion */
	int n = iotcp_epoll_wait(b->host, b->eph, ev, 8, 0);
	for (int k = 0; k < n; k++)
		CHECK(!(ev[k].events & IOTCP_EPOLLOFFLOAD));
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == 0);
	CHECK_EQ_U64((uint64_t)st.st_size, BODY_LEN);
	CHECK(S_ISREG(st.st_mode));
	CHECK(st.st_mtim.tv_sec > 0);
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && errno == EBADF);

	fid = open_wait(b, hs, "missing.html");
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && errno == ENOENT);
	CHECK(iotcp_offload_write(b->host, hs, fid, &off, 1) == -1 && errno == EBADF);
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	fid = open_wait(b, hs, "../../etc/passwd");
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && errno == EXDEV);
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	/* an absolute path is taken beneath the docroot: never the real /etc/passwd */
	fid = open_wait(b, hs, "/etc/passwd");
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && (errno == ENOENT || errno == EXDEV));
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	/* a symlink leaving the docroot */
	char lp[256];
	test_nic_path(b->nic, "escape", lp, sizeof(lp));
	CHECK(symlink("/etc/passwd", lp) == 0);
	fid = open_wait(b, hs, "escape");
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == -1 && errno == EXDEV);
	CHECK(iotcp_offload_close(b->host, fid) == 0);

	/* argument errors */
	CHECK(iotcp_offload_open(b->host, hs, NULL) == -1 && errno == EFAULT);
	CHECK(iotcp_offload_open(b->host, hs, "") == -1 && errno == ENOENT);
	CHECK(iotcp_offload_open(b->host, 9999, "body.bin") == -1 && errno == EBADF);
	CHECK(iotcp_offload_open(b->host, b->eph, "body.bin") == -1 && errno == ENOTSOCK);
	char *longp = malloc(PROTO_PATH_MAX + 2);
	memset(longp, 'a', PROTO_PATH_MAX + 1);
	longp[PROTO_PATH_MAX + 1] = 0;
	CHECK(iotcp_offload_open(b->host, hs, longp) == -1 && errno == ENAMETOOLONG);
	free(longp);
	CHECK(iotcp_offload_fstat(b->host, hs, &st) == -1 && errno == EBADF);
	CHECK(iotcp_offload_fstat(b->host, 9999, &st) == -1 && errno == EBADF);
	CHECK(iotcp_offload_close(b->host, 9999) == -1 && errno == EBADF);
	CHECK(iotcp_offload_write(b->host, hs, 9999, &off, 1) == -1 && errno == EBADF);
}

static void response(struct bed *b, int lsd)
{
	static uint8_t got[BODY_LEN + 256];
	static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n";
	static const char trl[] = "\r\n--trailer--\r\n";
	int hs, cs;
	unsigned eagain = 0;
	struct stat st;

	CHECK(connect_pair(b, lsd, 80, &hs, &cs));
	check_open_fstat(b, hs);
	int fid = open_wait(b, hs, "body.bin");
	CHECK(iotcp_offload_fstat(b->host, fid, &st) == 0);

	/* range checks */
	off_t off = BODY_LEN - 10;
	CHECK(iotcp_offload_write(b->host, hs, fid, &off, 11) == -1 && errno == EINVAL);
	off = -1;
	CHECK(iotcp_offload_write(b->host, hs, fid, &off, 1) == -1 && errno == EINVAL);
	off = 0;
	CHECK(iotcp_offload_write(b->host, hs, fid, &off, 0) == 0 && off == 0);
	CHECK(iotcp_offload_write(b->host, hs, fid, NULL, 1) == -1 && errno == EFAULT);

	/* header inline, body offloaded, trailer inline: byte-exact in stream order */
	write_all(b, hs, hdr, sizeof(hdr) - 1);
	offload_all(b, hs, fid, 0, BODY_LEN, &eagain);
	write_all(b, hs, trl, sizeof(trl) - 1);
	size_t total = sizeof(hdr) - 1 + BODY_LEN + sizeof(trl) - 1;
	CHECK(read_n(b, cs, got, total));
	CHECK(memcmp(got, hdr, sizeof(hdr) - 1) == 0);
	CHECK(memcmp(got + sizeof(hdr) - 1, b->body, BODY_LEN) == 0);
	CHECK(memcmp(got + sizeof(hdr) - 1 + BODY_LEN, trl, sizeof(trl) - 1) == 0);

	/* Range: bytes 1000..5999, twice the same range back to back */
	offload_all(b, hs, fid, 1000, 5000, &eagain);
	offload_all(b, hs, fid, 1000, 5000, &eagain);
	CHECK(read_n(b, cs, got, 10000));
	CHECK(memcmp(got, b->body + 1000, 5000) == 0);
	CHECK(memcmp(got + 5000, b->body + 1000, 5000) == 0);

	/* everything acknowledged: close the fid; the NIC closes the file, the descriptor goes */
	for (int i = 0; i < 2000; i++)
		pump(b);
	struct nic_engine_stats es;
	nic_engine_get_stats(b->nic->eng, &es);
	uint64_t files_before = es.files_open;
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	CHECK(iotcp_offload_close(b->host, fid) == -1 && errno == EBADF);
	for (int i = 0; i < 2000; i++)
		pump(b);
	nic_engine_get_stats(b->nic->eng, &es);
	CHECK_EQ_U64(es.files_open, files_before - 1);
	CHECK(counter(b->host, "host_offload_closes") >= 1);
	CHECK_EQ_U64(counter(b->host, "host_offload_cmd_unexpected"), 0);

	struct iotcp_stats s;
	iotcp_get_stats(b->host, &s);
	CHECK_EQ_U64(s.file_payload_bytes, 0);
	CHECK_EQ_U64(s.offload_bytes, BODY_LEN + 10000);
	CHECK_EQ_U64(counter(b->host, "host_offload_sends"),
		     counter(b->host, "host_offload_echoes"));
	CHECK(counter(b->host, "host_offload_ackds") >= 1);
	CHECK_EQ_U64(counter(b->host, "host_tx_ext_unsupported"), 0);
	printf("response: %u EAGAIN, %llu SENDs, %llu ACKDs\n", eagain,
	       (unsigned long long)counter(b->host, "host_offload_sends"),
	       (unsigned long long)counter(b->host, "host_offload_ackds"));
	iotcp_close(b->client, cs);
	iotcp_close(b->host, hs);
}

/* A small send buffer: writes are partial, EAGAIN when full; the body still arrives exact. The
 * socket is closed right after the last write: the host finishes the transfer as an orphan. */
static void small_sndbuf(struct bed *b)
{
	static uint8_t got[BODY_LEN];
	int lsd = iotcp_socket(b->host, AF_INET, SOCK_STREAM, 0), hs, cs, v = 8192;
	struct sockaddr_in sa = sin_of(0, 81);
	unsigned eagain = 0;

	CHECK(iotcp_setsockopt(b->host, lsd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0);
	CHECK(iotcp_bind(b->host, lsd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(iotcp_listen(b->host, lsd, 4) == 0);
	CHECK(connect_pair(b, lsd, 81, &hs, &cs));
	int fid = open_wait(b, hs, "body.bin");
	off_t off = 0;
	ssize_t r = iotcp_offload_write(b->host, hs, fid, &off, 100000);
	CHECK(r > 0 && r <= 8192 && off == r);
	unsigned partial = offload_all(b, hs, fid, off, 100000 - (size_t)off, &eagain);
	CHECK(partial > 0 && eagain > 0);
	CHECK(iotcp_close(b->host, hs) == 0); /* data still in flight */
	CHECK(iotcp_offload_close(b->host, fid) == 0);
	CHECK(read_n(b, cs, got, 100000));
	CHECK(memcmp(got, b->body, 100000) == 0);
	char c;
	for (int i = 0; i < 2000 && iotcp_read(b->client, cs, &c, 1) != 0; i++)
		pump(b);
	CHECK(iotcp_read(b->client, cs, &c, 1) == 0); /* FIN after the body */
	for (int i = 0; i < 2000; i++)
		pump(b);
	CHECK(host_fid_get(b->host, fid) == NULL); /* CLOSE_DONE freed it */
	printf("small sndbuf: %u partial writes, %u EAGAIN\n", partial, eagain);
	iotcp_close(b->client, cs);
	iotcp_close(b->host, lsd);
}

/* Copy mode: the application reads the file and writes it (iotcp_write_file): the host counts
 * those bytes as file bytes it sent itself, and none as offloaded. */
static void copy_mode(struct bed *b, int lsd)
{
	static uint8_t got[BODY_LEN];
	struct iotcp_stats s0, s1;
	int hs, cs;
	size_t off = 0;

	iotcp_get_stats(b->host, &s0);
	CHECK(connect_pair(b, lsd, 80, &hs, &cs));
	for (int i = 0; i < 100000 && off < BODY_LEN; i++) {
		ssize_t r = iotcp_write_file(b->host, hs, b->body + off, BODY_LEN - off);
		if (r > 0)
			off += (size_t)r;
		else
			pump(b);
	}
	CHECK(off == BODY_LEN);
	CHECK(read_n(b, cs, got, BODY_LEN));
	CHECK(memcmp(got, b->body, BODY_LEN) == 0);
	iotcp_get_stats(b->host, &s1);
	CHECK_EQ_U64(s1.file_payload_bytes - s0.file_payload_bytes, BODY_LEN);
	CHECK_EQ_U64(s1.offload_bytes - s0.offload_bytes, 0);
	CHECK(counter(b->host, "host_file_payload_bytes") == s1.file_payload_bytes);
	iotcp_close(b->client, cs);
	iotcp_close(b->host, hs);
}

/* Copy mode without the application's buffer (iotcp_write_from_file): the stack reads the file
 * into the send buffer itself; the same bytes arrive, counted the same way; 0 at the end of
 * the file. */
static void copy_mode_from_file(struct bed *b, int lsd)
{
	static uint8_t got[BODY_LEN];
	struct iotcp_stats s0, s1;
	int hs, cs;
	size_t off = 0;
	FILE *f = tmpfile();

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(b->body, 1, BODY_LEN, f) == BODY_LEN && fflush(f) == 0);
	int fd = fileno(f);
	iotcp_get_stats(b->host, &s0);
	CHECK(connect_pair(b, lsd, 80, &hs, &cs));
	for (int i = 0; i < 100000 && off < BODY_LEN; i++) {
		ssize_t r = iotcp_write_from_file(b->host, hs, fd, (off_t)off, BODY_LEN - off);
		if (r > 0)
			off += (size_t)r;
		else if (r < 0 && errno == EAGAIN)
			pump(b);
		else
			break;
	}
	CHECK(off == BODY_LEN);
	CHECK(iotcp_write_from_file(b->host, hs, fd, (off_t)BODY_LEN, 100) == 0); /* EOF */
	CHECK(iotcp_write_from_file(b->host, hs, -1, 0, 100) == -1 && errno == EBADF);
	CHECK(read_n(b, cs, got, BODY_LEN));
	CHECK(memcmp(got, b->body, BODY_LEN) == 0);
	iotcp_get_stats(b->host, &s1);
	CHECK_EQ_U64(s1.file_payload_bytes - s0.file_payload_bytes, BODY_LEN);
	CHECK_EQ_U64(s1.offload_bytes - s0.offload_bytes, 0);
	iotcp_close(b->client, cs);
	iotcp_close(b->host, hs);
	fclose(f);
}

static void test_no_nic(void)
{
	struct host_link *l1, *l2;
	CHECK(link_mem_pair(&MAC_A, &MAC_NIC, 0, &l1, &l2) == 0);
	struct iotcp_ctx *c = ctx_on_link(IP_A, l1, NULL, true, 5);
	CHECK(c != NULL);
	int sd = iotcp_socket(c, AF_INET, SOCK_STREAM, 0);
	CHECK(iotcp_offload_open(c, sd, "x") == -1 && errno == ENETDOWN);
	iotcp_destroy(c);
	host_link_close(l2);
}

static struct bed B; /* host, NIC engine and client, shared by the tests */
static int lsd = -1; /* the host's listening socket on port 80 */

static void test_response(void)
{
	response(&B, lsd);
}

static void test_small_sndbuf(void)
{
	small_sndbuf(&B);
}

static void test_copy_mode_file_bytes(void)
{
	copy_mode(&B, lsd);
}

static void test_copy_mode_from_file(void)
{
	copy_mode_from_file(&B, lsd);
}

int main(int argc, char **argv)
{
	CHECK(bed_open(&B));
	if (check_failures)
		CHECK_DONE();
	lsd = iotcp_socket(B.host, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = sin_of(0, 80);
	CHECK(iotcp_bind(B.host, lsd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(iotcp_listen(B.host, lsd, 4) == 0);
	RUN_INIT(argc, argv);
	RUN(test_response);
	RUN(test_small_sndbuf);
	RUN(test_copy_mode_file_bytes);
	RUN(test_copy_mode_from_file);
	RUN(test_no_nic);
	bed_close(&B);
	RUN_DONE();
}
