/* SPDX-License-Identifier: BSD-2-Clause */
/* Building EAL command lines and vdev strings; no DPDK needed, so the tests and the simulator
 * can use and check them. */
#ifndef IOTCP_PORT_EAL_ARGS_H
#define IOTCP_PORT_EAL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define PORT_EAL_MAX_ARGS   32
#define PORT_EAL_STORE	    2048
#define PORT_EAL_MAX_VDEVS  8
#define PORT_PREFIX_MAX_LEN 64

struct port_eal_config {
	const char *prog;	  /* argv[0]; NULL -> "iotcp" */
	int lcore;		  /* -l N; negative: let EAL choose */
	const char *file_prefix;  /* --file-prefix; required: [A-Za-z0-9_.-]+, no "." or ".." */
	unsigned mem_mb;	  /* -m; 0 -> 256 */
	bool hugepages;		  /* false -> --no-huge */
	bool pci;		  /* false -> --no-pci */
	const char *log_level;	  /* --log-level=X; NULL: EAL default */
	const char *const *vdevs; /* --vdev=X each; devices can also be hot-plugged by port_open */
	unsigned n_vdevs;
};

struct port_eal_argv {
	int argc;
	char *argv[PORT_EAL_MAX_ARGS + 1]; /* NULL-terminated; strings live in store */
	char store[PORT_EAL_STORE];
	size_t used;
};

/* True when s is a safe --file-prefix (it names a directory under /var/run/dpdk). */
bool port_prefix_valid(const char *s);

/* Fill out with the EAL argv for cfg. Returns 0, -EINVAL (bad prefix, lcore, vdev) or -E2BIG. */
int port_eal_argv_build(const struct port_eal_config *cfg, struct port_eal_argv *out);

/* vdev strings (port_config.devargs). Return the length or -EINVAL / -E2BIG. The ethdev name is
 * "net_<driver><index>". */
int port_vdev_memif(char *buf, size_t len, unsigned index, bool server, const char *socket_path);
int port_vdev_tap(char *buf, size_t len, unsigned index, const char *ifname);
int port_vdev_af_packet(char *buf, size_t len, unsigned index, const char *ifname);

#endif
