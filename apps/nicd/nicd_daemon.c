/* SPDX-License-Identifier: BSD-2-Clause */
/* Process life of iotcp-nicd (see nicd_daemon.h). */
#include "nicd_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "nicd_log.h"

static volatile sig_atomic_t stop_flag;

int nicd_daemonize(void)
{
	int pfd[2];

	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char ok = 0;
		close(pfd[1]);
		ssize_t r = read(pfd[0], &ok, 1);
		_exit(r == 1 && ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(pfd[0]);
	setsid();
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return pfd[1];
}

void nicd_startup_done(int ready_fd, bool ok)
{
	if (ready_fd < 0)
		return;
	char c = ok ? 1 : 0;
	if (write(ready_fd, &c, 1) != 1)
		nicd_log("cannot report startup to the parent");
	close(ready_fd);
	if (ok) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
	}
}

int nicd_write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void nicd_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool nicd_stop_requested(void)
{
	return stop_flag != 0;
}

uint64_t nicd_new_boot_id(void)
{
	uint64_t id = 0;

	while (id == 0) {
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			id =
			    ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
		}
	}
	return id;
}
