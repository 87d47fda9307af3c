/* SPDX-License-Identifier: BSD-2-Clause */
/* Minimal assertion helpers for unit tests: a failed CHECK prints where and why and makes the
 * test exit non-zero; the test goes on so one run shows every failure. */
#ifndef IOTCP_TESTS_CHECK_H
#define IOTCP_TESTS_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static unsigned long check_count; /* checks evaluated, failed or not */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
	do {                                                                                       \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                   \
		check_count++;                                                                     \
		if (a_ != b_) {                                                                    \
			fprintf(stderr,                                                            \
				"%s:%d: CHECK failed: %s == %s (%" PRIu64 " != %" PRIu64 ")\n",    \
				__FILE__, __LINE__, #a, #b, a_, b_);                               \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

/* Exit status for a test main(); prints how many checks ran (a split or rewritten test must
 * not check less than before). */
#define CHECK_DONE()                                                                               \
	do {                                                                                       \
		printf("%lu check(s) evaluated\n", check_count);                                   \
		if (check_failures)                                                                \
			fprintf(stderr, "%d check(s) failed\n", check_failures);                   \
		return check_failures ? EXIT_FAILURE : EXIT_SUCCESS;                               \
	} while (0)

/* The runner: RUN(test_fn) prints the test's name, runs it and says ok or FAIL with the count of
 * its failed checks. A test program's arguments pick what runs:
 *   test_x            every test            test_x NAME...   only the tests named
 *   test_x --list     the names, one a line (nothing runs)
 * (through meson: meson test -C build NAME --test-args 'test_fn'). A NAME that matches no test
 * is an error, so a renamed test cannot silently stop running.
 *
 *   int main(int argc, char **argv) { RUN_INIT(argc, argv); RUN(test_a); RUN(test_b); RUN_DONE(); }
 */
static struct {
	char **only; /* names asked for (NULL: all) */
	int n_only;
	unsigned long matched; /* bit i: only[i] named a test that ran */
	bool list;
	int ran;
} run_;

static inline void run_init_(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--list") == 0)
			run_.list = true;
	if (!run_.list && argc > 1) {
		run_.only = argv + 1;
		run_.n_only = argc - 1 < 64 ? argc - 1 : 64;
	}
}

static inline bool run_wanted_(const char *name)
{
	bool want = run_.only == NULL;

	for (int i = 0; i < run_.n_only; i++)
		if (strcmp(run_.only[i], name) == 0) {
			run_.matched |= 1ul << i;
			want = true;
		}
	return want;
}

static inline void run_one_(const char *name, void (*fn)(void))
{
	int before = check_failures;

	if (run_.list) {
		printf("%s\n", name);
		return;
	}
	if (!run_wanted_(name))
		return;
	printf("--- %s\n", name);
	fflush(stdout);
	fn();
	run_.ran++;
	if (check_failures == before)
		printf("ok   %s\n", name);
	else
		printf("FAIL %s (%d check(s) failed)\n", name, check_failures - before);
	fflush(stdout);
}

#define RUN_INIT(argc, argv) run_init_((argc), (argv))
#define RUN(fn)		     run_one_(#fn, (fn))
/* Exit status for a test main() that used RUN. */
#define RUN_DONE()                                                                                 \
	do {                                                                                       \
		if (run_.list)                                                                     \
			return EXIT_SUCCESS;                                                       \
		for (int i_ = 0; i_ < run_.n_only; i_++)                                           \
			if (!(run_.matched & (1ul << i_))) {                                       \
				fprintf(stderr, "no test named %s\n", run_.only[i_]);              \
				check_failures++;                                                  \
			}                                                                          \
		printf("%d test(s) run\n", run_.ran);                                              \
		CHECK_DONE();                                                                      \
	} while (0)

/* Scenario tests built from steps on one fixture: test k runs the first k steps in order on a
 * fresh fixture, so every step's checks count and the first test that fails names the
 * behaviour that broke.
 *   RUN_STEPS_FN(run_steps, struct fixture, setup, teardown, steps)
 * defines static void run_steps(size_t n); bool setup(struct fixture *) makes the fixture (false:
 * there is none, a failed check, and nothing runs), void teardown(struct fixture *) undoes it;
 * steps is an array of void (*)(struct fixture *). Asking for more steps than there are is a
 * failed check. */
#define RUN_STEPS_FN(fn, type, setup, teardown, steps)                                             \
	static void fn(size_t n)                                                                   \
	{                                                                                          \
		type x_;                                                                           \
                                                                                                   \
		if (n > sizeof(steps) / sizeof((steps)[0])) {                                      \
			CHECK(!"more steps asked for than there are");                             \
			n = sizeof(steps) / sizeof((steps)[0]);                                    \
		}                                                                                  \
		if (!setup(&x_)) {                                                                 \
			CHECK(!"fixture set-up");                                                  \
			return;                                                                    \
		}                                                                                  \
		for (size_t i_ = 0; i_ < n; i_++)                                                  \
			(steps)[i_](&x_);                                                          \
		teardown(&x_);                                                                     \
	}

/* Exit status meson understands as "skipped". */
#define TEST_SKIP(why)                                                                             \
	do {                                                                                       \
		printf("SKIP: %s\n", why);                                                         \
		return 77;                                                                         \
	} while (0)

#endif
