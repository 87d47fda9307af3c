/* SPDX-License-Identifier: BSD-2-Clause */
/* Host <-> NIC doorbell (port/bell.h): the host cannot open it before the NIC made it; a ring
 * reaches an armed peer once and an unarmed peer never; disarm drains; a second process (fork)
 * sleeping in poll() is woken by the ring well before its timeout; bad files are refused. */
#define _GNU_SOURCE
#include "../check.h"
#include "port/bell.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A fresh directory for each test; a pair of bells in it once opened. */
struct bells {
	char dir[32], base[256], err[256];
	struct port_bell *nic, *host;
};

static bool bells_dir(struct bells *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/iotcp-bell-XXXXXX");
	if (!mkdtemp(b->dir)) {
		perror("mkdtemp");
		check_failures++;
		return false;
	}
	snprintf(b->base, sizeof(b->base), "%s/nic.sock", b->dir);
	return true;
}

static bool bells_open(struct bells *b)
{
	if (!bells_dir(b))
		return false;
	b->nic = port_bell_open(b->base, PORT_BELL_NIC, true, b->err, sizeof(b->err));
	CHECK(b->nic != NULL);
	b->host = port_bell_open(b->base, PORT_BELL_HOST, false, b->err, sizeof(b->err));
	CHECK(b->host != NULL);
	return b->nic && b->host;
}

static void bells_close(struct bells *b)
{
	char cmd[100];

	port_bell_close(b->nic);
	port_bell_close(b->host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	CHECK(system(cmd) == 0);
}

/* The host side does not create: nothing there yet. */
static void test_host_cannot_create(void)
{
	struct bells b;

	if (!bells_dir(&b))
		return;
	CHECK(port_bell_open(b.base, PORT_BELL_HOST, false, b.err, sizeof(b.err)) == NULL);
	CHECK(strstr(b.err, "nic.sock.bell") != NULL);
	bells_close(&b);
}

/* Not armed: a ring is a no-op. */
static void test_unarmed_ring_noop(void)
{
	struct bells b;
	struct port_bell_stats st;

	if (bells_open(&b)) {
		port_bell_ring(b.nic);
		CHECK(!readable(port_bell_fd(b.host)));
		port_bell_stats(b.nic, &st);
		CHECK_EQ_U64(st.rings, 0);
	}
	bells_close(&b);
}

/* Armed: the first ring wakes, the second finds the arm taken; disarm drains. */
static void test_armed_ring_wakes_once(void)
{
	struct bells b;
	struct port_bell_stats st;

	if (bells_open(&b)) {
		port_bell_arm(b.host);
		port_bell_ring(b.nic);
		port_bell_ring(b.nic);
		CHECK(readable(port_bell_fd(b.host)));
		port_bell_stats(b.nic, &st);
		CHECK_EQ_U64(st.rings, 1);
		port_bell_disarm(b.host);
		CHECK(!readable(port_bell_fd(b.host))); /* drained */
		port_bell_stats(b.host, &st);
		CHECK_EQ_U64(st.arms, 1);
		CHECK_EQ_U64(st.woken, 1);
	}
	bells_close(&b);
}

/* Armed, nobody rang: disarm costs nothing and counts no wake. */
static void test_disarm_unrung(void)
{
	struct bells b;
	struct port_bell_stats st;

	if (bells_open(&b)) {
		port_bell_arm(b.host);
		port_bell_disarm(b.host);
		port_bell_stats(b.host, &st);
		CHECK_EQ_U64(st.woken, 0);
	}
	bells_close(&b);
}

/* The host rings an armed NIC. */
static void test_other_direction(void)
{
	struct bells b;

	if (bells_open(&b)) {
		port_bell_arm(b.nic);
		port_bell_ring(b.host);
		CHECK(readable(port_bell_fd(b.nic)));
		port_bell_disarm(b.nic);
		CHECK(!readable(port_bell_fd(b.nic)));
	}
	bells_close(&b);
}

/* Across processes: the child sleeps armed for up to 2 s; the parent rings every 10 ms. */
static void test_wakes_other_process(void)
{
	struct bells b;

	if (!bells_open(&b)) {
		bells_close(&b);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		struct port_bell *h =
		    port_bell_open(b.base, PORT_BELL_HOST, false, b.err, sizeof(b.err));
		if (!h)
			_exit(2);
		port_bell_arm(h);
		struct pollfd p = {.fd = port_bell_fd(h), .events = POLLIN};
		double t0 = now_s();
		int r = poll(&p, 1, 2000);
		double dt = now_s() - t0;
		port_bell_disarm(h);
		port_bell_close(h);
		_exit(r == 1 && dt < 1.0 ? 0 : 3);
	}
	CHECK(pid > 0);
	/* Ring until the child has armed and was woken (the first rings may come before). */
	struct timespec ms = {.tv_nsec = 10 * 1000 * 1000};
	int status = -1;
	for (int i = 0; pid > 0 && i < 150; i++) {
		nanosleep(&ms, NULL);
		port_bell_ring(b.nic);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	if (pid > 0 && status == -1)
		waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	bells_close(&b);
}

/* A NIC restart reuses the files: the host's bell still works. */
static void test_nic_restart(void)
{
	struct bells b;

	if (bells_open(&b)) {
		port_bell_close(b.nic);
		b.nic = port_bell_open(b.base, PORT_BELL_NIC, true, b.err, sizeof(b.err));
		CHECK(b.nic != NULL);
		if (b.nic) {
			port_bell_arm(b.host);
			port_bell_ring(b.nic);
			CHECK(readable(port_bell_fd(b.host)));
			port_bell_disarm(b.host);
		}
	}
	bells_close(&b);
}

/* Files that are not what they should be are refused, with the reason. */
static void test_bad_files_refused(void)
{
	struct bells b;
	char path[300];

	if (!bells_dir(&b))
		return;
	snprintf(b.base, sizeof(b.base), "%s/bad.sock", b.dir);
	snprintf(path, sizeof(path), "%s.bell", b.base);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(port_bell_open(b.base, PORT_BELL_NIC, true, b.err, sizeof(b.err)) == NULL);
	CHECK(strstr(b.err, "bad.sock.bell") != NULL); /* EISDIR */
	rmdir(path);
	int fd = open(path, O_CREAT | O_WRONLY, 0600); /* a short page: the host refuses it */
	CHECK(fd >= 0);
	close(fd);
	CHECK(port_bell_open(b.base, PORT_BELL_HOST, false, b.err, sizeof(b.err)) == NULL);
	snprintf(path, sizeof(path), "%s.bell-host", b.base);
	fd = open(path, O_CREAT | O_WRONLY, 0600); /* a regular file where a FIFO should be */
	CHECK(fd >= 0);
	close(fd);
	CHECK(port_bell_open(b.base, PORT_BELL_NIC, true, b.err, sizeof(b.err)) == NULL);
	CHECK(strstr(b.err, "not a FIFO") != NULL);
	CHECK(port_bell_open(NULL, PORT_BELL_NIC, true, b.err, sizeof(b.err)) == NULL);
	bells_close(&b);
}

int main(int argc, char **argv)
{
	RUN_INIT(argc, argv);
	RUN(test_host_cannot_create);
	RUN(test_unarmed_ring_noop);
	RUN(test_armed_ring_wakes_once);
	RUN(test_disarm_unrung);
	RUN(test_other_direction);
	RUN(test_wakes_other_process);
	RUN(test_nic_restart);
	RUN(test_bad_files_refused);
	RUN_DONE();
}
