/* SPDX-License-Identifier: BSD-2-Clause */
/* The host half of IO-TCP offload (docs/protocol.md): offload file ids, offloaded flows, and the
 * command channel traffic they cause (OPEN, CLOSE, SEND, ACKD out; OPEN_DONE, CLOSE_DONE, ECHO,
 * ERROR in).
 *
 * Fids are descriptors of kind HD_FID. A file range queued with iotcp_offload_write becomes an
 * external reservation in the TCP core, tagged with the fid's descriptor and the file offset;
 * every TCP_PAYLOAD_EXT segment the core emits (first transmissions and retransmissions alike)
 * becomes a SEND with a header template. Each connection with external data has a flow (the
 * NIC's flow id), which tracks:
 *   - its reservations in stream order, to count per-fid unacknowledged bytes (CLOSE waits for
 *     zero) -- a reservation's sequence number is learnt from its first segment;
 *   - SENDs waiting for their ECHO: the ECHO starts the core's RTO/RTT timing
 *     (tcp_ext_sent). A SEND without ECHO after HOST_OFF_ECHO_TIMEOUT (lost SEND or lost ECHO)
 *     is treated as sent at SEND time, so TCP's RTO retransmits it; store_full / busy ERRORs
 *     resend the same SEND every HOST_OFF_RETRY (the TCP RTO does not back off meanwhile) up
 *     to HOST_OFF_RETRY_MAX times, then fall back to the RTO in the same way; flow_limit (the
 *     flow holds its share of the NIC) does the same for that flow only, waiting twice as
 *     long each time up to HOST_OFF_FLOW_BACKOFF_MAX, and at once after its next ACKD;
 *   - the last ACKD sent: at most one per flow and loop pass, when 64 KiB more are acknowledged
 *     or the flow goes idle, and ACKD(END) when the flow ends.
 * A flow ends once every byte is acknowledged -- a TLS flow of an open socket only after
 * HOST_OFF_TLS_IDLE without a new body (its NIC key stays for the next response).
 * A socket closed while its external data is unacknowledged keeps its connection as an
 * orphan flow (FIN queued, arriving data discarded) until the data is acknowledged or the
 * connection dies; only then is the handle given back to the core.
 *
 * Unresolved next hop when a SEND is built: the segment is dropped (counted) and an ARP request
 * is started; TCP retransmits it (the peer's address is normally known from the handshake).
 *
 * This header holds the constants and types (struct iotcp_ctx embeds struct host_offload); the
 * functions are declared by the header of the file that defines them: offload.h (offload.c:
 * the offload calls of iotcp.h, fids), offload_write.c (iotcp_offload_write), offload_flow.h
 * (flows), offload_send.h (SENDs, ECHO, ERROR), offload_cmd.h (the command frame),
 * offload_sync.h (SYNC). */
#ifndef IOTCP_HOST_OFFLOAD_TYPES_H
#define IOTCP_HOST_OFFLOAD_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "host/link.h"
#include "proto/offload.h"
#include "tcp/tcp.h"

#define HOST_OFF_ECHO_TIMEOUT	  (100 * TCP_MSEC)
#define HOST_OFF_RETRY		  (1 * TCP_MSEC)
#define HOST_OFF_RETRY_MAX	  1000u
#define HOST_OFF_FLOW_BACKOFF_MAX (128 * TCP_MSEC) /* ERROR(flow_limit): longest wait */
#define HOST_OFF_SYNC_RETRY	  (1 * TCP_SEC)	   /* SYNC unanswered: send it again */
#define HOST_OFF_SYNC_PERIOD	  (60 * TCP_SEC)   /* a sync also runs this often unasked */
#define HOST_OFF_OPEN_RETRY	  (1 * TCP_SEC)	   /* OPEN / CLOSE resent when unanswered */
#define HOST_OFF_ACKD_STEP	  (64u * 1024u)
#define HOST_OFF_PASS_TICK	  (250 * TCP_USEC) /* the flows' pass in rounds without work */
/* A TLS flow with every byte acknowledged is kept this long for its connection's next body:
 * its key stays installed on the NIC and the record sequence goes on, so a keep-alive
 * connection costs one TLS_KEY per key epoch, not one per response. */
#define HOST_OFF_TLS_IDLE (1 * TCP_SEC)
/* More file bytes than this queued and unacknowledged: the NIC is busy sending, the host's
 * idle sleeps need not be cut short by its doorbell (loop.c). */
#define HOST_OFF_BUSY_BYTES (128u * 1024u)
#define HOST_OFF_TSO_MAX    (4u * 65535u) /* largest burst per SEND (the TCP core's limit) */
#define HOST_OFF_FRAME_MAX  1514u	  /* command frames stay within a standard Ethernet frame */
#define HOST_OFF_FLOW_BITS  20u		  /* flow id = generation << 20 | slot */

struct host_sock;
struct host_tls_keys;

enum host_fid_state {
	FID_PENDING, /* OPEN sent, no OPEN_DONE yet */
	FID_OPEN,    /* usable */
	FID_FAILED,  /* the open failed (err) or the NIC restarted (EBADF) */
};

struct host_fid {
	int desc;
	uint32_t req_id;
	enum host_fid_state state;
	int err;	 /* positive errno when FAILED */
	bool closing;	 /* iotcp_offload_close called: the descriptor is no longer usable */
	bool close_sent; /* CLOSE sent, waiting for CLOSE_DONE */
	uint32_t nic_fid;
	uint32_t mode;
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	uint64_t outstanding; /* bytes queued from this fid and not yet acknowledged */
	int sd;		      /* socket told of the completion */
	struct host_sock *sock;
	tcp_time_t resend_at; /* OPEN / CLOSE retry */
	uint16_t path_len;
	char *path;
	struct host_fid *close_next; /* list of fids with CLOSE pending */
};

/* A TLS body (tls_offload.c): the reservation is the record stream of file bytes
 * [body_off, body_off + body_len), records numbered from rec_seq under key epoch `epoch`; off
 * and len of the reservation (and the core's tag_off) are offsets in that stream. */
struct host_off_tls {
	bool on;
	uint32_t epoch;
	uint64_t body_off, body_len, rec_seq;
};

#define HOST_TLS_TAG (1ull << 62) /* TCP reservation tags of TLS bodies */

/* A range of the stream queued from a fid. */
struct host_off_res {
	int fid_desc;
	uint64_t tag; /* the core's tag: fid_desc, or HOST_TLS_TAG | serial for a TLS body */
	uint64_t off;
	uint32_t len;
	uint32_t acked; /* bytes of it acknowledged */
	uint32_t seq;
	bool seq_known;
	struct host_off_tls tls;
};

/* A SEND waiting for its ECHO (or being retried after store_full / busy). */
struct host_off_send {
	uint64_t cookie;
	uint32_t seq, len;
	tcp_time_t sent_at;
	tcp_time_t retry_at; /* TCP_TIME_NEVER unless a retry is scheduled */
	uint32_t retries;
	struct proto_send cmd; /* cmd.tmpl points to tmpl */
	uint8_t tmpl[PROTO_TMPL_MAX];
};

struct host_off_flow {
	uint32_t id;
	struct tcp_conn *conn;
	struct host_sock *sock; /* NULL once orphaned */
	bool orphan;
	int doomed;	   /* positive errno: reset the connection at the next pass */
	bool inline_after; /* inline bytes were written after the last reservation */
	bool sent_any;	   /* at least one SEND went to the NIC */
	uint32_t ackd;	   /* acked value of the last ACKD */
	bool ackd_valid;
	struct host_off_res *res;
	uint32_t nres, res_cap, res_head;
	struct host_off_send *sends;
	uint32_t nsends, sends_cap;
	uint32_t nretry;    /* sends waiting to be resent (store_full / busy / flow_limit) */
	tcp_time_t backoff; /* flow_limit: the current wait (doubles), 0 = none */
	bool limited;	    /* flow_limit met: retries go one per pass until none is left */
	uint64_t send_serial;
	struct host_tls_keys *tls_keys; /* TLS bodies: the connection's keys (tls_session.h) */
	bool tls_key_sent;		/* TLS_KEY up to tls_key_epoch went to the NIC */
	uint32_t tls_key_epoch;
	uint32_t tls_rekeys; /* TLS_KEY sent again after ERROR(tls_no_key) */
	bool idle;	     /* every byte acknowledged since idle_since (TLS flows wait) */
	tcp_time_t idle_since;
	struct host_off_flow *prev, *next; /* ctx list of live flows; spare list: next */
};

/* Ended flows kept for reuse with their reservation and SEND arrays (a 4 KiB response is one
 * flow: three allocations and frees per request otherwise). */
#define HOST_OFF_SPARE_MAX 64u

/* Per-context offload state (struct iotcp_ctx.off). */
struct host_offload {
	struct host_off_flow **flows; /* by slot */
	uint32_t flows_cap;
	uint32_t *free_slots;
	uint32_t nfree;
	uint16_t flow_gen;
	uint16_t req_gen;
	struct host_off_flow list;   /* sentinel */
	struct host_off_flow *spare; /* ended flows for reuse (HOST_OFF_SPARE_MAX) */
	uint32_t nspare;
	struct host_fid *closing;  /* fids with CLOSE pending */
	tcp_time_t next_open_scan; /* OPEN retries */
	bool dirty;		   /* the application changed a flow: run the pass next round */
	/* resynchronisation (offload_sync.c) */
	uint32_t sync_epoch;  /* of the last SYNC sent */
	bool sync_pending;    /* a sync is wanted or waits for SYNC_DONE */
	tcp_time_t sync_next; /* (re)send the SYNC then */
	tcp_time_t sync_due;  /* the next periodic sync */
	/* the command frame being filled */
	bool frame_open;
	struct host_frame frame;
	struct proto_writer w;
};

/* Counters by ERROR reason (index = reason, 0 = out of range). */
#define HOST_OFF_REASONS (PROTO_ERR_REASON_MAX + 1)

#endif
