/* SPDX-License-Identifier: BSD-2-Clause */
/* iotcp-nicd's command line: parsing, defaults and checks (see nicd_opts.h). */
#include "nicd_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "port/eal_args.h"

const char *nicd_usage(void)
{
	return "usage: iotcp-nicd --host-socket PATH [options]\n"
	       "  --host-socket PATH       memif socket for the host link (server role)\n"
	       "  --wire tap:IF|vtap:IF|afpacket:IF wire port (default " NICD_DEFAULT_WIRE ");\n"
	       "                           vtap: a kernel tap with virtio-net header, no DPDK\n"
	       "                           PMD: 64 KiB TSO frames, checksums by the kernel (a\n"
	       "                           capture on the tap, or a relay reading it, sees the\n"
	       "                           unsegmented frames)\n"
	       "  --lcore N                EAL core (default 0)\n"
	       "  --file-prefix P          EAL file prefix (default " NICD_DEFAULT_PREFIX ")\n"
	       "  --mem-mb N               EAL memory, MB (default 256, and 64 more for each\n"
	       "                           shard past the first; no hugepages)\n"
	       "  --docroot DIR            directory of files to serve (checked); without it\n"
	       "                           offload commands are answered with ERROR(unsupported)\n"
	       "  --store-mb N             NIC block store, MiB (default 64)\n"
	       "  --block-kb N             store block size, KiB, power of two >= 4 (default 64)\n"
	       "  --max-files N            files open on the NIC at once (default 4096)\n"
	       "  --max-jobs N             SENDs waiting or unacknowledged, all flows (default\n"
	       "                           65536); past it: ERROR(busy)\n"
	       "  --flow-jobs N            the same for one flow (default 4096, at most\n"
	       "                           --max-jobs); past it: ERROR(flow_limit) to that flow\n"
	       "  --flow-pinned-kb N       store KiB one flow's unacknowledged SENDs may hold\n"
	       "                           (default 1/8 of the store); past it: ERROR(flow_limit)\n"
	       "  --stats-file PATH        counters, rewritten every second and at exit\n"
	       "  --log-file PATH          log here instead of stderr\n"
	       "  --pid-file PATH          write the daemon's pid\n"
	       "  --log-level L            DPDK log level (default notice)\n"
	       "  --foreground             do not daemonize\n"
	       "  --ack-coalesce on|off    merge pure ACKs of offloaded flows that a newer one\n"
	       "                           covers in the same round (default on)\n"
	       "  --shards N               host shards, 1..8 (default 1): N host links, memif\n"
	       "                           sockets PATH, PATH.1 .. PATH.N-1, each with its "
	       "doorbell\n"
	       "                           and its own offload engine (store, files and jobs\n"
	       "                           divided among them); TCP flows go to a shard by a "
	       "keyed\n"
	       "                           symmetric hash of the 4-tuple, ARP/ND/ICMP to shard 0\n"
	       "  --help\n";
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NICD_IFNAME_MAX)
		return false;
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ',' || *c == '=' || *c == ':' || *c <= ' ' || *c == 0x7f)
			return false;
	return true;
}

int nicd_parse_wire(const char *s, struct nicd_opts *o)
{
	const char *name;

	if (strncmp(s, "tap:", 4) == 0) {
		o->wire_kind = NICD_WIRE_TAP;
		name = s + 4;
	} else if (strncmp(s, "vtap:", 5) == 0) {
		o->wire_kind = NICD_WIRE_VTAP;
		name = s + 5;
	} else if (strncmp(s, "afpacket:", 9) == 0) {
		o->wire_kind = NICD_WIRE_AF_PACKET;
		name = s + 9;
	} else {
		return -1;
	}
	if (!ifname_ok(name))
		return -1;
	snprintf(o->wire_ifname, sizeof(o->wire_ifname), "%s", name);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_HOST_SOCKET = 256,
	OPT_WIRE,
	OPT_LCORE,
	OPT_PREFIX,
	OPT_MEM,
	OPT_DOCROOT,
	OPT_STORE_MB,
	OPT_BLOCK_KB,
	OPT_MAX_FILES,
	OPT_MAX_JOBS,
	OPT_FLOW_JOBS,
	OPT_FLOW_PINNED,
	OPT_STATS,
	OPT_LOG,
	OPT_PID,
	OPT_LOG_LEVEL,
	OPT_FOREGROUND,
	OPT_HELP,
	OPT_ACK_COALESCE,
	OPT_SHARDS,
};

int nicd_opts_parse(int argc, char **argv, struct nicd_opts *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
	    {"host-socket", required_argument, NULL, OPT_HOST_SOCKET},
	    {"wire", required_argument, NULL, OPT_WIRE},
	    {"lcore", required_argument, NULL, OPT_LCORE},
	    {"file-prefix", required_argument, NULL, OPT_PREFIX},
	    {"mem-mb", required_argument, NULL, OPT_MEM},
	    {"docroot", required_argument, NULL, OPT_DOCROOT},
	    {"store-mb", required_argument, NULL, OPT_STORE_MB},
	    {"block-kb", required_argument, NULL, OPT_BLOCK_KB},
	    {"max-files", required_argument, NULL, OPT_MAX_FILES},
	    {"max-jobs", required_argument, NULL, OPT_MAX_JOBS},
	    {"flow-jobs", required_argument, NULL, OPT_FLOW_JOBS},
	    {"flow-pinned-kb", required_argument, NULL, OPT_FLOW_PINNED},
	    {"stats-file", required_argument, NULL, OPT_STATS},
	    {"log-file", required_argument, NULL, OPT_LOG},
	    {"pid-file", required_argument, NULL, OPT_PID},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"foreground", no_argument, NULL, OPT_FOREGROUND},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"ack-coalesce", required_argument, NULL, OPT_ACK_COALESCE},
	    {"shards", required_argument, NULL, OPT_SHARDS},
	    {NULL, 0, NULL, 0},
	};
	unsigned long v;
	bool mem_given = false;
	int c;

	memset(o, 0, sizeof(*o));
	nicd_parse_wire(NICD_DEFAULT_WIRE, o);
	o->file_prefix = NICD_DEFAULT_PREFIX;
	o->mem_mb = NICD_DEFAULT_MEM_MB;
	o->log_level = "notice";
	o->store_mb = NICD_DEFAULT_STORE_MB;
	o->block_kb = NICD_DEFAULT_BLOCK_KB;
	o->max_files = NICD_DEFAULT_MAX_FILES;
	o->max_jobs = NICD_DEFAULT_MAX_JOBS;
	o->shards = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HOST_SOCKET:
			if (!*optarg || strlen(optarg) > 107 || strchr(optarg, ','))
				return fail(err, errlen, "--host-socket: bad path '%s'", optarg);
			o->host_socket = optarg;
			break;
		case OPT_WIRE:
			if (nicd_parse_wire(optarg, o))
				return fail(
				    err, errlen,
				    "--wire: expected tap:IFNAME, vtap:IFNAME or afpacket:IFNAME, "
				    "got '%s'",
				    optarg);
			break;
		case OPT_LCORE:
			if (parse_uint(optarg, 1023, &v))
				return fail(err, errlen, "--lcore: bad core '%s'", optarg);
			o->lcore = (int)v;
			break;
		case OPT_PREFIX:
			if (!port_prefix_valid(optarg))
				return fail(err, errlen, "--file-prefix: bad prefix '%s'", optarg);
			o->file_prefix = optarg;
			break;
		case OPT_MEM:
			if (parse_uint(optarg, 65536, &v) || v < 16)
				return fail(err, errlen, "--mem-mb: bad size '%s' (16..65536)",
					    optarg);
			o->mem_mb = (unsigned)v;
			mem_given = true;
			break;
		case OPT_DOCROOT: {
			struct stat st;
			if (stat(optarg, &st) != 0)
				return fail(err, errlen, "--docroot: %s: %s", optarg,
					    strerror(errno));
			if (!S_ISDIR(st.st_mode))
				return fail(err, errlen, "--docroot: %s: not a directory", optarg);
			o->docroot = optarg;
			break;
		}
		case OPT_STORE_MB:
			if (parse_uint(optarg, NICD_MAX_STORE_MB, &v) || v < 1)
				return fail(err, errlen, "--store-mb: bad size '%s' (1..%u)",
					    optarg, NICD_MAX_STORE_MB);
			o->store_mb = (unsigned)v;
			break;
		case OPT_BLOCK_KB:
			if (parse_uint(optarg, NICD_MAX_BLOCK_KB, &v) || v < 4 || (v & (v - 1)))
				return fail(err, errlen,
					    "--block-kb: bad size '%s' (a power of two, 4..%u)",
					    optarg, NICD_MAX_BLOCK_KB);
			o->block_kb = (unsigned)v;
			break;
		case OPT_MAX_FILES:
			if (parse_uint(optarg, NICD_MAX_FILES, &v) || v < 1)
				return fail(err, errlen, "--max-files: bad count '%s' (1..%u)",
					    optarg, NICD_MAX_FILES);
			o->max_files = (unsigned)v;
			break;
		case OPT_MAX_JOBS:
			if (parse_uint(optarg, NICD_MAX_JOBS, &v) || v < 1)
				return fail(err, errlen, "--max-jobs: bad count '%s' (1..%u)",
					    optarg, NICD_MAX_JOBS);
			o->max_jobs = (unsigned)v;
			break;
		case OPT_FLOW_JOBS:
			if (parse_uint(optarg, NICD_MAX_JOBS, &v) || v < 1)
				return fail(err, errlen, "--flow-jobs: bad count '%s' (1..%u)",
					    optarg, NICD_MAX_JOBS);
			o->flow_jobs = (unsigned)v;
			break;
		case OPT_FLOW_PINNED:
			if (parse_uint(optarg, (unsigned long)NICD_MAX_STORE_MB * 1024, &v) ||
			    v < 4)
				return fail(err, errlen, "--flow-pinned-kb: bad size '%s' (4..%u)",
					    optarg, NICD_MAX_STORE_MB * 1024);
			o->flow_pinned_kb = (unsigned)v;
			break;
		case OPT_STATS:
			o->stats_file = optarg;
			break;
		case OPT_LOG:
			o->log_file = optarg;
			break;
		case OPT_PID:
			o->pid_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (!*optarg || strchr(optarg, ' '))
				return fail(err, errlen, "--log-level: bad level '%s'", optarg);
			o->log_level = optarg;
			break;
		case OPT_FOREGROUND:
			o->foreground = true;
			break;
		case OPT_HELP:
			o->help = true;
			return 0;
		case OPT_ACK_COALESCE:
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
				return fail(err, errlen, "--ack-coalesce: want on or off, not '%s'",
					    optarg);
			o->no_ack_coalesce = strcmp(optarg, "off") == 0;
			break;
		case OPT_SHARDS:
			if (parse_uint(optarg, NICD_MAX_SHARDS, &v) || v < 1)
				return fail(err, errlen, "--shards: bad count '%s' (1..%u)", optarg,
					    NICD_MAX_SHARDS);
			o->shards = (unsigned)v;
			break;
		default:
			return fail(err, errlen, "unknown or incomplete option '%s'",
				    optind > 0 && optind <= argc ? argv[optind - 1] : "?");
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (!o->host_socket)
		return fail(err, errlen, "--host-socket PATH is required");
	/* each shard has its own mbuf pools (host port, TSO frames, zero-copy pieces) */
	if (!mem_given)
		o->mem_mb = NICD_DEFAULT_MEM_MB + NICD_SHARD_MEM_MB * (o->shards - 1);
	if (o->shards > 1 && strlen(o->host_socket) + 2 > 107)
		return fail(err, errlen, "--host-socket: '%s' too long for shard sockets PATH.N",
			    o->host_socket);
	if (o->shards > 1 && (uint64_t)o->store_mb * 1024 / o->shards < o->block_kb)
		return fail(err, errlen, "--store-mb %u is smaller than one %u KiB block per shard",
			    o->store_mb, o->block_kb);
	if (o->max_files < o->shards || o->max_jobs < o->shards)
		return fail(err, errlen, "--max-files and --max-jobs must be at least --shards");
	if ((uint64_t)o->store_mb * 1024 < o->block_kb)
		return fail(err, errlen, "--store-mb %u is smaller than one %u KiB block",
			    o->store_mb, o->block_kb);
	if (o->stats_file && !*o->stats_file)
		return fail(err, errlen, "--stats-file: empty path");
	return 0;
}
