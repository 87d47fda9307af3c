/* SPDX-License-Identifier: BSD-2-Clause */
/* Wrap-safe TCP sequence-number arithmetic (RFC 9293 section 3.4, RFC 1982 style). */
#ifndef IOTCP_TCP_SEQ_H
#define IOTCP_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return SEQ_GT(a, b) ? a : b;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return SEQ_LT(a, b) ? a : b;
}

/* lo <= s < hi, all wrap-safe. */
static inline bool seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return SEQ_GEQ(s, lo) && SEQ_LT(s, hi);
}

#endif
