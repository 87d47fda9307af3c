/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd command line. */
#ifndef IOTCP_NICD_OPTS_H
#define IOTCP_NICD_OPTS_H

#include <stdbool.h>
#include <stddef.h>

enum nicd_wire_kind {
	NICD_WIRE_TAP,
	NICD_WIRE_AF_PACKET,
	NICD_WIRE_VTAP, /* our own tap with virtio-net header: TSO through the kernel */
};

#define NICD_IFNAME_MAX 16

struct nicd_opts {
	const char *host_socket; /* memif server socket (required) */
	enum nicd_wire_kind wire_kind;
	char wire_ifname[NICD_IFNAME_MAX];
	int lcore;
	const char *file_prefix;
	const char *docroot;
	const char *stats_file;
	const char *log_file;
	const char *pid_file;
	const char *log_level; /* DPDK --log-level */
	unsigned mem_mb;
	unsigned store_mb;	 /* NIC block store, MiB */
	unsigned block_kb;	 /* store block size, KiB (power of two >= 4) */
	unsigned max_files;	 /* files open at once on the NIC */
	unsigned max_jobs;	 /* SENDs waiting or unacknowledged, all flows */
	unsigned flow_jobs;	 /* ... of one flow (0: the engine's default) */
	unsigned flow_pinned_kb; /* store KiB one flow may hold (0: 1/8 of the store) */
	bool foreground;
	bool help;
	bool no_ack_coalesce; /* forward every ACK of offloaded flows (src/nic/ackcoal.h) */
	unsigned shards;      /* host shards: host links PATH, PATH.1, ... (1..NICD_MAX_SHARDS) */
};

#define NICD_DEFAULT_WIRE      "tap:iotcp0"
#define NICD_DEFAULT_PREFIX    "iotcp-nicd"
#define NICD_DEFAULT_MEM_MB    256
#define NICD_SHARD_MEM_MB      64 /* default EAL memory added per shard past the first */
#define NICD_HOST_POOL	       2047	   /* mbufs of a host port (frames from the host) */
#define NICD_HOST_BUF_DATA     (16 * 1024) /* their data bytes */
#define NICD_DEFAULT_STORE_MB  64
#define NICD_DEFAULT_BLOCK_KB  64
#define NICD_DEFAULT_MAX_FILES 4096
#define NICD_MAX_STORE_MB      65536
#define NICD_MAX_BLOCK_KB      4096
#define NICD_MAX_FILES	       1000000
#define NICD_DEFAULT_MAX_JOBS  65536
#define NICD_MAX_JOBS	       4000000
#define NICD_MAX_SHARDS	       8 /* src/nic/steer.h NIC_STEER_MAX_SHARDS */

/* Parse argv into o (defaults first). 0 on success; -1 with err filled on a bad option or value
 * (including a --docroot that is not a directory, a --block-kb that is not a power of two or a
 * store smaller than one block). --help sets o->help and returns 0. */
int nicd_opts_parse(int argc, char **argv, struct nicd_opts *o, char *err, size_t errlen);
/* Parse "tap:IFNAME", "vtap:IFNAME" or "afpacket:IFNAME". 0 or -1. */
int nicd_parse_wire(const char *s, struct nicd_opts *o);
/* The usage text. */
const char *nicd_usage(void);

#endif
