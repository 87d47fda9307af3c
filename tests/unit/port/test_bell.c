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

int main(void)
{
	char dir[] = "/tmp/iotcp-bell-XXXXXX", base[256], path[300], err[256];
	struct port_bell_stats st;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(base, sizeof(base), "%s/nic.sock", dir);

	/* The host side does not create: nothing there yet. */
	CHECK(port_bell_open(base, PORT_BELL_HOST, false, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "nic.sock.bell") != NULL);

	struct port_bell *nic = port_bell_open(base, PORT_BELL_NIC, true, err, sizeof(err));
	CHECK(nic != NULL);
	struct port_bell *host = port_bell_open(base, PORT_BELL_HOST, false, err, sizeof(err));
	CHECK(host != NULL);
	if (!nic || !host)
		CHECK_DONE();

	/* Not armed: a ring is a no-op. */
	port_bell_ring(nic);
	CHECK(!readable(port_bell_fd(host)));
	port_bell_stats(nic, &st);
	CHECK_EQ_U64(st.rings, 0);

	/* Armed: the first ring wakes, the second finds the arm taken. */
	port_bell_arm(host);
	port_bell_ring(nic);
	port_bell_ring(nic);
	CHECK(readable(port_bell_fd(host)));
	port_bell_stats(nic, &st);
	CHECK_EQ_U64(st.rings, 1);
	port_bell_disarm(host);
	CHECK(!readable(port_bell_fd(host))); /* drained */
	port_bell_stats(host, &st);
	CHECK_EQ_U64(st.arms, 1);
	CHECK_EQ_U64(st.woken, 1);

	/* Armed, nobody rang: disarm costs nothing and counts no wake. */
	port_bell_arm(host);
	port_bell_disarm(host);
	port_bell_stats(host, &st);
	CHECK_EQ_U64(st.woken, 1);

	/* The other direction. */
	port_bell_arm(nic);
	port_bell_ring(host);
	CHECK(readable(port_bell_fd(nic)));
	port_bell_disarm(nic);
	CHECK(!readable(port_bell_fd(nic)));

	/* Across processes: the child sleeps armed for up to 2 s; the parent rings after 50 ms. */
	pid_t pid = fork();
	if (pid == 0) {
		struct port_bell *h = port_bell_open(base, PORT_BELL_HOST, false, err, sizeof(err));
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
	for (int i = 0; i < 150; i++) {
		nanosleep(&ms, NULL);
		port_bell_ring(nic);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	if (status == -1)
		waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A NIC restart reuses the files: the host's bell still works. */
	port_bell_close(nic);
	nic = port_bell_open(base, PORT_BELL_NIC, true, err, sizeof(err));
	CHECK(nic != NULL);
	if (nic) {
		port_bell_arm(host);
		port_bell_ring(nic);
		CHECK(readable(port_bell_fd(host)));
		port_bell_disarm(host);
	}
	port_bell_close(nic);
	port_bell_close(host);

	/* Files that are not what they should be are refused, with the reason. */
	snprintf(base, sizeof(base), "%s/bad.sock", dir);
	snprintf(path, sizeof(path), "%s.bell", base);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(port_bell_open(base, PORT_BELL_NIC, true, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "bad.sock.bell") != NULL); /* EISDIR */
	rmdir(path);
	int fd = open(path, O_CREAT | O_WRONLY, 0600); /* a short page: the host refuses it */
	CHECK(fd >= 0);
	close(fd);
	CHECK(port_bell_open(base, PORT_BELL_HOST, false, err, sizeof(err)) == NULL);
	snprintf(path, sizeof(path), "%s.bell-host", base);
	fd = open(path, O_CREAT | O_WRONLY, 0600); /* a regular file where a FIFO should be */
	CHECK(fd >= 0);
	close(fd);
	CHECK(port_bell_open(base, PORT_BELL_NIC, true, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not a FIFO") != NULL);
	CHECK(port_bell_open(NULL, PORT_BELL_NIC, true, err, sizeof(err)) == NULL);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	CHECK_DONE();
}
