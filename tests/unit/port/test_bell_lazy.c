/* SPDX-License-Identifier: BSD-2-Clause */
/* The doorbell's lazy arm (port/bell.h), on a virtual clock: a lazily armed sleeper is rung at
 * most once per burst of frames, never later than its delay after the first urgent frame (or,
 * once the ringer is dry, after the first frame of any kind) plus one poll interval, never for
 * bare ACKs and ECHOs while the ringer is busy, at once by flush; a deferred ring meant for a
 * sleep that has ended (the sleeper woke on its own and sleeps again) is dropped; an ordinary
 * arm keeps its old rules. A random schedule checks the bounds over many sleeps. */
#define _GNU_SOURCE
#include "../check.h"
#include "port/bell.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US 1000ull /* ns */

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static uint64_t rings(const struct port_bell *b)
{
	struct port_bell_stats st;
	port_bell_stats(b, &st);
	return st.rings;
}

/* The sleeper wakes: was it rung? (disarm drains the ring) */
static bool woken(struct port_bell *host)
{
	bool r = readable(port_bell_fd(host));
	port_bell_disarm(host);
	return r;
}

/* xorshift64: a fixed-seed schedule */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(void)
{
	char dir[] = "/tmp/iotcp-bell-lazy-XXXXXX", base[256], err[256], cmd[300];
	struct port_bell_stats st;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(base, sizeof(base), "%s/nic.sock", dir);
	struct port_bell *nic = port_bell_open(base, PORT_BELL_NIC, true, err, sizeof(err));
	struct port_bell *host = port_bell_open(base, PORT_BELL_HOST, false, err, sizeof(err));
	CHECK(nic && host);
	if (!nic || !host)
		CHECK_DONE();
	uint64_t t = 1000000 * US;

	/* Urgent frames: one ring for the burst, at the first one's deadline (50 us), not before. */
	port_bell_arm_lazy(host, 50, 50);
	port_bell_notify(nic, true, t);
	port_bell_notify(nic, true, t + 10 * US);
	port_bell_notify(nic, false, t + 20 * US);
	port_bell_poll(nic, t + 49 * US, false);
	CHECK_EQ_U64(rings(nic), 0);
	CHECK(!readable(port_bell_fd(host)));
	port_bell_poll(nic, t + 50 * US, false);
	CHECK_EQ_U64(rings(nic), 1);
	port_bell_notify(nic, true, t + 60 * US); /* the sleeper is waking: no second ring */
	port_bell_poll(nic, t + 200 * US, false);
	CHECK_EQ_U64(rings(nic), 1);
	CHECK(woken(host));

	/* Bare ACKs and ECHOs while the ringer is busy: no ring however long (the sleeper's own
	 * timeout collects them); once dry, a ring 50 us after the first of them. */
	t += 1000 * US;
	port_bell_arm_lazy(host, 50, 50);
	port_bell_notify(nic, false, t);
	port_bell_notify(nic, false, t + 30 * US);
	port_bell_poll(nic, t + 900 * US, false);
	CHECK_EQ_U64(rings(nic), 1);
	port_bell_poll(nic, t + 901 * US, true);
	CHECK_EQ_U64(rings(nic), 2);
	CHECK(woken(host));
	/* dry before the delay passed: not yet */
	t += 1000 * US;
	port_bell_arm_lazy(host, 50, 50);
	port_bell_notify(nic, false, t);
	port_bell_poll(nic, t + 20 * US, true);
	CHECK_EQ_U64(rings(nic), 2);
	port_bell_poll(nic, t + 50 * US, true);
	CHECK_EQ_U64(rings(nic), 3);
	CHECK(woken(host));

	/* Urgent frames may wait longer than frames of a dry ringer: a request while the NIC
	 * sends (wire busy) waits up to urgent_us, but once the NIC runs dry only dry_us. */
	t += 1000 * US;
	port_bell_arm_lazy(host, 500, 50);
	port_bell_notify(nic, true, t);
	port_bell_poll(nic, t + 400 * US, false);
	CHECK_EQ_U64(rings(nic), 3);
	port_bell_poll(nic, t + 500 * US, false);
	CHECK_EQ_U64(rings(nic), 4);
	CHECK(woken(host));
	t += 1000 * US;
	port_bell_arm_lazy(host, 500, 50);
	port_bell_notify(nic, true, t);
	port_bell_poll(nic, t + 40 * US, true);
	CHECK_EQ_U64(rings(nic), 4);
	port_bell_poll(nic, t + 60 * US, true);
	CHECK_EQ_U64(rings(nic), 5);
	CHECK(woken(host));

	/* The ringer is about to sleep: a deferred ring is rung at once. */
	t += 1000 * US;
	port_bell_arm_lazy(host, 50, 50);
	port_bell_notify(nic, false, t);
	port_bell_flush(nic);
	CHECK_EQ_U64(rings(nic), 6);
	CHECK(woken(host));
	port_bell_flush(nic); /* nothing pending: nothing rung */
	CHECK_EQ_U64(rings(nic), 6);

	/* The sleeper woke on its own (its timeout) before the deadline, and sleeps again: the
	 * old deferred ring is dropped, a new frame starts a new one. */
	t += 1000 * US;
	port_bell_arm_lazy(host, 50, 50);
	port_bell_notify(nic, true, t);
	CHECK(!woken(host));
	port_bell_arm_lazy(host, 50, 50);
	port_bell_poll(nic, t + 60 * US, false);
	CHECK_EQ_U64(rings(nic), 6);
	port_bell_notify(nic, true, t + 70 * US);
	port_bell_poll(nic, t + 119 * US, false);
	CHECK_EQ_U64(rings(nic), 6);
	port_bell_poll(nic, t + 120 * US, false);
	CHECK_EQ_U64(rings(nic), 7);
	CHECK(woken(host));
	/* Awake (not armed): notifying forgets a pending ring; nothing is rung later. */
	port_bell_notify(nic, true, t + 200 * US);
	port_bell_poll(nic, t + 10000 * US, true);
	port_bell_flush(nic);
	CHECK_EQ_U64(rings(nic), 7);

	/* An ordinary arm: urgent frames ring at once, others never; port_bell_ring rings a lazy
	 * arm at once (a ringer that knows no lazy arms). */
	t += 1000 * US;
	port_bell_arm(host);
	port_bell_notify(nic, false, t);
	port_bell_poll(nic, t + 10000 * US, true);
	port_bell_flush(nic);
	CHECK_EQ_U64(rings(nic), 7);
	port_bell_notify(nic, true, t);
	CHECK_EQ_U64(rings(nic), 8);
	CHECK(woken(host));
	port_bell_arm_lazy(host, 50, 50);
	port_bell_ring(nic);
	CHECK_EQ_U64(rings(nic), 9);
	CHECK(woken(host));
	port_bell_stats(nic, &st);
	CHECK_EQ_U64(st.rings_deferred, 7);

	/* Random bursts (fixed seed): per sleep at most one ring, and a sleep with an urgent
	 * frame (or with any frame while the ringer is dry) is rung no later than the delay
	 * plus one poll interval after that frame; frames while busy alone are never rung. */
	uint64_t seed = 0x9e3779b97f4a7c15ull, late = 0, extra = 0, missed = 0, spurious = 0,
		 late_dry = 0;
	const uint64_t delay = 300 * US, dry_delay = 80 * US, step = 7 * US;
	for (int sleep = 0; sleep < 2000; sleep++) {
		uint64_t r0 = rings(nic), due = UINT64_MAX, rang_at = UINT64_MAX,
			 first = UINT64_MAX;
		bool any = false;
		port_bell_arm_lazy(host, (uint32_t)(delay / US), (uint32_t)(dry_delay / US));
		uint64_t end = t + 1000 * US; /* the sleeper's own timeout */
		for (uint64_t now = t; now < end; now += step) {
			unsigned x = (unsigned)(rnd(&seed) % 100);
			bool dry = (rnd(&seed) % 4) == 0;
			if (x < 15) {
				port_bell_notify(nic, x < 3, now);
				any = true;
				if (first == UINT64_MAX)
					first = now;
				if (x < 3 && now + delay < due)
					due = now + delay;
			}
			port_bell_poll(nic, now, dry);
			if (rings(nic) != r0 && rang_at == UINT64_MAX)
				rang_at = now;
			/* dry, and the first frame waited its delay: rung by now */
			late_dry += dry && first != UINT64_MAX && now >= first + dry_delay &&
				    rang_at == UINT64_MAX;
		}
		extra += rings(nic) - r0 > 1;
		if (due != UINT64_MAX) {
			missed += rang_at == UINT64_MAX;
			late += rang_at != UINT64_MAX && rang_at > due + step;
		}
		spurious += !any && rings(nic) != r0;
		(void)woken(host);
		t = end;
	}
	CHECK_EQ_U64(extra, 0);
	CHECK_EQ_U64(missed, 0);
	CHECK_EQ_U64(late, 0);
	CHECK_EQ_U64(spurious, 0);
	CHECK_EQ_U64(late_dry, 0);

	port_bell_close(nic);
	port_bell_close(host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	CHECK_DONE();
}
