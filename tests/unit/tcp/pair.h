/* SPDX-License-Identifier: BSD-2-Clause */
/* Test helper: two TCP stacks (A at 198.18.0.1, B at 198.18.0.2) exchanging segments directly,
 * through the header codec (tcp_hdr_encode / tcp_stack_input_raw), with a virtual clock and
 * an optional filter that can drop or alter segments. */
#ifndef IOTCP_TESTS_TCP_PAIR_H
#define IOTCP_TESTS_TCP_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

#define PAIR_ADDR_A 0xc6120001u
#define PAIR_ADDR_B 0xc6120002u
#define PAIR_LOG 64

struct pair;
/* Return false to drop. from_a: direction. May modify hdr / data. */
typedef bool (*pair_filter_fn)(struct pair *p, bool from_a, struct tcp_hdr *h, uint8_t *data,
			       uint32_t *len);

struct pair_logged {
	bool from_a;
	struct tcp_hdr h;
	uint32_t len;
};

struct pair {
	struct tcp_stack *a, *b;
	tcp_time_t now;
	pair_filter_fn filter;
	void *ctx;
	uint64_t segs_ab, segs_ba, dropped;
	struct pair_logged log[PAIR_LOG];
	unsigned nlog;     /* total logged (ring of PAIR_LOG) */
	int last_input_rc; /* rc of the most recent tcp_stack_input_raw */
};

void pair_init(struct pair *p, uint64_t seed);
void pair_free(struct pair *p);
/* Deliver segments both ways until quiet. Returns segments moved. */
unsigned pair_pump(struct pair *p);
/* Advance the clock to p->now + dt, running timers and pumping at each deadline. */
void pair_run(struct pair *p, tcp_time_t dt);
/* Connect a client conn on A to a listener on B (port 80); returns the pair of conns
 * established after pumping (NULL on failure). */
bool pair_connect(struct pair *p, const struct tcp_config *ca, const struct tcp_config *cb,
		  struct tcp_conn **client, struct tcp_conn **server);
/* Inject a hand-made segment into stack `to_b ? B : A` as if sent by the other side. */
int pair_inject(struct pair *p, bool to_b, const struct tcp_hdr *h, const uint8_t *data,
		uint32_t len);
/* Last logged segment (k = 0 newest) or NULL. */
const struct pair_logged *pair_last(const struct pair *p, unsigned k);
/* A hand-made segment from a connection's side (A: port 40000, B: port 80) carrying its
 * current sequence numbers: SND.NXT, ACK RCV.NXT, window 1000. */
struct tcp_hdr pair_hdr_from(struct tcp_conn *c, bool from_a);
/* tcp_config_default() as a value. */
struct tcp_config pair_cfg_default(void);
/* Bytes of pattern data for external ranges: byte at tag offset o. */
uint8_t pair_ext_byte(uint64_t tag, uint64_t off);

#endif
