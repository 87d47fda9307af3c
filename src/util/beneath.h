/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening files strictly beneath a directory: openat2(2) with RESOLVE_BENEATH, so "..",
 * absolute paths and symlinks cannot leave the directory (the kernel refuses with EXDEV). */
#ifndef IOTCP_UTIL_BENEATH_H
#define IOTCP_UTIL_BENEATH_H

/* Open path (relative; "" or "/" mean the directory itself) beneath dirfd with flags
 * (O_CLOEXEC is added). Returns the fd or a negative errno. Where the kernel has no openat2
 * (Linux before 5.6, e.g. older BlueField images; qemu-user before 9.0) it falls back to
 * open_beneath_walk(). */
int open_beneath(int dirfd, const char *path, int flags);

/* The fallback: ".." resolved lexically (EXDEV above dirfd), then one component at a time with
 * O_NOFOLLOW. Every symlink is refused with EXDEV, even one that stays beneath (stricter than
 * RESOLVE_BENEATH, which follows it). Same return. */
int open_beneath_walk(int dirfd, const char *path, int flags);

#endif
