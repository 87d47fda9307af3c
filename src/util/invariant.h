/* SPDX-License-Identifier: BSD-2-Clause */
/* Invariant checks: whole-state consistency checks of a module (the NIC store's pin counts, the
 * engine's job accounting, ...) that are too slow for production but find logic errors that a
 * fuzzer or a test would otherwise miss (a leaked pin crashes nothing). They are compiled into
 * the sanitizer and fuzz builds (meson option 'invariants', docs/limits.md: IOTCP_INVARIANTS).
 * For the modules that use this header it is the only place that reads the setting; callers
 * write
 *     if (invariants_enabled()) check_my_state(...);
 * and the compiler drops the call elsewhere. */
#ifndef IOTCP_UTIL_INVARIANT_H
#define IOTCP_UTIL_INVARIANT_H

#include <stdbool.h>

#ifndef IOTCP_INVARIANTS
#define IOTCP_INVARIANTS 0
#endif

static inline bool invariants_enabled(void)
{
	return IOTCP_INVARIANTS != 0;
}

/* A broken invariant: print "file:line: invariant broken: what (detail)" on stderr, abort. */
_Noreturn void invariant_failed(const char *file, int line, const char *what, const char *detail);

/* Abort with a message when a check function returned a description of a broken invariant. */
#define INVARIANT_OK(msg_expr)                                                                     \
	do {                                                                                       \
		const char *inv_msg_ = (msg_expr);                                                 \
		if (inv_msg_)                                                                      \
			invariant_failed(__FILE__, __LINE__, #msg_expr, inv_msg_);                 \
	} while (0)

#endif
