/* SPDX-License-Identifier: BSD-2-Clause */
/* Host <-> NIC doorbell: see bell.h. */
#include "port/bell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BELL_MAGIC   0x696f6262u /* "iobb" */
#define BELL_VERSION 1u
#define BELL_PAGE    4096u

struct bell_page {
	uint32_t magic;
	uint32_t version;
	_Atomic uint32_t armed[2]; /* indexed by enum port_bell_side */
};

struct port_bell {
	struct bell_page *page;
	int me, peer;
	int fd_mine; /* our FIFO, read end (opened O_RDWR: never blocks, never ENXIO) */
	int fd_peer; /* the peer's FIFO, written to ring */
	struct port_bell_stats st;
};

static const char *const side_name[2] = {"nic", "host"};

/* Read every ring byte waiting in our FIFO. */
static void drain(struct port_bell *b)
{
	char buf[64];

	while (read(b->fd_mine, buf, sizeof(buf)) > 0)
		;
}

/* Open (and with create, make) a FIFO; O_RDWR so neither end waits for the other. */
static int open_fifo(const char *path, bool create, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (create && mkfifo(path, 0600) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkfifo %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "%s: not a FIFO", path);
		close(fd);
		return -1;
	}
	return fd;
}

static struct bell_page *open_page(const char *path, bool create, char *err, size_t errlen)
{
	struct bell_page *p = NULL;
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size < (off_t)BELL_PAGE) {
		if (!create) {
			snprintf(err, errlen, "%s: too short", path);
			goto out;
		}
		if (ftruncate(fd, BELL_PAGE) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	void *m = mmap(NULL, BELL_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "mmap %s: %s", path, strerror(errno));
		goto out;
	}
	p = m;
	if (p->magic != BELL_MAGIC || p->version != BELL_VERSION) {
		if (!create) {
			snprintf(err, errlen, "%s: not a bell page", path);
			munmap(m, BELL_PAGE);
			p = NULL;
			goto out;
		}
		atomic_store(&p->armed[0], 0);
		atomic_store(&p->armed[1], 0);
		p->version = BELL_VERSION;
		p->magic = BELL_MAGIC;
	}
out:
	close(fd);
	return p;
}

struct port_bell *port_bell_open(const char *base, enum port_bell_side me, bool create, char *err,
				 size_t errlen)
{
	char path[4096];
	struct port_bell *b;

	if (!base || !*base || (me != PORT_BELL_NIC && me != PORT_BELL_HOST)) {
		snprintf(err, errlen, "bad bell arguments");
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->me = me;
	b->peer = 1 - me;
	b->fd_mine = b->fd_peer = -1;
	if (snprintf(path, sizeof(path), "%s.bell", base) >= (int)sizeof(path)) {
		snprintf(err, errlen, "bell path too long");
		goto fail;
	}
	b->page = open_page(path, create, err, errlen);
	if (!b->page)
		goto fail;
	snprintf(path, sizeof(path), "%s.bell-%s", base, side_name[b->me]);
	b->fd_mine = open_fifo(path, create, err, errlen);
	if (b->fd_mine < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s.bell-%s", base, side_name[b->peer]);
	b->fd_peer = open_fifo(path, create, err, errlen);
	if (b->fd_peer < 0)
		goto fail;
	/* A stale arm or ring of ours (a previous process on our side) would eat one ring. */
	atomic_store(&b->page->armed[b->me], 0);
	drain(b);
	return b;
fail:
	port_bell_close(b);
	return NULL;
}

void port_bell_close(struct port_bell *b)
{
	if (!b)
		return;
	if (b->page) {
		atomic_store(&b->page->armed[b->me], 0);
		munmap(b->page, BELL_PAGE);
	}
	if (b->fd_mine >= 0)
		close(b->fd_mine);
	if (b->fd_peer >= 0)
		close(b->fd_peer);
	free(b);
}

int port_bell_fd(const struct port_bell *b)
{
	return b->fd_mine;
}

void port_bell_arm(struct port_bell *b)
{
	b->st.arms++;
	atomic_store(&b->page->armed[b->me], 1); /* seq_cst: ordered before the ring re-check */
}

void port_bell_disarm(struct port_bell *b)
{
	/* Still armed: nobody rang, nothing to drain (no system call). */
	if (atomic_exchange(&b->page->armed[b->me], 0) == 1)
		return;
	b->st.woken++;
	drain(b);
}

void port_bell_ring(struct port_bell *b)
{
	static const char one = 1;

	/* The frames' publication (the ring's head, a release store) must be visible before we
	 * look at the peer's word: a full fence, pairing with the seq_cst store in
	 * port_bell_arm. Then a plain load, so an unarmed peer costs no write to the line. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&b->page->armed[b->peer]) == 0 ||
	    atomic_exchange(&b->page->armed[b->peer], 0) == 0)
		return;
	b->st.rings++;
	if (write(b->fd_peer, &one, 1) < 0) {
		/* FIFO full (the peer is not reading: gone): its timeout covers it. */
	}
}

void port_bell_stats(const struct port_bell *b, struct port_bell_stats *st)
{
	*st = b->st;
}
