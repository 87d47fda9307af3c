/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's counters, each named once: the lists below generate struct host_counters and
 * struct host_cycles (ctx.h), struct host_tls_counters (tls_session.h) and the lines of
 * iotcp_dump_stats (stats.c). X(name) becomes the field `name` written as "host_<name>"; in
 * HOST_OFFLOAD_COUNTERS the field `off_<name>` written as "host_offload_<name>"; in
 * HOST_TLS_COUNTERS the field `name` written as "host_tls_<name>"; in HOST_CYCLE_STAGES the field `name` of struct
 * host_cycles written as "host_cycles_<name>". Adding a counter is one line here. */
#ifndef IOTCP_HOST_COUNTERS_H
#define IOTCP_HOST_COUNTERS_H

/* clang-format off */
#define HOST_COUNTERS(X)                                                                           \
	X(rx_frames) X(rx_bytes) X(tx_frames) X(tx_bytes)                                          \
	X(rx_dropped)          /* sum of every rx drop reason below and pkt decode errors */      \
	X(drop_not_our_mac) X(drop_not_our_ip) X(drop_bad_src) X(drop_ttl) X(drop_vlan)           \
	X(drop_icmp_other) X(drop_arp_other) X(drop_proto)                                        \
	X(tx_no_route) X(tx_nobuf) X(tx_refused) X(tx_too_big) X(tx_ext_unsupported)              \
	X(arp_requests_rx) X(arp_replies_rx) X(arp_replies_tx) X(arp_requests_tx)                 \
	X(arp_conflicts)                                                                           \
	X(icmp_echo)                                                                               \
	X(icmp_too_big)        /* ICMP / ICMPv6 too-big errors handed to TCP (tcp_pmtu_*) */      \
	X(drop_icmp_quote)     /* ICMP errors quoting no TCP segment of ours */                   \
	X(icmp6_echo) X(drop_icmp6_other) X(drop_nd_other)                                         \
	X(nd_solicits_rx) X(nd_adverts_rx) X(nd_adverts_tx) X(nd_solicits_tx) X(nd_failed)        \
	X(nic_hello_tx) X(nic_hello_rx) X(nic_heartbeat_tx) X(nic_heartbeat_rx)                   \
	X(nic_restarts) X(nic_link_lost)                                                           \
	X(idle_sleeps)                                                                             \
	X(file_payload_bytes)  /* file bytes the host itself sent (iotcp_write_file, copy mode) */ \
	X(offload_bytes)       /* file bytes the NIC sent for us (SENDs) */

/* The offload path (offload_types.h); ERROR reasons come apart, as off_errors[reason]. */
#define HOST_OFFLOAD_COUNTERS(X)                                                                   \
	X(opens) X(open_errors) X(closes) X(sends) X(retransmit_sends)                            \
	X(echoes) X(echo_timeouts) X(ackds) X(store_full_retries)                                 \
	X(flows_aborted) X(tx_unresolved) X(tx_no_fid) X(tx_nic_down)                             \
	X(cmd_unexpected)                                                                          \
	X(syncs) X(sync_retries) X(sync_flows_released) X(sync_files_released)

/* TLS on host sockets (tls_session.h: struct host_tls_counters), written as "host_tls_<name>". */
#define HOST_TLS_COUNTERS(X)                                                                       \
	X(handshakes) X(handshake_failures) X(handshake_timeouts) X(resumed)                      \
	X(handoffs) X(handoffs_refused) X(key_updates) X(peer_closes)                             \
	X(records_host) X(bytes_host)    /* records sealed by the host, their plaintext bytes */  \
	X(records_nic) X(bytes_nic)      /* records of offloaded file bodies, their bytes */      \
	X(keys_sent) X(rekeys) X(out_dropped)

/* Where the host core's cycles go: stages of poll rounds that did work; empty rounds
 * (spinning) and sleeps as idle; the application's time between two iotcp_epoll_wait calls. */
#define HOST_CYCLE_STAGES(X)                                                                       \
	X(rx)          /* link rx bursts and freeing the frames */                                 \
	X(input)       /* decoding, ARP/ICMP, TCP input */                                         \
	X(timers)      /* TCP, ARP and NIC-channel timers */                                       \
	X(offload)     /* the offload flows' pass (ECHO timeouts, ACKD) */                         \
	X(output)      /* TCP output (segments, SENDs) */                                          \
	X(tx)          /* link tx flush */                                                         \
	X(events)      /* readiness for epoll */                                                   \
	X(idle_poll)   /* rounds that found nothing to do */                                       \
	X(idle_sleep)  /* back-off sleeps */                                                       \
	X(app)         /* outside iotcp_epoll_wait */
/* clang-format on */

#define HOST_COUNTER_FIELD_(name)     uint64_t name;
#define HOST_OFF_COUNTER_FIELD_(name) uint64_t off_##name;

#endif
