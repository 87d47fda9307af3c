/* SPDX-License-Identifier: BSD-2-Clause */
/* Minimal assertion helpers for unit tests: a failed CHECK prints where and why and makes the
 * test exit non-zero; the test goes on so one run shows every failure. */
#ifndef IOTCP_TESTS_CHECK_H
#define IOTCP_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                                 \
		}                                                                         \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                 \
	do {                                                                               \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                           \
		if (a_ != b_) {                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%" PRIu64 " != %" PRIu64 ")\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);                       \
			check_failures++;                                                  \
		}                                                                          \
	} while (0)

/* Exit status for a test main(). */
#define CHECK_DONE()                                                                       \
	do {                                                                               \
		if (check_failures)                                                        \
			fprintf(stderr, "%d check(s) failed\n", check_failures);           \
		return check_failures ? EXIT_FAILURE : EXIT_SUCCESS;                       \
	} while (0)

/* Exit status meson understands as "skipped". */
#define TEST_SKIP(why)                                                                     \
	do {                                                                               \
		printf("SKIP: %s\n", why);                                                 \
		return 77;                                                                 \
	} while (0)

#endif
