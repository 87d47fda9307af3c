/* SPDX-License-Identifier: BSD-2-Clause */
/* The DPDK host link: one ethdev port (net_memif client to iotcp-nicd, or any other port) behind
 * the host_link interface. Only built when DPDK is found. The EAL must be running. */
#ifndef IOTCP_HOST_LINK_DPDK_H
#define IOTCP_HOST_LINK_DPDK_H

#include <stddef.h>

#include "host/link.h"

/* Open the memif client port to the NIC daemon's socket (socket-abstract=no). NULL on failure
 * with err filled. */
struct host_link *link_dpdk_open_memif(const char *socket_path, char *err, size_t errlen);

#endif
