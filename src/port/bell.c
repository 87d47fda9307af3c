/* SPDX-License-Identifier: BSD-2-Clause */
/* Host <-> NIC doorbell: see bell.h. */
#include "port/bell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BELL_MAGIC   0x696f6262u /* "iobb" */
#define BELL_VERSION 1u
#define BELL_PAGE    4096u
/* The armed word: 0 not armed, 1 armed (ring at once for urgent frames), BELL_LAZY | delay_us
 * armed lazily (bell.h). */
#define BELL_ARMED 1u
#define BELL_LAZY  0x80000000u
#define NO_DUE	   UINT64_MAX

struct bell_page {
	uint32_t magic;
	uint32_t version;
	_Atomic uint32_t armed[2];     /* indexed by enum port_bell_side */
	_Atomic uint32_t arm_seq[2];   /* arms so far: a deferred ring is for one sleep only */
	_Atomic uint32_t urgent_us[2]; /* a lazy arm's delay for urgent frames */
};

struct port_bell {
	struct bell_page *page;
	int me, peer;
	int fd_mine; /* our FIFO, read end (opened O_RDWR: never blocks, never ENXIO) */
	int fd_peer; /* the peer's FIFO, written to ring */
	/* A deferred ring of a lazily armed peer (ringer side): due_ns for urgent frames,
	 * first_ns the oldest frame (due dry_ns after it once we are dry). */
	uint64_t due_ns, first_ns, dry_ns;
	uint32_t due_seq; /* the peer's arm_seq of the sleep the deferred ring is for */
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
	b->due_ns = b->first_ns = NO_DUE;
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
	atomic_fetch_add_explicit(&b->page->arm_seq[b->me], 1, memory_order_relaxed);
	atomic_store(&b->page->armed[b->me], BELL_ARMED); /* seq_cst: before the ring re-check */
}

void port_bell_arm_lazy(struct port_bell *b, uint32_t urgent_us, uint32_t dry_us)
{
	if (urgent_us > PORT_BELL_DELAY_MAX_US)
		urgent_us = PORT_BELL_DELAY_MAX_US;
	if (dry_us > PORT_BELL_DELAY_MAX_US)
		dry_us = PORT_BELL_DELAY_MAX_US;
	b->st.arms++;
	atomic_fetch_add_explicit(&b->page->arm_seq[b->me], 1, memory_order_relaxed);
	atomic_store_explicit(&b->page->urgent_us[b->me], urgent_us, memory_order_relaxed);
	atomic_store(&b->page->armed[b->me], BELL_LAZY | dry_us); /* publishes both */
}

void port_bell_disarm(struct port_bell *b)
{
	/* Still armed: nobody rang, nothing to drain (no system call). */
	if (atomic_exchange(&b->page->armed[b->me], 0) != 0)
		return;
	b->st.woken++;
	drain(b);
}

/* Claim the peer's arm and write the ring byte; false when it was not armed (any more). */
static bool ring_now(struct port_bell *b)
{
	static const char one = 1;

	b->due_ns = b->first_ns = NO_DUE;
	if (atomic_exchange(&b->page->armed[b->peer], 0) == 0)
		return false;
	b->st.rings++;
	if (write(b->fd_peer, &one, 1) < 0) {
		/* FIFO full (the peer is not reading: gone): its timeout covers it. */
	}
	return true;
}

/* The peer's armed word, after our frames' publication (the ring's head, a release store):
 * a full fence, pairing with the seq_cst store of the arm. Then a plain load, so an unarmed
 * peer costs no write to the line. */
static uint32_t peer_armed(struct port_bell *b)
{
	atomic_thread_fence(memory_order_seq_cst);
	return atomic_load(&b->page->armed[b->peer]);
}

void port_bell_ring(struct port_bell *b)
{
	if (peer_armed(b) != 0)
		ring_now(b);
}

/* A deferred ring is due: ring the sleep it is for, not a later one (the peer woke on its
 * own, found the frames, and sleeps again: a ring now would be a wakeup for nothing). */
static void ring_deferred(struct port_bell *b)
{
	if (peer_armed(b) == 0 ||
	    atomic_load_explicit(&b->page->arm_seq[b->peer], memory_order_relaxed) != b->due_seq) {
		b->due_ns = b->first_ns = NO_DUE;
		return;
	}
	if (ring_now(b))
		b->st.rings_deferred++;
}

void port_bell_notify(struct port_bell *b, bool urgent, uint64_t now_ns)
{
	uint32_t a = peer_armed(b);

	if (a == 0) {
		/* Awake: it will find these frames (and any it was to be rung for). */
		b->due_ns = b->first_ns = NO_DUE;
		return;
	}
	if (!(a & BELL_LAZY)) {
		if (urgent)
			ring_now(b);
		return;
	}
	b->st.notified_lazy++;
	/* A deferred ring for an earlier sleep (the peer woke on its own since): forget it. */
	uint32_t seq = atomic_load_explicit(&b->page->arm_seq[b->peer], memory_order_relaxed);
	if (seq != b->due_seq) {
		b->due_ns = b->first_ns = NO_DUE;
		b->due_seq = seq;
	}
	b->dry_ns = (uint64_t)(a & ~BELL_LAZY) * 1000u;
	if (urgent) {
		uint32_t u =
		    atomic_load_explicit(&b->page->urgent_us[b->peer], memory_order_relaxed);
		if (u > PORT_BELL_DELAY_MAX_US) /* the peer's page: trust no value */
			u = PORT_BELL_DELAY_MAX_US;
		uint64_t due = now_ns + (uint64_t)u * 1000u;
		if (due < b->due_ns)
			b->due_ns = due;
	}
	if (b->first_ns == NO_DUE)
		b->first_ns = now_ns;
}

void port_bell_poll(struct port_bell *b, uint64_t now_ns, bool dry)
{
	uint64_t due = b->due_ns;

	if (due == NO_DUE && b->first_ns == NO_DUE)
		return;
	if (dry && b->first_ns != NO_DUE && b->first_ns + b->dry_ns < due)
		due = b->first_ns + b->dry_ns;
	if (now_ns < due)
		return;
	ring_deferred(b);
}

void port_bell_flush(struct port_bell *b)
{
	if (b->due_ns == NO_DUE && b->first_ns == NO_DUE)
		return;
	ring_deferred(b);
}

void port_bell_stats(const struct port_bell *b, struct port_bell_stats *st)
{
	*st = b->st;
}
