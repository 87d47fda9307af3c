/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening files strictly beneath a directory: openat2(2) with RESOLVE_BENEATH, so "..",
 * absolute paths and symlinks cannot leave the directory (the kernel refuses with EXDEV). */
#ifndef IOTCP_UTIL_BENEATH_H
#define IOTCP_UTIL_BENEATH_H

/* Open path (relative; "" or "/" mean the directory itself) beneath dirfd with flags
 * (O_CLOEXEC is added). Returns the fd or a negative errno. */
int open_beneath(int dirfd, const char *path, int flags);

#endif
