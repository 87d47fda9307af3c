/* SPDX-License-Identifier: BSD-2-Clause */
/* A classic libpcap file writer for simulated traffic: magic 0xa1b2c3d4 (microsecond
 * timestamps), version 2.4, link type LINKTYPE_RAW (101: each record is a raw IPv4 packet, no
 * link-layer header), snapshot length 65535. The file is written little-endian whatever the
 * host, so the same run gives byte-identical files everywhere. Open it with tshark/wireshark. */
#ifndef IOTCP_TESTS_SIM_PCAP_H
#define IOTCP_TESTS_SIM_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/types.h"

#define SIM_PCAP_MAGIC	  0xa1b2c3d4u
#define SIM_PCAP_LINKTYPE 101u /* LINKTYPE_RAW */
#define SIM_PCAP_SNAPLEN  65535u

struct sim_pcap;

/* Create (truncate) path and write the file header. NULL with errno set on failure. */
struct sim_pcap *sim_pcap_open(const char *path);
/* Append one packet captured at virtual time t (ns; stored as seconds + microseconds). Packets
 * longer than the snapshot length are truncated in the file (orig_len keeps the real length).
 * Returns 0, or -EINVAL for a NULL writer/packet, or -EIO after a write error (the writer then
 * refuses further packets). */
int sim_pcap_write(struct sim_pcap *p, tcp_time_t t, const void *pkt, size_t len);
/* Number of packets written so far. */
uint64_t sim_pcap_count(const struct sim_pcap *p);
/* Flush and close. 0, or -EIO if any write or the close failed. NULL is fine. */
int sim_pcap_close(struct sim_pcap *p);

#endif
