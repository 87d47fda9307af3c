/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-httpd --workers (see workers.h). */
#define _GNU_SOURCE
#include "workers.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN 4096

static volatile sig_atomic_t forward_sig;

static void on_parent_signal(int sig)
{
	forward_sig = sig;
}

/* The CPU for worker i: the i-th allowed CPU at or after base (cyclic); base < 0: the first
 * allowed. -1 when the allowed set cannot be read (EAL's default then). */
static int worker_cpu(int base, unsigned i)
{
	cpu_set_t set;
	int cpus[CPU_SETSIZE], n = 0, start = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return base;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	if (n == 0)
		return base;
	for (int k = 0; k < n; k++)
		if (base >= 0 && cpus[k] == base)
			start = k;
	return cpus[((unsigned)start + i) % (unsigned)n];
}

/* path, or path.i for i > 0 (NULL stays NULL), in buf. */
static const char *suffixed(const char *path, unsigned i, char *buf, size_t len)
{
	if (!path || i == 0)
		return path;
	snprintf(buf, len, "%s.%u", path, i);
	return buf;
}

/* In the child: its configuration. */
static void become_worker(unsigned i, struct httpd_worker_cfg *cfg)
{
	static char sock[PATH_LEN], prefix[64], stats[PATH_LEN], log[PATH_LEN], alog[PATH_LEN];

	/* the parent gone (even by SIGKILL): stop too */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		raise(SIGTERM);
	*cfg->nic_socket = suffixed(*cfg->nic_socket, i, sock, sizeof(sock));
	if (*cfg->file_prefix)
		snprintf(prefix, sizeof(prefix), "%.48s-w%u", *cfg->file_prefix, i);
	else
		snprintf(prefix, sizeof(prefix), "iotcp-host-%ld-w%u", (long)getppid(), i);
	*cfg->file_prefix = prefix;
	*cfg->lcore = worker_cpu(*cfg->lcore, i);
	*cfg->stats_file = suffixed(*cfg->stats_file, i, stats, sizeof(stats));
	*cfg->log_file = suffixed(*cfg->log_file, i, log, sizeof(log));
	*cfg->access_log = suffixed(*cfg->access_log, i, alog, sizeof(alog));
	fprintf(stderr, "iotcp-httpd: worker %u (pid %ld): NIC socket %s, lcore %d\n", i,
		(long)getpid(), *cfg->nic_socket ? *cfg->nic_socket : "(none)", *cfg->lcore);
}

static void signal_all(const pid_t *pids, unsigned n, int sig)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

/* A reaped worker: say how it ended. Returns true when it ended well (exit 0). */
static bool report(unsigned i, pid_t pid, int st)
{
	if (WIFEXITED(st)) {
		fprintf(stderr, "iotcp-httpd: worker %u (pid %ld) exited with status %d\n", i,
			(long)pid, WEXITSTATUS(st));
		return WEXITSTATUS(st) == 0;
	}
	fprintf(stderr,
		"iotcp-httpd: worker %u (pid %ld) killed by signal %d; its connections are gone, "
		"the other workers go on\n",
		i, (long)pid, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return false;
}

int httpd_workers_run(unsigned n, struct httpd_worker_cfg *cfg, int *status)
{
	pid_t pids[HTTPD_MAX_WORKERS] = {0};
	struct sigaction sa = {.sa_handler = on_parent_signal}; /* no SA_RESTART */
	unsigned live = 0;
	bool all_ok = true;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fflush(NULL);
	for (unsigned i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			become_worker(i, cfg);
			return (int)i;
		}
		if (pid < 0) {
			fprintf(stderr, "iotcp-httpd: cannot start worker %u: %s\n", i,
				strerror(errno));
			signal_all(pids, n, SIGTERM);
			forward_sig = SIGTERM;
			all_ok = false;
			break;
		}
		pids[i] = pid;
		live++;
	}
	int forwarded = 0;
	while (live > 0) {
		if (forward_sig && forward_sig != forwarded) {
			forwarded = forward_sig;
			signal_all(pids, n, forwarded);
		}
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			for (unsigned i = 0; i < n; i++)
				if (pids[i] == pid) {
					all_ok = report(i, pid, st) && all_ok;
					pids[i] = 0;
					live--;
				}
			continue;
		}
		if (pid < 0 && errno != EINTR)
			break;
		struct timespec ts = {0, 100 * 1000 * 1000}; /* a supervisor: 10 looks a second */
		nanosleep(&ts, NULL);
	}
	*status = all_ok ? 0 : 1;
	return -1;
}
