/* SPDX-License-Identifier: BSD-2-Clause */
/* Invariant checks: the report of a broken one (see invariant.h). */
#include <stdio.h>
#include <stdlib.h>

#include "util/invariant.h"

void invariant_failed(const char *file, int line, const char *what, const char *detail)
{
	fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", file, line, what,
		detail ? detail : "-");
	fflush(stderr);
	abort();
}
